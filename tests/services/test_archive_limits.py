"""Archives are judged on their directory, before anything is decompressed (ASVS 5.2.3)."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from cyberreponse.errors import Invalid
from cyberreponse.services.uploads import IncomingFile, UploadLimits, check_file

MB = 1024 * 1024


def test_an_archive_announcing_more_than_the_uncompressed_limit_is_refused_even_when_not_a_bomb() -> None:
    # Incompressible content: an honest archive (ratio ~1) that is simply too large once extracted.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(3):
            archive.writestr(f"export-{index}.csv", os.urandom(2 * MB))
    limits = UploadLimits(
        max_files=5, max_file_bytes=10 * MB, max_zip_entries=200, max_zip_uncompressed=5 * MB
    )
    with pytest.raises(Invalid) as refused:
        check_file(IncomingFile("exports.zip", buffer.getvalue()), limits)
    assert "L'archive décompressée dépasserait la taille autorisée" in refused.value.message


def test_an_entry_that_lies_about_its_size_is_refused_without_being_decompressed() -> None:
    # The directory says 10 bytes, the data holds 60 MB of zeros: a bomb hiding from the ratio check.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", bytes(60 * MB))
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size in the directory
    limits = UploadLimits(
        max_files=5, max_file_bytes=10 * MB, max_zip_entries=200, max_zip_uncompressed=5 * MB
    )
    with pytest.raises(Invalid) as refused:
        check_file(IncomingFile("mensonge.zip", bytes(data)), limits)
    assert "incohérente" in refused.value.message
