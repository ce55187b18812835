"""The named queries of a folder, each file read and checked once, when the server starts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smarco_kg.queries.checks import Parse, check_query
from smarco_kg.queries.header import Header
from smarco_kg.queries.model import NamedQuery, QueryFileError
from smarco_kg.store import GraphStore, open_scratch_store

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class QueryRegistry(Mapping[str, NamedQuery]):
    """The named queries of one directory, by name (the file's stem), in file-name order."""

    directory: Path
    queries: dict[str, NamedQuery] = field(default_factory=dict)

    def __getitem__(self, name: str) -> NamedQuery:
        return self.queries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.queries)

    def __len__(self) -> int:
        return len(self.queries)


def load_queries(directory: Path) -> QueryRegistry:
    """Every ``*.rq`` file of ``directory`` (none if it does not exist), each checked; the first file that
    cannot be served raises ``QueryFileError`` with its name and line."""
    queries: dict[str, NamedQuery] = {}
    if directory.is_dir():
        scratch = open_scratch_store()
        try:
            for path in sorted(directory.glob("*.rq")):
                query = load_query(path, _parser(scratch))
                queries[query.name] = query
        finally:
            scratch.close()
    return QueryRegistry(directory, queries)


def load_query(path: Path, parse: Parse | None = None) -> NamedQuery:
    """One named-query file, checked: its header, its parameters against the query, and (with ``parse``, which
    raises ``QuerySyntaxError``) the query itself."""
    if not _NAME.fullmatch(path.stem):
        raise QueryFileError(path, 1, f"name the file in lower case, digits and '-' (it is the URL): {path.stem!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise QueryFileError(path, line, "the file is not UTF-8") from error
    except OSError as error:
        raise QueryFileError(path, 1, f"cannot read the file: {error}") from error
    header = Header(path, text)
    form = check_query(path, text, header, parse)
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=header.summary,
        text=text,
        form=form,
        description=header.description,
        tags=tuple(header.tags),
        parameters=tuple(header.parameters),
        pagination=header.pagination,
    )


def _parser(scratch: GraphStore) -> Parse:
    def parse(text: str) -> None:
        scratch.query(text)  # an empty in-memory store: parsing is the cost

    return parse
