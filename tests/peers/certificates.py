"""Certificates for the TLS peers: trustme for the ordinary ones, cryptography for what trustme will not
make (self-signed, 1024-bit RSA, SHA-1 signatures). One CA per test session; its file is the scan's
extra trusted CA (ScanOptions.ca_file)."""

from __future__ import annotations

import ssl
import subprocess
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Leaf:
    cert_file: Path
    key_file: Path

    def server_context(self, *, legacy: bool = False, tls13: bool = True) -> ssl.SSLContext:
        """A server context; `legacy` also accepts TLS 1.0 and 1.1 (security level 0, as old servers)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # before loading: a 1024-bit key needs level 0
        context.load_cert_chain(self.cert_file, self.key_file)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1 if legacy else ssl.TLSVersion.TLSv1_2
            if not tls13:
                context.maximum_version = ssl.TLSVersion.TLSv1_2
        return context


class Pki:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca = trustme.CA()
        self.ca_file = directory / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._ca_key = serialization.load_pem_private_key(self.ca.private_key_pem.bytes(), None)
        self._ca_cert = x509.load_pem_x509_certificate(self.ca.cert_pem.bytes())
        self._count = 0

    def _files(self, cert_pem: bytes, key_pem: bytes) -> Leaf:
        self._count += 1
        cert_file = self.directory / f"leaf{self._count}.pem"
        key_file = self.directory / f"leaf{self._count}.key"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        return Leaf(cert_file, key_file)

    def issue(
        self, *names: str, not_before: datetime | None = None, not_after: datetime | None = None
    ) -> Leaf:
        leaf = self.ca.issue_cert(*names, not_before=not_before, not_after=not_after)
        return self._files(b"".join(b.bytes() for b in leaf.cert_chain_pems), leaf.private_key_pem.bytes())

    def expiring_in(self, name: str, days: float) -> Leaf:
        now = datetime.now(UTC)
        return self.issue(name, not_before=now - timedelta(days=300), not_after=now + timedelta(days=days))

    def build(
        self,
        name: str,
        *,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
        digest: hashes.HashAlgorithm | None = None,
        self_signed: bool = False,
    ) -> Leaf:
        """A leaf trustme cannot make: any key, any digest, or signed by itself."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self._ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        )
        signer = key if self_signed else self._ca_key
        certificate = builder.sign(signer, digest or hashes.SHA256())  # type: ignore[arg-type]
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return self._files(certificate.public_bytes(serialization.Encoding.PEM), key_pem)

    def self_signed(self, name: str) -> Leaf:
        return self.build(name, self_signed=True)

    def weak_key(self, name: str) -> Leaf:
        return self.build(name, key=rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505 - under test

    def sha1_signed(self, name: str) -> Leaf:
        """cryptography refuses to sign with SHA-1 any more; the openssl command still does."""
        self._count += 1
        work = self.directory / f"sha1-{self._count}"
        work.mkdir()
        (work / "ca.key").write_bytes(self.ca.private_key_pem.bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        (work / "leaf.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (work / "ext").write_text(f"subjectAltName=DNS:{name}\n")
        openssl = ["openssl"]
        run = partial(subprocess.run, check=True, capture_output=True, cwd=work)
        run([*openssl, "req", "-new", "-key", "leaf.key", "-subj", f"/CN={name}", "-out", "leaf.csr"])
        run(
            [*openssl, "x509", "-req", "-in", "leaf.csr", "-CA", str(self.ca_file), "-CAkey", "ca.key",
             "-set_serial", str(self._count), "-sha1", "-days", "365", "-extfile", "ext", "-out", "leaf.pem"]
        )  # fmt: skip
        return Leaf(work / "leaf.pem", work / "leaf.key")
