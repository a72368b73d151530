"""Checking uploaded evidence before it is stored (ASVS 5.2): size and count limits, an extension
allowlist confirmed by the content's magic bytes, executables refused, archives inspected without
being extracted, and a safe display name (the stored object never uses the sent name).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from cyberreponse.config import Settings
from cyberreponse.errors import Invalid

MB = 1024 * 1024

# Extension → the sniffed type its content must have.
ALLOWED_EXTENSIONS = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
    "eml": "eml",
    "txt": "text",
    "log": "text",
    "csv": "text",
    "msg": "msg",
    "zip": "zip",
}
ACCEPT_ATTRIBUTE = ",".join("." + extension for extension in ALLOWED_EXTENSIONS)

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts
)
_EXECUTABLE_NAMES = re.compile(
    r"\.(exe|dll|com|scr|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|msi|jar|lnk|sh|elf|app|apk|cpl|reg)$", re.I
)
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]{1,76}:")
_HTML_START = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml)", re.I)


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_file_bytes: int
    max_zip_entries: int
    max_zip_uncompressed: int

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            max_files=settings.get_int("uploads.max_files"),
            max_file_bytes=settings.get_int("uploads.max_file_mb") * MB,
            max_zip_entries=settings.get_int("uploads.max_zip_entries"),
            max_zip_uncompressed=settings.get_int("uploads.max_zip_uncompressed_mb") * MB,
        )


@dataclass(frozen=True)
class IncomingFile:
    """What the web layer read from the request."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    sniffed_type: str
    content: bytes
    size: int
    sha256: str


def safe_display_name(raw: str) -> str:
    """A name that is harmless to show and to offer in Content-Disposition: no path, no control
    characters, a short set of characters; the extension is kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r"[^\w .()+,@=-]", "_", name).strip(" .")
    name = re.sub(r"_+", "_", name)
    if len(name) > 100:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 95 - len(extension)] + dot + extension) if dot and len(extension) <= 8 else name[:100]
    return name or "fichier"


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def sniff(content: bytes) -> str:
    """The type the bytes say they are, whatever the name claims."""
    head = content[:64]
    if head.startswith(_EXECUTABLE_MAGIC):
        return "executable"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "msg"  # OLE compound file: Outlook .msg (also old Office files, refused by extension)
    if b"\x00" in content[:8192]:
        return "binary"
    if _HTML_START.match(content[:512]):
        return "html"
    if _HEADER_LINE.match(content.lstrip(b"\r\n")[:80]):
        return "eml"
    return "text"


def _check_zip(content: bytes, limits: UploadLimits) -> str | None:
    """Read the archive's directory only: nothing is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_zip_entries:
                return f"L'archive contient trop de fichiers (plus de {limits.max_zip_entries})."
            total = 0
            for entry in entries:
                total += entry.file_size
                # Deflate never grows data by more than a few bytes per block: a larger compressed size
                # means the directory lies about what extraction would produce.
                if entry.compress_size > entry.file_size + entry.file_size // 100 + 1024:
                    return "L'archive est incohérente (tailles annoncées fausses) : refusée."
                if entry.compress_size and entry.file_size / entry.compress_size > 200:
                    return "L'archive est anormalement compressée (bombe de décompression) : refusée."
                if _EXECUTABLE_NAMES.search(entry.filename):
                    return "L'archive contient un programme exécutable : refusée."
            if total > limits.max_zip_uncompressed:
                return "L'archive décompressée dépasserait la taille autorisée : refusée."
    except (zipfile.BadZipFile, ValueError, OverflowError):
        return "L'archive est illisible ou endommagée."
    return None


def check_file(incoming: IncomingFile, limits: UploadLimits) -> CheckedFile:
    """Accept one file or raise Invalid with a French message that names it."""
    name = safe_display_name(incoming.filename)
    size = len(incoming.content)
    field = "attachments"
    if size == 0:
        raise Invalid(field, f"Le fichier « {name} » est vide.")
    if size > limits.max_file_bytes:
        raise Invalid(
            field,
            f"Le fichier « {name} » dépasse {limits.max_file_bytes // MB} Mo : "
            "envoyez-en une version plus légère.",
        )
    sniffed = sniff(incoming.content)
    if sniffed == "executable" or _EXECUTABLE_NAMES.search(incoming.filename or ""):
        raise Invalid(field, f"Le fichier « {name} » est un programme : ce type de fichier est refusé.")
    expected = ALLOWED_EXTENSIONS.get(extension_of(name))
    if expected is None:
        allowed = ", ".join(sorted({"." + extension for extension in ALLOWED_EXTENSIONS}))
        raise Invalid(field, f"Le type du fichier « {name} » n'est pas accepté (acceptés : {allowed}).")
    # A .txt or .log may well start with "Subject:"-like lines; that is still text.
    compatible = sniffed == expected or (expected == "text" and sniffed == "eml")
    if not compatible:
        raise Invalid(field, f"Le contenu du fichier « {name} » ne correspond pas à son extension : refusé.")
    if sniffed == "zip":
        problem = _check_zip(incoming.content, limits)
        if problem:
            raise Invalid(field, f"« {name} » : {problem}")
    return CheckedFile(
        display_name=name,
        sniffed_type=sniffed,
        content=incoming.content,
        size=size,
        sha256=hashlib.sha256(incoming.content).hexdigest(),
    )


def check_files(files: list[IncomingFile], limits: UploadLimits) -> list[CheckedFile]:
    """All files of one submission, or Invalid: either every file is accepted or none."""
    present = [incoming for incoming in files if incoming.filename or incoming.content]
    if len(present) > limits.max_files:
        raise Invalid("attachments", f"Vous pouvez joindre au plus {limits.max_files} fichiers.")
    return [check_file(incoming, limits) for incoming in present]
