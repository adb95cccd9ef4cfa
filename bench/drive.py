"""The client threads every read benchmark drives a target with: `clients` threads, each with
its own keep-alive HTTP connection, sharing one list of values; a failed or empty answer stops
the run (a benchmark of errors measures nothing)."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

# value → (method, path, body): the request one value makes.
Ask = Callable[[str], tuple[str, str, bytes | None]]


def drive(
    port: int,
    ask: Ask,
    values: list[str],
    clients: int,
    headers: dict[str, str],
    empty: bytes = b'"profile":null',
) -> tuple[list[float], float]:
    """Milliseconds of every request and the wall seconds of the whole turn. `headers` go with
    every request that has a body; an answer holding `empty` (no such profile) is a failure."""
    samples: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    queue = iter(values)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        try:
            while True:
                with lock:
                    value = next(queue, None)
                if value is None:
                    break
                method, path, body = ask(value)
                start = time.perf_counter()
                conn.request(method, path, body=body, headers=headers if body else {})
                response = conn.getresponse()
                data = response.read()
                mine.append((time.perf_counter() - start) * 1000)
                if response.status != 200 or b'"errors"' in data or empty in data:
                    raise RuntimeError(f"{path} {value}: {response.status} {data[:300]!r}")
        except Exception as error:
            failures.append(repr(error))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures or len(samples) != len(values):
        raise RuntimeError(f"a client failed: {failures[:1]}")
    return samples, wall


def cpu_seconds(pid: int) -> float:
    """Seconds of CPU a process (all its threads) has used so far, to the nanosecond: the sum
    of its threads' `schedstat` (time on a CPU). `/proc/<pid>/stat` counts in ticks of 10 ms,
    a tenth of a 1,000-event batch. A thread that ended in between takes its time with it;
    without schedstat (a kernel built without it), the ticks."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread ended while the others were read
        return total / 1e9
    except (FileNotFoundError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
