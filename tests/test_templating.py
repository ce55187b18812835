"""The pages' shared chrome (``api.templating``): the language switcher links this page in each language, with
its query as it was and ``lang`` last, as Starlette's ``URL.include_query_params`` writes it."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from smarco_kg.api.templating import language_links
from smarco_kg.web.i18n import LANGUAGES


@pytest.mark.parametrize(
    "query",
    [b"", b"lang=it", b"q=smart+city&lang=it&eqf=6&eqf=7&empty=", b"offset=20&q=caf%C3%A9+%26+co&lang=el&lang=es"],
)
def test_the_language_switcher_links_this_page_in_each_language(query: bytes) -> None:
    scope = {"type": "http", "method": "GET", "path": "/courses", "query_string": query, "headers": []}
    request = Request(scope)
    links = language_links(request, "it")
    assert [link["tag"] for link in links] == list(LANGUAGES)
    for link in links:
        expected = request.url.include_query_params(lang=link["tag"])
        assert link["href"] == f"{expected.path}?{expected.query}"
        assert link["current"] == (link["tag"] == "it")
