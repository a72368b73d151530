"""Upload checks, without a database: types by content, names, archives."""

from __future__ import annotations

import io
import zipfile

import pytest

from cyberreponse.errors import Invalid
from cyberreponse.services.uploads import (
    IncomingFile,
    UploadLimits,
    check_file,
    check_files,
    safe_display_name,
    sniff,
)

LIMITS = UploadLimits(
    max_files=5, max_file_bytes=1024 * 1024, max_zip_entries=10, max_zip_uncompressed=10 * 1024 * 1024
)


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"GIF89arest", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"%PDF-1.7\n", "pdf"),
        (b"Received: from mx\r\nSubject: Facture\r\n\r\ncorps", "eml"),
        (b"journal du pare-feu\n", "text"),
        (b"<!DOCTYPE html><html>", "html"),
        (b"MZ\x90\x00", "executable"),
        (b"\x7fELF\x02", "executable"),
        (b"#!/bin/sh\nrm -rf /", "executable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "msg"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_types_are_recognised_by_their_content(content: bytes, kind: str) -> None:
    assert sniff(content) == kind


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../app.py", "app.py"),
        ("C:\\Users\\mairie\\capture.png", "capture.png"),
        ("facture\r\n<script>.pdf", "facture_script_.pdf"),
        ("écran d'accueil.png", "écran d_accueil.png"),
        ("...", "fichier"),
        ("a" * 300 + ".pdf", "a" * 92 + ".pdf"),
    ],
)
def test_display_names_are_made_safe(raw: str, safe: str) -> None:
    assert safe_display_name(raw) == safe


def test_a_message_saved_as_eml_or_txt_is_accepted() -> None:
    mail = b"From: escroc@example.test\r\nSubject: RIB\r\n\r\nBonjour"
    assert check_file(IncomingFile("message.eml", mail), LIMITS).sniffed_type == "eml"
    assert check_file(IncomingFile("message.txt", mail), LIMITS).sniffed_type == "eml"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"\xff\xd8\xff\xe0", "ne correspond pas"),
        ("vide.txt", b"", "est vide"),
        ("gros.txt", b"a" * (1024 * 1024 + 1), "dépasse 1 Mo"),
        ("script.js", b"alert(1)", "est un programme"),
        ("macro.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "n'est pas accepté"),
        ("trop.zip", zip_of({f"f{i}.txt": b"x" for i in range(11)}), "trop de fichiers"),
        ("piege.zip", zip_of({"facture.pdf.exe": b"MZ"}), "programme exécutable"),
        ("casse.zip", b"PK\x03\x04pas un zip", "illisible"),
    ],
)
def test_refused_files_say_why(name: str, content: bytes, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_file(IncomingFile(name, content), LIMITS)
    assert message in refused.value.message


def test_an_ordinary_archive_is_accepted_without_being_extracted() -> None:
    checked = check_file(IncomingFile("captures.zip", zip_of({"a.png": b"\x89PNG" + bytes(10)})), LIMITS)
    assert checked.sniffed_type == "zip" and len(checked.sha256) == 64


def test_more_files_than_allowed_are_refused_together() -> None:
    files = [IncomingFile(f"f{i}.txt", b"x") for i in range(6)]
    with pytest.raises(Invalid, match="au plus 5 fichiers"):
        check_files(files, LIMITS)
