"""Parse a DMARC record (RFC 7489 §6.3, §6.4). Pure: no I/O.

Any text either parses or raises DmarcSyntaxError with a French message; nothing else escapes
(property-tested with hypothesis). Unknown tags are kept and ignored, as §6.3 requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^v[ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)")
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_URI = re.compile(r"^(?P<uri>[A-Za-z][A-Za-z0-9+.\-]*:[^!\s]+)(?:!(?P<size>[0-9]+[kmgtKMGT]?))?$")
POLICIES = ("none", "quarantine", "reject")


class DmarcSyntaxError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReportUri:
    uri: str
    size_limit: str | None = None

    @property
    def mailbox(self) -> str | None:
        """The address of a mailto: URI, else None."""
        if not self.uri.lower().startswith("mailto:"):
            return None
        return self.uri[7:]

    @property
    def mailbox_domain(self) -> str | None:
        mailbox = self.mailbox
        if mailbox is None or "@" not in mailbox:
            return None
        return mailbox.rsplit("@", 1)[1].rstrip(".").lower()


@dataclass(frozen=True)
class DmarcRecord:
    tags: tuple[tuple[str, str], ...]
    policy: str
    subdomain_policy: str | None
    pct: int
    rua: tuple[ReportUri, ...]
    ruf: tuple[ReportUri, ...]
    adkim: str
    aspf: str


def is_dmarc_record(text: str) -> bool:
    """§6.6.3: only records beginning with "v=DMARC1" count; the others are discarded."""
    return bool(_VERSION.match(text))


def parse_dmarc(text: str) -> DmarcRecord:
    if not is_dmarc_record(text):
        raise DmarcSyntaxError("l'enregistrement ne commence pas par « v=DMARC1 »")
    tags: dict[str, str] = {}
    ordered: list[tuple[str, str]] = []
    for part in text.split(";"):
        part = part.strip(" \t")
        if not part:
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip(" \t").lower(), value.strip(" \t")
        if not equals or not _TAG.match(name):
            raise DmarcSyntaxError(f"élément « {part[:40]} » mal formé (attendu : nom=valeur)")
        if name in tags:
            raise DmarcSyntaxError(f"l'étiquette « {name} » apparaît plusieurs fois")
        tags[name] = value
        ordered.append((name, value))
    policy = _policy(tags, "p")
    if policy is None:
        raise DmarcSyntaxError("l'étiquette « p » (politique) est absente")
    pct = _integer(tags, "pct", 100, 0, 100)
    _integer(tags, "ri", 86400, 0, 2**32 - 1)
    for name in ("adkim", "aspf"):
        if tags.get(name, "r").lower() not in ("r", "s"):
            raise DmarcSyntaxError(f"« {name} » doit valoir r ou s")
    if "fo" in tags and not all(o.strip() in ("0", "1", "d", "s") for o in tags["fo"].split(":")):
        raise DmarcSyntaxError("« fo » doit être une liste de 0, 1, d ou s séparés par « : »")
    return DmarcRecord(
        tags=tuple(ordered),
        policy=policy,
        subdomain_policy=_policy(tags, "sp"),
        pct=pct,
        rua=_uris(tags, "rua"),
        ruf=_uris(tags, "ruf"),
        adkim=tags.get("adkim", "r").lower(),
        aspf=tags.get("aspf", "r").lower(),
    )


def _policy(tags: dict[str, str], name: str) -> str | None:
    if name not in tags:
        return None
    value = tags[name].lower()
    if value not in POLICIES:
        raise DmarcSyntaxError(f"« {name}={tags[name][:20]} » : valeur attendue none, quarantine ou reject")
    return value


def _integer(tags: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    if name not in tags:
        return default
    value = tags[name]
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise DmarcSyntaxError(f"« {name}={value[:20]} » : entier attendu entre {low} et {high}")
    return int(value)


def _uris(tags: dict[str, str], name: str) -> tuple[ReportUri, ...]:
    if name not in tags or not tags[name]:
        return ()
    uris = []
    for item in tags[name].split(","):
        match = _URI.match(item.strip(" \t"))
        if match is None:
            raise DmarcSyntaxError(f"« {name} » : adresse de rapport invalide « {item.strip()[:60]} »")
        uri = ReportUri(match.group("uri"), match.group("size"))
        if uri.uri.lower().startswith("mailto:") and uri.mailbox_domain is None:
            raise DmarcSyntaxError(f"« {name} » : adresse de courriel invalide « {uri.uri[:60]} »")
        uris.append(uri)
    return tuple(uris)
