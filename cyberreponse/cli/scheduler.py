"""`cyberreponse scheduler`: the scheduler as its own process (one per deployment)."""

from __future__ import annotations

import signal
from types import FrameType

import click

from cyberreponse.cli import CliContext, pass_context
from cyberreponse.jobs.scheduler import SchedulerLeader
from cyberreponse.logs import configure_logging


def register(cli: click.Group) -> None:
    @cli.command()
    @pass_context
    def scheduler(ctx: CliContext) -> None:
        """Run scheduled jobs (nightly campaign, reminders, digests); stands by if another scheduler leads."""
        settings = ctx.settings
        configure_logging(settings.get_str("logging.level"), settings.get_str("logging.format"))
        leader = SchedulerLeader(settings, ctx.database)

        def stop(_signum: int, _frame: FrameType | None) -> None:
            leader.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(f"Scheduler {leader.holder} starting; jobs: {', '.join(sorted(leader.jobs)) or 'none'}")
        leader.run()
