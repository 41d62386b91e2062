"""Receiving an import file: streamed to a temporary file, never held in memory.

The body is either the file itself (``Content-Type: text/csv`` or ``application/json``) or
a ``multipart/form-data`` form whose first file part is the file. While the bytes go to
disk they are counted (refused past ``max_import_bytes`` without reading the rest),
hashed, and decoded as UTF-8 incrementally, so a file in another encoding is named as
such with the line and byte where it stops being UTF-8.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import BodyPartReader, web

from monopilot_integrations.connectors.files.imports.problems import FileProblem

CHUNK = 64 * 1024
#: How much of the file's beginning tells its format (workbook, XML, JSON or CSV).
HEAD = 64
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
JSON_TYPES = ("application/json",)
FORMATS = ("csv", "json")


@dataclass
class Upload:
    path: Path
    size: int
    sha256: str
    file_name: str | None
    format: str

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def detect_format(
    asked: str | None, content_type: str | None, file_name: str | None, first: bytes
) -> str:
    if asked:
        if asked not in FORMATS:
            raise FileProblem(422, "unknown-format", f"format must be csv or json, not {asked!r}")
        return asked
    if content_type in JSON_TYPES:
        return "json"
    if content_type in CSV_TYPES and content_type != "text/plain":
        return "csv"
    if file_name:
        suffix = Path(file_name).suffix.lower()
        if suffix == ".json":
            return "json"
        if suffix in (".csv", ".txt"):
            return "csv"
        if suffix in (".xlsx", ".xls", ".ods"):
            raise FileProblem(
                415,
                "unsupported-file",
                f"{file_name} is a spreadsheet workbook: save it as CSV (UTF-8) and send that",
            )
    return "json" if first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{") else "csv"


#: How spreadsheet workbooks begin: ZIP (xlsx, ods) and OLE2 (xls).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


#: How an XML document begins (after a byte order mark and blanks): a declaration, a
#: DOCTYPE, a comment or an element. No CSV header or JSON array starts with "<".
XML_START = b"<"
XML_TYPES = ("application/xml", "text/xml")


def refuse_unsupported(first: bytes, file_name: str | None, content_type: str | None) -> None:
    """A workbook or an XML document gets a clear 415, not a page of encoding or column
    errors. XML is never parsed here: its DTD and entities are neither expanded nor
    fetched."""
    if first.startswith(WORKBOOK_MAGIC):
        raise FileProblem(
            415,
            "unsupported-file",
            f"{file_name or 'the file'} is a spreadsheet workbook, not CSV or JSON: save it "
            "as CSV (UTF-8) and send that",
        )
    suffix = Path(file_name).suffix.lower() if file_name else ""
    if (
        first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(XML_START)
        or content_type in XML_TYPES
        or suffix == ".xml"
    ):
        raise FileProblem(
            415,
            "unsupported-file",
            f"{file_name or 'the file'} is XML; products are imported from CSV or JSON "
            "(the template: GET /api/integrations/import/products/template)",
        )


class Utf8Check:
    """Incremental UTF-8 check with the position of the first bad byte."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.offset = 0
        self.lines = 1

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            bad = chunk[exc.start : exc.start + 1] or chunk[-1:]
            line = self.lines + chunk[: exc.start].count(b"\n")
            raise FileProblem(
                422,
                "wrong-encoding",
                f"the file is not UTF-8 text: byte 0x{bad.hex().upper()} on line {line} "
                f"(byte {self.offset + exc.start}) cannot be read; save it as UTF-8 "
                '("CSV UTF-8" in a spreadsheet program) and send it again',
                [{"row": line, "column": None, "value": None, "message": "not UTF-8"}],
            ) from None
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")


async def _chunks(request: web.Request) -> AsyncIterator[tuple[bytes, str | None, str | None]]:
    """(chunk, content type, file name) of the file in the body, raw or in a form."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                raise FileProblem(422, "no-file", "the form holds no file: send it in a file field")
            if isinstance(part, BodyPartReader) and (part.filename or part.name == "file"):
                content_type = part.headers.get("Content-Type", "").split(";")[0].strip()
                while chunk := await part.read_chunk(CHUNK):
                    yield chunk, content_type or None, part.filename
                return
            if isinstance(part, BodyPartReader):
                await part.release()
    else:
        while chunk := await request.content.read(CHUNK):
            yield chunk, request.content_type, None


async def receive(request: web.Request, limit: int, asked_format: str | None) -> Upload:
    """The body's file on disk; :class:`FileProblem` when it is too large or not UTF-8."""
    if request.content_length is not None and request.content_length > limit:
        raise FileProblem(
            413,
            "file-too-large",
            f"the file is {request.content_length} bytes; at most {limit} bytes "
            f"({limit // (1024 * 1024)} MB) are taken: split it",
        )
    fd, name = tempfile.mkstemp(prefix="monopilot-import-", suffix=".upload")
    path = Path(name)
    digest = hashlib.sha256()
    check = Utf8Check()
    size = 0
    content_type: str | None = None
    file_name: str | None = None
    first = b""
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk, part_type, part_name in _chunks(request):
                content_type, file_name = part_type, part_name
                size += len(chunk)
                if size > limit:
                    raise FileProblem(
                        413,
                        "file-too-large",
                        f"the file is larger than {limit} bytes "
                        f"({limit // (1024 * 1024)} MB): split it",
                    )
                if len(first) < HEAD:  # however the body arrives, its first HEAD bytes
                    first += chunk[: HEAD - len(first)]
                    refuse_unsupported(first, file_name, content_type)
                check.feed(chunk)
                digest.update(chunk)
                out.write(chunk)
        check.feed(b"", final=True)
        return Upload(
            path=path,
            size=size,
            sha256=digest.hexdigest(),
            file_name=file_name,
            format=detect_format(asked_format, content_type, file_name, first),
        )
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)
        raise


def from_path(path: Path, limit: int, asked_format: str | None) -> Upload:
    """A local file (the CLI's) checked as an upload is: size, UTF-8, format. The file is
    read in place; :meth:`Upload.remove` must not be called on it."""
    size = path.stat().st_size
    if size > limit:
        raise FileProblem(
            413,
            "file-too-large",
            f"{path} is {size} bytes; at most {limit} bytes "
            f"({limit // (1024 * 1024)} MB) are taken: split it",
        )
    digest = hashlib.sha256()
    check = Utf8Check()
    first = b""
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            if len(first) < HEAD:
                first += chunk[: HEAD - len(first)]
                refuse_unsupported(first, path.name, None)
            check.feed(chunk)
            digest.update(chunk)
    check.feed(b"", final=True)
    return Upload(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        file_name=path.name,
        format=detect_format(asked_format, None, path.name, first),
    )
