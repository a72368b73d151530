"""Data files people edit (playbooks, the NIS2 questionnaire, first actions): TOML, read with
errors that name the file, the key path and what was expected.

`Table` wraps one TOML table and hands out typed values; every wrong type, missing key or
unknown key becomes a `DataFileError` whose `key` is the full path (`steps[3].within`), so that
the person editing the file knows exactly where to look.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class DataFileError(Exception):
    """One problem in a data file: where (file, key path) and what was expected."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")


class DataFileErrors(DataFileError):
    """Several problems found in one pass; behaves as the first one for callers that want one."""

    def __init__(self, errors: list[DataFileError]) -> None:
        if not errors:
            raise ValueError("DataFileErrors needs at least one error")
        first = errors[0]
        super().__init__(first.path, first.key, first.message)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class ErrorList:
    """Collects errors so that a validator reports all of them, not only the first."""

    def __init__(self) -> None:
        self.errors: list[DataFileError] = []

    @contextmanager
    def collect(self) -> Iterator[None]:
        try:
            yield
        except DataFileErrors as many:
            self.errors.extend(many.errors)
        except DataFileError as error:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise DataFileErrors(list(self.errors))


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the line and column."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        text = str(error)
        position = _TOML_POSITION.search(text)
        key = f"line {position.group(1)}" if position else ""
        message = _TOML_POSITION.sub("", text).strip()
        raise DataFileError(path, key, f"invalid TOML: {message}") from error
    except UnicodeDecodeError as error:
        raise DataFileError(path, "", "the file must be UTF-8 text") from error
    except OSError as error:
        raise DataFileError(path, "", f"cannot be read ({error.strerror})") from error


def _type_name(value: object) -> str:
    names = {str: "text", bool: "true/false", int: "integer", float: "number", list: "array", dict: "table"}
    return names.get(type(value), type(value).__name__)


class Table:
    """One TOML table at a known key path; typed accessors raise `DataFileError`."""

    def __init__(self, path: Path | str, data: Any, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix
        if not isinstance(data, dict):
            raise DataFileError(path, prefix, f"expected a table, found {_type_name(data)}")
        self.data: dict[str, Any] = data

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> DataFileError:
        return DataFileError(self.path, self.key(name), message)

    def refuse_unknown(self, allowed: Iterable[str]) -> None:
        known = set(allowed)
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise self.error(unknown[0], "unknown key (allowed here: " + ", ".join(sorted(known)) + ")")

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.data:
            if required:
                raise self.error(name, "missing (required)")
            return None
        return self.data[name]

    def text(self, name: str, *, max_length: int = 10_000, required: bool = True) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(name, f"expected text, found {_type_name(value)}")
        value = value.strip()
        if required and not value:
            raise self.error(name, "must not be empty")
        if len(value) > max_length:
            raise self.error(name, f"too long ({len(value)} characters, at most {max_length})")
        return value

    def required_text(self, name: str, *, max_length: int = 10_000) -> str:
        value = self.text(name, max_length=max_length, required=True)
        if value is None:  # unreachable: a required key is never None
            raise self.error(name, "missing (required)")
        return value

    def boolean(self, name: str) -> bool:
        value = self._get(name, True)
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, found {_type_name(value)}")
        return value

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
        value = self._get(name, True)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(name, f"expected an integer, found {_type_name(value)}")
        if not minimum <= value <= maximum:
            raise self.error(name, f"expected an integer from {minimum} to {maximum}, found {value}")
        return value

    def choice(self, name: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
        options = tuple(allowed)
        value = self.text(name, max_length=200, required=required)
        if value is None:
            return None
        if value not in options:
            raise self.error(name, f"unknown value {value!r} (expected one of: {', '.join(options)})")
        return value

    def choices(self, name: str, allowed: Iterable[str], *, required: bool = True) -> tuple[str, ...]:
        """A list of distinct values, each one of `allowed`."""
        options = tuple(allowed)
        value = self._get(name, required)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(name, f"expected an array of text, found {_type_name(value)}")
        seen: list[str] = []
        for index, item in enumerate(value):
            where = f"{name}[{index + 1}]"
            if not isinstance(item, str):
                raise self.error(where, f"expected text, found {_type_name(item)}")
            if item not in options:
                raise self.error(where, f"unknown value {item!r} (expected one of: {', '.join(options)})")
            if item in seen:
                raise self.error(where, f"{item!r} is listed twice")
            seen.append(item)
        if required and not seen:
            raise self.error(name, "must list at least one value")
        return tuple(seen)

    def table(self, name: str) -> Table:
        return Table(self.path, self._get(name, True), self.key(name))

    def tables(self, name: str) -> list[Table]:
        """An array of tables (`[[name]]`), counted from 1 in key paths as they appear in the file."""
        value = self._get(name, True)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(name, f"expected an array of tables ([[{name}]]), found {_type_name(value)}")
        if not value:
            raise self.error(name, "must contain at least one entry")
        return [Table(self.path, item, f"{self.key(name)}[{index + 1}]") for index, item in enumerate(value)]
