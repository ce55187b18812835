"""The web editor's course form, derived from the shapes and the code lists: never a hand-kept list of fields.

The fields are the properties the course's node shape declares, then those of the shapes of what a course embeds
(its specification; the outcomes as rows) and of the small node shapes it points to (credit points, a home page).
A field's control follows the property's term (``catalogue.vocabulary``): texts for language strings, hours for a
duration, a number for the points, a URL, a check box for a boolean, a list for IRIs whose values the shapes
close: ``sh:in`` (the EQF levels, schedules, credit systems), a node shape's ``sh:pattern`` (the languages and
modes of the code lists in the store), ``sh:class`` (its members in the store; for the broad ``skos:Concept``,
the schemes of the values the catalogue already uses). A property whose class is an organisation is the
signed-in partner's own organisation, and a nested part takes the values its parent has for the same keys (the
specification's title is the course's).

A submitted form becomes a JSON document in the keys of the REST write, with values in the shapes' form where the
form knows them (IRIs from the lists, ``"3"`` for points, ``PT40H`` for hours) and as typed otherwise (a skill by
label), for ``plain_values.Resolver``; and the SHACL results of a rejected write go back to the fields they
concern, by focus node and path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import SH, SKOS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.concepts import EU_LANGUAGES
from smarco_kg.catalogue.vocabulary import Term, Vocabulary, curie
from smarco_kg.namespaces import ELM
from smarco_kg.store import GraphStore
from smarco_kg.web import words
from smarco_kg.web.i18n import gettext

SKILL_SUFFIX = "skill"
_ROWS_LIMIT = 50


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One control: its name in the form, where its value goes in the document, and how it is drawn."""

    name: str  # the form control's name: "eqfLevel" or "learningAchievementSpecification.eqfLevel"
    pointer: str  # the JSON pointer of its value in the write document
    term: Term
    widget: str  # text, textarea, hours, points, url, checkbox, select, multiselect, checkboxes
    required: bool = False
    options: tuple[Option, ...] = ()
    group: str = ""  # the pointer of the node it belongs to ("" the course)

    @property
    def key(self) -> str:
        return self.term.key

    @property
    def path(self) -> str:
        return curie(self.term.iri)

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", self.name)


@dataclass(frozen=True)
class Rows:
    """A many-valued embedded part drawn as rows (the outcomes): its pointer and the fields of one row."""

    name: str
    pointer: str
    term: Term
    text: Field  # the row's text (an outcome's statement)
    skill: Term  # the row's links to skills (an outcome's ESCO skills)
    required: bool = False


@dataclass(frozen=True)
class Form:
    fields: tuple[Field, ...]
    rows: Rows | None
    copied: dict[str, tuple[str, ...]]  # nested group pointer -> keys taken from its parent
    organisation_keys: tuple[tuple[str, str], ...]  # (pointer, key) of the partner's organisation
    groups: tuple[str, ...]  # the pointers of the nested single parts, outermost first
    group_types: dict[str, str] = field(default_factory=dict)  # pointer -> the class key its node is typed with


# -- building the form from the shapes ----------------------------------------------------------------------


def _property_shapes(shapes: Graph, node_shape: Node, path: URIRef) -> list[Node]:
    return [ps for ps in shapes.objects(node_shape, SH.property) if shapes.value(ps, SH.path) == path]


def _shape_of_class(shapes: Graph, cls: Node) -> URIRef | None:
    found = sorted(s for s in shapes.subjects(SH.targetClass, cls) if isinstance(s, URIRef))
    return found[0] if found else None


def _with_properties(shapes: Graph, node: Node) -> bool:
    return (node, SH.property, None) in shapes


def _order(term: Term, required: bool) -> tuple:
    """Texts first (title before description), then what is required, then the rest by key."""
    return (term.kind != "language", term.key != "title", not required, term.key)


