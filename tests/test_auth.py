"""Write authentication: the tokens file, principals' rights, the bearer header, the write log, `smarco-kg token`."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from smarco_kg.auth import (
    Principal,
    TokenFileError,
    TokenStore,
    UnknownToken,
    bearer_secret,
    log_write,
)
from smarco_kg.config import Settings
from smarco_kg.graphs import Graphs
from smarco_kg.store.embedded import EmbeddedStore
from tests.backends import store_arguments
from tests.server import running_server

BASE = "https://w3id.org/smarco/"
GRAPHS = Graphs(BASE)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "tokens.json"


@pytest.fixture
def tokens(path: Path) -> TokenStore:
    return TokenStore(path)


@pytest.fixture(scope="module")
def partners(_demo_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed copy of the demo store, whose partners (cefriel…) `token create --partner` finds."""
    copy = tmp_path_factory.mktemp("partners") / "store"
    _demo_store.snapshot(copy)
    return copy


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "smarco_kg", "token", *map(str, args)]
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    if env is None or "SMARCO_TOKENS_FILE" not in env:
        environment.pop("SMARCO_TOKENS_FILE", None)
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)


def secret_of(done: subprocess.CompletedProcess[str]) -> str:
    (secret,) = [line for line in done.stdout.splitlines() if line.startswith("smarco_")]
    return secret


# the tokens file -------------------------------------------------------------------------------------------


def test_created_partner_token_authenticates_to_its_principal(tokens: TokenStore) -> None:
    secret, record = tokens.create(partner="cefriel", label="Ana at CEFRIEL")
    assert secret.startswith("smarco_")
    assert tokens.authenticate(secret) == Principal(
        token_id=record.id, partner="cefriel", admin=False, label="Ana at CEFRIEL"
    )


def test_created_admin_token_authenticates_as_admin(tokens: TokenStore) -> None:
    secret, record = tokens.create(partner=None, admin=True)
    principal = tokens.authenticate(secret)
    assert principal is not None
    assert principal.admin
    assert principal.partner is None
    assert principal.token_id == record.id


def test_unknown_and_empty_tokens_do_not_authenticate(tokens: TokenStore) -> None:
    secret, _ = tokens.create(partner="cefriel")
    assert tokens.authenticate(secret + "x") is None
    assert tokens.authenticate("") is None


def test_tokens_are_unique(tokens: TokenStore) -> None:
    first, one = tokens.create(partner="cefriel")
    second, two = tokens.create(partner="cefriel")
    assert first != second
    assert one.id != two.id


def test_the_file_never_contains_the_secret(tokens: TokenStore, path: Path) -> None:
    secret, record = tokens.create(partner="cefriel")
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    assert secret.removeprefix("smarco_") not in text
    assert record.id in text
    assert json.loads(text)["version"] == 1


def test_the_file_has_mode_0600(tokens: TokenStore, path: Path) -> None:
    tokens.create(partner="cefriel")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rewriting_a_too_open_file_makes_it_0600(tokens: TokenStore, path: Path) -> None:
    tokens.create(partner="cefriel")
    path.chmod(0o644)
    tokens.create(partner="cefriel")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_writes_leave_no_temporary_files(tokens: TokenStore, path: Path) -> None:
    _, record = tokens.create(partner="cefriel")
    tokens.revoke(record.id)
    assert [child.name for child in path.parent.iterdir()] == ["tokens.json"]


def test_a_missing_file_is_an_empty_store(tokens: TokenStore, path: Path) -> None:
    assert tokens.list() == []
    assert tokens.authenticate("smarco_anything") is None
    assert not path.exists()


def test_list_shows_records_without_secrets(tokens: TokenStore) -> None:
    secret, record = tokens.create(partner="cefriel", label="Ana")
    _, admin = tokens.create(partner=None, admin=True)
    listed = tokens.list()
    assert [r.id for r in listed] == [record.id, admin.id]
    assert all(secret not in json.dumps(r.to_json()) for r in listed)
    assert listed[0].partner == "cefriel"
    assert listed[0].created


def test_a_revoked_token_no_longer_authenticates(tokens: TokenStore) -> None:
    secret, record = tokens.create(partner="cefriel")
    kept, _ = tokens.create(partner="cefriel")
    assert tokens.revoke(record.id) == record
    assert tokens.authenticate(secret) is None
    assert tokens.authenticate(kept) is not None


