"""tests/pg.py's server kept in a directory of one's own (what bench/scale_pg.py builds its big
stores in): the cluster and its data outlive a stop, and a restart serves them again."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.pg import PostgresServer

pytestmark = pytest.mark.postgres_only


def test_a_kept_cluster_keeps_its_data_across_stops() -> None:
    # Not under pytest's tmp_path: the server runs as `postgres`, which may not enter it.
    base = Path(tempfile.mkdtemp(prefix="rapport-pg-kept-"))
    try:
        server = PostgresServer(base).start()
        try:
            server.create_database("kept")
            server.ask("kept", "CREATE TABLE t (n int); INSERT INTO t VALUES (7)")
            server.halt()  # a clean stop; its buffers are gone
            server.launch()
            assert server.ask("kept", "SELECT n FROM t") == "7"
        finally:
            server.stop()
        assert (base / "data" / "PG_VERSION").exists()  # stop() kept the cluster
        again = PostgresServer(base).start()  # and a new server runs it, no initdb over it
        try:
            assert again.ask("kept", "SELECT n FROM t") == "7"
        finally:
            again.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_throw_away_cluster_is_removed_when_it_stops() -> None:
    server = PostgresServer().start()
    base = server.base
    server.stop()
    assert not base.exists()
