"""A command's side of a write done by a running server (``served_writes``): send the files (or, on the same
machine and user, their paths), follow the progress lines, and return what the same write returns on a stopped
store, or raise what it raises there (``WriteRejected`` with its report, ``ParseError``, ``HarvestError``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from smarco_kg.errors import SmarcoError, error_for
from smarco_kg.harvest import HarvestError, HarvestReport
from smarco_kg.served_writes import report_from
from smarco_kg.write_path import ParseError, WriteRejected, WriteResult

Progress = Callable[[int, int], None]


class ServerGone(SmarcoError):
    """The server stopped answering while it wrote: the outcome is unknown to the command."""

    status, kind, title = 502, "bad-gateway", "the server stopped answering"


@dataclass(frozen=True)
class ServerClient:
    """A running server, reached with a bearer credential (the server file's secret, or an admin token).
    ``local``: the server runs on this machine as this user, so it reads the files from their paths."""

    url: str
    token: str
    local: bool = False
    connect_timeout: float = 10.0

    @contextmanager
    def _client(self) -> Iterator[httpx.Client]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Encoding": "identity"}  # lines as they come
        timeout = httpx.Timeout(self.connect_timeout, read=None)  # staging a large file sends no line for a while
        with httpx.Client(base_url=self.url.rstrip("/"), headers=headers, timeout=timeout) as client:
            yield client

    def identity(self) -> dict[str, Any] | None:
        """The server's process and store, or None when no server answers there with this credential."""
        try:
            with self._client() as client:
                response = client.get("/admin/server", timeout=2.0)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def load(
        self,
        files: Sequence[Path],
        *,
        fmt: str | None,
        graph: str | None,
        base: str | None,
        dry_run: bool,
        name: str,
        progress: Progress,
    ) -> WriteResult:
        """Validate and (unless ``dry_run``) store ``files`` in the server's store."""
        params = {"format": fmt, "graph": graph, "base": base, "name": name, "dry_run": "true" if dry_run else None}
        query = {k: v for k, v in params.items() if v is not None}
        with ExitStack() as stack:
            if self.local:
                body: dict[str, Any] = {"json": {"paths": [str(f.resolve()) for f in files]}}
            else:  # streamed from the open files, part by part
                opened = [(f.name, stack.enter_context(f.open("rb")), "application/octet-stream") for f in files]
                body = {"files": [("file", part) for part in opened]}
            result = self._stream("/admin/load", progress, params=query, **body)
        return WriteResult(
            report_from(result.get("problems", []), int(result.get("focusNodes", 0))),
            int(result.get("quads", 0)),
            [str(g) for g in result.get("graphs", [])],
            float(result.get("seconds", 0.0)),
        )

    def harvest(self, node: str, name: str, timeout: float) -> HarvestReport:
        """Harvest ``node`` into the server's store."""
        try:
            result = self._stream(
                "/admin/harvest", lambda done, total: None, json={"node": node, "name": name, "timeout": timeout}
            )
        except SmarcoError as error:
            if error.status == 502 and not isinstance(error, ServerGone):
                raise HarvestError(error.detail) from error
            raise
        return HarvestReport(**{k: result[k] for k in HarvestReport.__dataclass_fields__ if k in result})

    def _stream(self, path: str, progress: Progress, **request: Any) -> dict[str, Any]:
        """POST, follow the progress lines and return the result line's content; raise its problem."""
        outcome: dict[str, Any] | None = None
        try:
            with self._client() as client, client.stream("POST", path, **request) as response:
                if response.status_code != 200:
                    response.read()
                    outcome = {"problem": _problem(response)}
                else:
                    for text in response.iter_lines():
                        event = json.loads(text) if text.strip() else {}
                        if "progress" in event:
                            progress(int(event["progress"]["done"]), int(event["progress"]["total"]))
                        elif "result" in event or "problem" in event:
                            outcome = event
                            break
        except (httpx.HTTPError, json.JSONDecodeError) as error:
            raise ServerGone(
                f"{self.url} stopped answering ({error}); whether the write was stored is unknown: "
                f"see {self.url}/api/changes"
            ) from error
        if outcome is None:
            raise ServerGone(f"{self.url} ended its answer without a result; see {self.url}/api/changes")
        if "problem" in outcome:
            raise _raised(outcome["problem"])
        return dict(outcome["result"])


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "status" in body:
        return body
    return {"status": response.status_code, "title": response.reason_phrase, "detail": response.text[:300]}


def _raised(problem: dict[str, Any]) -> SmarcoError:
    """The error the same write raises on a stopped store."""
    status = int(problem.get("status", 500))
    detail = str(problem.get("detail") or problem.get("title") or "")
    errors = problem.get("errors") or []
    if str(problem.get("type", "")).endswith("/shapes-violation"):
        return WriteRejected(report_from(errors))
    if status == 400:
        return ParseError(detail)
    return error_for(status, str(problem.get("title", "error")), detail, errors=errors)
