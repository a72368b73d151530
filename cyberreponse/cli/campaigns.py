"""`cyberreponse campaign run|status|resume` and `cyberreponse worker` (Celery, distributed mode)."""

from __future__ import annotations

import sys

import click

from cyberreponse.actors import system_actor
from cyberreponse.cli import CliContext, pass_context
from cyberreponse.errors import DomainError
from cyberreponse.jobs.scheduler import new_holder_id
from cyberreponse.logs import configure_logging
from cyberreponse.models import Campaign


def _line(campaign: Campaign) -> str:
    return (
        f"{campaign.public_id}  {campaign.kind:<9} {campaign.status:<8} "
        f"{campaign.units_finished}/{campaign.units_total} units "
        f"({campaign.units_done} done, {campaign.units_failed} failed, {campaign.units_skipped} skipped), "
        f"{campaign.results_written} results, {campaign.findings_opened} findings opened, "
        f"{campaign.findings_resolved} resolved"
    )


def _follow(ctx: CliContext, campaign: Campaign, *, wait: bool) -> Campaign:
    """Run (or watch) the campaign, with a progress bar on standard error."""
    from cyberreponse.jobs.campaign_runner import run_campaign

    holder = new_holder_id()
    with click.progressbar(
        length=max(1, campaign.units_total), label=campaign.public_id, file=sys.stderr
    ) as bar:
        shown = 0

        def progress(current: Campaign) -> None:
            nonlocal shown
            if current.units_finished > shown:
                bar.update(current.units_finished - shown)
                shown = current.units_finished

        return run_campaign(ctx.database, ctx.settings, campaign.id, holder, progress=progress, wait=wait)


def register(cli: click.Group) -> None:
    @cli.group()
    def campaign() -> None:
        """Posture campaigns: scan the registered assets of consenting members."""

    @campaign.command("run")
    @click.option(
        "--org", "sirens", multiple=True, metavar="SIREN", help="Only this organisation (repeatable)."
    )
    @click.option(
        "--wait",
        is_flag=True,
        help="With Celery, watch until the workers are done (in-process campaigns always run to the end).",
    )
    @pass_context
    def run(ctx: CliContext, sirens: tuple[str, ...], wait: bool) -> None:
        """Start a campaign now and run it with the configured executor."""
        from cyberreponse.services.campaigns import start_campaign

        settings = ctx.settings
        configure_logging("WARNING", settings.get_str("logging.format"))
        with ctx.database.session_scope() as session:
            try:
                created = start_campaign(session, system_actor("cli"), settings, sirens)
            except DomainError as error:
                raise click.ClickException(str(error)) from error
            session.expunge(created)
        click.echo(f"Campaign {created.public_id}: {created.units_total} units", err=True)
        finished = _follow(ctx, created, wait=wait or settings.get_str("jobs.executor") == "inprocess")
        click.echo(_line(finished))

    @campaign.command("resume")
    @pass_context
    def resume(ctx: CliContext) -> None:
        """Finish the campaigns a crash left unfinished, without redoing finished units."""
        from cyberreponse.services.campaigns import unfinished_campaigns

        configure_logging("WARNING", ctx.settings.get_str("logging.format"))
        with ctx.database.session_scope() as session:
            pending = unfinished_campaigns(session)
            for item in pending:
                session.expunge(item)
        if not pending:
            click.echo("No unfinished campaign.")
        for item in pending:
            click.echo(_line(_follow(ctx, item, wait=True)))

    @campaign.command("status")
    @click.option("--limit", type=click.IntRange(1, 500), default=10, show_default=True)
    @pass_context
    def status(ctx: CliContext, limit: int) -> None:
        """The latest campaigns and their progress."""
        from cyberreponse.services.campaigns import list_campaigns

        with ctx.database.session_scope() as session:
            page = list_campaigns(session, system_actor("cli"), page_size=limit)
            if not page.items:
                click.echo("No campaign yet.")
            for item in page.items:
                click.echo(_line(item))

    @cli.command()
    @click.option(
        "--concurrency", type=click.IntRange(1, 64), help="Threads (default: jobs.worker_concurrency)."
    )
    @pass_context
    def worker(ctx: CliContext, concurrency: int | None) -> None:
        """Run a Celery worker for campaign units (executor = "celery")."""
        from cyberreponse.jobs import runtime
        from cyberreponse.jobs.celery_app import make_celery

        settings = ctx.settings
        configure_logging(settings.get_str("logging.level"), settings.get_str("logging.format"))
        runtime.configure(runtime.Runtime(settings, ctx.database, new_holder_id()))
        app = make_celery(settings)
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={concurrency or settings.get_int('jobs.worker_concurrency')}",
                f"--queues={settings.get_str('jobs.celery_queue')}",
                f"--loglevel={settings.get_str('logging.level')}",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=cyberreponse-{new_holder_id()}",
            ]
        )
