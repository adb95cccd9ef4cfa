"""Test harness: one real database per run (SQLite file or a throw-away PostgreSQL server),
migrated and seeded through the real `rapport-hub` commands, and a real uvicorn hub on it.

Choose the store with `--db sqlite|postgres` (or RAPPORT_TEST_DB); `scripts/test` runs both.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pg import PostgresServer, free_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "retail_sample.csv.gz"
BIN = Path(sys.executable).parent
AGENT = ("test.agent", "correct horse battery")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        default=os.environ.get("RAPPORT_TEST_DB", "sqlite"),
        help="store the hub runs on",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Fan-out across replicas needs a shared server: PostgreSQL only. Not collected (rather
    # than skipped) on SQLite, where one process is the whole deployment.
    if collection_path.name == "replicas" and config.getoption("--db") != "postgres":
        return True
    return None


_SCRATCH: list[Path] = []  # the run's own folder, made when first asked for
_PYTEST: list[bool] = []  # set when pytest configures this conftest: a test run, not a benchmark
_RUN_FOLDER = "RAPPORT_TEST_RUN_FOLDER"  # the run's folder, handed to pytest-xdist's workers


def _worker(config: pytest.Config) -> bool:
    """Whether this process is one of pytest-xdist's workers (`scripts/test` runs one a core)."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    _PYTEST.append(True)
    if _worker(config):
        # The workers share the folder the run started with: it is kept, and named, once.
        shared = os.environ.get(_RUN_FOLDER)
        if shared:
            _SCRATCH.append(Path(shared))
    elif config.pluginmanager.has_plugin("xdist") and config.getoption("numprocesses", None):
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="rapport-tests-")))
        os.environ[_RUN_FOLDER] = str(_SCRATCH[0])  # inherited by the workers it starts


