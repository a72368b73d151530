"""A TCP peer that counts what a scanned host would notice: connections open at once and when each began.

Each connection is held `hold` seconds, then answered with one HTTP response and closed by the peer.
A connection counts from its acceptance until the peer has made up its mind to answer: the count ends
before the client can see the answer, so a client that waits for the answer before letting another
connection start can never be counted twice (no false excess from thread scheduling), while clients
that overlap during the hold are all counted.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.peers.dns_server import random_loopback

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class CountingPeer:
    def __init__(self, *, hold: float = 0.05, address: str | None = None) -> None:
        self.address = address or random_loopback()
        self.hold = hold
        self._listener = socket.socket()
        self._listener.bind((self.address, 0))
        self._listener.listen(256)
        self._listener.settimeout(0.1)  # so that the accepting thread sees stop() soon
        self._stopped = threading.Event()
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self.open_now = 0
        self.most_open = 0
        self.opened_at: list[float] = []  # time.monotonic() of each acceptance
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> CountingPeer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            with self._lock:
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
                self.opened_at.append(time.monotonic())
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            time.sleep(self.hold)
        finally:
            with self._lock:
                self.open_now -= 1
            with contextlib.suppress(OSError):  # the client gave up
                connection.sendall(RESPONSE)
            connection.close()

    def most_in_any_window(self, seconds: float) -> int:
        """The largest number of connections accepted within any `seconds`-long window."""
        times = sorted(self.opened_at)
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= seconds:
                first += 1
            most = max(most, last - first + 1)
        return most
