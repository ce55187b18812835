"""A JSON write body in people's values (numbers, codes, labels, durations in words) turned into the shapes' values.

A provider writes ``"language": "Spanish"``, ``"mode": "blended"``, ``"creditPoint": 3`` or a skill by its label;
the shapes want IRIs from the code lists and ESCO and typed literals. ``resolve`` is the one place that turns the
first into the second, for every writer (REST, spreadsheets, the web editor): it answers the same document with
values the JSON-LD reader takes, or raises ``PlainValueError`` quoting each value sent, where it is (a JSON
pointer), what is wrong and the candidates.

What a key takes comes from the shapes of the node it is in (``Slot``: the key's ``Term`` and what the node's
shapes say of its values: ``sh:in``, ``sh:class``, ``sh:node`` and its ``sh:pattern``, ``sh:datatype``); names
are looked up in the code lists and ESCO the store holds, through the same tables the filters use (``concepts``):
codes, ids and labels in every language the store carries, and CLDR's codes and names of languages and countries.
Nested nodes the shapes describe (a course's specification, its outcomes, credit points) are resolved key by key;
a key the context does not know, or one that belongs to a nested node, is refused, naming it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import RDFS, XSD, URIRef

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.concepts import Ambiguous, Concept, Table, fold, shown, tables
from smarco_kg.catalogue.filters import NAMED_VALUES, Lookup, Value
from smarco_kg.catalogue.vocabulary import Constraint, Term, Vocabulary, curie
from smarco_kg.errors import Unprocessable
from smarco_kg.namespaces import ELM
from smarco_kg.store import GraphStore

ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
SPECIAL_KEYS = frozenset({"@context", "id", "@id", "type", "@type"})
CLOSE_LOOKS = 5
"""How many unknown values of one body get names like them as candidates."""
CLOSE_POOL = 5000
"""At most this many names are compared with an unknown value (difflib: ~0.1 s for 5,000 names)."""
LABEL_PREFIX = "pv"
"""Blank nodes the resolver names carry their JSON pointer in their label: ``_:pv0001x2f6c…`` (a sequence number
in document order, then the pointer in hex), so that what the shapes say of them can be told by pointer."""


@dataclass(frozen=True)
class ValueProblem:
    """One value that could not be used: where (a JSON pointer), the value as sent, why, and what it could be."""

    pointer: str
    value: Any
    message: str
    candidates: list[str] = field(default_factory=list)

    def as_error(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "value": self.value, "message": self.message, "candidates": self.candidates}


class PlainValueError(Unprocessable):
    """Values in a write that name nothing, or more than one thing; nothing is written."""

    kind = "bad-value"

    def __init__(self, problems: list[ValueProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{first.pointer.lstrip('/') or 'body'}={first.value!r}: {first.message}{more}",
            title="values in the body name nothing this service knows, or more than one thing",
            errors=[problem.as_error() for problem in problems],
        )
        self.problems = problems


def pointer(parent: str, key: str | int) -> str:
    """RFC 6901: ``parent`` then ``key``, ``~`` and ``/`` escaped."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


def blank_label(sequence: int, where: str) -> str:
    return f"{LABEL_PREFIX}{sequence:04d}x{where.encode('utf-8').hex()}"


def pointer_of_label(text: str) -> str | None:
    """The JSON pointer a blank node named by the resolver stands for (``_:pv…`` or ``pv…``), else None."""
    match = re.fullmatch(rf"(?:_:)?{LABEL_PREFIX}\d{{4}}x((?:[0-9a-f]{{2}})*)", text)
    return bytes.fromhex(match[1]).decode("utf-8") if match else None


@dataclass(frozen=True)
class Slot:
    """A key as one node's shapes define it: its term, and what those shapes say of its values."""

    term: Term
    said: Constraint

    key = property(lambda self: self.term.key)
    iri = property(lambda self: self.term.iri)
    kind = property(lambda self: self.term.kind)
    many = property(lambda self: self.term.many)
    datatype = property(lambda self: self.term.datatype)
    node = property(lambda self: self.term.node)
    within = property(lambda self: self.said.within)
    classes = property(lambda self: self.said.classes)
    pattern = property(lambda self: self.said.pattern)


