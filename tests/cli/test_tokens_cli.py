"""`cyberreponse tokens create EMAIL`: the token is printed once and works; only its hash is kept."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from cyberreponse.cli import _register, cli
from cyberreponse.crypto import token_digest
from cyberreponse.models import ApiToken
from cyberreponse.services import api_tokens
from tests.cli.conftest import CliDatabase
from tests.factories import make_user

_register()


def test_create_prints_a_working_token_once(cli_database: CliDatabase) -> None:
    with cli_database.database.session_scope() as session:
        make_user(session, "analyst", email="analyste@example.test")
        session.commit()
    result = CliRunner().invoke(
        cli, ["tokens", "create", "Analyste@example.test", "--name", "misp", "--days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert len(secret) == 43
    with cli_database.database.session_scope() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert (stored.name, stored.token_digest) == ("misp", token_digest(secret))
        assert (stored.expires_at - stored.created_at).days == 7
        found = api_tokens.authenticate(session, secret)
        assert found is not None and found[0].email == "analyste@example.test"


def test_create_refuses_an_unknown_account(cli_database: CliDatabase) -> None:
    result = CliRunner().invoke(cli, ["tokens", "create", "nobody@example.test"])
    assert result.exit_code == 1
    assert "Aucun compte" in result.output


def test_create_refuses_a_lifetime_beyond_the_maximum(cli_database: CliDatabase) -> None:
    with cli_database.database.session_scope() as session:
        make_user(session, "analyst", email="long@example.test")
        session.commit()
    result = CliRunner().invoke(cli, ["tokens", "create", "long@example.test", "--days", "400"])
    assert result.exit_code == 1
    assert "365" in result.output