def build(shapes: Graph, vocab: Vocabulary, entry: ClassEntry, store: GraphStore, lang: str) -> Form:
    """The form of a member of ``entry`` (a course), its lists' labels in ``lang``."""
    fields: list[Field] = []
    copied: dict[str, tuple[str, ...]] = {}
    organisation: list[tuple[str, str]] = []
    groups: list[str] = []
    group_types: dict[str, str] = {}
    rows: list[Rows] = []

    def walk(shape: URIRef, pointer: str, name: str, shown: set[str], needed: bool = True) -> None:
        paths = vocab.shape_properties.get(shape, ())
        required = vocab.shape_required.get(shape, frozenset())
        terms = sorted((vocab.terms[p] for p in paths if p in vocab.terms), key=lambda t: _order(t, t.iri in required))
        taken = tuple(t.key for t in terms if t.key in shown and t.iri not in entry.embed)
        if pointer:
            copied[pointer] = taken
        for term in terms:
            if term.key in taken:
                continue
            here, sub = f"{pointer}/{term.key}", f"{name}.{term.key}" if name else term.key
            property_shapes = _property_shapes(shapes, shape, term.iri)
            classes = [c for ps in property_shapes for c in shapes.objects(ps, SH["class"])]
            nodes = [n for ps in property_shapes for n in shapes.objects(ps, SH.node)]
            need = needed and term.iri in required
            if ELM.Organisation in classes:
                organisation.append((here, term.key))
                continue
            nested = next((s for c in classes if (s := _shape_of_class(shapes, c)) is not None), None)
            if term.iri in entry.embed and nested is not None:
                group_types[here] = vocab.key_of_class(classes[0])
                if term.many:
                    rows.append(_rows(vocab, nested, term, here, sub, need))
                else:
                    groups.append(here)
                    walk(nested, here, sub, shown | {t.key for t in terms}, need)
                continue
            inner = next((n for n in nodes if _with_properties(shapes, n)), None)
            if inner is not None and isinstance(inner, URIRef):
                groups.append(here)
                target = shapes.value(inner, SH["class"])
                if target is not None:
                    group_types[here] = vocab.key_of_class(target)
                walk(inner, here, sub, set(), need)
                continue
            options = _options(shapes, store, property_shapes, term, lang)
            fields.append(Field(sub, here, term, _widget(term, options), need, options, pointer))

    walk(entry.shapes[0], "", "", set())
    return Form(tuple(fields), rows[0] if rows else None, copied, tuple(organisation), tuple(groups), group_types)


def _rows(vocab: Vocabulary, shape: URIRef, term: Term, pointer: str, name: str, required: bool) -> Rows:
    paths = [vocab.terms[p] for p in vocab.shape_properties.get(shape, ()) if p in vocab.terms]
    text = next(t for t in paths if t.kind == "language")
    skill = next(t for t in paths if t.kind == "iri")
    text_field = Field(f"{name}.{text.key}", f"{pointer}/-/{text.key}", text, "textarea", True, (), pointer)
    return Rows(name, pointer, term, text_field, skill, required)


def _widget(term: Term, options: tuple[Option, ...]) -> str:
    if term.kind == "language":
        return "text" if term.key == "title" else "textarea"
    if term.kind == "literal":
        name = str(term.datatype).rsplit("#", 1)[-1]
        # the one plain string the course shapes declare is ELM's number of points, a string as ELM writes it
        return {"duration": "hours", "anyURI": "url", "boolean": "checkbox", "string": "points"}.get(name, "text")
    if options:
        if not term.many:
            return "select"
        return "checkboxes" if len(options) <= 12 else "multiselect"
    return "text"


def _options(
    shapes: Graph, store: GraphStore, property_shapes: list[Node], term: Term, lang: str
) -> tuple[Option, ...]:
    if term.kind != "iri":
        return ()
    closed: list[URIRef] = []
    for ps in property_shapes:
        for holder in [ps, *shapes.objects(ps, SH.node)]:
            for listed in shapes.objects(holder, SH["in"]):
                closed.extend(i for i in Collection(shapes, listed) if isinstance(i, URIRef))
    if closed:
        return _labelled(store, closed, lang, keep_order=True)
    patterns = [
        str(p) for ps in property_shapes for n in shapes.objects(ps, SH.node) for p in shapes.objects(n, SH.pattern)
    ]
    if patterns:
        query = (
            f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?c a <{SKOS.Concept}> }} "
            f"FILTER(REGEX(STR(?c), {Literal(patterns[0]).n3()})) }}"
        )
        found = [URIRef(str(r["c"])) for r in store.query(query).rows()]
        if len(found) > _LONGEST_LIST:  # the EU's table of languages holds 8,000: its official ones and those in use
            used = {
                str(r["v"])
                for r in store.query(f"SELECT DISTINCT ?v WHERE {{ GRAPH ?g {{ ?s <{term.iri}> ?v }} }}").rows()
            }
            found = [c for c in found if str(c) in used or words.iso_639_1(str(c)) in EU_LANGUAGES]
        return _labelled(store, found, lang)
    classes = [c for ps in property_shapes for c in shapes.objects(ps, SH["class"]) if isinstance(c, URIRef)]
    if not classes:
        return ()
    if classes[0] == SKOS.Concept:  # too broad to list: the schemes of the values the catalogue uses
        query = (
            f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s <{term.iri}> ?used }} "
            f"GRAPH ?v {{ ?used <{SKOS.inScheme}> ?scheme . ?c <{SKOS.inScheme}> ?scheme }} }}"
        )
    else:
        query = f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?c a <{classes[0]}> }} }}"
    return _labelled(store, [URIRef(str(r["c"])) for r in store.query(query).rows()], lang)