def slots(vocabulary: Vocabulary, shapes: tuple[URIRef, ...]) -> dict[str, Slot]:
    """The keys a node described by ``shapes`` takes."""
    return {t.key: Slot(t, vocabulary.constraint(shapes, t.iri)) for t in vocabulary.properties_of(shapes)}


# -- durations and numbers ------------------------------------------------------------------------------------

_UNITS = {
    "H": ("h", "hr", "hrs", "hour", "hours", "hora", "horas", "ora", "ore", "ώρα", "ώρες", "heure", "heures",
          "stunde", "stunden"),
    "M": ("min", "mins", "minute", "minutes", "minuto", "minutos", "minuti", "λεπτά", "λεπτό"),
    "D": ("d", "day", "days", "día", "dia", "días", "dias", "giorno", "giorni", "ημέρα", "ημέρες", "μέρα", "μέρες",
          "jour", "jours", "tag", "tage"),
    "W": ("w", "wk", "wks", "week", "weeks", "semana", "semanas", "settimana", "settimane", "εβδομάδα",
          "εβδομάδες", "semaine", "semaines", "woche", "wochen"),
}  # fmt: skip
_UNIT_OF = {fold(word): unit for unit, words in _UNITS.items() for word in words}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s.,]+)\.?")
_ISO_DURATION = re.compile(r"-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")


def duration(value: object) -> str | None:
    """An ``xsd:duration`` from ISO 8601 (``PT75H``), words (``75 hours``, ``2 days 2 hours``, ``90 minutes``; the
    units in English, Spanish, Italian, Greek, French and German) or a number of hours; None if it is none of these.
    Days are 24-hour days, as the catalogue writes workloads (50 hours is ``P2DT2H``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _hours(Decimal(str(value)))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _ISO_DURATION.fullmatch(text):
        return text
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return _hours(Decimal(text.replace(",", ".")))
    words = re.sub(r"\b(and|y|e|και|et|und)\b|[,+&]", " ", fold(text))
    found: dict[str, Decimal] = {}
    position = 0
    for match in _PART.finditer(words):
        if words[position : match.start()].strip():
            return None
        unit = _UNIT_OF.get(match[2])
        if unit is None or unit in found:
            return None
        found[unit] = Decimal(match[1].replace(",", "."))
        position = match.end()
    if not found or words[position:].strip():
        return None
    days = found.get("D", Decimal(0)) + 7 * found.get("W", Decimal(0))
    whole_days, part = divmod(days, 1)
    time = _time(found.get("H", Decimal(0)) + 24 * part, found.get("M", Decimal(0)))
    if not whole_days and not time:
        return None
    return "P" + (f"{_number(whole_days)}D" if whole_days else "") + time.removeprefix("P")


def _hours(hours: Decimal) -> str | None:
    if not hours.is_finite() or hours < 0:
        return None
    return _time(hours, Decimal(0)) or "PT0H"


def _time(hours: Decimal, minutes: Decimal) -> str:
    """``T…H…M`` for hours and minutes; xsd:duration allows a fraction only in seconds, so 1.5 hours is PT1H30M."""
    total = hours * 60 + minutes
    whole_hours, rest = divmod(total, 60)
    parts = (f"{_number(whole_hours)}H" if whole_hours else "") + (f"{_number(rest)}M" if rest else "")
    return f"PT{parts}" if parts else ""


def _number(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def plain_number(value: object) -> Decimal | None:
    """A JSON number or a number in a string (``3``, ``"2.5"``, ``"2,5"``), not negative; else None."""
    if isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", ".") if isinstance(value, int | float | str) else ""
    if not re.fullmatch(r"\d+(?:\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def initials(label: str) -> str:
    """``European Credit Transfer System`` -> ``ECTS``: how people write a code list's long names."""
    words = [w for w in re.split(r"[\s-]+", label) if w]
    return "".join(w[0] for w in words).upper() if len(words) >= 3 else ""


