"""Field rules shared by every service: e-mail addresses, bounded text, phone numbers."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from cyberreponse.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_email(raw: str, field: str = "email") -> str:
    """A syntactically valid address, lower-cased domain; CR/LF (header injection) refused."""
    value = (raw or "").strip()
    if not value:
        raise Invalid(field, "L'adresse e-mail est obligatoire.")
    if "\r" in value or "\n" in value or len(value) > 254:
        raise Invalid(field, "Adresse e-mail invalide.")
    try:
        # test_environment admits the reserved .test domain (test and staging installs); no DNS lookup.
        result = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise Invalid(field, "Adresse e-mail invalide.") from error
    return str(result.normalized).lower()


def bounded_text(
    raw: str | None, field: str, max_length: int, *, required: bool = False, label: str = ""
) -> str:
    """Trimmed text without control characters, within its length limit."""
    value = _CONTROL.sub("", (raw or "").strip())
    name = label or "Ce champ"
    if required and not value:
        raise Invalid(field, f"{name} est obligatoire.")
    if len(value) > max_length:
        raise Invalid(field, f"{name} ne peut dépasser {max_length} caractères.")
    return value


def normalise_phone(raw: str | None, field: str = "phone") -> str:
    value = (raw or "").strip()
    if value and not re.fullmatch(r"[0-9+().\s-]{6,25}", value):
        raise Invalid(field, "Numéro de téléphone invalide (chiffres, espaces, +, -, points).")
    return value
