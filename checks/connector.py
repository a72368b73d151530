"""TCP and TLS connections to the addresses our resolver returned, with SNI set to the name.

Connecting to an address we resolved ourselves (rather than letting the system resolve the name again)
keeps one consistent view of DNS and lets the address policy apply to the very address connected to:
unless told otherwise, nothing but globally routable addresses is contacted.

The client TLS contexts run at OpenSSL security level 0 and accept TLS 1.0 onwards: a scanner has to
complete a handshake with a weak server to report its weakness. Trust is decided on a separate,
verifying handshake; host names are matched by checks.certificates, which reports a mismatch as a problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import ssl
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from checks import policy

_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}

TLS_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


class AddressNotAllowed(Exception):
    """The address is not globally routable and private addresses were not allowed, or it is excluded."""

    def __init__(self, address: str, *, excluded: bool = False) -> None:
        super().__init__(f"{address} is {'excluded from scans' if excluded else 'not a public address'}")
        self.address = address
        self.excluded = excluded


class RateLimiter:
    """At most `rate` acquisitions per second, spread evenly (0: no limit). Shared by one event loop."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            wait = self._next - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next = max(self._next, loop.time()) + self.interval


class ConnectionFailed(Exception):
    """reason: refused, timeout, unreachable, closed or tls_handshake."""

    def __init__(self, address: str, port: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{address}:{port}: {reason}{': ' + detail if detail else ''}")
        self.address = address
        self.port = port
        self.reason = reason
        self.detail = detail


class CertificateRejected(ConnectionFailed):
    """The verifying handshake refused the certificate chain; OpenSSL says why."""

    def __init__(self, address: str, port: int, verify_code: int, verify_message: str) -> None:
        super().__init__(address, port, "certificate_rejected", verify_message)
        self.verify_code = verify_code
        self.verify_message = verify_message


@dataclass(frozen=True)
class TlsInfo:
    version: str | None
    cipher: str | None
    certificate: bytes | None  # the leaf, DER


class Connector:
    def __init__(
        self,
        *,
        ca_file: Path | None = None,
        allow_private_addresses: bool = False,
        connect_timeout: float = policy.CONNECT_TIMEOUT,
        io_timeout: float = policy.IO_TIMEOUT,
        excluded_networks: tuple[str, ...] = (),
        per_address_connections: int = 0,
        connections_per_second: float = 0,
    ) -> None:
        self.ca_file = ca_file
        self.allow_private_addresses = allow_private_addresses
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.excluded_networks = tuple(ipaddress.ip_network(n, strict=False) for n in excluded_networks)
        # Politeness: connection openings in progress per address (0: no limit), and overall rate.
        self.per_address_connections = per_address_connections
        self._address_slots: dict[str, asyncio.Semaphore] = {}
        self._rate = RateLimiter(connections_per_second)
        self._contexts: dict[tuple[bool, str | None], ssl.SSLContext] = {}

    def is_excluded(self, address: str) -> bool:
        parsed = ipaddress.ip_address(address)
        return any(parsed.version == n.version and parsed in n for n in self.excluded_networks)

    def is_allowed(self, address: str) -> bool:
        if self.is_excluded(address):
            return False
        if self.allow_private_addresses:
            return True
        return ipaddress.ip_address(address).is_global

    def ensure_allowed(self, address: str) -> None:
        if not self.is_allowed(address):
            raise AddressNotAllowed(address, excluded=self.is_excluded(address))

    def _slot(self, address: str) -> asyncio.Semaphore | None:
        if self.per_address_connections <= 0:
            return None
        if address not in self._address_slots:
            self._address_slots[address] = asyncio.Semaphore(self.per_address_connections)
        return self._address_slots[address]

    def context(self, *, verify: bool, version: str | None = None) -> ssl.SSLContext:
        key = (verify, version)
        if key not in self._contexts:
            self._contexts[key] = client_context(verify=verify, version=version, ca_file=self.ca_file)
        return self._contexts[key]

    async def open_tcp(self, address: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.ensure_allowed(address)
        slot = self._slot(address)
        try:
            if slot is None:
                await self._rate.acquire()
                return await asyncio.wait_for(asyncio.open_connection(address, port), self.connect_timeout)
            async with slot:
                await self._rate.acquire()
                return await asyncio.wait_for(asyncio.open_connection(address, port), self.connect_timeout)
        except TimeoutError as error:
            raise ConnectionFailed(address, port, "timeout") from error
        except OSError as error:
            raise _connection_error(address, port, error) from error

    async def open_tls(
        self, address: str, port: int, server_name: str, *, verify: bool, version: str | None = None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, TlsInfo]:
        reader, writer = await self.open_tcp(address, port)
        try:
            info = await self.start_tls(writer, address, port, server_name, verify=verify, version=version)
        except BaseException:
            await close_quietly(writer)
            raise
        return reader, writer, info

    async def start_tls(
        self,
        writer: asyncio.StreamWriter,
        address: str,
        port: int,
        server_name: str,
        *,
        verify: bool,
        version: str | None = None,
    ) -> TlsInfo:
        """Upgrade an open connection (directly for HTTPS, after STARTTLS for SMTP)."""
        context = self.context(verify=verify, version=version)
        try:
            await asyncio.wait_for(
                writer.start_tls(context, server_hostname=server_name), self.connect_timeout + 2
            )
        except ssl.SSLCertVerificationError as error:
            raise CertificateRejected(address, port, error.verify_code, error.verify_message) from error
        except TimeoutError as error:
            raise ConnectionFailed(address, port, "timeout", "TLS handshake") from error
        except (ssl.SSLError, ConnectionError, asyncio.IncompleteReadError, EOFError) as error:
            raise ConnectionFailed(address, port, "tls_handshake", type(error).__name__) from error
        except OSError as error:
            raise _connection_error(address, port, error) from error
        ssl_object = writer.get_extra_info("ssl_object")
        cipher = ssl_object.cipher() if ssl_object else None
        return TlsInfo(
            version=ssl_object.version() if ssl_object else None,
            cipher=cipher[0] if cipher else None,
            certificate=ssl_object.getpeercert(binary_form=True) if ssl_object else None,
        )

    async def read_line(self, reader: asyncio.StreamReader, address: str, port: int) -> bytes:
        try:
            return await asyncio.wait_for(reader.readline(), self.io_timeout)
        except TimeoutError as error:
            raise ConnectionFailed(address, port, "timeout", "no reply") from error
        except (OSError, ValueError) as error:
            raise ConnectionFailed(address, port, "closed", type(error).__name__) from error


def client_context(
    *, verify: bool, version: str | None = None, ca_file: Path | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if verify:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_default_certs()
        if ca_file is not None:
            context.load_verify_locations(cafile=str(ca_file))
    else:
        context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        # Python deprecates TLS 1.0/1.1 for clients that want them; we want to detect them.
        warnings.simplefilter("ignore", DeprecationWarning)
        if version is None:
            context.minimum_version = ssl.TLSVersion.TLSv1
        else:
            context.minimum_version = TLS_VERSIONS[version]
            context.maximum_version = TLS_VERSIONS[version]
    return context


def _connection_error(address: str, port: int, error: OSError) -> ConnectionFailed:
    if isinstance(error, ConnectionRefusedError):
        return ConnectionFailed(address, port, "refused")
    if error.errno in _UNREACHABLE:
        return ConnectionFailed(address, port, "unreachable", error.strerror or "")
    return ConnectionFailed(address, port, "closed", type(error).__name__)


async def close_quietly(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 2)


async def handshake_with_trust(
    handshake: Callable[[bool], Awaitable[TlsInfo]],
) -> tuple[TlsInfo, bool, CertificateRejected | None]:
    """Shake hands verifying the chain; if the chain is refused, again without verifying to see the
    certificate anyway. Returns (session, trusted, why it was refused)."""
    try:
        return await handshake(True), True, None
    except CertificateRejected as rejected:
        return await handshake(False), False, rejected