# -- the resolver -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolver:
    """Resolves plain values for one deployment: its store (code lists, ESCO), vocabulary and base IRI.

    ``generation``: the store's write generation, which name tables are cached by (None: tables partners write,
    the organisations, are read at each call; the others, which only imports change, are read once)."""

    store: GraphStore
    vocabulary: Vocabulary
    base_iri: str
    generation: int | None = None

    def resolve(self, document: dict[str, Any], entry: ClassEntry, partner: str | None = None) -> dict[str, Any]:
        """``document`` with plain values replaced by the shapes' values; ``partner``: the writer's partner (the
        provider when none is given). Values already in the shapes' form pass unchanged."""
        run = _Run(self, entry)
        out = run.node(document, "", entry.all_shapes, top=True)
        if partner:
            run.default_provider(out, entry, partner)
        if run.problems:
            raise PlainValueError(run.problems)
        return out

    # The value a property's names are looked up in: the one a filter of the catalogue binds to the property (the
    # vocabulary people already filter by), else one of the named values whose IRIs the shapes' constraint names.
    def value_for(self, term: Slot, entry: ClassEntry) -> Value | None:
        mark = f"<{term.iri}> $v"
        for item in entry.filters:
            if mark in item.pattern:
                return item.value
        namespace = _namespace(term)
        classes = {f"?c a <{c}> ." for c in term.classes}
        for value in NAMED_VALUES.values():
            under = value.under(self.base_iri)
            if namespace and (under == namespace or f"<{namespace}" in value.vocabulary):
                return value
            if value.vocabulary in classes:
                return value
        if term.within:
            listed = " ".join(f"<{iri}>" for iri in term.within)
            return Value("concept", vocabulary=f"VALUES ?c {{ {listed} }}", what=term.key)
        if term.classes:
            return Value("concept", vocabulary=f"?c a <{term.classes[0]}> .", what=term.key)
        return None

    def table(self, value: Value) -> Table:
        names = value.names(self.base_iri)
        generation = self.generation if self.generation is not None else (None if value.written else 0)
        return tables(self.store).table(self.store, names, generation)


def _namespace(term: Slot) -> str:
    """The namespace a term's IRIs live in: from its node shape's pattern, or shared by its ``sh:in`` values."""
    if term.pattern:
        literal = re.match(r"\^((?:[^\\\[(.*+?{]|\\.)+)", term.pattern)
        if literal:
            return re.sub(r"\\(.)", r"\1", literal[1])
    if len(term.within) > 1:
        common = _common_prefix([str(i) for i in term.within])
        return common[: common.rfind("/") + 1] if "/" in common else ""
    return ""


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


