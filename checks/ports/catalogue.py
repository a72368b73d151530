"""The risky-service catalogue (checks/data/risky_ports.toml), loaded into frozen dataclasses.

A wrong file raises DataFileError naming the file, the key (`service[3].ports[1]`) and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from checks.base import ProblemType, Severity, Text
from checks.data_files import DataFileError

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "risky_ports.toml"
_CODE = re.compile(r"^exposure\.[a-z][a-z0-9_]*$")
_PORT = re.compile(r"^(tcp|udp)/([0-9]{1,5})$")
_FIELDS = {"code", "name", "severity", "ports", "explanation"}


@dataclass(frozen=True)
class PortSpec:
    protocol: str  # "tcp" or "udp"
    port: int

    def __str__(self) -> str:
        return f"{self.protocol}/{self.port}"


@dataclass(frozen=True)
class ExposedService:
    code: str
    name: str
    severity: Severity
    ports: tuple[PortSpec, ...]
    explanation: str

    @property
    def problem_type(self) -> ProblemType:
        return ProblemType(
            self.code,
            self.severity,
            Text(f"Service exposé : {self.name}", f"Exposed service: {self.code.removeprefix('exposure.')}"),
            self.explanation,
        )


@dataclass(frozen=True)
class Catalogue:
    path: Path
    services: tuple[ExposedService, ...]
    by_port: MappingProxyType[tuple[str, int], ExposedService]

    def ports(self, protocol: str) -> list[int]:
        return sorted(port for proto, port in self.by_port if proto == protocol)


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or DEFAULT_CATALOGUE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as error:
        raise DataFileError(path, "(file)", f"cannot be read: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(path, "(syntax)", f"not valid TOML: {error}") from error
    unknown = set(data) - {"service"}
    if unknown:
        raise DataFileError(
            path, sorted(unknown)[0], "unknown top-level key (expected only [[service]] tables)"
        )
    entries = data.get("service")
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, "service", "expected at least one [[service]] table")
    services: list[ExposedService] = []
    by_port: dict[tuple[str, int], ExposedService] = {}
    for index, entry in enumerate(entries):
        service = _service(path, f"service[{index}]", entry)
        if any(s.code == service.code for s in services):
            raise DataFileError(path, f"service[{index}].code", f"{service.code} appears twice")
        for number, spec in enumerate(service.ports):
            key = (spec.protocol, spec.port)
            if key in by_port:
                raise DataFileError(
                    path,
                    f"service[{index}].ports[{number}]",
                    f"{spec} already belongs to {by_port[key].code}",
                )
            by_port[key] = service
        services.append(service)
    return Catalogue(path, tuple(services), MappingProxyType(by_port))


def _service(path: Path, where: str, entry: Any) -> ExposedService:
    if not isinstance(entry, dict):
        raise DataFileError(path, where, "expected a table")
    missing = _FIELDS - set(entry)
    if missing:
        raise DataFileError(
            path,
            f"{where}.{sorted(missing)[0]}",
            "missing (every service needs " + ", ".join(sorted(_FIELDS)) + ")",
        )
    extra = set(entry) - _FIELDS
    if extra:
        raise DataFileError(path, f"{where}.{sorted(extra)[0]}", "unknown key")
    for field in ("code", "name", "severity", "explanation"):
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise DataFileError(path, f"{where}.{field}", "expected a non-empty string")
    if not _CODE.match(entry["code"]):
        raise DataFileError(
            path, f"{where}.code", 'expected "exposure." followed by lower-case letters, digits or _'
        )
    allowed = [s.value for s in Severity if s is not Severity.NONE]
    if entry["severity"] not in allowed:
        raise DataFileError(path, f"{where}.severity", f"expected one of {', '.join(allowed)}")
    ports = entry["ports"]
    if not isinstance(ports, list) or not ports:
        raise DataFileError(path, f"{where}.ports", 'expected a non-empty list such as ["tcp/3389"]')
    specs = []
    for number, text in enumerate(ports):
        match = _PORT.match(text) if isinstance(text, str) else None
        if match is None or not 1 <= int(match.group(2)) <= 65535:
            raise DataFileError(
                path, f"{where}.ports[{number}]", 'expected "tcp/<1-65535>" or "udp/<1-65535>"'
            )
        specs.append(PortSpec(match.group(1), int(match.group(2))))
    return ExposedService(
        code=entry["code"],
        name=entry["name"].strip(),
        severity=Severity(entry["severity"]),
        ports=tuple(specs),
        explanation=" ".join(entry["explanation"].split()),
    )
