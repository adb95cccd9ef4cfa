"""Running the interop tests' Node scripts with the npm packages tests/interop/package-lock.json
pins (installed by `scripts/setup --with-tests`, i.e. `npm ci` in this directory)."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

HERE = Path(__file__).resolve().parent
SETUP_HINT = "run `scripts/setup --with-tests` (or `npm ci` in tests/interop)"


def node_command(script: str) -> list[str]:
    """`node <script>`, or the test fails saying what is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed: {SETUP_HINT}", pytrace=False)
    installed = HERE / "node_modules" / ".package-lock.json"
    if not installed.exists():
        pytest.fail(f"tests/interop/node_modules is missing: {SETUP_HINT}", pytrace=False)
    if (HERE / "package-lock.json").stat().st_mtime > installed.stat().st_mtime:
        pytest.fail(f"tests/interop/node_modules is older than package-lock.json: {SETUP_HINT}")
    return [node, str(HERE / script)]


def run_node(script: str, config: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run a script to the end and return the JSON object on its last line of output."""
    try:
        done = subprocess.run(
            [*node_command(script), json.dumps(config)],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script} did not finish within {timeout:.0f} s; stderr: {exc.stderr!r}")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(
            f"{script} exited with {done.returncode}\nstdout: {done.stdout[-3000:]}\n"
            f"stderr: {done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class NodeProcess:
    """A running script that prints one JSON object per line; read them as they come."""

    def __init__(self, script: str, config: dict[str, Any]) -> None:
        self.script = script
        self.process = subprocess.Popen(
            [*node_command(script), json.dumps(config)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict[str, Any]] = []  # every event read so far, for failure messages
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(
            target=lambda stream: self._stderr.extend(stream),
            args=(self.process.stderr,),
            daemon=True,
        ).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def next_event(self, timeout: float) -> dict[str, Any] | None:
        """The next event, or None when none came within `timeout` seconds.
        Fails the test when the script ends without a last word or prints something not JSON."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            self.process.wait(timeout=5)
            pytest.fail(
                f"{self.script} ended (exit {self.process.returncode}) without a result\n"
                f"{self.transcript()}"
            )
        try:
            event: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"{self.script} printed a line that is not JSON: {line!r}")
        self.events.append(event)
        return event

    def wait_for(self, *names: str, timeout: float) -> dict[str, Any]:
        """The next event named one of `names` (or "failed"), skipping others."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            event = self.next_event(left)
            if event is not None and event["event"] in (*names, "failed"):
                return event
        pytest.fail(
            f"no {'/'.join(names)} from {self.script} within {timeout:.0f} s\n{self.transcript()}"
        )

    def transcript(self) -> str:
        lines = [json.dumps(event)[:600] for event in self.events]
        stderr = "".join(self._stderr).strip()
        return (
            "events:\n  " + "\n  ".join(lines) + (f"\nstderr:\n{stderr[-3000:]}" if stderr else "")
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
