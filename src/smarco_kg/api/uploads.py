"""Forms with files. A visitor's upload (a credential) is read in memory only, never spooled to a temporary file as
the framework's form parser does past 1 MiB, so nothing of it reaches the disk; an operator's load through the
server (``spool_files``) goes the other way: straight to disk, part by part, so that its size costs no memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from smarco_kg.api.problems import Problem


@dataclass
class Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class Form:
    fields: list[tuple[str, str]]  # text fields, in order
    files: dict[str, bytes]  # file fields by name (the first file of each name)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


async def read_form(request: Request) -> Form:
    """The body of a ``multipart/form-data`` (or URL-encoded) POST, held in memory; 415 for any other body."""
    media, options = parse_options_header(request.headers.get("content-type", ""))
    if media == b"application/x-www-form-urlencoded":
        form = await request.form()
        return Form([(k, v) for k, v in form.multi_items() if isinstance(v, str)], {})
    if media != b"multipart/form-data" or not options.get(b"boundary"):
        raise Problem(415, "unsupported media type", "send the form as multipart/form-data, with the file in it")
    parts: list[Part] = []
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}
    headers: dict[str, str] = {}

    def header_end() -> None:
        headers[header["field"].decode("latin-1").lower()] = header["value"].decode("utf-8", "replace")
        header["field"], header["value"] = bytearray(), bytearray()

    def headers_finished() -> None:
        _, disposition = parse_options_header(headers.get("content-disposition", ""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        parts.append(Part(name, filename.decode("utf-8", "replace") if filename is not None else None))
        headers.clear()

    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_header_field": lambda data, start, end: header["field"].extend(data[start:end]),
            "on_header_value": lambda data, start, end: header["value"].extend(data[start:end]),
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": lambda data, start, end: parts[-1].data.extend(data[start:end]),
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise Problem(400, "the form cannot be read", f"the multipart body is malformed: {error}") from error
    fields = [(p.name, p.data.decode("utf-8", "replace")) for p in parts if p.filename is None]
    files: dict[str, bytes] = {}
    for part in parts:
        if part.filename is not None:
            files.setdefault(part.name, bytes(part.data))
    return Form(fields, files)


async def spool_files(request: Request, folder: Path) -> list[Path]:
    """The file parts of a ``multipart/form-data`` body, streamed into ``folder`` as they arrive (a load of any
    size costs no memory), each under its own name in a folder of its own (``folder/<n>/<name>``), so that
    formats come from the names and messages name the files as the sender did; 415 for any other body, 400 for
    a part without a usable file name."""
    media, options = parse_options_header(request.headers.get("content-type", ""))
    if media != b"multipart/form-data" or not options.get(b"boundary"):
        raise Problem(415, "unsupported media type", "send the files as multipart/form-data")
    paths: list[Path] = []
    handles: list[BinaryIO] = []
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}
    headers: dict[str, str] = {}

    def header_end() -> None:
        headers[header["field"].decode("latin-1").lower()] = header["value"].decode("utf-8", "replace")
        header["field"], header["value"] = bytearray(), bytearray()

    def headers_finished() -> None:
        _, disposition = parse_options_header(headers.get("content-disposition", ""))
        headers.clear()
        filename = Path(disposition.get(b"filename", b"").decode("utf-8", "replace").replace("\\", "/")).name
        if filename in ("", ".", ".."):
            raise Problem(400, "a part has no file name", "each part of the form is a file, named by its filename")
        target = folder / str(len(paths)) / filename
        target.parent.mkdir()
        paths.append(target)
        handles.append(target.open("wb"))

    def part_data(data: bytes, start: int, end: int) -> None:
        handles[-1].write(data[start:end])

    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_header_field": lambda data, start, end: header["field"].extend(data[start:end]),
            "on_header_value": lambda data, start, end: header["value"].extend(data[start:end]),
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": part_data,
            "on_part_end": lambda: handles[-1].close(),
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise Problem(400, "the form cannot be read", f"the multipart body is malformed: {error}") from error
    finally:
        for handle in handles:
            handle.close()
    if not paths:
        raise Problem(400, "no files in the form", "the multipart body has no file parts")
    return paths
