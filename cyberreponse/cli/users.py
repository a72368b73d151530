"""`users create EMAIL --role ROLE [--org SIREN]... [--name NAME] --password-stdin`."""

from __future__ import annotations

import sys

import click

from cyberreponse.actors import ROLES, system_actor
from cyberreponse.cli import CliContext, pass_context
from cyberreponse.errors import DomainError
from cyberreponse.services import accounts
from cyberreponse.services.accounts import one_time_password_notice


def register(cli: click.Group) -> None:
    @cli.group(name="users")
    def users_group() -> None:
        """Accounts."""

    @users_group.command(name="create")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option(
        "--org", "orgs", multiple=True, help="SIREN of an organisation (member accounts; repeatable)."
    )
    @click.option("--name", default="", help="Full name.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @pass_context
    def create(
        ctx: CliContext, email: str, role: str, orgs: tuple[str, ...], name: str, password_stdin: bool
    ) -> None:
        """Create an account; without --password-stdin a one-time password is printed."""
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
        with ctx.database.session_scope() as session:
            try:
                user, generated = accounts.create_user(
                    session,
                    system_actor("cli"),
                    accounts.NewUser(
                        email=email, role=role, name=name, organisation_sirens=orgs, password=password
                    ),
                    ctx.settings.get_int("security.password_min_length"),
                )
            except DomainError as error:
                raise click.ClickException(error.message) from error
        click.echo(f"Created {role} account {user.email}.")
        if generated:
            click.echo(f"One-time password (shown once): {generated}")
            click.echo(one_time_password_notice())
