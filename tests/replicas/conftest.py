"""One `scripts/cluster` (primary, hot standby, two hubs reading from it) shared by the
read-replica tests, and what they ask of it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.replicas.test_cluster import Cluster

HEADER = "X-Rapport-Consistency"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test shows what its cluster's hubs logged (an unexpected error's traceback):
    the cluster's directory, logs included, is gone once it stops."""
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, Cluster):
                report.sections.append(("the cluster's hub logs", value.hub_logs()))


@pytest.fixture(scope="session")
def replicas() -> Iterator[Cluster]:
    started = Cluster()
    try:
        yield started
    finally:
        started.stop()


def metric(hub_url: str, admin_key: str, name: str) -> float:
    """The sum of a metric's samples on a hub's /metrics (every standby's, for per-standby
    ones), read with an admin key."""
    answer = httpx.get(
        f"{hub_url}/metrics", headers={"Authorization": f"Bearer {admin_key}"}, timeout=5
    )
    assert answer.status_code == 200, answer.text
    text = answer.text
    found = re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    assert found, f"{name} not in /metrics:\n{text}"
    return sum(float(value) for value in found)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


async def _sql(dsn: str, statement: str) -> object:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


def standby_sql(cluster: Cluster, statement: str) -> object:
    return asyncio.run(_sql(cluster.dsn("standby"), statement))


def primary_sql(cluster: Cluster, statement: str) -> object:
    return asyncio.run(_sql(cluster.dsn("primary"), statement))


def pg_ctl(cluster: Cluster, *args: str, server: str = "standby") -> None:
    """pg_ctl on one of the cluster's servers (as `postgres` when the tests run as root)."""
    pgbin = Path("/usr/lib/postgresql/15/bin")
    if not (pgbin / "pg_ctl").exists():
        pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    data = Path(cluster.info["dir"]) / "pg" / server
    command = [str(pgbin / "pg_ctl"), "-D", str(data), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)


def start_standby(cluster: Cluster, server: str = "standby") -> None:
    port = cluster.info[server].rsplit(":", 1)[1].split("/")[0]
    directory = Path(cluster.info["dir"]) / "pg"
    pg_ctl(
        cluster,
        "-l",
        str(directory / f"{server}.log"),
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {port} -k {directory}",
        "start",
        server=server,
    )
