"""`keys generate` and `keys rotate`: encryption key management (see docs/cryptography.md)."""

from __future__ import annotations

import click

from cyberreponse.cli import CliContext, pass_context
from cyberreponse.crypto import new_fernet_key
from cyberreponse.services.key_rotation import reencrypt_all


def register(cli: click.Group) -> None:
    @cli.group(name="keys")
    def keys_group() -> None:
        """Encryption keys for data at rest."""

    @keys_group.command(name="generate")
    def generate() -> None:
        """Print a new key, to put first in CYBERREPONSE_ENCRYPTION_KEYS."""
        click.echo(new_fernet_key())

    @keys_group.command(name="rotate")
    @pass_context
    def rotate(ctx: CliContext) -> None:
        """Re-encrypt every encrypted value under the first (newest) key."""
        with ctx.database.session_scope() as session:
            counts = reencrypt_all(session)
        for column, count in counts.items():
            click.echo(f"{column}: {count} value(s) re-encrypted")
        click.echo("Done: older keys can now be removed from CYBERREPONSE_ENCRYPTION_KEYS.")
