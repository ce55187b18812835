"""``/publish``: the web editor where a partner signs in with its token and creates and edits its courses.

Thin: sessions and CSRF are ``sessions``'s, the form ``web.course_form``'s, suggestions ``skill_suggestions``'s;
a save goes the way of ``POST``/``PUT /api/courses`` (``plain_values.Resolver``, the JSON-LD reader,
``MemberWrites`` under the writer's lock), so the shapes decide, and their results come back next to the fields.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import DCTERMS, SKOS, Literal, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg import course_upload
from smarco_kg.api.context import service
from smarco_kg.api.pages import problem_page
from smarco_kg.api.templating import html_page
from smarco_kg.auth import log_write
from smarco_kg.catalogue import ClassEntry
from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.plain_values import PlainValueError, Resolver
from smarco_kg.catalogue.read import describe, with_labels
from smarco_kg.catalogue.vocabulary import shapes_graph
from smarco_kg.catalogue.write import JSONLD, mint, read_body, tag
from smarco_kg.course_upload import UploadReport
from smarco_kg.errors import NotFound, PreconditionFailed, SmarcoError
from smarco_kg.namespaces import ELM
from smarco_kg.ownership import Owner
from smarco_kg.sessions import Session, Sessions
from smarco_kg.skill_suggestions import suggest
from smarco_kg.web import course_form, i18n, words
from smarco_kg.web.course_form import Form, Message, Values
from smarco_kg.write_path import WriteRejected

router = APIRouter(tags=["Pages"], include_in_schema=False)
COOKIE = "smarco_publish"
SIGN_IN_COOKIE = "smarco_publish_signin"
PATH = "/publish"
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")  # what may go between <> in a query
_LIMIT = 256 * 1024  # a course form is a few kilobytes


def _sessions(request: Request) -> Sessions:
    state = request.app.state
    if getattr(state, "publish_sessions", None) is None:
        state.publish_sessions = Sessions(service(request).tokens)
    return state.publish_sessions


def _session(request: Request) -> Session | None:
    return _sessions(request).get(request.cookies.get(COOKIE))


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


def _chrome(request: Request) -> str:
    """The page's language, also set for the messages this request says (gettext in the routes' own code)."""
    asked = request.query_params.get("lang", "").strip()
    lang = i18n.chrome_language(asked if i18n.is_language_tag(asked) else "", request.headers.get("accept-language"))
    i18n.use(lang)
    return lang


async def _form_data(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > _LIMIT:  # no course form is this large: refused as a form without its CSRF token
        return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def _refused(request: Request, status: int = 403) -> Response:
    _chrome(request)
    context = {"signed_in": _session(request) is not None}
    return html_page(request, "publish_refused.html", context, status_code=status)


def _missing(request: Request, local: str) -> Response:
    return problem_page(request, NotFound(f"there is no course {local!r} in the catalogue", title="no such course"))


# -- signing in and out -------------------------------------------------------------------------------------


def _sign_in_page(request: Request, status: int = 200, wrong: bool = False) -> Response:
    nonce, token = _sessions(request).sign_in_pair()
    response = html_page(request, "publish_signin.html", {"csrf": token, "wrong": wrong}, status_code=status)
    _cookie(request, response, SIGN_IN_COOKIE, nonce, 30 * 60)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(PATH + "/sign-in")
async def sign_in(request: Request) -> Response:
    form = await _form_data(request)
    sessions = _sessions(request)
    if not sessions.sign_in_ok(request.cookies.get(SIGN_IN_COOKIE), (form.get("csrf") or [""])[0]):
        return _refused(request)
    session = sessions.start((form.get("token") or [""])[0].strip())
    if session is None:
        return _sign_in_page(request, 401, wrong=True)
    response = RedirectResponse(PATH + _query(request), status_code=303)
    _cookie(request, response, COOKIE, session.id, sessions.max_age())
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return response


@router.post(PATH + "/sign-out")
async def sign_out(request: Request) -> Response:
    form = await _form_data(request)
    session = _session(request)
    if session is not None and not Sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
        return _refused(request)
    _sessions(request).end(request.cookies.get(COOKIE))
    response = RedirectResponse(PATH + _query(request), status_code=303)
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
    return response


# -- the partner's courses ----------------------------------------------------------------------------------


def _courses(request: Request, session: Session, lang: str) -> list[dict[str, Any]]:
    svc = service(request)
    graph = svc.kg.graphs.partner(session.partner or "")
    entry = _entry(request)
    query = f"""SELECT ?c ?title ?level ?points WHERE {{ GRAPH <{graph}> {{
        ?c a <{entry.classes[0]}> ; <{DCTERMS.title}> ?title .
        OPTIONAL {{ ?c <{ELM.learningAchievementSpecification}> ?s .
                   OPTIONAL {{ ?s <{ELM.EQFLevel}> ?level }}
                   OPTIONAL {{ ?s <{ELM.creditPoint}>/<{ELM.point}> ?points }} }} }} }}"""
    found: dict[str, dict[str, Any]] = {}
    for row in svc.kg.store.query(query).rows():
        iri = str(row["c"])
        item = found.setdefault(iri, {"titles": {}, "level": None, "points": None})
        title = row["title"]
        item["titles"][getattr(title, "language", None) or ""] = str(title)
        if row.get("level") is not None:
            item["level"] = str(row["level"]).rsplit("/", 1)[-1]
        if row.get("points") is not None:
            item["points"] = str(row["points"])
    changed = svc.kg.changes.latest(graph)
    namespace = entry.namespace(svc.settings.base_iri)
    courses = []
    for iri, item in found.items():
        titles = item["titles"]
        courses.append(
            {
                "id": iri.removeprefix(namespace),
                "title": titles.get(lang) or titles.get("en") or next(iter(titles.values())),
                "level": words.eqf_level(item["level"]) if item["level"] else "",
                "credits": words.credits(item["points"]) if item["points"] else "",
                "changed": words.day(changed[iri]) if iri in changed else "",
                "changed_at": changed.get(iri, ""),
            }
        )
    return sorted(courses, key=lambda c: c["changed_at"], reverse=True)


@router.get(PATH)
async def home(request: Request) -> Response:
    lang = _chrome(request)
    session = _session(request)
    if session is None:
        return _sign_in_page(request)
    courses = await run_in_threadpool(_courses, request, session, lang)
    context = {"csrf": session.csrf, "partner": session.partner, "courses": courses, "query": _query(request)}
    response = html_page(request, "publish_courses.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the course form ----------------------------------------------------------------------------------------


def _entry(request: Request) -> ClassEntry:
    return next(e for e in service(request).catalogue.owned if e.collection == "courses")


def _form(request: Request, lang: str) -> Form:
    """The form, built from the shapes and the code lists once per store generation and language."""
    svc = service(request)
    key = (svc.generation, lang)
    _forms: dict[tuple[int, str], Form] = request.app.state.__dict__.setdefault("publish_forms", {})
    if key not in _forms:
        _forms.clear()
        _forms[key] = course_form.build(
            shapes_graph(svc.settings.shapes_dir), svc.catalogue.vocabulary, _entry(request), svc.kg.store, lang
        )
    return _forms[key]


def _organisation(request: Request, session: Session) -> str | None:
    svc = service(request)
    graph = svc.kg.graphs.partner(session.partner or "")
    rows = svc.kg.store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?o a <{ELM.Organisation}> }} }} ORDER BY ?o")
    found = [str(row["o"]) for row in rows.rows()]
    return found[0] if found else None


def _current(request: Request, local: str, lang: str) -> tuple[URIRef, dict[str, Any], str] | None:
    """The course's IRI, its compact JSON-LD (labels included) and ETag; None if there is no such course."""
    svc = service(request)
    entry = _entry(request)
    iri = entry.iri(svc.settings.base_iri, local)
    described = describe(svc.kg.store, entry, iri) if iri is not None else None
    if iri is None or described is None:
        return None
    labelled = with_labels(svc.kg.store, described)
    document = compact(labelled, iri, svc.catalogue.vocabulary, "/api/context.jsonld")
    return iri, document, tag(described)