class _Run:
    """One call of ``resolve``: the problems found so far and the blank nodes named."""

    def __init__(self, resolver: Resolver, entry: ClassEntry) -> None:
        self.resolver = resolver
        self.vocabulary = resolver.vocabulary
        self.entry = entry
        self.problems: list[ValueProblem] = []
        self.sequence = 0
        self.known_keys = {t.key for t in resolver.vocabulary.terms.values()}
        self.extra_keys = {t.key for t in resolver.vocabulary.properties_of((), (RDFS.comment, *entry.properties))}

    def problem(self, where: str, value: Any, message: str, candidates: list[str] | None = None) -> None:
        self.problems.append(ValueProblem(where, value, message, candidates or []))

    # -- nodes

    def terms(self, shapes: tuple[URIRef, ...]) -> dict[str, Slot]:
        return slots(self.vocabulary, shapes)

    def node(self, document: dict[str, Any], where: str, shapes: tuple[URIRef, ...], *, top: bool = False) -> dict:
        """A node the write describes (the member, or a node nested in it) with its values resolved."""
        terms = self.terms(shapes)
        out: dict[str, Any] = {}
        for key, value in document.items():
            here = pointer(where, key)
            if key in SPECIAL_KEYS or ":" in key or key in self.extra_keys:
                out[key] = value
            elif key in terms:
                out[key] = self.values(terms[key], value, here)
            else:
                out[key] = value
                self.unknown_key(key, here, terms, value)  # when no key of the context, or a nested node's
        if not top and "id" not in out and "@id" not in out:
            self.sequence += 1
            out["id"] = "_:" + blank_label(self.sequence, where)
        if "type" not in out and "@type" not in out:
            classes = [c for s in shapes for c in self.vocabulary.shape_classes.get(s, ())]
            if len(set(classes)) == 1 and classes[0] in self.vocabulary.classes:
                out["type"] = self.vocabulary.classes[classes[0]]
        return out

    def unknown_key(self, key: str, where: str, terms: dict[str, Slot], value: Any) -> None:
        known = sorted(terms)
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        for term in terms.values():  # a nested key (a specification's eqfLevel given to the course)
            nested = self.nested_shapes(term)
            if nested and key in self.terms(nested):
                message = f"the key {key!r} does not go here: it belongs inside {term.key!r}"
                self.problem(where, value, message, [term.key])
                return
        if key in self.known_keys:  # a key of the context the shapes do not ask of this node: written as it is
            return
        for term in terms.values():  # a key naming a value of a nested node's list (ects: a credit framework)
            for inner in self.terms(self.nested_shapes(term)).values():
                if inner.within and self.names_one_of(inner, key):
                    message = f'unknown key {key!r}: write it as {term.key!r} (for example "{term.key}": 3)'
                    self.problem(where, value, message, [term.key])
                    return
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        self.problem(where, value, f"unknown key {key!r}{hint} (the keys here: {', '.join(known)})", close or known)

    def nested_shapes(self, term: Slot) -> tuple[URIRef, ...]:
        """The shapes that describe a term's values when the write describes them (its ``sh:node``, or the shape
        targeting its one class): empty for links to resources described elsewhere."""
        if term.node is not None and self.vocabulary.shape_properties.get(term.node):
            return (term.node,)
        if term.iri not in self.entry.embed or len(term.classes) != 1:
            return ()
        return tuple(
            shape
            for shape, classes in self.vocabulary.shape_classes.items()
            if classes == term.classes and self.vocabulary.shape_properties.get(shape)
        )

    # -- values

    def values(self, term: Slot, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.one(term, item, pointer(where, i)) for i, item in enumerate(value)]
        one = self.one(term, value, where)
        return [one] if term.many and term.kind == "iri" and not isinstance(one, list) else one

    def one(self, term: Slot, value: Any, where: str) -> Any:
        if term.kind == "language":
            if isinstance(value, str):
                self.problem(where, value, f'give the language of the text: {{"en": {value!r}}}', ["en"])
            return value
        if term.kind == "literal":
            return self.literal(term, value, where)
        if term.kind != "iri":
            return value
        nested = self.nested_shapes(term)
        if nested:
            if isinstance(value, dict):
                return self.node(value, where, nested)
            filled = self.scalar_node(nested, value, where)
            if filled is not None:
                return self.node(filled, where, nested)
            if not (isinstance(value, str) and ABSOLUTE.match(value)):  # an IRI links a node described elsewhere
                keys = ", ".join(sorted(self.terms(nested)))
                self.problem(where, value, f"{term.key!r} takes an object with the keys {keys}")
            return value
        if isinstance(value, dict):
            link = value.get("id", value.get("@id"))
            if isinstance(link, str) and not link.startswith("_:"):
                resolved = self.concept(term, link, pointer(where, "id"))
                return {**value, "id" if "id" in value else "@id": resolved}
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(where, value, f"{term.key!r} takes a code, a label or an IRI")
            return value
        return self.concept(term, str(value), where)

    def literal(self, term: Slot, value: Any, where: str) -> Any:
        datatype = term.datatype
        if datatype == XSD.duration:
            found = duration(value)
            if found is None:
                self.problem(where, value, 'a duration: "75 hours", "2 days 2 hours", a number of hours or "PT75H"')
                return value
            return found
        if datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.float):
            number = plain_number(value)
            if number is None or (datatype == XSD.integer and number != number.to_integral_value()):
                self.problem(where, value, "a number" if datatype != XSD.integer else "a whole number")
                return value
            return int(number) if datatype == XSD.integer else {"@value": _number(number), "@type": str(datatype)}
        if datatype == XSD.boolean and isinstance(value, str) and fold(value) in ("true", "false"):
            return fold(value) == "true"
        if datatype == XSD.string and isinstance(value, int | float) and not isinstance(value, bool):
            return _number(Decimal(str(value)))
        return value

    def scalar_node(self, shapes: tuple[URIRef, ...], value: Any, where: str) -> dict[str, Any] | None:
        """A node written as one value (``"creditPoint": 3``, ``"3 ECTS"``): its one required literal takes the
        number, each required property with a list of values the one the text names (else the list's first)."""
        terms = self.terms(shapes)
        needed = self.vocabulary.required_by(shapes)
        literals = [t for t in terms.values() if t.iri in needed and t.kind == "literal"]
        choices = [t for t in terms.values() if t.iri in needed and t.within]
        if len(literals) != 1 or isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        text = str(value).strip()
        number = re.match(r"\d+(?:[.,]\d+)?", text)
        if number is None:
            return None
        rest = text[number.end() :].strip()
        body: dict[str, Any] = {literals[0].key: number[0].replace(",", ".")}
        for choice in choices:
            named = [iri for iri in choice.within if rest and self.names(choice, iri, rest)] if rest else []
            body[choice.key] = str(named[0] if named else choice.within[0])
            rest = "" if named else rest
        if rest and re.sub(r"(?i)credits?|points?|cr[eé]ditos?|crediti|πιστωτικές μονάδες", "", rest).strip():
            self.problem(where, value, f"{rest!r} names none of the credit systems this service knows")
        return body

    def names(self, term: Slot, iri: URIRef, text: str) -> bool:
        value = self.resolver.value_for(term, self.entry)
        if value is None:
            return False
        table = self.resolver.table(value)
        concept = table.concepts.get(iri)
        if concept is not None and fold(initials(concept.label)) == fold(text):
            return True
        try:
            return table.concept(text) == iri
        except Ambiguous:
            return False

    def names_one_of(self, term: Slot, text: str) -> bool:
        return any(self.names(term, iri, text) for iri in term.within)

    def concept(self, term: Slot, raw: str, where: str) -> str:
        """The IRI ``raw`` names among the values ``term`` takes; ``raw`` itself (and a problem) when none or
        several do."""
        value = self.resolver.value_for(term, self.entry)
        if value is None:
            if not ABSOLUTE.match(raw):  # JSON-LD would make an IRI of it against the base: a name nobody sent
                self.problem(where, raw, f"{term.key!r} takes an absolute IRI here")
            return raw
        try:
            parsed = value.parse(raw, self.resolver.base_iri)
        except ValueError as error:
            self.problem(where, raw, str(error) or value.hint or "not a value this key takes")
            return raw
        table = self.resolver.table(value)
        found: URIRef | None = None
        if isinstance(parsed, Lookup):
            if parsed.iri is not None and parsed.iri in table.concepts:
                found = parsed.iri
            else:
                try:
                    found = table.concept(parsed.text)
                except Ambiguous as error:
                    self.ambiguous(term, value, raw, where, error.candidates)
                    return raw
                if found is None and parsed.iri is not None and not table.concepts:
                    found = parsed.iri
        elif isinstance(parsed, URIRef):
            found = parsed if parsed in table.concepts or not table.concepts else None
        if found is None and term.within:
            found = next((iri for iri in term.within if self.names(term, iri, raw)), None)
        if found is None or (term.within and found not in term.within):
            self.unknown(term, value, raw, where, table)
            return raw
        if term.pattern and not re.fullmatch(term.pattern.strip("^$"), str(found)):
            self.unknown(term, value, raw, where, table)
            return raw
        return str(found)

    def ambiguous(self, term: Slot, value: Value, raw: str, where: str, candidates: list[Concept]) -> None:
        what = value.what or term.key
        message = (
            f"ambiguous: {len(candidates)} {what}s go by this name: {shown(candidates)}; "
            "give the code, id or IRI of the one you mean"
        )
        self.problem(where, raw, message, [c.shown() for c in candidates])

    def unknown(self, term: Slot, value: Value, raw: str, where: str, table: Table) -> None:
        what = value.what or term.key
        concepts = [table.concepts.get(i, Concept(i)) for i in term.within] if term.within else table.known()
        close = self.close_names(raw, table)
        if term.within or len(table.concepts) <= 50:  # few enough to list: the candidates are all of them
            self.problem(where, raw, f"no {what} has this name, code or IRI", [c.shown() for c in concepts])
        else:
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            self.problem(where, raw, f"no {what} has this name, code or IRI{hint}", close)

    def close_names(self, raw: str, table: Table) -> list[str]:
        return [c.shown() for c in self.close_concepts(raw, table)]

    def close_concepts(self, raw: str, table: Table) -> Iterator[Concept]:
        """Concepts named like ``raw``; for the first few values only, as it reads every name of the table (ESCO's
        skills: tens of thousands)."""
        if len(self.problems) >= CLOSE_LOOKS:
            return
        seen: set[URIRef] = set()
        asked = fold(raw)
        words = [w for w in asked.split() if len(w) >= 4]  # names sharing a word: ESCO's 100,000 names are too many
        pool = [name for name in table.names if any(w in name for w in words)] if words else list(table.names)
        for name in difflib.get_close_matches(asked, pool[:CLOSE_POOL], n=5, cutoff=0.75):
            for found in table.names[name]:
                if found.concept not in seen:
                    seen.add(found.concept)
                    yield table.concepts.get(found.concept, Concept(found.concept))

    # -- the provider

    def default_provider(self, document: dict[str, Any], entry: ClassEntry, partner: str) -> None:
        """A required organisation the body leaves out (a course's provider) is the writer's partner's."""
        for key in defaulted_keys(self.vocabulary, entry):
            term = slots(self.vocabulary, entry.all_shapes)[key]
            if term.key not in document:
                value = self.resolver.value_for(term, entry)
                if value is None:
                    continue
                table = self.resolver.table(value)
                organisation = URIRef(value.under(self.resolver.base_iri) + partner)
                if organisation in table.concepts:
                    document[term.key] = [str(organisation)] if term.many else str(organisation)


