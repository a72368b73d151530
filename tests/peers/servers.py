"""HTTP/HTTPS, SMTP and plain TCP listeners on a random loopback address of their own.

Each peer binds ephemeral ports on its own 127.x.y.z address, so parallel test workers never collide and
a port the peer does not serve is refused, as on a real host.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from tests.peers.dns_server import random_loopback

Route = tuple[int, Mapping[str, str], bytes]  # status, headers, body


def free_port(address: str) -> int:
    """A port nothing listens on at this address (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
        return port


class _Handler(BaseHTTPRequestHandler):
    server: _WebServer

    def do_GET(self) -> None:
        self.server.requests_seen.append(self.path)
        status, headers, body = self.server.routes.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"absent")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _WebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str, routes: Mapping[str, Route], context: ssl.SSLContext | None) -> None:
        super().__init__((address, 0), _Handler)
        self.routes = dict(routes)
        self.tls_context = context
        self.requests_seen: list[str] = []

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the request's own thread, so that a client which gives up
        # (a TLS 1.0 probe refused, say) never stalls the accept loop.
        if self.tls_context is not None:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class WebPeer:
    """An HTTPS server (when given a TLS context) and/or an HTTP server, on one loopback address."""

    def __init__(
        self,
        *,
        https: ssl.SSLContext | None = None,
        https_routes: Mapping[str, Route] | None = None,
        http_routes: Mapping[str, Route] | None = None,
        address: str | None = None,
    ) -> None:
        self.address = address or random_loopback()
        self._servers: list[_WebServer] = []
        if https is not None:
            self._servers.append(_WebServer(self.address, https_routes or {"/": ok()}, https))
            self.https_port = self._servers[-1].server_address[1]
        else:
            self.https_port = free_port(self.address)
        if http_routes is not None:
            self._servers.append(_WebServer(self.address, http_routes, None))
            self.http_port = self._servers[-1].server_address[1]
        else:
            self.http_port = free_port(self.address)

    @property
    def requests_seen(self) -> list[str]:
        return [path for server in self._servers for path in server.requests_seen]

    def start(self) -> WebPeer:
        for server in self._servers:
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def ok(headers: Mapping[str, str] | None = None, body: bytes = b"bonjour") -> Route:
    return 200, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}, body


def redirect(location: str) -> Route:
    return 301, {"Location": location}, b""


class SmtpPeer:
    """An aiosmtpd server on its own loopback address; STARTTLS offered when given a TLS context."""

    def __init__(self, *, tls: ssl.SSLContext | None = None, address: str | None = None) -> None:
        self.address = address or random_loopback()
        self.port = free_port(self.address)
        kwargs: dict[str, Any] = {"tls_context": tls} if tls is not None else {}
        self._controller = Controller(Sink(), hostname=self.address, port=self.port, **kwargs)

    def start(self) -> SmtpPeer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


class PortListeners:
    """TCP listeners on given ports of one loopback address (nmap's connect scan sees them open)."""

    def __init__(self, ports: Iterable[int], *, address: str | None = None) -> None:
        self.address = address or random_loopback()
        self.ports = tuple(ports)
        self._sockets: list[socket.socket] = []

    def start(self) -> PortListeners:
        for port in self.ports:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.address, port))
            listener.listen(16)
            self._sockets.append(listener)
        return self

    def stop(self) -> None:
        for listener in self._sockets:
            listener.close()
