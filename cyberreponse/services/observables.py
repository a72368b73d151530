"""Observables (indicators): validated, normalised for de-duplication, shown defanged."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from cyberreponse.errors import Invalid
from cyberreponse.models import OBSERVABLE_KINDS
from cyberreponse.services.identifiers import normalise_domain
from cyberreponse.services.validation import bounded_text, normalise_email

_HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_CVE = re.compile(r"CVE-\d{4}-\d{4,7}")


def refang(raw: str) -> str:
    """Undo the usual defanging people paste: hxxp, [.], (.), [:], [@]."""
    value = raw.strip()
    for defanged, plain in (
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("[at]", "@"),
    ):
        value = value.replace(defanged, plain)
    return re.sub(r"^hxxp", "http", value, flags=re.I)


def _url(value: str) -> str:
    if len(value) > 2048:
        raise Invalid("value", "URL trop longue (2048 caractères au plus).")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
        raise Invalid("value", "URL invalide : attendu http://, https:// ou ftp:// suivi d'un nom d'hôte.")
    host = parts.hostname
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        host = normalise_domain(host, "value")
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def normalise_observable(kind: str, raw: str) -> str:
    """The canonical form of one indicator, or Invalid with a French message."""
    if kind not in OBSERVABLE_KINDS:
        raise Invalid("kind", "Type d'observable inconnu.")
    value = refang(raw or "")
    if not value:
        raise Invalid("value", "La valeur est vide.")
    if kind in ("ipv4", "ipv6"):
        try:
            address = ipaddress.ip_address(value)
        except ValueError as error:
            raise Invalid("value", f"Adresse IP invalide : « {raw} ».") from error
        if address.version != (4 if kind == "ipv4" else 6):
            raise Invalid("value", f"« {raw} » n'est pas une adresse {kind.upper()}.")
        return str(address)
    if kind == "domain":
        return normalise_domain(value, "value")
    if kind == "url":
        return _url(value)
    if kind == "email":
        return normalise_email(value, "value")
    if kind in _HEX_LENGTHS:
        digest = value.lower()
        if not re.fullmatch(rf"[0-9a-f]{{{_HEX_LENGTHS[kind]}}}", digest):
            raise Invalid(
                "value",
                f"Empreinte {kind.upper()} invalide : {_HEX_LENGTHS[kind]} caractères hexadécimaux attendus.",
            )
        return digest
    if kind == "cve":
        cve = value.upper()
        if not _CVE.fullmatch(cve):
            raise Invalid("value", "Identifiant CVE invalide (exemple : CVE-2024-3400).")
        return cve
    return bounded_text(raw, "value", 255, required=True, label="Le nom de fichier")


def defang(kind: str, value: str) -> str:
    """A form nobody can click or resolve by accident."""
    if kind in ("ipv4", "domain"):
        return value.replace(".", "[.]")
    if kind == "ipv6":
        return value.replace(":", "[:]")
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return f"{local}[@]{domain.replace('.', '[.]')}"
    if kind == "url":
        parts = urlsplit(value)
        scheme = re.sub(r"^http", "hxxp", parts.scheme)
        netloc = parts.netloc.replace(".", "[.]")
        return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))
    return value