def defaulted_keys(vocabulary: Vocabulary, entry: ClassEntry) -> list[str]:
    """The keys a partner's write may leave out, as ``resolve`` gives them the partner's organisation: those the
    member's shapes require that name an organisation (a course's ``providedBy``)."""
    needed = vocabulary.required_by(entry.shapes)
    found = slots(vocabulary, entry.all_shapes).values()
    return [s.key for s in found if s.iri in needed and ELM.Organisation in s.classes]


def located(errors: list[dict[str, Any]], document: object, vocabulary: Vocabulary, main: str) -> list[dict]:
    """The shapes' results of a JSON write told by where they are in the body sent: each result's ``pointer`` (the
    key, or the node when the result names no path), its ``focusNode`` as that node's pointer (``#`` and the
    pointer, ``#`` alone the body itself) and its ``value`` as sent; never a minted IRI or a blank node's label."""
    keys = {curie(iri): term.key for iri, term in vocabulary.terms.items()}
    out: list[dict] = []
    for error in errors:
        focus = str(error.get("focusNode") or "")
        node = "" if focus in ("", main) else pointer_of_label(focus)
        if node is None:
            node = _pointer_of_id(document, focus)
        entry = dict(error)
        if node is None:
            out.append(entry)
            continue
        key = keys.get(str(error.get("path") or ""))
        where = pointer(node, key) if key else node
        entry["focusNode"] = "#" + node
        entry["pointer"] = where
        sent = at(document, where) if key else None
        value = entry.get("value")
        if sent is not None:
            entry["value"] = sent
        elif value == main:
            entry["value"] = "#"
        elif isinstance(value, str) and (value.startswith(f"{main}/") or value.startswith("_:")):
            inner = pointer_of_label(value)
            entry["value"] = None if inner is None else "#" + inner
        out.append(entry)
    return out


