"""Where uploaded evidence goes and how it comes back (ASVS 5.1, 5.3, 5.4, 11.3): bounded before it is
read, stored encrypted under a random id and nowhere on disk, tamper-evident, always a download."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from cyberreponse.crypto import DecryptionError
from cyberreponse.models import Attachment, Incident
from tests.conftest import login
from tests.factories import make_user
from tests.web.reporting import PNG, submit, text_of

pytestmark = pytest.mark.db
MB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of `size` bytes that records how much of it the server read (the test client
    seeks to its end once to learn its length; that reads nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset + (self.size if whence == io.SEEK_END else 0)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"\0" * count
        self.position += count
        self.read_bytes += count
        return count


def test_a_30_mb_upload_is_refused_with_413_before_its_body_is_read(
    client: FlaskClient, session: Session
) -> None:
    body = CountingBody(30 * MB)
    response = client.post(
        "/signaler",
        input_stream=body,
        content_length=30 * MB,
        content_type="multipart/form-data; boundary=frontiere",
    )
    assert response.status_code == 413
    assert "L'envoi est trop volumineux" in text_of(response)
    assert body.read_bytes == 0  # refused on its announced length: nothing was read, nothing written
    assert session.scalars(select(Incident)).first() is None


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def test_an_uploaded_file_gets_a_random_id_and_is_written_to_no_folder(
    app: Flask, client: FlaskClient, session: Session, connection: Connection
) -> None:
    static = Path(app.static_folder or "")
    instance = app.extensions["cyberreponse.settings"].instance_path
    before = files_under(static) | files_under(instance)
    response = submit(client, files=[("../../cyberreponse/app.txt", b"print('bonjour')\n")])
    assert response.status_code == 303
    attachment = session.scalars(select(Attachment)).one()
    assert attachment.display_name == "app.txt"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", attachment.public_id) and "app" not in attachment.public_id
    # The content lives only in the database, encrypted; no file appeared in the static (web root) or
    # instance folders, so nothing uploaded can be served by path or executed.
    assert files_under(static) | files_under(instance) == before
    raw = connection.execute(text("SELECT content FROM attachment")).scalar_one()
    assert b"bonjour" not in (raw if isinstance(raw, bytes) else str(raw).encode())


def test_a_flipped_byte_in_a_stored_attachment_is_an_integrity_error_not_garbage(
    app: Flask, client: FlaskClient, session: Session, connection: Connection
) -> None:
    assert submit(client, files=[("capture.png", PNG)]).status_code == 303
    attachment = session.scalars(select(Attachment)).one()
    raw = connection.execute(text("SELECT content FROM attachment")).scalar_one()
    stored = bytearray(raw if isinstance(raw, bytes) else str(raw).encode())
    stored[60] = ord("A") if stored[60] != ord("A") else ord("B")  # one base64 character of the ciphertext
    value = bytes(stored) if isinstance(raw, bytes) else stored.decode()
    connection.execute(text("UPDATE attachment SET content = :v"), {"v": value})
    session.expire_all()
    with pytest.raises(DecryptionError):
        session.scalars(select(Attachment)).one().content  # noqa: B018
    # The analyst downloading it gets an error page, never altered bytes.
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    incident = session.scalars(select(Incident)).one()
    response = client.get(f"/incidents/{incident.reference}/pieces-jointes/{attachment.public_id}")
    assert response.status_code == 500 and "Content-Disposition" not in response.headers


def test_a_file_sent_by_a_reporter_comes_back_as_a_download_under_its_encoded_name(
    client: FlaskClient, session: Session
) -> None:
    sent = submit(client, files=[("rapport été; version <2>.txt", b"journal des connexions")])
    assert sent.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', text_of(sent))
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    incident = session.scalars(select(Incident)).one()
    attachment = incident.attachments[0]
    response = client.get(f"/incidents/{incident.reference}/pieces-jointes/{attachment.public_id}")
    assert response.status_code == 200 and response.data == b"journal des connexions"
    # The server-chosen safe name, percent-encoded (RFC 6266): nothing sent can end the header value.
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename*=UTF-8''rapport%20%C3%A9t%C3%A9_%20version%20_2_.txt"
    )
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response.headers["Content-Security-Policy"]
