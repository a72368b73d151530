"""Organisational domains (RFC 7489 §3.2) from the Public Suffix List.

Names under a suffix the list does not know — `.test` included — take its implicit "*" rule: the last
label is a public suffix, so `mairie.test` is an organisational domain, like `mairie.fr`.
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    # Loaded on first use (a few tens of milliseconds), never at import.
    return PublicSuffixList()


def organisational_domain(name: str) -> str:
    """The registered domain holding `name`: www.mairie.fr → mairie.fr; a public suffix stays itself."""
    name = name.rstrip(".").lower()
    return _suffix_list().privatesuffix(name) or name


def is_public_suffix(name: str) -> bool:
    return bool(_suffix_list().is_public(name.rstrip(".").lower()))


def parents_up_to_organisational(name: str) -> list[str]:
    """name, its parent, ... up to and including its organisational domain (CAA tree climbing)."""
    name = name.rstrip(".").lower()
    top = organisational_domain(name)
    names = [name]
    while names[-1] != top and "." in names[-1]:
        names.append(names[-1].split(".", 1)[1])
    return names
