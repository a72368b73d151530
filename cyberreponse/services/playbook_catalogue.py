"""Playbooks as data: one TOML file per playbook in `playbooks/`, read into frozen dataclasses.

A playbook says what a member, the CSIRT and providers do, step by step, when an incident of a
given kind happens. The schema (see docs/playbooks.md):

    id = "ransomware"                      # = the file name without .toml
    version = 1                            # raised by whoever edits the file
    title = { fr = "…", en = "…" }
    summary = "…"                          # Markdown subset
    [applies_to]
    rsit_types = ["system-compromise", …]  # DESIGN §5
    situations = ["ransomware", …]         # what the reporter ticked on the public form
    [[steps]]
    id = "isoler"                          # unique in the playbook
    phase = "containment"                  # qualification, containment, eradication, recovery, post-incident
    title = "…"
    detail = "…"                           # Markdown subset
    actor = "member"                       # csirt, member, provider
    within = "PT1H"                        # ISO 8601 duration from awareness of the incident
    mandatory = true
    obligation = "cnil_notification"       # optional: the obligation this step fulfils

Nothing here touches the database: storing versions is services/playbooks.py's job.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from cyberreponse.datafiles import DataFileError, DataFileErrors, ErrorList, Table, read_toml
from cyberreponse.markdown_subset import refused_links, render_markdown
from cyberreponse.vocabularies import OBLIGATION_KINDS, REPORTER_SITUATIONS, RSIT_TYPES

PHASES = ("qualification", "containment", "eradication", "recovery", "post-incident")
ACTORS = ("csirt", "member", "provider")
MAX_WITHIN = timedelta(days=366)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W|(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?)$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes or seconds (P1D, PT24H, P2W, PT30M).

    Years and months are refused: their length varies, and a deadline must be exact."""
    match = _DURATION.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        if re.match(r"^P(\d+Y|\d+M)", text):
            raise ValueError("years and months have no fixed length: use days (P30D) or weeks (P4W)")
        raise ValueError("expected an ISO 8601 duration such as PT4H, P1D, P2W or P1DT12H")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    if not parts:
        raise ValueError("expected an ISO 8601 duration such as PT4H, P1D, P2W or P1DT12H")
    return timedelta(**parts)