_LONGEST_LIST = 200
_LANGUAGE_LIST = "http://publications.europa.eu/resource/authority/language/"


def _labelled(store: GraphStore, iris: list[URIRef], lang: str, keep_order: bool = False) -> tuple[Option, ...]:
    """Each IRI with its label in ``lang`` (else English, else any); languages named in the page's language."""
    if not iris:
        return ()
    values = " ".join(f"<{i}>" for i in dict.fromkeys(iris))
    query = f"SELECT ?c ?l WHERE {{ VALUES ?c {{ {values} }} GRAPH ?g {{ ?c <{SKOS.prefLabel}> ?l }} }}"
    found: dict[str, dict[str, str]] = {}
    for row in store.query(query).rows():
        label = row["l"]
        found.setdefault(str(row["c"]), {})[getattr(label, "language", None) or ""] = str(label)
    options = []
    for iri in dict.fromkeys(iris):
        labels = found.get(str(iri), {})
        if str(iri).startswith(_LANGUAGE_LIST):
            text = words.language(str(iri))
        else:
            text = labels.get(lang) or labels.get("en") or next(iter(labels.values()), "") or curie(iri)
        options.append(Option(str(iri), text))
    return tuple(options) if keep_order else tuple(sorted(options, key=lambda o: o.label.casefold()))


# -- the form's values and the write document ----------------------------------------------------------------


@dataclass
class Outcome:
    """One outcome row as the form shows it: its text, its skills (IRI, label) and the suggestions offered."""

    text: str = ""
    skills: list[tuple[str, str]] = field(default_factory=list)
    typed: str = ""  # a skill typed by its label, not chosen yet
    suggested: list[tuple[str, str]] = field(default_factory=list)
    id: str = ""
    other: tuple[str, str] | None = None  # (language, text) when the text is only in another language


@dataclass
class Values:
    """What the form holds: each field's values (as strings), the outcome rows, the ETag it edits."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    etag: str = ""
    others: dict[str, tuple[str, str]] = field(default_factory=dict)  # a text only in another language, by field


def _pointer_get(document: Mapping[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.strip("/").split("/"):
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _pointer_set(document: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    node = document
    for part in parts[:-1]:
        child = node.get(part)
        if isinstance(child, list):
            child = child[0] if child else {}
            node[part] = [child]
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _plain(value: Any, term: Term, lang: str) -> list[str]:
    """A document value as the form's strings."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, Mapping) and "id" in item:
            out.append(str(item["id"]))
        elif isinstance(item, Mapping) and term.kind == "language":  # the page's language only: the form
            text = item.get(lang)  # writes in it, and another language's text would be saved as this one's
            if text:
                out.append(text[0] if isinstance(text, list) else str(text))
        elif isinstance(item, bool):
            out.append("on" if item else "")
        elif term.kind == "literal" and str(term.datatype).endswith("duration"):
            hours = words.duration_hours(str(item))
            out.append(words.number(hours) if hours is not None else str(item))
        else:
            out.append(str(item))
    return out


def values_of(form: Form, document: Mapping[str, Any], lang: str) -> Values:
    """The form's values for a member's compact JSON-LD (as a GET answers it)."""
    values = Values()
    for f in form.fields:
        values.fields[f.name] = _plain(_pointer_get(document, f.pointer), f.term, lang)
    if form.rows is not None:
        for item in _pointer_get(document, form.rows.pointer) or []:
            text = _plain(item.get(form.rows.text.key), form.rows.text.term, lang)
            skills = []
            for skill in item.get(form.rows.skill.key) or []:
                label = skill.get("prefLabel", {}) if isinstance(skill, Mapping) else {}
                shown = label.get(lang) or label.get("en") or next(iter(label.values()), "") if label else ""
                iri = str(skill["id"]) if isinstance(skill, Mapping) else str(skill)
                skills.append((iri, shown or iri))
            values.outcomes.append(Outcome(text[0] if text else "", skills, id=str(item.get("id", ""))))
    others_of(form, document, lang, values)
    return values