def _pointer_of_id(document: object, iri: str, where: str = "") -> str | None:
    """The pointer of the node whose ``id`` is ``iri`` in ``document`` (or under it), None when none is."""
    if isinstance(document, dict):
        if document.get("id", document.get("@id")) == iri:
            return where
        items: Any = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return None
    for key, value in items:
        found = _pointer_of_id(value, iri, pointer(where, key))
        if found is not None:
            return found
    return None


def at(document: object, where: str) -> Any:
    """The value at the RFC 6901 pointer ``where`` in ``document``, or None."""
    for part in where.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


# -- the other way: a document in plain values, for examples --------------------------------------------------


def labels_of(store: GraphStore, iris: list[str]) -> dict[str, str]:
    """The English (else any) preferred label of each of ``iris`` the store names, in one query."""
    if not iris:
        return {}
    listed = " ".join(f"<{iri}>" for iri in sorted(set(iris)) if re.fullmatch(r"[^\s<>\"{}|\\^`]+", iri))
    query = (
        f"SELECT ?c ?label WHERE {{ VALUES ?c {{ {listed} }} ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label "
        'FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }'
    )
    found: dict[str, str] = {}
    for row in store.query(query, union_default_graph=True).rows():
        found.setdefault(str(row["c"]), str(row["label"]))
    return found


