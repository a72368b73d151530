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
import errno
import ipaddress
import ssl
import warnings
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from checks import policy
from checks.limits import ConnectionLimiter, LocalLimiter, Slot

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
        limiter: ConnectionLimiter | None = None,
    ) -> None:
        self.ca_file = ca_file
        self.allow_private_addresses = allow_private_addresses
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.excluded_networks = tuple(ipaddress.ip_network(n, strict=False) for n in excluded_networks)
        # Politeness: connections open at once to one address (0: no limit), and new connections per
        # second overall, through a limiter: in-process by default, shared by a deployment's processes
        # when given one (checks.shared_limits).
        self.per_address_connections = per_address_connections
        self.limiter: ConnectionLimiter = limiter or LocalLimiter(connections_per_second)
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

    def context(self, *, verify: bool, version: str | None = None) -> ssl.SSLContext:
        key = (verify, version)
        if key not in self._contexts:
            self._contexts[key] = client_context(verify=verify, version=version, ca_file=self.ca_file)
        return self._contexts[key]

    async def open_tcp(self, address: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open a connection once the address has a free slot and the overall rate allows; the slot is
        held until the connection is closed (close_quietly, or the transport's end)."""
        self.ensure_allowed(address)
        slot = await self.limiter.slot("address:" + address, self.per_address_connections)
        try:
            await self.limiter.pace()
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(loop=loop)
            protocol = _SlotHoldingProtocol(reader, slot)
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: protocol, address, port), self.connect_timeout
            )
        except TimeoutError as error:
            slot.release()
            raise ConnectionFailed(address, port, "timeout") from error
        except OSError as error:
            slot.release()
            raise _connection_error(address, port, error) from error
        except BaseException:
            slot.release()
            raise
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        _slots_of_writers[writer] = slot
        return reader, writer

    async def close(self) -> None:
        await self.limiter.close()

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


class _SlotHoldingProtocol(asyncio.StreamReaderProtocol):
    """Gives the address's slot back when the connection ends, however it ends."""

    def __init__(self, reader: asyncio.StreamReader, slot: Slot) -> None:
        super().__init__(reader)
        self._slot = slot

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            self._slot.release()


# A failed TLS handshake never tells the application protocol that the connection is lost (asyncio's
# SSL protocol only does after a handshake), so close_quietly gives the slot back too (idempotent).
_slots_of_writers: weakref.WeakKeyDictionary[asyncio.StreamWriter, Slot] = weakref.WeakKeyDictionary()


async def close_quietly(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except Exception:
        writer.transport.abort()  # not closed in time: drop it, so that the peer sees the end too
    slot = _slots_of_writers.pop(writer, None)
    if slot is not None:
        slot.release()


async def handshake_with_trust(
    handshake: Callable[[bool], Awaitable[TlsInfo]],
) -> tuple[TlsInfo, bool, CertificateRejected | None]:
    """Shake hands verifying the chain; if the chain is refused, again without verifying to see the
    certificate anyway. Returns (session, trusted, why it was refused)."""
    try:
        return await handshake(True), True, None
    except CertificateRejected as rejected:
        return await handshake(False), False, rejected
