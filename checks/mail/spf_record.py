"""Parse an SPF record (RFC 7208 §4.5, §5, §6, grammar of §12) into typed terms. Pure: no I/O.

Any text either parses or raises SpfSyntaxError with a French message naming the faulty term; nothing
else escapes (property-tested with hypothesis).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
# §4.6.4: the terms that cause DNS queries when evaluated.
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
QUALIFIERS = "+-?~"

_VERSION = re.compile(r"^v=spf1(?: |$)", re.IGNORECASE)
_MODIFIER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.]*$")
_MACRO = re.compile(r"%(?:\{[slodiphcrtv][0-9]*r?[.\-+,/_=]*\}|%|_|-)", re.IGNORECASE)
_MACRO_LITERAL = re.compile(r"^[\x21-\x24\x26-\x7e]*$")
_TOPLABEL = re.compile(r"^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$", re.IGNORECASE)
_CIDR4 = re.compile(r"^(?:0|[1-9][0-9]?)$")
_CIDR6 = re.compile(r"^(?:0|[1-9][0-9]{0,2})$")


class SpfSyntaxError(ValueError):
    def __init__(self, term: str, message: str) -> None:
        super().__init__(f"{term}: {message}")
        self.term = term
        self.message = message


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # one of + - ? ~ (an absent qualifier is +)
    name: str
    domain: str | None = None  # domain-spec, macros unexpanded; None for "a"/"mx"/"ptr" on the current domain
    network: str | None = None  # ip4/ip6
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def has_macros(self) -> bool:
        return self.domain is not None and "%" in self.domain

    def __str__(self) -> str:
        text = ("" if self.qualifier == "+" else self.qualifier) + self.name
        if self.domain is not None or self.network is not None:
            text += ":" + (self.domain or self.network or "")
        if self.cidr4 is not None:
            text += f"/{self.cidr4}"
        if self.cidr6 is not None:
            text += f"//{self.cidr6}"
        return text


@dataclass(frozen=True)
class Modifier:
    name: str  # lower case
    value: str


@dataclass(frozen=True)
class SpfRecord:
    mechanisms: tuple[Mechanism, ...]
    modifiers: tuple[Modifier, ...]

    @property
    def all(self) -> Mechanism | None:
        return next((m for m in self.mechanisms if m.name == "all"), None)

    @property
    def redirect(self) -> str | None:
        """The redirect target, which §6.1 ignores when the record has an "all" mechanism."""
        if self.all is not None:
            return None
        return next((m.value for m in self.modifiers if m.name == "redirect"), None)

    @property
    def lookup_terms(self) -> int:
        """Terms of this record alone that cause DNS queries (§4.6.4)."""
        return sum(m.name in LOOKUP_MECHANISMS for m in self.mechanisms) + (self.redirect is not None)


def is_spf_record(text: str) -> bool:
    """§4.5: a record is SPF when it starts with "v=spf1" followed by a space or nothing."""
    return bool(_VERSION.match(text))


def parse_spf(text: str) -> SpfRecord:
    if not is_spf_record(text):
        raise SpfSyntaxError(text[:20], "l'enregistrement ne commence pas par « v=spf1 »")
    mechanisms: list[Mechanism] = []
    modifiers: list[Modifier] = []
    for term in text[6:].split(" "):
        if not term:
            continue  # several spaces in a row are tolerated, as most receivers do
        if not all(0x21 <= ord(c) <= 0x7E for c in term):
            raise SpfSyntaxError(term, "caractère non autorisé (seul l'ASCII visible l'est)")
        modifier = _parse_modifier(term)
        if modifier is not None:
            modifiers.append(modifier)
        else:
            mechanisms.append(_parse_mechanism(term))
    for name in ("redirect", "exp"):
        if sum(m.name == name for m in modifiers) > 1:
            raise SpfSyntaxError(name, f"le modificateur « {name} » apparaît plusieurs fois (§6)")
    return SpfRecord(tuple(mechanisms), tuple(modifiers))


def _parse_modifier(term: str) -> Modifier | None:
    name, equals, value = term.partition("=")
    if not equals:
        return None
    if ":" in name or "/" in name:
        return None  # "include:x=y" is a mechanism whose domain-spec holds an "="
    if not _MODIFIER_NAME.match(name):
        raise SpfSyntaxError(term, "nom de modificateur invalide")
    lowered = name.lower()
    if lowered in ("redirect", "exp"):
        _check_domain_spec(term, value)
    else:
        _check_macro_string(term, value)
    return Modifier(lowered, value)


def _parse_mechanism(term: str) -> Mechanism:
    qualifier = "+"
    body = term
    if body[0] in QUALIFIERS:
        qualifier, body = body[0], body[1:]
    name, colon, argument = body.partition(":")
    cidr_part = ""
    if not colon:
        name, slash, rest = body.partition("/")
        cidr_part = slash + rest
    name = name.lower()
    if name not in MECHANISMS:
        raise SpfSyntaxError(term, "mécanisme inconnu")
    if name == "all":
        if colon or cidr_part:
            raise SpfSyntaxError(term, "« all » ne prend pas d'argument")
        return Mechanism(qualifier, name)
    if name in ("ip4", "ip6"):
        if not colon:
            raise SpfSyntaxError(term, f"« {name} » demande une adresse")
        return _parse_ip(term, qualifier, name, argument)
    if name in ("include", "exists"):
        if not colon or not argument:
            raise SpfSyntaxError(term, f"« {name} » demande un nom de domaine")
        _check_domain_spec(term, argument)
        return Mechanism(qualifier, name, domain=argument)
    # a, mx, ptr: optional domain-spec; a and mx take dual-cidr-length, ptr does not.
    domain = None
    if colon:
        domain, cidr_part = _split_cidr(argument) if name != "ptr" else (argument, "")
        if not domain:
            raise SpfSyntaxError(term, "nom de domaine vide après « : »")
        _check_domain_spec(term, domain)
    if cidr_part and name == "ptr":
        raise SpfSyntaxError(term, "« ptr » ne prend pas de longueur de préfixe")
    cidr4, cidr6 = _parse_dual_cidr(term, cidr_part)
    return Mechanism(qualifier, name, domain=domain, cidr4=cidr4, cidr6=cidr6)


def _split_cidr(argument: str) -> tuple[str, str]:
    """Split "example.test/24//64" into the domain-spec and the CIDR part (macros hold no "/")."""
    index = argument.find("/")
    if index < 0:
        return argument, ""
    return argument[:index], argument[index:]


def _parse_dual_cidr(term: str, text: str) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    cidr4 = cidr6 = None
    ip4_part, sep, ip6_part = text.partition("//")
    if ip4_part:
        if not ip4_part.startswith("/") or not _CIDR4.match(ip4_part[1:]) or int(ip4_part[1:]) > 32:
            raise SpfSyntaxError(term, "longueur de préfixe IPv4 invalide (0 à 32)")
        cidr4 = int(ip4_part[1:])
    if sep:
        if not _CIDR6.match(ip6_part) or int(ip6_part) > 128:
            raise SpfSyntaxError(term, "longueur de préfixe IPv6 invalide (0 à 128)")
        cidr6 = int(ip6_part)
    return cidr4, cidr6


def _parse_ip(term: str, qualifier: str, name: str, argument: str) -> Mechanism:
    address, slash, length = argument.partition("/")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError as error:
        raise SpfSyntaxError(term, "adresse IP invalide") from error
    if (name == "ip4") != (parsed.version == 4):
        raise SpfSyntaxError(term, f"« {name} » n'accepte que des adresses IPv{4 if name == 'ip4' else 6}")
    cidr = None
    if slash:
        pattern, maximum = (_CIDR4, 32) if name == "ip4" else (_CIDR6, 128)
        if not pattern.match(length) or int(length) > maximum:
            raise SpfSyntaxError(term, f"longueur de préfixe invalide (0 à {maximum})")
        cidr = int(length)
    if name == "ip4":
        return Mechanism(qualifier, name, network=address, cidr4=cidr)
    return Mechanism(qualifier, name, network=address, cidr6=cidr)


def _check_macro_string(term: str, value: str) -> None:
    remainder = _MACRO.sub("", value)
    if "%" in remainder or not _MACRO_LITERAL.match(remainder):
        raise SpfSyntaxError(term, "macro invalide")


def _check_domain_spec(term: str, spec: str) -> None:
    """domain-spec = macro-string domain-end; domain-end is "." toplabel ["."] or a macro."""
    _check_macro_string(term, spec)
    if _MACRO.search(spec) and _MACRO.sub("", spec) == "":
        return
    if re.search(r"%\{[a-z][0-9]*r?[.\-+,/_=]*\}$", spec, re.IGNORECASE):
        return  # ends with a macro expansion
    name = _MACRO.sub("x", spec[:-1] if spec.endswith(".") else spec)
    labels = name.split(".")
    if len(labels) < 2 or not _TOPLABEL.match(labels[-1]):
        raise SpfSyntaxError(term, "nom de domaine invalide")
    if any(not label for label in labels) or any(len(label) > 63 for label in labels):
        raise SpfSyntaxError(term, "nom de domaine invalide")
