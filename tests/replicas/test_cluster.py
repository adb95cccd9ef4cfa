"""`scripts/cluster`: a PostgreSQL primary with a hot standby, two hubs and the kiosk, started
without Docker, and all of it gone again on SIGTERM. Collected only in the PostgreSQL run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import ROOT, SAMPLE, HubHandle, unique
from tests.hub.gql import PROFILE_BY_ID
from tests.hub.test_identity_e2e import identify


def _gone(pid: int) -> bool:
    """No such process, or only a zombie nobody has reaped yet (it runs nothing)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())


class Cluster:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "cluster"), "--seed", str(SAMPLE)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.info: dict[str, str] = {}
        deadline = time.monotonic() + 90
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.strip().partition(" ")
            self.info[name] = value
            assert time.monotonic() < deadline, "scripts/cluster took too long"
        else:
            _, errors = self.process.communicate(timeout=30)
            raise AssertionError(f"scripts/cluster exited {self.process.returncode}: {errors}")

    def hub(self, name: str) -> HubHandle:
        database = self.info["primary"]
        keys = {c: self.info[f"key-{c}"] for c in ("web", "kiosk", "callcenter", "admin")}
        return HubHandle(url=self.info[name], database_url=database, keys=keys)

    def dsn(self, name: str) -> str:
        return self.info[name].replace("postgresql+asyncpg://", "postgresql://")

    @property
    def pids(self) -> dict[str, int]:
        return {k[4:]: int(v) for k, v in self.info.items() if k.startswith("pid-")}

    def hub_logs(self, lines: int = 120) -> str:
        """The end of each hub's log without the access lines: what a failed test prints, as
        the cluster's directory (logs included) goes when it stops."""
        parts = []
        for log in sorted((Path(self.info["dir"]) / "logs").glob("hub-*.log")):
            kept = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if not line.startswith("INFO:     127.0.0.1")
            ]
            parts.append(f"--- {log.name}\n" + "\n".join(kept[-lines:]))
        return "\n".join(parts)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    started = Cluster()
    try:
        yield started
    finally:
        started.stop()


async def _query(dsn: str, sql: str, *args: object) -> object:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


def test_a_write_through_one_hub_is_read_through_the_other_and_replayed_on_the_standby(
    cluster: Cluster,
) -> None:
    assert set(cluster.pids) == {"primary", "standby", "hub-a", "hub-b", "kiosk"}
    for name in ("hub-a", "hub-b", "kiosk"):
        assert httpx.get(f"{cluster.info[name]}/healthz", timeout=5).status_code == 200
    hub_a, hub_b = cluster.hub("hub-a"), cluster.hub("hub-b")
    # The hubs are told of the standby (they do not read from it yet: docs/scaling.md).
    assert cluster.info["standby"] != cluster.info["primary"]

    standby = cluster.dsn("standby")
    assert asyncio.run(_query(standby, "SELECT pg_is_in_recovery()")) is True
    assert asyncio.run(_query(cluster.dsn("primary"), "SELECT pg_is_in_recovery()")) is False
    # The sample store loaded on the primary reached the standby through replication.
    assert asyncio.run(_query(standby, "SELECT count(*) FROM products")) > 0

    email = f"{unique()}@example.com"
    profile = identify(hub_a, hub_a.web_key, "WEB", ("EMAIL", email))["profile"]
    read = hub_b.gql(PROFILE_BY_ID, {"id": profile["id"]})
    assert "errors" not in read, read
    assert read["data"]["profile"]["id"] == profile["id"]

    deadline = time.monotonic() + 5
    while True:
        found = asyncio.run(
            _query(
                standby,
                "SELECT count(*) FROM identifiers WHERE kind = 'EMAIL' AND value = $1 "
                "AND profile_id = $2",
                email,
                profile["id"],
            )
        )
        if found == 1:
            break
        assert time.monotonic() < deadline, "the standby did not replay the write within 5 s"
        time.sleep(0.1)
    # And it stays a standby: writes there are refused.
    with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
        asyncio.run(_query(standby, "CREATE TABLE nope (id int)"))


def test_sigterm_stops_every_process_and_removes_the_temp_dir(cluster: Cluster) -> None:
    pids = cluster.pids
    directory = Path(cluster.info["dir"])
    assert directory.is_dir()
    started = time.monotonic()
    assert cluster.stop() == 0
    assert time.monotonic() - started < 30
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {name: pid for name, pid in pids.items() if not _gone(pid)} == {}
    assert not directory.exists()
    # Nor anything else started from it (postgres backends, walsender, walreceiver…).
    leftovers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(directory) in cmdline and not _gone(int(entry.name)):
                leftovers.append(cmdline)
    assert leftovers == []
