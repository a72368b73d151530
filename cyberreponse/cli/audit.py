"""`audit verify`: walk the hash chain and report the first broken link."""

from __future__ import annotations

import sys

import click

from cyberreponse.audit import verify_chain
from cyberreponse.cli import CliContext, pass_context


def register(cli: click.Group) -> None:
    @cli.group(name="audit")
    def audit_group() -> None:
        """The audit log."""

    @audit_group.command(name="verify")
    @pass_context
    def verify(ctx: CliContext) -> None:
        """Check that no audit row was changed or deleted."""
        with ctx.database.session_scope() as session:
            checked, broken = verify_chain(session)
        if broken is not None:
            click.echo(
                f"BROKEN at audit event {broken.event_id}: {broken.reason} "
                f"({checked} events intact before it).",
                err=True,
            )
            sys.exit(1)
        click.echo(f"OK: {checked} audit events, chain intact.")
