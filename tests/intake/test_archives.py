"""Archives are refused by their bytes, whatever their name: every archive type the type sniffer
recognises (gzip, bzip2, xz, tar, 7-Zip, RAR), not only plain ZIP.

Issue 22: adding ``application/gzip`` to the allow-list failed no test, because no refusal test
used an archive that ``filetype`` recognises. Each case first checks that the sniffer does
recognise the bytes as that archive (so the refusal is the allow-list's, not a miss).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile

import filetype
import pytest

from cluedesk.intake import attachments

from .conftest import upload


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = "名单".encode()
        info = tarfile.TarInfo("list.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


PAYLOAD = "账本：湘A12345\n".encode() * 20
ARCHIVES = [
    ("gzip", gzip.compress(PAYLOAD), "application/gzip"),
    ("bzip2", bz2.compress(PAYLOAD), "application/x-bzip2"),
    ("xz", lzma.compress(PAYLOAD), "application/x-xz"),
    ("tar", _tar(), "application/x-tar"),
    ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 56, "application/x-7z-compressed"),
    ("rar", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 56, "application/x-rar-compressed"),
]


@pytest.mark.parametrize(("kind", "content", "mime"), ARCHIVES, ids=[a[0] for a in ARCHIVES])
@pytest.mark.parametrize("name", ["evidence", "scan.pdf", "photo.jpg", "notes.txt", "bundle.gz"])
def test_an_archive_is_refused_by_its_bytes(kind: str, content: bytes, mime: str, name: str) -> None:
    assert filetype.guess(content).mime == mime  # the sniffer knows it: the allow-list must refuse it
    assert attachments.sniff(io.BytesIO(content)) is None
    with pytest.raises(attachments.FileRefused) as exc:
        attachments.check(upload(name, content))
    assert exc.value.code == "file_type_refused" and "archives" in str(exc.value.message)


def test_no_archive_type_is_on_the_allow_list() -> None:
    archives = {mime for _k, _c, mime in ARCHIVES} | {"application/zip", "application/x-compress",
                                                      "application/x-lzip", "application/zstd"}
    assert not archives & attachments.ALLOWED
