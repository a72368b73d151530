"""`questionnaire check`: validate the NIS2 questionnaire file after editing it."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from cyberreponse.datafiles import DataFileError
from cyberreponse.services.questionnaire import QUESTIONNAIRE_PATH, load_questionnaire


def register(cli: click.Group) -> None:
    @cli.group(name="questionnaire")
    def questionnaire_group() -> None:
        """The NIS2 self-assessment questionnaire."""

    @questionnaire_group.command(name="check")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def check(path: Path | None) -> None:
        """Validate PATH (default: the shipped questionnaire); print its version, hash and counts."""
        target = path or QUESTIONNAIRE_PATH
        try:
            questionnaire = load_questionnaire(target)
        except DataFileError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        per_measure = Counter(q.measure for q in questionnaire.questions)
        click.echo(f"OK: {target}")
        click.echo(f"version {questionnaire.version}, content hash {questionnaire.content_hash}")
        click.echo(
            f"{len(questionnaire.questions)} questions, {len(questionnaire.themes)} themes; per measure: "
            + ", ".join(f"({m.letter}) {per_measure[m.letter]}" for m in questionnaire.measures)
        )
