"""`playbooks validate [DIR]` and `playbooks sync [DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cyberreponse.actors import system_actor
from cyberreponse.cli import CliContext, pass_context
from cyberreponse.config import load_settings
from cyberreponse.services.playbook_catalogue import CatalogueReport, read_catalogue
from cyberreponse.services.playbooks import playbooks_directory, sync_playbooks


def _directory(given: Path | None) -> Path:
    # Validation needs no secrets and no database: it also runs in CI and on an editor's machine.
    return given if given is not None else playbooks_directory(load_settings(require_secrets=False))


def _report_errors(report: CatalogueReport) -> None:
    click.echo(f"{len(report.errors)} error(s):", err=True)
    for error in report.errors:
        click.echo(f"  {error}", err=True)


def register(cli: click.Group) -> None:
    @cli.group(name="playbooks")
    def playbooks_group() -> None:
        """Response playbooks (one TOML file each)."""

    @playbooks_group.command(name="validate")
    @click.argument("directory", required=False, type=click.Path(path_type=Path))
    def validate(directory: Path | None) -> None:
        """Check every playbook file; list all errors and exit 1 if there is any."""
        folder = _directory(directory)
        report = read_catalogue(folder)
        if report.errors:
            _report_errors(report)
            sys.exit(1)
        click.echo(f"{len(report.catalogue.playbooks)} playbook(s) valid in {folder}.")

    @playbooks_group.command(name="sync")
    @click.argument("directory", required=False, type=click.Path(path_type=Path))
    @pass_context
    def sync(ctx: CliContext, directory: Path | None) -> None:
        """Store new playbook versions (by content hash); stored versions are never changed."""
        folder = directory if directory is not None else playbooks_directory(ctx.settings)
        report = read_catalogue(folder)
        if report.errors:
            _report_errors(report)
            click.echo("Nothing stored: fix the files first.", err=True)
            sys.exit(1)
        with ctx.database.session_scope() as session:
            result = sync_playbooks(session, system_actor("cli"), report.catalogue.playbooks)
        for version in result.stored:
            click.echo(
                f"Stored {version.playbook_id} version {version.version} ({version.content_hash[:12]})."
            )
        for playbook_id in result.version_not_raised:
            click.echo(f"Warning: {playbook_id} changed but its version number was not raised.", err=True)
        click.echo(f"{len(result.stored)} new version(s), {len(result.unchanged)} unchanged.")
