"""Requests to a remote store's endpoints: reads retried with back-off, writes sent once, refusals as errors."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx

from smarco_kg.store.base import QuerySyntaxError, StoreError, StoreTimeout

TRANSIENT = (502, 503, 504)  # answers worth retrying a read after (a 500 is the query's own error)


class ResultCapError(StoreError):
    """The store cut a result short at its own row limit (Virtuoso's ``ResultSetMaxRows``)."""


class Transport:
    """One HTTP client for a store's endpoints. Reads are retried on connection errors and 502/503/504 answers,
    never when the store took too long to answer (it is still working on the query: sending it again would run it
    again beside the first, and one abandoned runaway would cost the store four); writes never are (a write is one
    SPARQL Update request, which the store applies as one transaction, so a failed write leaves it as it was)."""

    def __init__(
        self,
        *,
        auth: httpx.Auth | tuple[str, str] | str | None = None,  # a string: a bearer token
        timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        self.retries = retries
        headers = {}
        if isinstance(auth, str):
            headers["Authorization"] = f"Bearer {auth}"
            auth = None
        self.client = httpx.Client(auth=auth, timeout=timeout, headers=headers)
        self.virtuoso = False  # the store said it is Virtuoso (its Server header): its own dataset pragmas serve

    def post(self, url: str, data: list[tuple[str, str]], accept: str, *, retry: bool) -> httpx.Response:
        """A form post, retried (``retry``) with back-off while the store is unreachable or busy."""
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                response = self.client.post(
                    url,
                    content=urlencode(data).encode("ascii"),
                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                )
            except httpx.TransportError as error:
                if attempt + 1 == attempts or isinstance(error, httpx.ReadTimeout):
                    raise StoreError(f"{url}: {error}") from error
            else:
                if response.status_code not in TRANSIENT or attempt + 1 == attempts:
                    self.virtuoso = response.headers.get("server", "").lower().startswith("virtuoso")
                    return response
            time.sleep(0.2 * 2**attempt)
        raise StoreError(f"{url}: no answer")  # pragma: no cover

    def answer(self, url: str, data: list[tuple[str, str]], accept: str, *, retry: bool) -> httpx.Response:
        """A successful answer, or the store's refusal as an error: a 400 is the request's syntax, anything else
        the store's failure; a result the store cut short is refused (Virtuoso names its cap in
        ``X-SPARQL-MaxRows`` when it applied it), and so is one it stopped at its time limit (``X-SQL-State:
        S1TAT``, its "anytime" answer: what it had found so far)."""
        response = self.post(url, data, accept, retry=retry)
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip()[:500])
        if response.status_code >= 300:
            raise StoreError(f"{url}: {response.status_code} {response.text[:300]}")
        if response.headers.get("x-sql-state") == "S1TAT":
            spent = response.headers.get("x-exec-milliseconds")
            raise StoreTimeout(
                "the store stopped the query at its time limit"
                + (f" after {int(spent) / 1000:g} s" if spent and spent.isdigit() else "")
                + " and offered an incomplete result, which is refused"
            )
        cap = response.headers.get("x-sparql-maxrows")
        if cap is not None:
            raise ResultCapError(
                f"the store cut the result at {cap} rows (its own limit, Virtuoso's ResultSetMaxRows); "
                "add a LIMIT, or raise the limit in the store's configuration"
            )
        return response

    def select(self, url: str, sparql: str) -> list[dict]:
        """The bindings of a SELECT, as SPARQL JSON."""
        response = self.answer(url, [("query", sparql)], "application/sparql-results+json", retry=True)
        return response.json()["results"]["bindings"]

    def post_graph(self, url: str, graph: str, ntriples: bytes) -> None:
        """Add triples to a graph by the Graph Store Protocol (Virtuoso's ``graph-crud`` names it ``graph-uri``)."""
        response = self.client.post(
            url,
            params={"graph": graph} if "graph-crud" not in url else {"graph-uri": graph},
            content=ntriples,
            headers={"Content-Type": "text/turtle"},
        )
        if response.status_code >= 300:
            raise StoreError(f"{url}: {response.status_code} {response.text[:300]}")

    def close(self) -> None:
        self.client.close()