def test_revoking_an_unknown_id_raises_unknown_token_naming_it(tokens: TokenStore, path: Path) -> None:
    tokens.create(partner="cefriel")
    with pytest.raises(UnknownToken) as raised:
        tokens.revoke("deadbeef")
    assert isinstance(raised.value, KeyError)
    assert "deadbeef" in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_second_store_on_the_same_file_sees_revocations(path: Path) -> None:
    server, cli = TokenStore(path), TokenStore(path)
    secret, record = cli.create(partner="cefriel")
    assert server.authenticate(secret) is not None  # loaded once
    cli.revoke(record.id)
    assert server.authenticate(secret) is None


def test_a_second_store_on_the_same_file_sees_new_tokens(path: Path) -> None:
    server, cli = TokenStore(path), TokenStore(path)
    assert server.list() == []
    secret, _ = cli.create(partner="cefriel")
    assert server.authenticate(secret) is not None


def test_two_stores_creating_in_turn_keep_each_others_tokens(path: Path) -> None:
    one, two = TokenStore(path), TokenStore(path)
    first, _ = one.create(partner="cefriel")
    second, _ = two.create(partner="oulu")
    third, _ = one.create(partner="cefriel")
    fresh = TokenStore(path)
    assert all(fresh.authenticate(secret) is not None for secret in (first, second, third))


@pytest.mark.parametrize("slug", ["", "Cefriel", "cef_riel", "-cefriel", "cefriel-", "cef--riel", "a/b", "a b", "é"])
def test_bad_partner_slugs_are_refused(tokens: TokenStore, path: Path, slug: str) -> None:
    with pytest.raises(ValueError, match="partner slug"):
        tokens.create(partner=slug)
    assert not path.exists()


@pytest.mark.parametrize("slug", ["cefriel", "city-of-oulu", "tu-delft-2"])
def test_good_partner_slugs_are_accepted(tokens: TokenStore, slug: str) -> None:
    _, record = tokens.create(partner=slug)
    assert record.partner == slug


def test_partner_and_admin_are_mutually_exclusive(tokens: TokenStore) -> None:
    with pytest.raises(ValueError, match="not both"):
        tokens.create(partner="cefriel", admin=True)


def test_a_token_needs_a_partner_or_admin(tokens: TokenStore) -> None:
    with pytest.raises(ValueError, match="partner"):
        tokens.create(partner=None)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 2, "tokens": []}',
        '{"version": 1, "tokens": {}}',
        '{"version": 1, "tokens": [{"id": "ab12cd34"}]}',
        '{"version": 1, "tokens": [{"id": "ab12cd34", "sha256": "' + "0" * 64 + '", "partner": "Bad Slug"}]}',
    ],
)
def test_a_corrupt_file_raises_an_error_naming_the_path(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TokenFileError) as raised:
        TokenStore(path).authenticate("smarco_x")
    assert isinstance(raised.value, ValueError)
    assert str(path) in str(raised.value)


def test_a_file_corrupted_after_loading_fails_closed(tokens: TokenStore, path: Path) -> None:
    secret, _ = tokens.create(partner="cefriel")
    assert tokens.authenticate(secret) is not None
    path.write_text("{", encoding="utf-8")
    with pytest.raises(TokenFileError):
        tokens.authenticate(secret)


# principals ------------------------------------------------------------------------------------------------


def test_a_partner_token_may_write_only_its_own_graph() -> None:
    cefriel = Principal(token_id="3f9a1b2c", partner="cefriel", admin=False, label="")
    assert cefriel.may_write(GRAPHS.partner("cefriel"), GRAPHS)
    for graph in (
        GRAPHS.partner("oulu"),
        GRAPHS.partner("cefriel-2"),
        GRAPHS.partner("cefriel") + "/sub",
        GRAPHS.ontology,
        GRAPHS.vocabularies,
        GRAPHS.esco,
        "https://example.org/graph/partner/cefriel",
    ):
        assert not cefriel.may_write(graph, GRAPHS), graph


