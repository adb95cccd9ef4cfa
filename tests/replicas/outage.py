"""What the restart and failover tests share: a steady load of `track` batches that records
every answer, and a subscriber on its own thread that records every change it hears."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from tests.conftest import unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import view

SUBSCRIBE = """subscription($id: ID!, $since: Int) {
  profileChanged(profileId: $id, sinceVersion: $since) { profileId version touchpoint kind } }"""
SLOWEST_SECONDS = 12.0  # no answer may take longer: fail fast, never hang


@dataclass
class Answer:
    batch: list[dict[str, Any]]
    status: int | None  # None: no HTTP answer at all
    seconds: float
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: str | None = None

    @property
    def stored(self) -> bool:
        track = (self.body.get("data") or {}).get("track") or {}
        return self.status == 200 and track.get("accepted", 0) + track.get("duplicates", 0) == len(
            self.batch
        )


class Load:
    """`senders` threads posting 5-event batches until stopped, each for a customer of its own
    (several writers on one profile at once can deadlock in learning beyond the write path's
    retries: not what these tests are about)."""

    def __init__(self, hub_url: str, key: str, sku: str, senders: int = 3) -> None:
        self.hub_url, self.key, self.sku = hub_url, key, sku
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send) for _ in range(senders)]
        for thread in self._threads:
            thread.start()

    def _send(self) -> None:
        email = f"{unique()}@example.com"
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                batch = [view(unique("out"), "EMAIL", email, self.sku, "WEB") for _ in range(5)]
                started = time.monotonic()
                try:
                    response = client.post(
                        f"{self.hub_url}/graphql",
                        headers={"Authorization": f"Bearer {self.key}"},
                        json={"query": TRACK, "variables": {"events": batch}},
                    )
                    answer = Answer(
                        batch,
                        response.status_code,
                        time.monotonic() - started,
                        response.json(),
                        response.headers.get("retry-after"),
                    )
                except httpx.HTTPError:
                    answer = Answer(batch, None, time.monotonic() - started)
                with self._lock:
                    self.answers.append(answer)
                time.sleep(0.02)

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for a in self.answers if a.status == status)

    def stop(self) -> list[Answer]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return list(self.answers)


def check_answers(answers: list[Answer]) -> list[Answer]:
    """Every answer a stored batch or a typed, retryable refusal, each in good time; the
    batches not stored (to send again)."""
    assert answers
    for answer in answers:
        assert answer.seconds < SLOWEST_SECONDS, f"an answer took {answer.seconds:.1f} s"
        assert answer.status in (200, 503), (answer.status, answer.body)
        if answer.status == 503:
            assert answer.retry_after is not None and int(answer.retry_after) >= 1
            codes = {e["extensions"]["code"] for e in answer.body["errors"]}
            assert codes == {"UNAVAILABLE"}, answer.body
            assert all(e["extensions"].get("retryable") for e in answer.body["errors"]), answer
        else:
            assert "errors" not in answer.body, answer.body
            assert answer.stored, answer.body
    return [a for a in answers if not a.stored]


def send_until_stored(hub_url: str, key: str, batch: list[dict[str, Any]]) -> None:
    deadline = time.monotonic() + 30
    while True:
        response = httpx.post(
            f"{hub_url}/graphql",
            headers={"Authorization": f"Bearer {key}"},
            json={"query": TRACK, "variables": {"events": batch}},
            timeout=30,
        )
        if response.status_code == 200:
            track = response.json()["data"]["track"]
            assert track["accepted"] + track["duplicates"] == len(batch), track
            return
        assert response.status_code == 503 and time.monotonic() < deadline, response.text
        time.sleep(float(response.headers["retry-after"]))


class Subscriber:
    """profileChanged for one profile on a hub, heard on a thread of its own."""

    def __init__(self, ws_url: str, key: str, profile_id: str, since: int | None = None) -> None:
        self.changes: list[dict[str, Any]] = []
        self.closed: str | None = None
        self._args = (ws_url, key, profile_id, since)
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._run(),))
        self._thread.start()
        assert self._ready.wait(10), "the subscription did not start"

    async def _run(self) -> None:
        ws_url, key, profile_id, since = self._args
        try:
            async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
                self._ws = ws
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
                await ws.send(json.dumps(init))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": SUBSCRIBE, "variables": {"id": profile_id, "since": since}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                await asyncio.sleep(0.3)  # registered before the first write
                self._ready.set()
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                    elif message["type"] == "next":
                        self.changes.append(message["payload"]["data"]["profileChanged"])
                    elif message["type"] in ("error", "complete"):
                        self.closed = json.dumps(message)
                        return
        except websockets.ConnectionClosed as closed:
            self.closed = f"closed: {closed}"
        finally:
            self._ready.set()

    def wait_for(self, test: Any, what: str, seconds: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            for change in list(self.changes):
                if test(change):
                    return change
            assert self.closed is None, f"the subscription ended: {self.closed}"
            assert time.monotonic() < deadline, f"gave up waiting for {what}: {self.changes}"
            time.sleep(0.05)

    def close(self) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(ws.close(), self._loop)
        self._thread.join(timeout=10)