def _other(value: Any, lang: str) -> tuple[str, str] | None:
    """(language, text) of a language map that has no text in ``lang``."""
    if not isinstance(value, Mapping) or not value or value.get(lang):
        return None
    tag, text = sorted(value.items())[0]
    return str(tag), str(text[0] if isinstance(text, list) and text else text)


def others_of(form: Form, document: Mapping[str, Any], lang: str, values: Values) -> None:
    """Note, for the fields and outcomes empty in ``lang``, the text the member has in another language."""
    for f in form.fields:
        if f.term.kind == "language" and not values.fields.get(f.name):
            found = _other(_pointer_get(document, f.pointer), lang)
            if found:
                values.others[f.name] = found
    if form.rows is not None:
        by_id = {str(o.get("id")): o for o in _pointer_get(document, form.rows.pointer) or [] if isinstance(o, Mapping)}
        for outcome in values.outcomes:
            held = by_id.get(outcome.id)
            if held is not None and not outcome.text:
                outcome.other = _other(held.get(form.rows.text.key), lang)


def values_from(form: Form, submitted: Mapping[str, list[str]], labels: Mapping[str, str]) -> Values:
    """The form's values as submitted (``submitted``: each name's values); ``labels``: skill IRI -> label."""
    values = Values(etag=(submitted.get("etag") or [""])[0])
    for f in form.fields:
        values.fields[f.name] = [v.strip() for v in submitted.get(f.name, []) if v.strip()]
    if form.rows is not None:
        name = form.rows.name
        for n in range(_ROWS_LIMIT):
            prefix = f"{name}.{n}"
            if f"{prefix}.text" not in submitted:
                continue
            if submitted.get(f"{prefix}.remove"):
                continue
            chosen = [s for s in submitted.get(f"{prefix}.{SKILL_SUFFIX}", []) if s.strip()]
            chosen += [s for s in submitted.get(f"{prefix}.suggested", []) if s.strip() and s not in chosen]
            typed = (submitted.get(f"{prefix}.typed") or [""])[0].strip()
            outcome = Outcome(
                text=(submitted.get(f"{prefix}.text") or [""])[0].strip(),
                skills=[(iri, labels.get(iri, iri)) for iri in dict.fromkeys(chosen)],
                typed=typed,
                id=(submitted.get(f"{prefix}.id") or [""])[0],
            )
            values.outcomes.append(outcome)
    return values