def test_an_admin_token_may_write_any_graph() -> None:
    admin = Principal(token_id="0d4e5f60", partner=None, admin=True, label="")
    for graph in (GRAPHS.partner("cefriel"), GRAPHS.ontology, GRAPHS.esco, "https://example.org/g"):
        assert admin.may_write(graph, GRAPHS)


def test_principal_names_say_who_and_which_token() -> None:
    assert Principal(token_id="3f9a1b2c", partner="cefriel", admin=False, label="").name == "cefriel (token 3f9a1b2c)"
    assert Principal(token_id="0d4e5f60", partner=None, admin=True, label="").name == "admin (token 0d4e5f60)"


def test_a_principal_is_partner_or_admin_not_both() -> None:
    with pytest.raises(ValueError):
        Principal(token_id="x", partner="cefriel", admin=True, label="")


# the bearer header -----------------------------------------------------------------------------------------


def test_bearer_header_gives_the_token() -> None:
    assert bearer_secret("Bearer smarco_abc-DEF_123") == "smarco_abc-DEF_123"
    assert bearer_secret("bearer smarco_abc") == "smarco_abc"
    assert bearer_secret("  BEARER   smarco_abc  ") == "smarco_abc"


def test_absent_bearer_header_gives_none() -> None:
    assert bearer_secret(None) is None


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token smarco_abc", "smarco_abc"])
def test_bearer_header_with_another_scheme_is_refused(header: str) -> None:
    with pytest.raises(ValueError, match="Bearer"):
        bearer_secret(header)


@pytest.mark.parametrize("header", ["", "   ", "Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer tok\u00e9n"])
def test_malformed_bearer_header_is_refused(header: str) -> None:
    with pytest.raises(ValueError):
        bearer_secret(header)


# the write log ---------------------------------------------------------------------------------------------


def test_log_write_logs_one_line_with_who_graph_operation_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    principal = Principal(token_id="3f9a1b2c", partner="cefriel", admin=False, label="Ana")
    graph = GRAPHS.partner("cefriel")
    with caplog.at_level(logging.INFO, logger="smarco_kg.writes"):
        log_write(principal, graph, added=12, removed=3, operation="replace")
    (record,) = caplog.records
    assert record.name == "smarco_kg.writes"
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "\n" not in message
    for part in ("by=cefriel", "token=3f9a1b2c", f"graph=<{graph}>", "operation=replace", "added=12", "removed=3"):
        assert part in message
    assert record.write == {  # type: ignore[attr-defined]
        "token_id": "3f9a1b2c",
        "partner": "cefriel",
        "admin": False,
        "graph": graph,
        "operation": "replace",
        "added": 12,
        "removed": 3,
    }


# the command line ------------------------------------------------------------------------------------------


def test_cli_create_prints_the_token_once_and_its_id(path: Path, partners: Path) -> None:
    done = run("create", "--partner", "cefriel", "--label", "Ana", "--tokens-file", path, "--store", partners)
    assert done.returncode == 0, done.stderr
    secret = secret_of(done)
    assert "will not be shown again" in done.stdout
    principal = TokenStore(path).authenticate(secret)
    assert principal is not None
    assert principal.partner == "cefriel"
    assert principal.token_id in done.stdout


def test_cli_create_admin_token(path: Path) -> None:
    done = run("create", "--admin", "--tokens-file", path)
    assert done.returncode == 0, done.stderr
    principal = TokenStore(path).authenticate(secret_of(done))
    assert principal is not None
    assert principal.admin


def test_cli_list_shows_ids_scopes_and_labels_but_no_secret(path: Path, partners: Path) -> None:
    partner = run(
        "create", "--partner", "cefriel", "--label", "Ana at CEFRIEL", "--tokens-file", path, "--store", partners
    )
    admin = run("create", "--admin", "--tokens-file", path)
    done = run("list", "--tokens-file", path)
    assert done.returncode == 0, done.stderr
    for record in TokenStore(path).list():
        assert record.id in done.stdout
        assert record.created in done.stdout
    assert "partner cefriel" in done.stdout
    assert "admin" in done.stdout
    assert "Ana at CEFRIEL" in done.stdout
    assert secret_of(partner) not in done.stdout + done.stderr
    assert secret_of(admin) not in done.stdout + done.stderr
    assert "smarco_" not in done.stdout


