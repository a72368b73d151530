"""Observables: validation, normalisation (so duplicates are found) and defanging."""

from __future__ import annotations

import pytest

from cyberreponse.errors import Invalid
from cyberreponse.services.observables import defang, normalise_observable


@pytest.mark.parametrize(
    ("kind", "raw", "value", "shown"),
    [
        ("ipv4", " 192.0.2.10 ", "192.0.2.10", "192[.]0[.]2[.]10"),
        ("ipv4", "192[.]0[.]2[.]10", "192.0.2.10", "192[.]0[.]2[.]10"),
        ("ipv6", "2001:DB8:0:0::1", "2001:db8::1", "2001[:]db8[:][:]1"),
        (
            "domain",
            "Mairie-Évry.Example.TEST.",
            "xn--mairie-vry-h7a.example.test",
            "xn--mairie-vry-h7a[.]example[.]test",
        ),
        (
            "url",
            "hxxps://Evil.Example.TEST/login?x=1",
            "https://evil.example.test/login?x=1",
            "hxxps://evil[.]example[.]test/login?x=1",
        ),
        ("email", "Escroc@Example.TEST", "escroc@example.test", "escroc[@]example[.]test"),
        (
            "md5",
            "D41D8CD98F00B204E9800998ECF8427E",
            "d41d8cd98f00b204e9800998ecf8427e",
            "d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            "sha1",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            None,
        ),
        (
            "sha256",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            None,
        ),
        ("cve", "cve-2024-3400", "CVE-2024-3400", "CVE-2024-3400"),
        ("filename", "  facture.pdf.exe ", "facture.pdf.exe", "facture.pdf.exe"),
    ],
)
def test_observables_are_normalised_and_defanged(kind: str, raw: str, value: str, shown: str | None) -> None:
    assert normalise_observable(kind, raw) == value
    assert defang(kind, value) == (shown or value)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("ipv4", "256.1.1.1"),
        ("ipv4", "2001:db8::1"),
        ("ipv6", "192.0.2.1"),
        ("domain", "pas un domaine"),
        ("url", "javascript:alert(1)"),
        ("url", "file:///etc/passwd"),
        ("email", "sans-arobase"),
        ("md5", "abc"),
        ("sha256", "z" * 64),
        ("cve", "CVE-24-1"),
        ("hostname", "x"),
        ("ipv4", ""),
    ],
)
def test_malformed_observables_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(Invalid):
        normalise_observable(kind, raw)