def document_of(
    form: Form, values: Values, lang: str, organisation: str | None, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The write document of the form's values, over ``base`` (the member's current document when editing, so
    what the form does not show, such as titles in other languages, is kept)."""
    document: dict[str, Any] = {k: v for k, v in (base or {}).items() if k != "@context"}
    for group in form.groups:
        if _pointer_get(document, group) is None:
            _pointer_set(document, group, {})
        kind = form.group_types.get(group)
        if kind:
            _pointer_set(document, f"{group}/type", kind)
    for f in form.fields:
        given = values.fields.get(f.name, [])
        value: Any
        if f.term.kind == "language":
            current = _pointer_get(document, f.pointer)
            texts = dict(current) if isinstance(current, Mapping) else {}
            if given:
                texts[lang] = given[0]
            else:
                texts.pop(lang, None)
            value = texts or None
        elif f.widget == "checkbox":
            value = True if given else None
        elif f.widget == "hours":
            value = f"PT{_number(given[0])}H" if given and _number(given[0]) else (given[0] if given else None)
        elif f.widget == "points":
            value = _number(given[0]) or given[0] if given else None
        elif f.widget == "url":
            value = given[0] if given else None
        elif f.term.many:
            value = given or None
        else:
            value = given[0] if given else None
        _pointer_set(document, f.pointer, value)
    for pointer, _key in form.organisation_keys:
        if organisation:
            _pointer_set(document, pointer, organisation)
    for group, keys in form.copied.items():  # a nested part takes its parent's values for the same keys
        parent = group.rsplit("/", 1)[0]
        for key in keys:
            _pointer_set(document, f"{group}/{key}", _pointer_get(document, f"{parent}/{key}" if parent else key))
    if form.rows is not None:
        rows = []
        held = {
            str(o.get("id")): o for o in _pointer_get(base or {}, form.rows.pointer) or [] if isinstance(o, Mapping)
        }
        for outcome in values.outcomes:
            row: dict[str, Any] = {"type": form.group_types.get(form.rows.pointer, "")}
            before = (held.get(outcome.id) or {}).get(form.rows.text.key) if outcome.id else None
            texts = dict(before) if isinstance(before, Mapping) else {}  # the outcome's other languages are kept
            if outcome.text:
                texts[lang] = outcome.text
            else:
                texts.pop(lang, None)
            if texts:
                row[form.rows.text.key] = texts
            skills: list[str] = [iri for iri, _ in outcome.skills]
            if outcome.typed:
                skills.append(outcome.typed)
            if skills:
                row[form.rows.skill.key] = skills
            rows.append(row)
        _pointer_set(document, form.rows.pointer, rows)
    for group in reversed(form.groups):  # a part with nothing typed in (a list's choice alone) is left out
        typed = [f for f in form.fields if f.group == group and not f.options]
        if typed and not any(values.fields.get(f.name) for f in typed):
            _pointer_set(document, group, None)
    return _pruned(document)


def _number(text: str) -> str:
    """A number as typed (a decimal comma allowed) in the shapes' form: ``2,5`` -> ``2.5``; "" if none."""
    cleaned = text.strip().replace(",", ".")
    return cleaned if re.fullmatch(r"\d+(\.\d+)?", cleaned) else ""


def _pruned(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _pruned(v) for k, v in node.items() if v not in (None, [], {}, "")}
    if isinstance(node, list):
        return [_pruned(v) for v in node if v not in (None, [], {}, "")]
    return node


def with_outcome_ids(document: dict[str, Any], form: Form, main: str, entry: ClassEntry) -> dict[str, Any]:
    """The document with its main node named ``main`` and each outcome ``<main>/<part>/<n>`` in row order, so a
    result about an outcome names its row; the parts the form flattens (the specification) get their names too."""
    document = dict(document)
    document["id"] = main
    for group in form.groups:
        node = _pointer_get(document, group)
        segment = group.strip("/").split("/")[-1]
        part = entry.part_names.get(_local_of(form, segment, entry), "")
        if isinstance(node, dict) and part:
            node["id"] = f"{main}/{part}"
    if form.rows is not None:
        part = entry.part_names.get(_local_of(form, form.rows.pointer.rsplit("/", 1)[-1], entry), "item")
        for n, row in enumerate(_pointer_get(document, form.rows.pointer) or [], start=1):
            row["id"] = f"{main}/{part}/{n}"
    return document


def _local_of(form: Form, key: str, entry: ClassEntry) -> str:
    """The local name of the embedded property keyed ``key`` (the key is its local name in lowerCamelCase)."""
    for iri in entry.embed:
        local = str(iri).rsplit("/", 1)[-1]
        if local[:1].lower() + local[1:] == key or local == key:
            return local
    return key


# -- the shapes' results next to their fields -----------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    text: str  # in the page's language
    shape_text: str  # the shape's own message, its identifiers left out (in English)


_COMPONENT_MESSAGES = {
    "MinCountConstraintComponent": lambda: gettext("This is needed."),
    "MaxCountConstraintComponent": lambda: gettext("Give only one."),
    "InConstraintComponent": lambda: gettext("Choose one of the list."),
    "PatternConstraintComponent": lambda: gettext("Choose one of the list."),
    "ClassConstraintComponent": lambda: gettext("This is not one the catalogue knows."),
    "NodeConstraintComponent": lambda: gettext("This value is not complete or not one the lists know."),
    "DatatypeConstraintComponent": lambda: gettext("This value is not of the kind expected."),
    "OrConstraintComponent": lambda: gettext("Fill in at least one of the fields of this part."),
}


def readable(shape_message: str) -> str:
    """A shape's message without the identifiers it names for developers: up to its first parenthesis or colon
    when that leaves a sentence, else the message with parentheses and IRIs removed."""
    head = re.split(r" \(|: ", shape_message, maxsplit=1)[0].strip()
    if len(head.split()) >= 5:
        return head.rstrip(".") + "."
    text = re.sub(r"\s*\([^)]*\)", "", shape_message)
    text = re.sub(r"\S*(https?://|…/)\S*", "", text)
    return " ".join(text.split())


