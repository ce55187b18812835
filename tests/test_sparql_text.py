"""Finding SPARQL keywords outside strings, IRIs, comments, variables and prefixed names."""

from smarco_kg.sparql_text import keywords


def test_keywords_ignore_strings_iris_comments_variables_and_prefixed_names() -> None:
    text = 'PREFIX ex: <http://x/load> SELECT ?load WHERE { ex:service ?p "LOAD SERVICE" . # LOAD\n ?s ?p ?o }'
    assert keywords(text) == {"PREFIX", "SELECT", "WHERE"}


def test_keywords_find_service_and_load_where_they_are_keywords() -> None:
    assert "SERVICE" in keywords("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }")
    assert "LOAD" in keywords("load <http://x> INTO GRAPH <http://g>")
