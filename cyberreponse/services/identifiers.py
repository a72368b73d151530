"""Validation and normalisation of public identifiers: SIREN numbers and asset values."""

from __future__ import annotations

import ipaddress
import re

import idna

from cyberreponse.errors import Invalid

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siren(raw: str) -> str:
    """A SIREN is 9 digits with a valid Luhn key; spaces people type are dropped."""
    siren = re.sub(r"\s", "", raw or "")
    if not re.fullmatch(r"\d{9}", siren):
        raise Invalid("siren", "Le SIREN doit comporter exactement 9 chiffres.")
    if not luhn_valid(siren):
        raise Invalid("siren", "Ce SIREN n'est pas valide (clé de contrôle incorrecte).")
    return siren


def normalise_domain(raw: str, field: str = "domain") -> str:
    """IDNA (2008, with UTS 46 mapping), lower case, no trailing dot; at least two labels."""
    value = (raw or "").strip().rstrip(".")
    if not value:
        raise Invalid(field, "Le nom de domaine est vide.")
    try:
        ascii_name = idna.encode(value, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise Invalid(field, f"Nom de domaine invalide : « {raw} ».") from error
    labels = ascii_name.lower().split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise Invalid(field, f"Nom de domaine invalide : « {raw} ».")
    if labels[-1].isdigit():
        raise Invalid(field, f"« {raw} » est une adresse IP, pas un nom de domaine.")
    return ".".join(labels)


def display_domain(ascii_name: str) -> str:
    """The Unicode form people recognise (mairie-évry.fr rather than xn--…)."""
    try:
        return idna.decode(ascii_name)
    except idna.IDNAError:
        return ascii_name


def normalise_asset(kind: str, raw: str) -> str:
    value = (raw or "").strip()
    if kind in ("domain", "host"):
        return normalise_domain(value, "value")
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(value))
        except ValueError as error:
            raise Invalid("value", f"Adresse IP invalide : « {raw} ».") from error
    if kind == "cidr":
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise Invalid("value", f"Réseau invalide : « {raw} » (attendu : 192.0.2.0/24).") from error
        # A member registers its own few addresses, not a whole provider block.
        if network.num_addresses > 256:
            raise Invalid("value", "Un réseau déclaré ne peut dépasser 256 adresses (/24 en IPv4).")
        return str(network)
    raise Invalid("kind", "Type d'actif inconnu.")