def test_cli_list_of_a_missing_file_says_there_are_no_tokens(path: Path) -> None:
    done = run("list", "--tokens-file", path)
    assert done.returncode == 0, done.stderr
    assert "no tokens" in done.stdout


def test_cli_revoke_stops_the_token(path: Path, partners: Path) -> None:
    secret = secret_of(run("create", "--partner", "cefriel", "--tokens-file", path, "--store", partners))
    server = TokenStore(path)
    principal = server.authenticate(secret)
    assert principal is not None
    done = run("revoke", principal.token_id, "--tokens-file", path)
    assert done.returncode == 0, done.stderr
    assert f"revoked token {principal.token_id}" in done.stdout
    assert server.authenticate(secret) is None
    assert principal.token_id not in run("list", "--tokens-file", path).stdout


def test_cli_revoke_of_an_unknown_id_fails_with_one_line(path: Path, partners: Path) -> None:
    run("create", "--partner", "cefriel", "--tokens-file", path, "--store", partners)
    done = run("revoke", "deadbeef", "--tokens-file", path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: no token with id 'deadbeef' in {path}"]


def test_cli_create_refuses_a_bad_slug(path: Path) -> None:
    done = run("create", "--partner", "Not_A_Slug", "--tokens-file", path)
    assert done.returncode == 2
    assert "not a partner slug" in done.stderr
    assert not path.exists()


@pytest.mark.parametrize("options", [["--partner", "cefriel", "--admin"], []])
def test_cli_create_needs_exactly_one_of_partner_or_admin(path: Path, options: list[str]) -> None:
    done = run("create", *options, "--tokens-file", path)
    assert done.returncode == 2
    assert "exactly one of --partner SLUG or --admin" in done.stderr
    assert not path.exists()


def test_cli_reports_a_corrupt_file_by_path(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    for args in (["list"], ["create", "--admin"], ["revoke", "deadbeef"]):
        done = run(*args, "--tokens-file", path)
        assert done.returncode == 1, args
        assert str(path) in done.stderr
        assert "Traceback" not in done.stderr


def test_cli_reads_the_tokens_file_from_the_environment(path: Path, partners: Path) -> None:
    done = run("create", "--partner", "cefriel", env={"SMARCO_TOKENS_FILE": str(path), "SMARCO_STORE": str(partners)})
    assert done.returncode == 0, done.stderr
    assert TokenStore(path).authenticate(secret_of(done)) is not None


def test_cli_create_refuses_a_partner_the_store_does_not_hold(path: Path, demo_settings: Settings) -> None:
    arguments, env = store_arguments(demo_settings)
    done = run("create", "--partner", "tu-delft", "--tokens-file", path, *arguments, env=env)
    assert done.returncode == 1, done.stdout
    assert "no partner 'tu-delft' in the store" in done.stderr
    assert "graph/partner/tu-delft" in done.stderr and "Traceback" not in done.stderr
    assert not path.exists(), "no token was made"
    near = run("create", "--partner", "cefrel", "--tokens-file", path, *arguments, env=env)
    assert near.returncode == 1 and "Did you mean cefriel?" in near.stderr
    known = run("create", "--partner", "cefriel", "--tokens-file", path, *arguments, env=env)
    assert known.returncode == 0, known.stderr
    assert TokenStore(path).authenticate(secret_of(known)) is not None


def test_cli_create_checks_the_partner_beside_a_running_server(path: Path, demo_settings: Settings) -> None:
    arguments, env = store_arguments(demo_settings)
    with running_server(demo_settings):  # holds an embedded store: the command reads the server's checkpoint
        unknown = run("create", "--partner", "tu-delft", "--tokens-file", path, *arguments, env=env)
        known = run("create", "--partner", "cefriel", "--tokens-file", path, *arguments, env=env)
    assert unknown.returncode == 1 and "no partner 'tu-delft'" in unknown.stderr, unknown.stderr
    assert known.returncode == 0, known.stderr


def test_cli_create_of_an_admin_token_needs_no_store(path: Path, tmp_path: Path) -> None:
    done = run("create", "--admin", "--tokens-file", path, "--store", tmp_path / "nothing-here")
    assert done.returncode == 0, done.stderr