def message_of(problem: Mapping[str, Any]) -> Message:
    component = str(problem.get("constraint") or problem.get("component") or "")
    for name, text in _COMPONENT_MESSAGES.items():
        if component.endswith(name):
            return Message(text(), readable(str(problem.get("message", ""))))
    return Message(gettext("This value cannot be used."), readable(str(problem.get("message", ""))))


def place(
    form: Form, errors: Iterable[Mapping[str, Any]], main: str, entry: ClassEntry
) -> tuple[dict[str, list[Message]], list[Message]]:
    """Where each SHACL result (``WriteRejected``'s errors) goes: {field or row control name: messages}, and the
    messages no field takes. A result names its focus node (the course, ``<main>/<part>``, ``<main>/<part>/<n>``
    or a blank node of a nested part) and its path (``elm:EQFLevel``)."""
    placed: dict[str, list[Message]] = {}
    loose: list[Message] = []
    for error in errors:
        if error.get("severity", "violation") != "violation":
            continue
        message = message_of(error)
        focus, path = str(error.get("focusNode", "")), str(error.get("path") or "")
        target = _target(form, focus, path, main, entry)
        if target is None:
            loose.append(message)
        else:
            placed.setdefault(target, []).append(message)
    return placed, loose


def _target(form: Form, focus: str, path: str, main: str, entry: ClassEntry) -> str | None:
    rows = form.rows
    if rows is not None:
        part = entry.part_names.get(_local_of(form, rows.pointer.rsplit("/", 1)[-1], entry), "")
        matched = re.fullmatch(re.escape(f"{main}/{part}/") + r"(\d+)", focus)
        if matched:
            n = int(matched.group(1)) - 1
            key = rows.text.key if path == curie(rows.text.term.iri) else SKILL_SUFFIX
            return f"{rows.name}.{n}.{'text' if key == rows.text.key else SKILL_SUFFIX}"
        if path == curie(rows.term.iri):
            return rows.name
    group = "" if focus == main else None
    if group is None:
        for pointer in form.groups:
            segment = pointer.strip("/").split("/")[-1]
            part = entry.part_names.get(_local_of(form, segment, entry), "")
            if part and focus == f"{main}/{part}":
                group = pointer
    blank = focus.startswith("_:")
    for f in form.fields:
        if f.path != path:
            continue
        if (group is not None and f.group == group) or (blank and f.group and f.group not in ("", *_embedded(form))):
            return f.name
    if group is not None and not path:
        return group or None
    if group is not None:  # a part the form fills itself (the copied title): its parent's field of that path
        for f in form.fields:
            if f.path == path:
                return f.name
    return None


def _embedded(form: Form) -> tuple[str, ...]:
    """The pointers of the groups that are embedded parts of the member (not small nodes such as credit points)."""
    return tuple(g for g in form.groups if form.copied.get(g))


__all__ = [
    "Field",
    "Form",
    "Message",
    "Option",
    "Outcome",
    "Rows",
    "Values",
    "build",
    "document_of",
    "label",
    "message_of",
    "others_of",
    "place",
    "readable",
    "values_from",
    "values_of",
    "with_outcome_ids",
]


def label(key: str) -> str:
    """A field's or part's name for people, in the page's language (the key itself when it has none yet)."""
    names = {
        "title": gettext("Title"),
        "description": gettext("Description"),
        "aim": gettext("SMARCO aims it serves"),
        "defaultLanguage": gettext("Main language of instruction"),
        "learningAchievementSpecification": gettext("What is learnt"),
        "eqfLevel": gettext("EQF level"),
        "language": gettext("Languages of instruction"),
        "creditPoint": gettext("Credits"),
        "framework": gettext("Credit system"),
        "point": gettext("Number of credits"),
        "mode": gettext("Forms of participation"),
        "targetGroup": gettext("Target groups"),
        "volumeOfLearning": gettext("Workload in hours"),
        "homepage": gettext("Home page"),
        "contentUrl": gettext("Address of the course's web page"),
        "isSampleData": gettext("An illustrative sample record"),
        "learningSchedule": gettext("Schedule"),
        "learningOutcome": gettext("Learning outcomes"),
        "relatedESCOSkill": gettext("ESCO skills"),
    }
    return names.get(key, key)