def _skill_labels(request: Request, iris: list[str], lang: str) -> dict[str, str]:
    skills = [i for i in iris if _IRI.fullmatch(i)]
    if not skills:
        return {}
    values = " ".join(f"<{i}>" for i in skills)
    query = (
        f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s <{SKOS.prefLabel}> ?l }} "
        f"FILTER(LANGMATCHES(LANG(?l), {Literal(lang).n3()}) || LANGMATCHES(LANG(?l), 'en')) }}"
    )
    found: dict[str, dict[str, str]] = {}
    for row in service(request).kg.store.query(query).rows():
        label = row["l"]
        found.setdefault(str(row["s"]), {})[getattr(label, "language", None) or ""] = str(label)
    return {iri: labels.get(lang) or labels.get("en") or iri for iri, labels in found.items()}


def _with_suggestions(request: Request, values: Values, lang: str) -> None:
    skills = service(request).kg.skills
    for outcome in values.outcomes:
        chosen = {iri for iri, _ in outcome.skills}
        found = suggest(skills, outcome.text, lang) if outcome.text else []
        outcome.suggested = [(s.skill, s.label) for s in found if s.skill not in chosen]


def _page(
    request: Request,
    session: Session,
    form: Form,
    values: Values,
    *,
    local: str | None,
    status: int = 200,
    placed: dict[str, list[Message]] | None = None,
    loose: list[Message] | None = None,
    conflict: bool = False,
    saved: bool = False,
    title: str = "",
) -> Response:
    if local is not None and not values.others and not any(o.other for o in values.outcomes):
        current = _current(request, local, _chrome(request))
        if current is not None:  # the texts the course has only in another language, shown beside their fields
            course_form.others_of(form, current[1], _chrome(request), values)
    context = {
        "csrf": session.csrf,
        "language_name": words.language_name,
        "summary": _summary(form, placed or {}),
        "form": form,
        "values": values,
        "local": local,
        "placed": placed or {},
        "loose": loose or [],
        "conflict": conflict,
        "saved": saved,
        "course_title": title,
        "query": _query(request),
        "skill_suffix": course_form.SKILL_SUFFIX,
        "form_label": course_form.label,
    }
    response = html_page(request, "publish_course.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _summary(form: Form, placed: dict[str, list[Message]]) -> list[tuple[str, str, str]]:
    """Each message placed at a field, as (the field's id, its name, the message): links at the top of the page."""
    found: list[tuple[str, str, str]] = []
    for f in form.fields:
        found += [(f.dom_id, course_form.label(f.key), m.text) for m in placed.get(f.name, [])]
    for group in form.groups:
        found += [("", course_form.label(group.rsplit("/", 1)[-1]), m.text) for m in placed.get(group, [])]
    if form.rows is not None:
        found += [("outcomes", course_form.label(form.rows.term.key), m.text) for m in placed.get(form.rows.name, [])]
        for name, messages in placed.items():
            parts = name.removeprefix(form.rows.name + ".").split(".")
            if name.startswith(form.rows.name + ".") and len(parts) == 2 and parts[0].isdigit():
                n = int(parts[0])
                where = f"o{n}-text" if parts[1] == "text" else f"o{n}-typed"
                shown = i18n.gettext("Outcome %(number)s", number=n + 1)
                found += [(where, shown, m.text) for m in messages]
    return found


@router.get(PATH + "/courses/new")
async def new_course(request: Request) -> Response:
    lang = _chrome(request)
    session = _session(request)
    if session is None:
        return RedirectResponse(PATH + _query(request), status_code=303)
    form = await run_in_threadpool(_form, request, lang)
    values = course_form.Values(outcomes=[course_form.Outcome()])
    return _page(request, session, form, values, local=None)


@router.get(PATH + "/courses/{local}")
async def edit_course(request: Request, local: str) -> Response:
    lang = _chrome(request)
    session = _session(request)
    if session is None:
        return RedirectResponse(PATH + _query(request), status_code=303)
    form = await run_in_threadpool(_form, request, lang)
    current = await run_in_threadpool(_current, request, local, lang)
    if current is None:
        return _missing(request, local)
    _, document, etag = current
    values = course_form.values_of(form, document, lang)
    values.etag = etag
    await run_in_threadpool(_with_suggestions, request, values, lang)
    title = (values.fields.get("title") or [""])[0]
    return _page(request, session, form, values, local=local, saved="saved" in request.query_params, title=title)


@router.post(PATH + "/courses/new")
async def create_course(request: Request) -> Response:
    return await _submit(request, None)


@router.post(PATH + "/courses/{local}")
async def save_course(request: Request, local: str) -> Response:
    return await _submit(request, local)


async def _submit(request: Request, local: str | None) -> Response:
    lang = _chrome(request)
    session = _session(request)
    submitted = await _form_data(request)
    if session is None or not Sessions.csrf_ok(session, (submitted.get("csrf") or [""])[0]):
        return _refused(request, 401 if session is None else 403)
    form = await run_in_threadpool(_form, request, lang)
    chosen = [v for name, vs in submitted.items() if name.endswith(("skill", "suggested", "typed-iri")) for v in vs]
    labels = await run_in_threadpool(_skill_labels, request, chosen, lang)
    values = course_form.values_from(form, submitted, labels)
    action = (submitted.get("action") or ["save"])[0]
    if action != "save":  # add an outcome row, or ask for suggestions: the form again, nothing written
        if action == "add-outcome":
            values.outcomes.append(course_form.Outcome())
        await run_in_threadpool(_with_suggestions, request, values, lang)
        return _page(request, session, form, values, local=local)
    return await _save(request, session, form, values, local, lang)


async def _save(
    request: Request, session: Session, form: Form, values: Values, local: str | None, lang: str
) -> Response:
    svc = service(request)
    entry = _entry(request)
    principal = session.principal
    base: dict[str, Any] | None = None
    if local is not None:
        current = await run_in_threadpool(_current, request, local, lang)
        if current is None:
            return _missing(request, local)
        iri, base, _ = current
    organisation = await run_in_threadpool(_organisation, request, session)
    document = course_form.document_of(form, values, lang, organisation, base)
    document["type"] = svc.catalogue.vocabulary.key_of_class(entry.classes[0])
    title = (values.fields.get("title") or [""])[0]
    try:
        if local is None:
            iri = await run_in_threadpool(mint, svc.kg.store, entry, svc.settings.base_iri, title or entry.name)
        document = course_form.with_outcome_ids(document, form, str(iri), entry)
        resolver = Resolver(svc.kg.store, svc.catalogue.vocabulary, svc.settings.base_iri)
        resolved = await run_in_threadpool(resolver.resolve, document, entry, session.partner)
        body = json.dumps(resolved).encode("utf-8")
        graph = read_body(body, JSONLD, svc.catalogue.vocabulary, svc.settings.base_iri, str(iri))
        async with svc.write_lock:
            if local is None:
                target = svc.kg.graphs.partner(session.partner or "")
                owner = Owner.of(principal, svc.kg.graphs)
                written = await run_in_threadpool(svc.writes.create, entry, graph, target, principal.actor, owner)
            else:
                written = await run_in_threadpool(svc.writes.replace, entry, local, graph, principal, values.etag)
    except PreconditionFailed:
        await run_in_threadpool(_with_suggestions, request, values, lang)
        return _page(request, session, form, values, local=local, status=409, conflict=True, title=title)
    except PlainValueError as error:
        placed = _placed_values(form, error)
        await run_in_threadpool(_with_suggestions, request, values, lang)
        return _page(request, session, form, values, local=local, status=422, placed=placed, title=title)
    except SmarcoError as error:
        results = error.errors
        if isinstance(error, WriteRejected):  # its problems name the constraint too, which words the message
            results = [{**vars(p), "focusNode": p.focus_node} for p in error.report.problems]
        placed, loose = course_form.place(form, results, str(iri), entry)
        if not placed and not loose:  # the body could not be read (a value no reader takes): say so in words
            loose = [Message(i18n.gettext("A value in the form could not be read: check what was typed by hand."), "")]
        await run_in_threadpool(_with_suggestions, request, values, lang)
        status = error.status if 400 <= error.status < 500 else 422
        return _page(
            request, session, form, values, local=local, status=status, placed=placed, loose=loose, title=title
        )
    operation = "publish-create" if local is None else "publish-update"
    log_write(principal, written.graph, written.added, written.removed, f"{operation}-{entry.collection}")
    saved = written.iri.removeprefix(entry.namespace(svc.settings.base_iri))
    separator = "&" if request.url.query else "?"
    return RedirectResponse(f"{PATH}/courses/{saved}{_query(request)}{separator}saved=1", status_code=303)


def _placed_values(form: Form, error: PlainValueError) -> dict[str, list[Message]]:
    """Each value the resolver could not use, next to its field: the value as sent, why, and the candidates."""
    placed: dict[str, list[Message]] = {}
    rows = form.rows
    for problem in error.problems:
        pointer = problem.pointer
        name = next((f.name for f in form.fields if f.pointer == pointer or pointer.startswith(f.pointer + "/")), None)
        if name is None and rows is not None and pointer.startswith(rows.pointer + "/"):
            parts = pointer[len(rows.pointer) + 1 :].split("/")
            if parts[0].isdigit():
                which = "text" if len(parts) > 1 and parts[1] == rows.text.key else course_form.SKILL_SUFFIX
                name = f"{rows.name}.{parts[0]}.{which}"
        candidates = ", ".join(problem.candidates[:5])
        text = i18n.gettext("“%(value)s”: %(why)s", value=problem.value, why=problem.message)
        if candidates:
            text += " " + i18n.gettext("Did you mean: %(candidates)s?", candidates=candidates)
        placed.setdefault(name or "", []).append(Message(text, ""))
    return placed


@router.get(PATH + "/suggestions")
async def suggestions(request: Request) -> Response:
    """Suggested ESCO skills for an outcome's text, for the form's script (the signed-in partner only)."""
    if _session(request) is None:
        return JSONResponse({"items": []}, status_code=401)
    text = request.query_params.get("text", "")[:2000]
    lang = request.query_params.get("lang", "en")[:12]
    found = await run_in_threadpool(suggest, service(request).kg.skills, text, lang)
    items = [{"id": s.skill, "label": s.label, "score": s.score, "matched": s.matched} for s in found]
    return JSONResponse({"items": items})


# -- the spreadsheet upload ---------------------------------------------------------------------------------

UPLOAD_LIMIT = 8 << 20
"""The largest sheet the page takes: a catalogue of thousands of courses is a few hundred kilobytes."""


def import_available() -> bool:
    """Whether the spreadsheet import (``POST /api/courses/import``) is installed: the upload page needs it."""
    return course_upload.available()


def _upload_page(request: Request, session: Session, status: int = 200, **shown: Any) -> Response:
    context = {"csrf": session.csrf, "available": import_available(), "query": _query(request), **shown}
    response = html_page(request, "publish_upload.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PATH + "/upload")
async def upload(request: Request) -> Response:
    _chrome(request)
    session = _session(request)
    if session is None:
        return RedirectResponse(PATH + _query(request), status_code=303)
    return _upload_page(request, session)


async def _import(request: Request, session: Session, name: str, data: bytes, dry_run: bool) -> UploadReport:
    svc = service(request)
    principal = session.principal
    owner = Owner.of(principal, svc.kg.graphs)
    async with svc.write_lock:
        report = await run_in_threadpool(
            course_upload.check, svc.kg, data, name, session.partner or "", owner, dry_run=dry_run
        )
    if report.written:
        count = report.actions["create"] + report.actions["update"]
        log_write(principal, svc.kg.graphs.partner(session.partner or ""), count, 0, "publish-import-courses")
    return report


@router.post(PATH + "/upload")
async def check_upload(request: Request) -> Response:
    """A dry run of the sheet: its report, and the sheet kept in the session for the import if nothing is wrong."""
    _chrome(request)
    session = _session(request)
    if session is None or not import_available():
        return _refused(request, 401 if session is None else 404)
    form = await request.form(max_files=1, max_fields=10, max_part_size=UPLOAD_LIMIT)
    file = form.get("file")
    if not Sessions.csrf_ok(session, str(form.get("csrf") or "")):
        return _refused(request)
    if file is None or isinstance(file, str):
        return _upload_page(request, session, 422, missing=True)
    data = await file.read(UPLOAD_LIMIT + 1)
    if len(data) > UPLOAD_LIMIT:
        return _upload_page(request, session, 413, too_large=True)
    name = file.filename or ""
    report = await _import(request, session, name, data, dry_run=True)
    session.upload = (name, data) if report.ready else None
    return _upload_page(request, session, 200 if not report.problems else 422, report=report, filename=name)


@router.post(PATH + "/upload/commit")
async def commit_upload(request: Request) -> Response:
    """The sheet checked last imported, all or nothing."""
    _chrome(request)
    session = _session(request)
    form = await _form_data(request)
    if session is None or not Sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
        return _refused(request, 401 if session is None else 403)
    if session.upload is None:
        return _upload_page(request, session, 409, nothing=True)
    name, data = session.upload
    session.upload = None
    report = await _import(request, session, name, data, dry_run=False)
    return _upload_page(request, session, 200 if report.written else 422, report=report, filename=name)
