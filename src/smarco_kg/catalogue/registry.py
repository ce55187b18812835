"""One deployment's catalogue: the class entries resolved against its shapes and base IRI.

Built from the Settings an application or command is given (never from the environment at import time): the
member classes are read from the shapes' ``sh:targetClass``, the JSON-LD vocabulary from the shapes, and every
question "which class is this IRI a member of", "where is its page", "what does search call it" is answered here.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from rdflib import SH, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import CLASSES, ClassEntry
from smarco_kg.catalogue.vocabulary import Vocabulary, shapes_graph, vocabulary
from smarco_kg.errors import BadParameter, NotFound, SmarcoError


class CatalogueError(SmarcoError):
    """The class entries do not fit the shapes (a shape with no target class, two collections with one path)."""


MEMBERS_REMEMBERED = 100_000
"""IRIs whose collection ``Catalogue.member_of`` remembers (then it starts again)."""


class Catalogue:
    """The class entries of one deployment, with their member classes read from the shapes."""

    def __init__(self, base_iri: str, shapes_dir: Path, classes: Sequence[ClassEntry] = CLASSES) -> None:
        self.base_iri = base_iri
        self.shapes_dir = shapes_dir
        self._given = tuple(classes)
        self._member_of: dict[str, tuple[ClassEntry, str] | None] = {}

    @cached_property
    def entries(self) -> dict[str, ClassEntry]:
        """Collection path -> entry, in the registry's order, each with its member classes."""
        shapes = shapes_graph(self.shapes_dir)
        resolved: dict[str, ClassEntry] = {}
        for entry in self._given:
            if entry.collection in resolved:
                raise CatalogueError(f"two classes are served at /api/{entry.collection}")
            if entry.shapes:
                targets = [t for s in entry.shapes for t in shapes.objects(s, SH.targetClass)]
                if len(targets) != len(entry.shapes):
                    missing = [str(s) for s in entry.shapes if (s, SH.targetClass, None) not in shapes]
                    raise CatalogueError(f"{entry.collection}: no sh:targetClass for {', '.join(missing)}")
                entry = dataclasses.replace(entry, classes=tuple(URIRef(str(t)) for t in targets))
            resolved[entry.collection] = entry
        return resolved

    @cached_property
    def vocabulary(self) -> Vocabulary:
        extra = tuple(c for e in self._given if not e.shapes for c in e.classes)
        return vocabulary(self.shapes_dir, extra)

    @cached_property
    def class_paths(self) -> dict[URIRef, tuple[URIRef, ...]]:
        """Class -> the property paths the node shapes targeting it declare (``sh:targetClass``): the facts a page
        lists for its members, read from the shapes once (each page read them anew: 0.2 ms of a course page)."""
        declared = self.vocabulary.shape_properties
        paths: dict[URIRef, tuple[URIRef, ...]] = {}
        for shape, target in shapes_graph(self.shapes_dir).subject_objects(SH.targetClass):
            if isinstance(shape, URIRef) and isinstance(target, URIRef):
                paths[target] = paths.get(target, ()) + declared.get(shape, ())
        return paths

    def __iter__(self) -> Iterator[ClassEntry]:
        return iter(self.entries.values())

    def entry(self, collection: str) -> ClassEntry:
        return self.entries[collection]

    @property
    def owned(self) -> list[ClassEntry]:
        """The classes partners write: REST writes, ownership, the write routes' OpenAPI."""
        return [e for e in self.entries.values() if e.owned]

    def member_of(self, iri: Node | str) -> tuple[ClassEntry, str] | None:
        """The collection an IRI is a member IRI of, and its id there; None for any other IRI. Asked for every
        value a page links to (120 on a list page), so answers are remembered."""
        if not isinstance(iri, str):
            return None
        key = str(iri)
        if key in self._member_of:
            with contextlib.suppress(KeyError):  # another thread may just have started again
                return self._member_of[key]
        found = self._find_member(key)
        if len(self._member_of) >= MEMBERS_REMEMBERED:
            self._member_of.clear()
        self._member_of[key] = found
        return found

    def _find_member(self, iri: str) -> tuple[ClassEntry, str] | None:
        for entry in self.entries.values():
            namespace = entry.namespace(self.base_iri)
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if entry.iri(self.base_iri, local) is not None:
                    return entry, local
        return None

    def member_iri(self, collection: str, id: str) -> URIRef:
        """The IRI of the collection's member named by the id in a URL; 404 when the id cannot name one."""
        entry = self.entries[collection]
        iri = entry.iri(self.base_iri, id)
        if iri is None:
            raise NotFound(f"{id!r} is not a {entry.name} id", title=f"no such {entry.name}")
        return iri

    def member_value(self, collection: str, parameter: str, raw: str) -> URIRef:
        """A parameter naming a member of the collection by IRI or id; 422 naming the parameter otherwise."""
        entry = self.entries[collection]
        namespace = entry.namespace(self.base_iri)
        iri = entry.iri(self.base_iri, raw.strip().removeprefix(namespace))
        if iri is None:
            raise BadParameter(parameter, raw, f"a {entry.name} IRI ({namespace}…) or its id")
        return iri

    def page_of(self, iri: Node | str) -> str | None:
        """The path of the page describing ``iri``, or None when no page does."""
        found = self.member_of(iri) if isinstance(iri, str) else None
        if found is None:
            return None
        entry, local = found
        return f"/{entry.prefix}{local}" if entry.own else f"/{entry.collection}/{local}"

    def member_path(self, entry: ClassEntry) -> str:
        """The route path of a member's page: the IRI's own path, or ``/{collection}/{id}`` for external IRIs."""
        return f"/{entry.prefix}{{id}}" if entry.own else f"/{entry.collection}/{{id}}"

    @cached_property
    def search_types(self) -> dict[str, tuple[str, ...]]:
        """What search's ``type=`` names -> the classes of that type."""
        types: dict[str, tuple[str, ...]] = {}
        for entry in self.entries.values():
            if entry.search_type:
                types[entry.search_type] = types.get(entry.search_type, ()) + tuple(str(c) for c in entry.classes)
        return types

    @cached_property
    def described_search_types(self) -> frozenset[str]:
        """The search types whose descriptions are searched too."""
        return frozenset(e.search_type for e in self.entries.values() if e.search_type and e.search_descriptions)

    def home_counts(self) -> list[tuple[str, tuple[URIRef, ...]]]:
        """What the home page counts: (label, classes), in the registry's order."""
        return [count for entry in self.entries.values() for count in entry.home_counts()]

    def demo_files(self, data_dir: Path) -> list[Path]:
        """The demo data files of the classes that have one; FileNotFoundError naming those missing."""
        names = [e.demo_file for e in self.entries.values() if e.demo_file]
        missing = [name for name in names if not (data_dir / name).is_file()]
        if missing:
            raise FileNotFoundError(f"demo data missing in {data_dir}: {', '.join(missing)}")
        return [data_dir / name for name in names]