def iris_in(document: object) -> list[str]:
    """Every string in ``document`` that is an absolute IRI, and every ``id``."""
    if isinstance(document, dict):
        return [iri for value in document.values() for iri in iris_in(value)]
    if isinstance(document, list):
        return [iri for value in document for iri in iris_in(value)]
    return [document] if isinstance(document, str) and document.startswith(("http://", "https://")) else []


def plain_document(
    document: dict[str, Any], shapes: tuple[URIRef, ...], vocabulary: Vocabulary, labels: dict[str, str]
) -> dict[str, Any]:
    """``document`` (compact JSON-LD of nodes ``shapes`` describe) written as a provider would: concepts by label
    (``labels``) or code, levels and credits as numbers, workloads in hours, one value alone where a list has one.
    ``resolve`` reads it back to the same triples."""
    terms = slots(vocabulary, shapes)
    out: dict[str, Any] = {}
    for key, value in document.items():
        term = terms.get(key)
        if term is None or key in SPECIAL_KEYS:
            out[key] = value
            continue
        if isinstance(value, list):
            values = [_plain(term, item, vocabulary, labels) for item in value]
            out[key] = values[0] if len(values) == 1 else values
        else:
            out[key] = _plain(term, value, vocabulary, labels)
    return out


def _plain(term: Slot, value: Any, vocabulary: Vocabulary, labels: dict[str, str]) -> Any:
    if term.kind == "literal" and term.datatype == XSD.duration and isinstance(value, str):
        hours = _duration_hours(value)
        return f"{_number(hours)} hours" if hours is not None else value
    if term.kind != "iri":
        return value
    shapes: tuple[URIRef, ...] = (
        (term.node,) if term.node is not None and vocabulary.shape_properties.get(term.node) else ()
    )
    if not shapes and isinstance(value, dict) and "id" not in value and len(term.classes) == 1:
        shapes = tuple(s for s, c in vocabulary.shape_classes.items() if c == term.classes)
    if isinstance(value, dict) and "id" not in value and shapes:
        node = plain_document(value, shapes, vocabulary, labels)
        inner = {k: v for k, v in node.items() if k not in SPECIAL_KEYS}
        points = [v for k, v in inner.items() if isinstance(v, str) and plain_number(v) is not None]
        choices = [t for t in slots(vocabulary, shapes).values() if t.within and t.key in value]
        if len(inner) == 2 and len(points) == 1 and len(choices) == 1:  # credits in the first framework: a number
            chosen = value[choices[0].key]
            if (chosen["id"] if isinstance(chosen, dict) else chosen) == str(choices[0].within[0]):
                number = plain_number(points[0])
                return float(number) if number is not None and number != int(number) else int(number or 0)
        return node
    iri = value.get("id") if isinstance(value, dict) else value
    if not isinstance(iri, str):
        return value
    code = re.split(r"[/#]", iri)[-1]
    if term.within and code.isdigit():
        return int(code)  # a level
    if term.pattern and re.fullmatch(r"[A-Z]{3}", code):
        return code  # a language or country by its code
    return labels.get(iri, iri)


def _duration_hours(text: str) -> Decimal | None:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text.strip())
    if not match or text.strip() in ("P", "PT"):
        return None
    days, hours, minutes = (Decimal(g or 0) for g in match.groups())
    return days * 24 + hours + minutes / 60
