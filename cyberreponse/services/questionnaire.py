"""The NIS2 self-assessment questionnaire: a TOML data file loaded into frozen dataclasses.

The file (`cyberreponse/data/nis2_questionnaire.toml`) is edited by people, so every mistake is
reported as `DataFileError(path, key, message)` naming the question and the key. Its content
hash is computed over a canonical JSON form (defaults filled in, scales expanded), so comments
and layout do not change it, and the same form is stored with each answer set
(`questionnaire_snapshot`): an old answer set can always be shown and scored with the exact
questions it was answered against, whatever the file becomes.

The file lives inside the package, not in a top-level folder like `playbooks/`: it is one
reference questionnaire that goes with the code scoring it (measure letters, question ids the
readiness report reads), it must ship in the wheel (package-data `cyberreponse/data/*`), and a
CSIRT changes it through a release with a new version, not by dropping files in a folder.
`cyberreponse questionnaire check [PATH]` validates an edited copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from cyberreponse.datafiles import DataFileError

QUESTIONNAIRE_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "nis2_questionnaire.toml"

# NIS2 Art. 21(2), DESIGN §5: the vocabulary is fixed; the file gives each letter its French title.
MEASURE_LETTERS: Final = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
SCAN_CATEGORIES: Final = ("mail", "dns", "tls", "web", "exposure")
MIN_INDEX, MAX_INDEX = 0, 3
UNKNOWN: Final = "unknown"  # « Je ne sais pas »
NOT_APPLICABLE: Final = "not_applicable"  # « Non applicable »

AnswerValue = int | Literal["unknown", "not_applicable"]

_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_EVIDENCE = re.compile(r"^(?:" + "|".join(SCAN_CATEGORIES) + r")(?:\.[a-z0-9_]+)?$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
_MAX_TEXT = 1000


@dataclass(frozen=True)
class AnswerOption:
    index: int
    label: str


@dataclass(frozen=True)
class Measure:
    letter: str
    title: str
    summary: str


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    reference: str


@dataclass(frozen=True)
class Question:
    id: str
    measure: str
    theme: str
    weight: int
    text: str
    help: str
    options: tuple[AnswerOption, ...]
    allows_unknown: bool
    allows_not_applicable: bool
    scan_evidence: tuple[str, ...]

    def option(self, index: int) -> AnswerOption | None:
        return next((option for option in self.options if option.index == index), None)

    def accepts(self, value: AnswerValue) -> bool:
        if value == UNKNOWN:
            return self.allows_unknown
        if value == NOT_APPLICABLE:
            return self.allows_not_applicable
        return isinstance(value, int) and self.option(value) is not None


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    title: str
    introduction: str
    measures: tuple[Measure, ...]
    themes: tuple[Theme, ...]
    questions: tuple[Question, ...]
    content_hash: str

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def measure(self, letter: str) -> Measure:
        return next(m for m in self.measures if m.letter == letter)

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)

    def questions_of_measure(self, letter: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.measure == letter)

    def questions_of_theme(self, theme_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.theme == theme_id)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


class _Reader:
    """Typed access to one table of the file, naming the key in every error."""

    def __init__(self, source: str, prefix: str, table: Any) -> None:
        self.source = source
        self.prefix = prefix
        if table is None:
            raise DataFileError(source, prefix, "table obligatoire absente")
        if not isinstance(table, dict):
            raise DataFileError(source, prefix, f"une table est attendue, trouvé {type(table).__name__}")
        self.table: dict[str, Any] = table

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, message: str) -> DataFileError:
        return DataFileError(self.source, self.key(name), message)

    def text(
        self, name: str, *, required: bool = True, default: str = "", pattern: re.Pattern[str] | None = None
    ) -> str:
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.fail(name, "clé obligatoire absente (texte attendu)")
            return default
        if not isinstance(value, str):
            raise self.fail(name, f"texte attendu, trouvé {type(value).__name__}")
        value = value.strip()
        if required and not value:
            raise self.fail(name, "le texte ne peut être vide")
        if len(value) > _MAX_TEXT:
            raise self.fail(name, f"texte trop long ({len(value)} caractères, {_MAX_TEXT} au plus)")
        if pattern is not None and not pattern.match(value):
            raise self.fail(name, f"« {value} » ne respecte pas le format attendu ({pattern.pattern})")
        return value

    def integer(self, name: str, low: int, high: int, *, default: int | None = None) -> int:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, f"clé obligatoire absente (entier de {low} à {high} attendu)")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"entier de {low} à {high} attendu, trouvé {value!r}")
        if not low <= value <= high:
            raise self.fail(name, f"entier de {low} à {high} attendu, trouvé {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.table.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"true ou false attendu, trouvé {value!r}")
        return value

    def array(self, name: str, *, default: list[Any] | None = None) -> list[Any]:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, "clé obligatoire absente (liste attendue)")
        if not isinstance(value, list):
            raise self.fail(name, f"liste attendue, trouvé {type(value).__name__}")
        return value

    def no_other_keys(self, *allowed: str) -> None:
        for name in self.table:
            if name not in allowed:
                raise self.fail(name, "clé inconnue (attendues : " + ", ".join(allowed) + ")")


def _options(source: str, prefix: str, raw: list[Any]) -> tuple[AnswerOption, ...]:
    options: list[AnswerOption] = []
    for position, item in enumerate(raw):
        reader = _Reader(source, f"{prefix}[{position}]", item)
        reader.no_other_keys("index", "label")
        options.append(AnswerOption(reader.integer("index", MIN_INDEX, MAX_INDEX), reader.text("label")))
    indexes = [option.index for option in options]
    if len(options) < 2:
        raise DataFileError(source, prefix, "au moins deux réponses sont attendues")
    if indexes != sorted(set(indexes)):
        raise DataFileError(source, prefix, f"index croissants et distincts attendus, trouvé {indexes}")
    if indexes[0] != MIN_INDEX or indexes[-1] != MAX_INDEX:
        # The score normalises by the best index: a question whose best answer is not 3 could never reach 100.
        raise DataFileError(
            source, prefix, f"les index doivent aller de {MIN_INDEX} à {MAX_INDEX}, trouvé {indexes}"
        )
    return tuple(options)


def _scales(source: str, raw: Any) -> dict[str, tuple[AnswerOption, ...]]:
    scales: dict[str, tuple[AnswerOption, ...]] = {}
    for name, table in _Reader(source, "scales", raw if raw is not None else {}).table.items():
        reader = _Reader(source, f"scales.{name}", table)
        reader.no_other_keys("options")
        scales[name] = _options(source, reader.key("options"), reader.array("options"))
    return scales


def _question(
    source: str,
    position: int,
    raw: Any,
    scales: Mapping[str, tuple[AnswerOption, ...]],
    themes: Mapping[str, Theme],
) -> Question:
    probe = raw.get("id") if isinstance(raw, dict) else None
    label = f"questions[{position}]" + (f" (id « {probe} »)" if isinstance(probe, str) else "")
    reader = _Reader(source, label, raw)
    reader.no_other_keys(
        "id", "measure", "theme", "weight", "text", "help", "scale", "options",
        "unknown", "not_applicable", "scan_evidence",
    )  # fmt: skip
    question_id = reader.text("id", pattern=_ID)
    measure = reader.text("measure")
    if measure not in MEASURE_LETTERS:
        raise reader.fail("measure", f"lettre de mesure NIS2 attendue (a à j), trouvé « {measure} »")
    theme = reader.text("theme")
    if theme not in themes:
        raise reader.fail("theme", f"thème « {theme} » non déclaré dans [themes]")
    if ("scale" in reader.table) == ("options" in reader.table):
        raise reader.fail("options", "donnez soit « scale » (une échelle de [scales]), soit « options »")
    if "scale" in reader.table:
        scale = reader.text("scale")
        if scale not in scales:
            raise reader.fail("scale", f"échelle « {scale} » non déclarée dans [scales]")
        options = scales[scale]
    else:
        options = _options(source, reader.key("options"), reader.array("options"))
    evidence = reader.array("scan_evidence", default=[])
    for item in evidence:
        if not isinstance(item, str) or not _EVIDENCE.match(item):
            raise reader.fail(
                "scan_evidence",
                f"identifiant de contrôle (ex. mail.spf) ou catégorie ({', '.join(SCAN_CATEGORIES)}) "
                f"attendu, trouvé {item!r}",
            )
    return Question(
        id=question_id,
        measure=measure,
        theme=theme,
        weight=reader.integer("weight", 1, 3),
        text=reader.text("text"),
        help=reader.text("help"),
        options=options,
        allows_unknown=reader.boolean("unknown", True),
        allows_not_applicable=reader.boolean("not_applicable", False),
        scan_evidence=tuple(evidence),
    )


def parse_questionnaire(data: Mapping[str, Any], source: str) -> Questionnaire:
    """Validate the file's data (or a stored canonical form) and build the questionnaire."""
    root = _Reader(source, "", dict(data))
    root.no_other_keys("questionnaire", "measures", "themes", "scales", "questions")
    head = _Reader(source, "questionnaire", root.table.get("questionnaire"))
    head.no_other_keys("id", "version", "title", "introduction")
    identity = {
        "id": head.text("id", pattern=_ID),
        "version": head.text("version", pattern=_VERSION),
        "title": head.text("title"),
        "introduction": head.text("introduction"),
    }

    measures_table = _Reader(source, "measures", root.table.get("measures"))
    for letter in measures_table.table:
        if letter not in MEASURE_LETTERS:
            raise measures_table.fail(letter, "mesure inconnue : les lettres sont a à j (NIS2 art. 21(2))")
    measures: list[Measure] = []
    for letter in MEASURE_LETTERS:
        if letter not in measures_table.table:
            raise measures_table.fail(letter, "mesure absente : les dix mesures a à j doivent être décrites")
        reader = _Reader(source, f"measures.{letter}", measures_table.table[letter])
        reader.no_other_keys("title", "summary")
        measures.append(Measure(letter, reader.text("title"), reader.text("summary")))

    themes: dict[str, Theme] = {}
    for theme_id, table in _Reader(source, "themes", root.table.get("themes")).table.items():
        if not _ID.match(theme_id):
            raise DataFileError(source, f"themes.{theme_id}", "identifiant de thème invalide (a-z, 0-9, _)")
        reader = _Reader(source, f"themes.{theme_id}", table)
        reader.no_other_keys("title", "reference")
        themes[theme_id] = Theme(theme_id, reader.text("title"), reader.text("reference"))
    if not themes:
        raise DataFileError(source, "themes", "au moins un thème est attendu")

    scales = _scales(source, root.table.get("scales"))
    questions: list[Question] = []
    seen: set[str] = set()
    for position, raw in enumerate(root.array("questions")):
        question = _question(source, position, raw, scales, themes)
        if question.id in seen:
            raise DataFileError(
                source, f"questions[{position}].id", f"identifiant « {question.id} » en double"
            )
        seen.add(question.id)
        questions.append(question)
    for letter in MEASURE_LETTERS:
        if not any(q.measure == letter for q in questions):
            raise DataFileError(source, "questions", f"aucune question pour la mesure ({letter})")
    for theme_id in themes:
        if not any(q.theme == theme_id for q in questions):
            raise DataFileError(source, f"themes.{theme_id}", "thème déclaré mais sans question")

    draft = Questionnaire(
        **identity,
        measures=tuple(measures),
        themes=tuple(themes.values()),
        questions=tuple(questions),
        content_hash="",
    )
    canonical = canonical_form(draft)
    digest = hashlib.sha256(
        json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    return replace(draft, content_hash=digest)


def canonical_form(questionnaire: Questionnaire) -> dict[str, Any]:
    """Everything that matters, with defaults filled in and scales expanded; parses back to itself."""
    return {
        "questionnaire": {
            "id": questionnaire.id,
            "version": questionnaire.version,
            "title": questionnaire.title,
            "introduction": questionnaire.introduction,
        },
        "measures": {m.letter: {"title": m.title, "summary": m.summary} for m in questionnaire.measures},
        "themes": {t.id: {"title": t.title, "reference": t.reference} for t in questionnaire.themes},
        "questions": [
            {
                "id": q.id,
                "measure": q.measure,
                "theme": q.theme,
                "weight": q.weight,
                "text": q.text,
                "help": q.help,
                "options": [{"index": o.index, "label": o.label} for o in q.options],
                "unknown": q.allows_unknown,
                "not_applicable": q.allows_not_applicable,
                "scan_evidence": list(q.scan_evidence),
            }
            for q in questionnaire.questions
        ],
    }


def load_questionnaire(path: Path) -> Questionnaire:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataFileError(path, "-", f"lecture impossible ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise DataFileError(path, "-", "le fichier doit être encodé en UTF-8") from error
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(path, "-", f"TOML invalide : {error}") from error
    return parse_questionnaire(data, str(path))


@cache
def current_questionnaire() -> Questionnaire:
    """The questionnaire shipped with this release, read once on first use (not at import)."""
    return load_questionnaire(QUESTIONNAIRE_PATH)


def parse_answer(question: Question, raw: str) -> AnswerValue | None:
    """A submitted form value: "0"–"3", "unknown" or "not_applicable"; "" means no answer.
    Returns None for no answer and raises ValueError for a value the question does not offer."""
    raw = raw.strip()
    if not raw:
        return None
    value: AnswerValue
    if raw in (UNKNOWN, NOT_APPLICABLE):
        value = UNKNOWN if raw == UNKNOWN else NOT_APPLICABLE
    elif raw.isdigit() and len(raw) == 1:
        value = int(raw)
    else:
        raise ValueError(raw)
    if not question.accepts(value):
        raise ValueError(raw)
    return value
