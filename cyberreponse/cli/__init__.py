"""The `cyberreponse` command. Each command is thin: it parses, calls a service, prints."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

import click

from cyberreponse.config import ConfigError, Settings, load_settings, resolve_database_url
from cyberreponse.crypto import Keyring, install_keyring
from cyberreponse.db import Database


class CliContext:
    """Settings and database, loaded on first use so that `--help` needs neither."""

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings()
        install_keyring(Keyring(settings.get_list("security.encryption_keys")))
        return settings

    @cached_property
    def database(self) -> Database:
        return Database.from_url(resolve_database_url(self.settings))


pass_context = click.make_pass_decorator(CliContext, ensure=True)


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """CybeRéponse: incident response and security posture for a regional CSIRT."""
    ctx.ensure_object(CliContext)


def _register() -> None:
    from cyberreponse.cli import (
        api_tokens,
        audit,
        campaigns,
        keys,
        members,
        playbooks,
        questionnaire,
        scan,
        scheduler,
        setup,
        users,
    )

    for module in (
        setup,
        members,
        users,
        audit,
        keys,
        scheduler,
        questionnaire,
        playbooks,
        api_tokens,
        scan,
        campaigns,
    ):
        module.register(cli)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: configuration errors end with one clear message and exit code 2."""
    _register()
    try:
        return cli.main(args=argv, prog_name="cyberreponse", standalone_mode=True)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
