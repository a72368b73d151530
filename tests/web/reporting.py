"""Helpers to fill the public reporting form as a browser would."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


def report_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": "",
        "name": "Claire Martin",
        "role": "Secrétaire de mairie",
        "email": "claire.martin@mairie.example.test",
        "phone": "02 47 00 00 00",
        "situation": "ransomware",
        "noticed_at": "",
        "ongoing": "yes",
        "personal_data": "unknown",
        "title": "",
        "description": "Les fichiers du serveur ont une extension .lock et un message demande une rançon.",
    }
    data.update(overrides)
    return data


def file_field(name: str, content: bytes) -> tuple[io.BytesIO, str]:
    return (io.BytesIO(content), name)


def submit(
    client: FlaskClient, files: list[tuple[str, bytes]] | None = None, **overrides: Any
) -> TestResponse:
    data = report_data(**overrides)
    data.setdefault("csrf_token", csrf_token(client, "/signaler"))
    if files:
        data["attachments"] = [file_field(name, content) for name, content in files]
    # buffered: the response is closed at once, which runs the mail delivery queued after it.
    return client.post("/signaler", data=data, content_type="multipart/form-data", buffered=True)


def follow_up_link(page: str) -> str:
    match = re.search(r'id="follow-up-link" href="[^"]*(/suivi/[A-Za-z0-9_-]+)"', page)
    assert match, "no follow-up link on the page"
    return match.group(1)


def text_of(response: TestResponse) -> str:
    """The page as a reader sees it: HTML entities (&#39; for ') decoded."""
    return html.unescape(response.get_data(as_text=True))
