"""Certificates: read the facts of a leaf (pure), match a host name, and judge them against the policy.

Shared by `tls.certificate` (port 443) and `mail.starttls` (port 25), which map the verdicts below to
their own problem codes and severities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from checks import policy
from checks.base import Severity

# OpenSSL X509_V_ERR_* codes seen in a failed verifying handshake.
_EXPIRED_OR_NOT_YET_VALID = {9, 10}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED: the chain itself was fine
_SELF_SIGNED_LEAF = 18  # DEPTH_ZERO_SELF_SIGNED_CERT


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    key_type: str
    key_bits: int
    signature_hash: str | None
    self_signed: bool
    serial: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "dns_names": list(self.dns_names),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "signature_hash": self.signature_hash,
            "self_signed": self.self_signed,
            "serial": self.serial,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Trust:
    """What the verifying handshake said: trusted, or OpenSSL's reason for refusing the chain."""

    trusted: bool
    verify_code: int | None = None
    verify_message: str | None = None

    @property
    def chain_ok(self) -> bool:
        """Trusted, or refused only because of the validity dates, which we judge ourselves."""
        return self.trusted or self.verify_code in _EXPIRED_OR_NOT_YET_VALID


@dataclass(frozen=True)
class Verdict:
    """One thing wrong with a certificate: `kind` is expired, expiring, untrusted, self_signed,
    hostname_mismatch, weak_key or weak_signature."""

    kind: str
    severity: Severity
    details: dict[str, Any]


def parse_certificate(der: bytes) -> CertificateFacts:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(n.lower() for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    key = cert.public_key()
    key_type, key_bits = _key_description(key)
    try:
        algorithm = cert.signature_hash_algorithm
        signature_hash = algorithm.name if algorithm is not None else None
    except UnsupportedAlgorithm:
        signature_hash = "unknown"
    return CertificateFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        dns_names=dns_names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_bits=key_bits,
        signature_hash=signature_hash,
        self_signed=_self_signed(cert),
        serial=format(cert.serial_number, "x"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def _key_description(key: Any) -> tuple[str, int]:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def hostname_matches(name: str, dns_names: tuple[str, ...]) -> bool:
    """RFC 6125 §6.4: exact match, or a wildcard standing for the whole left-most label only.

    The subject CN is not consulted: browsers ignore it since the CA/B Forum required SANs.
    """
    name = name.lower().rstrip(".")
    labels = name.split(".")
    for pattern in dns_names:
        pattern = pattern.lower().rstrip(".")
        if pattern == name:
            return True
        if pattern.startswith("*.") and "*" not in pattern[2:]:
            suffix = pattern[2:].split(".")
            # A wildcard needs at least two labels under it (*.test never matches mairie.test).
            if len(suffix) >= 2 and labels[1:] == suffix and labels[0]:
                return True
    return False


def judge_certificate(facts: CertificateFacts, name: str, trust: Trust, now: datetime) -> list[Verdict]:
    """Everything wrong with this leaf for this name, judged at `now` (pure)."""
    verdicts: list[Verdict] = []
    days_left = (facts.not_after - now).total_seconds() / 86400
    dates = {"not_after": facts.not_after.isoformat(), "days_left": int(days_left)}
    if days_left < 0:
        verdicts.append(Verdict("expired", Severity.HIGH, dates))
    elif days_left <= policy.CERT_EXPIRY_HIGH_DAYS:
        verdicts.append(Verdict("expiring", Severity.HIGH, dates))
    elif days_left <= policy.CERT_EXPIRY_MEDIUM_DAYS:
        verdicts.append(Verdict("expiring", Severity.MEDIUM, dates))
    if not trust.chain_ok:
        if facts.self_signed or trust.verify_code == _SELF_SIGNED_LEAF:
            verdicts.append(Verdict("self_signed", Severity.HIGH, {"issuer": facts.issuer}))
        else:
            details = {"issuer": facts.issuer, "reason": trust.verify_message or "untrusted"}
            verdicts.append(Verdict("untrusted", Severity.HIGH, details))
    if not hostname_matches(name, facts.dns_names):
        verdicts.append(
            Verdict("hostname_mismatch", Severity.HIGH, {"name": name, "dns_names": list(facts.dns_names)})
        )
    minimum = {"RSA": policy.MIN_RSA_BITS, "DSA": policy.MIN_DSA_BITS, "EC": policy.MIN_EC_BITS}.get(
        facts.key_type
    )
    if minimum is not None and facts.key_bits < minimum:
        verdicts.append(
            Verdict(
                "weak_key",
                Severity.MEDIUM,
                {"key_type": facts.key_type, "key_bits": facts.key_bits, "minimum_bits": minimum},
            )
        )
    weak = policy.WEAK_SIGNATURE_HASHES.get(facts.signature_hash or "")
    if weak is not None:
        verdicts.append(Verdict("weak_signature", Severity(weak), {"hash": facts.signature_hash}))
    return verdicts