def describe_duration(delta: timedelta) -> str:
    """French wording for a delay: "30 min", "4 h", "72 h" (legal deadlines read in hours up to
    three days), "5 j", "1 j 12 h"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0 and 0 < minutes <= 72 * 60:
        return f"{minutes // 60} h"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} j" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "immédiatement"


@dataclass(frozen=True)
class Step:
    id: str
    phase: str
    title: str
    detail: str
    actor: str
    within: timedelta
    within_text: str
    mandatory: bool
    obligation: str | None = None

    @property
    def detail_html(self) -> Markup:
        return render_markdown(self.detail)

    @property
    def within_label(self) -> str:
        return describe_duration(self.within)

    def to_definition(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "phase": self.phase,
            "title": self.title,
            "detail": self.detail,
            "actor": self.actor,
            "within": self.within_text,
            "mandatory": self.mandatory,
        }
        if self.obligation:
            data["obligation"] = self.obligation
        return data


@dataclass(frozen=True)
class Playbook:
    id: str
    version: int
    title_fr: str
    title_en: str
    summary: str
    rsit_types: tuple[str, ...]
    situations: tuple[str, ...]
    steps: tuple[Step, ...]
    source: str = ""

    @property
    def summary_html(self) -> Markup:
        return render_markdown(self.summary)

    def title(self, lang: str = "fr") -> str:
        return self.title_en if lang == "en" else self.title_fr

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def steps_by_phase(self) -> list[tuple[str, list[Step]]]:
        return [(phase, [s for s in self.steps if s.phase == phase]) for phase in PHASES if self._has(phase)]

    def _has(self, phase: str) -> bool:
        return any(step.phase == phase for step in self.steps)

    @property
    def obligations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.obligation for step in self.steps if step.obligation))

    def to_definition(self) -> dict[str, Any]:
        """The playbook as plain JSON data: what is stored and hashed (comments and layout of the
        file do not count, so reformatting a file does not make a new version)."""
        return {
            "id": self.id,
            "version": self.version,
            "title": {"fr": self.title_fr, "en": self.title_en},
            "summary": self.summary,
            "applies_to": {"rsit_types": list(self.rsit_types), "situations": list(self.situations)},
            "steps": [step.to_definition() for step in self.steps],
        }

    @property
    def content_hash(self) -> str:
        canonical = json.dumps(
            self.to_definition(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _identifier(table: Table, name: str) -> str:
    value = table.required_text(name, max_length=64)
    if not _ID.match(value):
        raise table.error(
            name, f"{value!r} is not a valid id (lower-case letters, digits and '-', at most 64)"
        )
    return value


def _markdown(table: Table, name: str, *, required: bool = True) -> str:
    value = table.text(name, max_length=5_000, required=required) or ""
    for url in refused_links(value):
        raise table.error(
            name, f"link target {url!r} refused: only http(s), mailto and tel links are allowed"
        )
    return value


def _step(table: Table) -> Step:
    table.refuse_unknown(("id", "phase", "title", "detail", "actor", "within", "mandatory", "obligation"))
    within_text = table.required_text("within", max_length=32)
    try:
        within = parse_duration(within_text)
    except ValueError as error:
        raise table.error("within", f"{within_text!r}: {error}") from error
    if within > MAX_WITHIN:
        raise table.error("within", f"{within_text!r} is longer than a year")
    return Step(
        id=_identifier(table, "id"),
        phase=str(table.choice("phase", PHASES)),
        title=table.required_text("title", max_length=200),
        detail=_markdown(table, "detail"),
        actor=str(table.choice("actor", ACTORS)),
        within=within,
        within_text=within_text,
        mandatory=table.boolean("mandatory"),
        obligation=table.choice("obligation", OBLIGATION_KINDS, required=False),
    )


def _check_steps(path: str, steps: list[tuple[str, Step]], errors: ErrorList) -> None:
    seen: dict[str, str] = {}
    last_phase = 0
    for key, step in steps:
        if step.id in seen:
            errors.errors.append(
                DataFileError(path, f"{key}.id", f"duplicate step id {step.id!r} (first at {seen[step.id]})")
            )
        seen.setdefault(step.id, key)
        phase = PHASES.index(step.phase)
        if phase < last_phase:
            errors.errors.append(
                DataFileError(
                    path,
                    f"{key}.phase",
                    f"{step.phase!r} comes after a step of phase {PHASES[last_phase]!r}: "
                    "order the steps by phase (" + ", ".join(PHASES) + ")",
                )
            )
        last_phase = max(last_phase, phase)


def parse_playbook(source: Path | str, data: Any, *, expected_id: str | None = None) -> Playbook:
    """Validate one playbook definition (from a TOML file or stored JSON); report every error found."""
    path = str(source)
    errors = ErrorList()
    root = Table(path, data)
    with errors.collect():
        root.refuse_unknown(("id", "version", "title", "summary", "applies_to", "steps"))
    fields: dict[str, Any] = {}
    with errors.collect():
        fields["id"] = _identifier(root, "id")
        if expected_id is not None and fields["id"] != expected_id:
            raise root.error("id", f"{fields['id']!r} must match the file name ({expected_id}.toml)")
    with errors.collect():
        fields["version"] = root.integer("version", minimum=1)
    with errors.collect():
        title = root.table("title")
        title.refuse_unknown(("fr", "en"))
        fields["title_fr"] = title.required_text("fr", max_length=200)
        fields["title_en"] = title.required_text("en", max_length=200)
    with errors.collect():
        fields["summary"] = _markdown(root, "summary")
    with errors.collect():
        applies = root.table("applies_to")
        applies.refuse_unknown(("rsit_types", "situations"))
        fields["rsit_types"] = applies.choices("rsit_types", RSIT_TYPES)
        fields["situations"] = applies.choices("situations", REPORTER_SITUATIONS)
    steps: list[tuple[str, Step]] = []
    with errors.collect():
        for table in root.tables("steps"):
            with errors.collect():
                steps.append((table.prefix, _step(table)))
    _check_steps(path, steps, errors)
    errors.raise_if_any()
    return Playbook(steps=tuple(step for _, step in steps), source=path, **fields)


def load_playbook_file(path: Path) -> Playbook:
    return parse_playbook(path, read_toml(path), expected_id=path.stem)


@dataclass(frozen=True)
class Suggestion:
    playbook: Playbook
    matches_type: bool
    matches_situation: bool


@dataclass(frozen=True)
class PlaybookCatalogue:
    playbooks: tuple[Playbook, ...]

    def get(self, playbook_id: str) -> Playbook | None:
        return next((p for p in self.playbooks if p.id == playbook_id), None)

    def suggest(self, rsit_type: str | None, situation: str | None) -> list[Suggestion]:
        """Playbooks that apply, best first: those matching the analyst's classification and the
        reporter's situation, then the classification alone (the analyst's judgement weighs more
        than a box ticked in a hurry), then the situation alone. Among equals, the most specific
        playbook (fewest types and situations) comes first. "unknown" matches only the playbooks
        written for it (first response)."""
        found: list[tuple[tuple[int, int, str], Suggestion]] = []
        for playbook in self.playbooks:
            by_type = bool(rsit_type) and rsit_type in playbook.rsit_types
            by_situation = bool(situation) and situation in playbook.situations
            if not (by_type or by_situation):
                continue
            tier = 0 if by_type and by_situation else 1 if by_type else 2
            breadth = len(playbook.rsit_types) + len(playbook.situations)
            found.append(((tier, breadth, playbook.id), Suggestion(playbook, by_type, by_situation)))
        return [suggestion for _, suggestion in sorted(found, key=lambda item: item[0])]


@dataclass(frozen=True)
class CatalogueReport:
    catalogue: PlaybookCatalogue
    errors: tuple[DataFileError, ...]


def read_catalogue(directory: Path) -> CatalogueReport:
    """Every valid playbook of the directory, and every error (a broken file does not hide the others)."""
    errors = ErrorList()
    playbooks: list[Playbook] = []
    if not directory.is_dir():
        return CatalogueReport(PlaybookCatalogue(()), (DataFileError(directory, "", "not a directory"),))
    files = sorted(directory.rglob("*.toml"))
    if not files:
        errors.errors.append(DataFileError(directory, "", "no playbook (*.toml) in this directory"))
    seen: dict[str, str] = {}
    for path in files:
        with errors.collect():
            playbook = load_playbook_file(path)
            if playbook.id in seen:
                raise DataFileError(
                    path, "id", f"duplicate playbook id {playbook.id!r} (also in {seen[playbook.id]})"
                )
            seen[playbook.id] = str(path)
            playbooks.append(playbook)
    return CatalogueReport(PlaybookCatalogue(tuple(playbooks)), tuple(errors.errors))


def load_catalogue(directory: Path) -> PlaybookCatalogue:
    """All playbooks of the directory, or DataFileErrors listing every problem."""
    report = read_catalogue(directory)
    if report.errors:
        raise DataFileErrors(list(report.errors))
    return report.catalogue
