"""`tokens create EMAIL [--name NAME] [--days N]`: an API token, printed once."""

from __future__ import annotations

import click

from cyberreponse.actors import system_actor
from cyberreponse.cli import CliContext, pass_context
from cyberreponse.clock import in_paris
from cyberreponse.errors import DomainError
from cyberreponse.services import api_tokens


def token_policy(ctx: CliContext) -> api_tokens.TokenPolicy:
    return api_tokens.TokenPolicy(
        default_days=ctx.settings.get_int("api.token_days"),
        max_days=ctx.settings.get_int("api.token_max_days"),
    )


def register(cli: click.Group) -> None:
    @cli.group(name="tokens")
    def tokens_group() -> None:
        """API tokens."""

    @tokens_group.command(name="create")
    @click.argument("email")
    @click.option("--name", default="cli", show_default=True, help="What the token is for.")
    @click.option("--days", type=int, default=None, help="Lifetime in days (default: api.token_days).")
    @pass_context
    def create(ctx: CliContext, email: str, name: str, days: int | None) -> None:
        """Create an API token for an account; the token is shown once, only its hash is kept."""
        with ctx.database.session_scope() as session:
            try:
                token, secret = api_tokens.issue_token_for_email(
                    session, system_actor("cli"), email, name, days, token_policy(ctx)
                )
            except DomainError as error:
                raise click.ClickException(error.message) from error
            expires = in_paris(token.expires_at).strftime("%d/%m/%Y %H:%M")
        click.echo(f"Token {name!r} for {email}, valid until {expires} (Paris time).")
        click.echo("Shown once, keep it in a safe place:")
        click.echo(secret)
