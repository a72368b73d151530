"""`members import FILE.csv` and `members consent SIREN --given-by "Name, role"`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cyberreponse.actors import system_actor
from cyberreponse.cli import CliContext, pass_context
from cyberreponse.errors import DomainError
from cyberreponse.services import member_import, members


def register(cli: click.Group) -> None:
    @cli.group(name="members")
    def members_group() -> None:
        """Member organisations."""

    @members_group.command(name="import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @pass_context
    def import_command(ctx: CliContext, file: Path) -> None:
        """Import members from a CSV file (all or nothing)."""
        with ctx.database.session_scope() as session:
            try:
                report = member_import.import_members(
                    session, system_actor("cli"), file.read_bytes(), file.name
                )
            except member_import.ImportRejected as error:
                click.echo(
                    f"Import refused, nothing was written ({len(error.line_errors)} error(s)):", err=True
                )
                for line, reason in error.line_errors:
                    click.echo(f"  line {line}: {reason}", err=True)
                sys.exit(1)
        click.echo(f"Imported {report.organisations} organisations and {report.domains} domains.")

    @members_group.command(name="consent")
    @click.argument("siren")
    @click.option("--given-by", required=True, help='Who agreed to the scans, e.g. "Marie Dupont, maire".')
    @pass_context
    def consent_command(ctx: CliContext, siren: str, given_by: str) -> None:
        """Record a member's consent to the scans of its assets."""
        with ctx.database.session_scope() as session:
            try:
                organisation = members.record_scan_consent(session, system_actor("cli"), siren, given_by)
            except DomainError as error:
                raise click.ClickException(error.message) from error
            click.echo(f"Consent recorded for {organisation.name} ({siren}), given by {given_by}.")
