"""A real Virtuoso Open Source 7 for the remote-store tests: on loopback ports, in a throwaway directory, with the
SPARQL update and Graph Store permissions the tests need; stopped afterwards. Without ``virtuoso-t`` (Debian's
``virtuoso-opensource-7-bin``, installed by ``.ci/run``) the tests that need it are skipped, saying why."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from smarco_kg.store.remote import RemoteStore
from tests.processes import free_port, stop

INI = """[Database]
DatabaseFile = db/virtuoso.db
ErrorLogFile = db/virtuoso.log
LockFile = db/virtuoso.lck
TransactionFile = db/virtuoso.trx
xa_persistent_file = db/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = db/virtuoso-temp.db
TransactionFile = db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., /tmp
CheckpointInterval = 0
TransactionAfterImageLimit = 1500000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = db
MaxClientConnections = 8
ServerThreads = 8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""
GRANTS = (
    'grant SPARQL_UPDATE to "SPARQL";'
    ' grant execute on DB.DBA.SPARQL_INSERT_DICT_CONTENT to "SPARQL";'
    ' grant execute on DB.DBA.SPARQL_DELETE_DICT_CONTENT to "SPARQL";'
    ' grant execute on DB.DBA.L_O_LOOK to "SPARQL";'
    " DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
)


@contextmanager
def virtuoso(root: Path, *, max_rows: int = 1_000_000, buffers: int = 20_000) -> Iterator[str]:
    """Start Virtuoso in ``root``; yield its base URL (``/sparql``, ``/sparql-graph-crud`` under it).
    ``max_rows``: its result cap (``ResultSetMaxRows``); ``buffers``: its page cache in 8 KiB pages."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("Virtuoso is not installed (virtuoso-t not found: apt-get install virtuoso-opensource-7-bin)")
    (root / "db").mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    (root / "virtuoso.ini").write_text(
        INI.format(sql_port=sql_port, http_port=http_port, max_rows=max_rows, buffers=buffers, dirty=buffers * 3 // 4)
    )
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", "virtuoso.ini"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not start: {(root / 'db' / 'virtuoso.log').read_text()[-2000:]}")
            time.sleep(0.3)
        sql(root, GRANTS)
        yield url
    finally:
        stop(process, 30)


def sql(root: Path, statements: str) -> None:
    """Run SQL as ``dba`` on the Virtuoso started in ``root`` (its port read from its ini)."""
    port = re.search(r"^ServerPort = (\S+)", (root / "virtuoso.ini").read_text(), re.MULTILINE)
    assert port is not None
    subprocess.run(
        ["isql-vt", port.group(1), "dba", "dba", f"exec={statements}"], check=True, capture_output=True, timeout=120
    )


def checkpoint(root: Path) -> None:
    """Have the Virtuoso started in ``root`` write its changes to its database and start a new transaction log.
    These servers checkpoint only when told (``CheckpointInterval = 0``, no pauses mid-test); left to grow over
    hundreds of resets, the log passed 1.5 GB and a drop then ran for many minutes at full CPU."""
    sql(root, "checkpoint;")


def remote_store(url: str) -> RemoteStore:
    return RemoteStore(f"{url}/sparql", graph_store_url=f"{url}/sparql-graph-crud")