def scratch(prefix: str) -> Path:
    """A new directory for a test's files (stores, hub logs, pages) inside the run's own
    folder, which the run takes away when every test passed and keeps, and names, when one
    failed (the hubs' logs are then worth reading). Runs used to leave ~450 MB of stores in
    the system's temporary folder each. A benchmark that starts hubs through this module
    has no test run to clean up after it: its folder goes when its process exits (a hub that
    fails to start puts its log in the error)."""
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="rapport-tests-")))
        if not _PYTEST:
            atexit.register(shutil.rmtree, _SCRATCH[0], ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_SCRATCH[0]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A worker leaves the shared folder to the run, which knows whether every test passed.
    if _SCRATCH and exitstatus == 0 and not _worker(session.config):
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SCRATCH:
        terminalreporter.write_line(f"the run's stores and hub logs are kept in {_SCRATCH[0]}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test of what only PostgreSQL has (monthly partitions) is left out, not skipped, on
    # SQLite, and one of what only SQLite has (its file lock) on PostgreSQL: nothing there for
    # it to check.
    other = "sqlite_only" if config.getoption("--db") == "postgres" else "postgres_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def lifecycle_hooks() -> None:
    """Tests that run hub code in this process (seeding, the backtest) get the same merge /
    split / erase / export hooks as the app and the command line."""
    from hub.assembly import assemble

    assemble()


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def postgres(db_kind: str) -> Iterator[PostgresServer | None]:
    if db_kind != "postgres":
        yield None
        return
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def _fresh_url(kind: str, server: PostgresServer | None, name: str) -> str:
    if kind == "postgres":
        assert server is not None
        return server.create_database(name)
    return f"sqlite+aiosqlite:///{scratch('store-') / (name + '.db')}"


@pytest.fixture(scope="session")
def make_database(db_kind: str, postgres: PostgresServer | None):  # type: ignore[no-untyped-def]
    """A factory of fresh, empty databases on the run's store."""

    def make(prefix: str = "t") -> str:
        return _fresh_url(db_kind, postgres, f"{prefix}_{uuid.uuid4().hex[:10]}")

    return make


def hub_command(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`rapport-hub ARGS` on the store at `url`; with `check`, a failure says what the command
    printed (CalledProcessError alone shows only the exit status)."""
    env = {**os.environ, "RAPPORT_DATABASE_URL": url, "RAPPORT_ENV": "dev"}
    done = subprocess.run(
        [str(BIN / "rapport-hub"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"rapport-hub {' '.join(args)} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-8000:]}"
        )
    return done


@dataclass
class HubHandle:
    url: str
    database_url: str
    keys: dict[str, str]
    agent_username: str = AGENT[0]
    agent_password: str = AGENT[1]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    _agent_token: str | None = None

    @property
    def admin_key(self) -> str:
        return self.keys["admin"]

    @property
    def web_key(self) -> str:
        return self.keys["web"]

    @property
    def kiosk_key(self) -> str:
        return self.keys["kiosk"]

    @property
    def callcenter_key(self) -> str:
        return self.keys["callcenter"]

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    def post(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.admin_key}"}
        return self._client.post(
            f"{self.url}/graphql",
            headers=headers,
            json={"query": query, "variables": variables or {}},
        )

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        response = self.post(query, variables, key)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def agent_token(self) -> str:
        if self._agent_token is None:
            body = self.gql(
                "mutation($u:String!,$p:String!){agentLogin(username:$u,password:$p)"
                "{token userErrors{code message}}}",
                {"u": self.agent_username, "p": self.agent_password},
                key=self.callcenter_key,
            )
            self._agent_token = body["data"]["agentLogin"]["token"]
        assert self._agent_token
        return self._agent_token


def prepare_database(url: str) -> dict[str, str]:
    """Migrate, seed the sample store, create one key per channel and the test agent."""
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    keys = {}
    for channel in ("web", "kiosk", "callcenter", "admin"):
        keys[channel] = hub_command(
            url, "keys", "create", "--channel", channel, "--name", f"test-{channel}"
        ).stdout.strip()
    hub_command(
        url,
        "agents",
        "create",
        "--username",
        AGENT[0],
        "--password",
        AGENT[1],
        "--display-name",
        "Test Agent",
    )
    return keys


# A hub that trains nothing while it runs (no model made at start, no schedule): benchmarks
# measure what they serve, not a retraining beside it.
NO_TRAINING = {"RAPPORT_RETRAIN_ON_START": "false", "RAPPORT_RETRAIN_EVERY_HOURS": "0"}


def start_hub(
    database_url: str,
    keys: dict[str, str],
    port: int | None = None,
    workers: int = 1,
    **env: str,
) -> HubHandle:
    """A hub on `port` (a free one by default: pass a stopped hub's port to restart it there),
    with `workers` processes."""
    port = port or free_port()
    log = open(scratch("hub-log-") / "hub.log", "wb")
    process = subprocess.Popen(
        [
            str(BIN / "rapport-hub"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        # No holdout unless a test asks for one: a random 5 % of test shoppers getting only
        # popular picks would make every personalisation test flaky.
        env={
            **os.environ,
            "RAPPORT_DATABASE_URL": database_url,
            "RAPPORT_HOLDOUT_PERCENT": "0",
            **env,
        },
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hub exited: {Path(log.name).read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return HubHandle(
                    url=url,
                    database_url=database_url,
                    keys=keys,
                    process=process,
                    log_path=Path(log.name),
                )
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"hub did not start: {Path(log.name).read_text()}")


def stop_hub(handle: HubHandle) -> None:
    if handle.process is not None:
        handle.process.terminate()
        try:
            handle.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            handle.process.kill()


@contextlib.contextmanager
def running_hub(database_url: str, keys: dict[str, str], **env: str) -> Iterator[HubHandle]:
    """A hub of its own (its settings in `env`) for the length of a `with` block."""
    handle = start_hub(database_url, keys, **env)
    try:
        yield handle
    finally:
        stop_hub(handle)


@pytest.fixture(scope="session")
def hub_database(make_database) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    url = make_database("hub")
    return url, prepare_database(url)


def _serving(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    url, keys = hub_database
    handle = start_hub(url, keys)
    try:
        yield handle
    finally:
        stop_hub(handle)


@pytest.fixture(scope="session")
def hub(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    """A real hub (uvicorn subprocess) on the run's store, seeded with the sample data."""
    yield from _serving(hub_database)


@pytest.fixture(scope="module")
def second_replica(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    """A second hub process on the run's store (a replica beside `hub`)."""
    yield from _serving(hub_database)


_DRAMA = list(range(1000))
random.shuffle(_DRAMA)


def drama_phone() -> str:
    """A UK drama number (07700 900xxx) no other test in this run has used: tests share one
    hub, and two customers with one phone would be merged (or one erased would block it)."""
    return f"07700 900{_DRAMA.pop():03d}"


_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def unique(prefix: str = "t") -> str:
    """A name no other test uses. Letters only: a run of digits in, say, a segment name the
    kiosk shows would look like a phone number to the screens' no-contact-data check."""
    return f"{prefix}{uuid.uuid4().hex[:12].translate(_NO_DIGITS)}"
