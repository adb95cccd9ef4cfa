"""A throw-away PostgreSQL server for the test run: initdb + pg_ctl in a temp dir, free port.

The server refuses to run as root, so when the tests run as root it is started as the
`postgres` user with runuser.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for version in ("17", "16", "15", "14"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    raise RuntimeError(f"{name} not found: install postgresql (scripts/setup does)")


class PostgresServer:
    """`base`: a directory to keep the cluster in across runs (a benchmark's big stores);
    without it a temp dir, deleted when the server stops."""

    def __init__(self, base: Path | None = None) -> None:
        self.keep = base is not None
        if base is not None:
            base.mkdir(parents=True, exist_ok=True)
        self.base = base if base is not None else Path(tempfile.mkdtemp(prefix="rapport-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> PostgresServer:
        os.chmod(self.base, 0o755)
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        self.launch()
        return self

    def _initdb(self) -> None:
        self._run(
            _bin("initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def launch(self) -> None:
        """pg_ctl start on the cluster (again, after `halt`)."""
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def halt(self) -> None:
        """pg_ctl stop, fast (a clean shutdown), keeping the cluster."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def client(self, database: str) -> list[str]:
        """The psql command line for a database of this server."""
        host = ["-h", "127.0.0.1", "-p", str(self.port)]
        return [_bin("psql"), *host, "-U", "postgres", "-d", database]

    def ask(self, database: str, statement: str) -> str:
        """Run `statement` with psql (stopping at the first error); its rows as psql's
        unaligned text, `|` between columns."""
        done = subprocess.run(
            [*self.client(database), "-At", "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def create_database(self, name: str) -> str:
        self._run(*self.client("postgres"), "-c", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.keep:
            self.halt()
            return
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
