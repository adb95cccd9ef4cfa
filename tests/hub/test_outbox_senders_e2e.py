"""Messages leave through a real sender (a webhook or SMTP); in production nothing a message
says, nor to whom, reaches the hub's log, and without a sender messages wait in the outbox."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from hub.db import Database
from hub.privacy.models import OutboxMessage
from tests.conftest import HubHandle, hub_command, start_hub, stop_hub, unique
from tests.hub.test_identity_e2e import identify
from tests.pg import free_port

REQUEST = """mutation($i: IdentifierInput!) { requestSelfServiceCode(identifier: $i) {
  sent userErrors { code } } }"""
PRODUCTION = {"RAPPORT_ENV": "production", "RAPPORT_SECRET_KEY": secrets.token_urlsafe(32)}


@pytest.fixture
def bare_database(make_database) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A database of its own: no other hub's sender may deliver (or log) its messages."""
    url = make_database("outbox")
    hub_command(url, "migrate")
    keys = {
        channel: hub_command(url, "keys", "create", "--channel", channel).stdout.strip()
        for channel in ("web", "kiosk", "callcenter", "admin")
    }
    return url, keys


@dataclass
class Shopper:
    email: str
    profile_id: str


def _ask_for_a_code(hub: HubHandle) -> Shopper:
    email = f"{unique('shopper')}@example.com"
    loyalty = unique("LOYALTY-").upper()
    profile = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty), ("EMAIL", email))
    sent = hub.gql(REQUEST, {"i": {"kind": "LOYALTY_ID", "value": loyalty}}, key=hub.kiosk_key)
    assert sent["data"]["requestSelfServiceCode"] == {"sent": True, "userErrors": []}, sent
    return Shopper(email, profile["profile"]["id"])


async def _stored(database_url: str, profile_id: str) -> OutboxMessage:
    db = Database(database_url)
    try:
        async with db.sessions() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.profile_id == profile_id)
            )
            assert row is not None
            return row
    finally:
        await db.dispose()


def _code_in(body: str) -> str:
    match = re.search(r"\b(\d{6})\b", body)
    assert match, body
    return match.group(1)


def _log(hub: HubHandle) -> str:
    assert hub.log_path is not None
    return hub.log_path.read_text(errors="replace")


async def _status_becomes(url: str, profile_id: str, status: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while True:
        row = await _stored(url, profile_id)
        if row.status == status or time.monotonic() > deadline:
            return row.status
        await asyncio.sleep(0.2)


async def test_without_a_sender_production_keeps_messages_and_logs_no_contact(
    bare_database: tuple[str, dict[str, str]],
) -> None:
    url, keys = bare_database
    hub = start_hub(url, keys, **PRODUCTION)
    try:
        shopper = _ask_for_a_code(hub)
        await asyncio.sleep(1.5)  # the sender would have run twice by now
        stored = await _stored(url, shopper.profile_id)
        assert stored.status == "PENDING", "queued until a sender is configured"
        log = _log(hub)
        assert shopper.email not in log and _code_in(stored.body) not in log, log
        assert log.count("no outbox sender is configured") == 1, log
    finally:
        stop_hub(hub)


@dataclass
class Webhook:
    """A tiny receiver on 127.0.0.1: answers `statuses` in turn (then 204), keeps what came."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    delay: float = 0.0  # seconds before each answer (a slow receiver)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/outbox"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                hook.received.append((dict(self.headers.items()), body))
                time.sleep(hook.delay)
                self.send_response(hook.statuses.pop(0) if hook.statuses else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    server = ThreadingHTTPServer(("127.0.0.1", hook.port), hook.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


async def test_a_webhook_receives_each_message_signed_and_retried(
    bare_database: tuple[str, dict[str, str]], webhook: Webhook
) -> None:
    url, keys = bare_database
    secret = secrets.token_urlsafe(16)
    webhook.statuses = [503]  # the receiver is down once: the message is tried again
    hub = start_hub(
        url,
        keys,
        **PRODUCTION,
        RAPPORT_OUTBOX_WEBHOOK_URL=webhook.url,
        RAPPORT_OUTBOX_WEBHOOK_SECRET=secret,
    )
    try:
        shopper = _ask_for_a_code(hub)
        assert await _status_becomes(url, shopper.profile_id, "SENT") == "SENT"
        stored = await _stored(url, shopper.profile_id)
        assert len(webhook.received) == 2, "one refused try, one delivery"
        headers, body = webhook.received[-1]
        sent = json.loads(body)
        assert sent["id"] == str(stored.id) and sent["medium"] == "EMAIL"
        assert sent["recipient"] == shopper.email and sent["body"] == stored.body
        assert headers["Idempotency-Key"] == f"rapport-outbox-{stored.id}"
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Rapport-Signature"] == f"sha256={signature}"
        log = _log(hub)
        assert shopper.email not in log and _code_in(stored.body) not in log, log
    finally:
        stop_hub(hub)


async def test_a_message_the_webhook_refuses_for_good_is_marked_failed(
    bare_database: tuple[str, dict[str, str]], webhook: Webhook
) -> None:
    url, keys = bare_database
    webhook.statuses = [422]
    hub = start_hub(url, keys, **PRODUCTION, RAPPORT_OUTBOX_WEBHOOK_URL=webhook.url)
    try:
        shopper = _ask_for_a_code(hub)
        assert await _status_becomes(url, shopper.profile_id, "FAILED") == "FAILED"
        await asyncio.sleep(1.0)
        assert len(webhook.received) == 1, "not tried again"
        assert shopper.email not in _log(hub)
    finally:
        stop_hub(hub)


async def test_smtp_delivers_the_code_to_the_shoppers_address(
    bare_database: tuple[str, dict[str, str]],
) -> None:
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.mail: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.mail.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    url, keys = bare_database
    hub = start_hub(
        url,
        keys,
        **PRODUCTION,
        RAPPORT_SMTP_HOST="127.0.0.1",
        RAPPORT_SMTP_PORT=str(port),
        RAPPORT_SMTP_STARTTLS="false",
        RAPPORT_SMTP_FROM="Rapport <codes@shop.example>",
    )
    try:
        shopper = _ask_for_a_code(hub)
        assert await _status_becomes(url, shopper.profile_id, "SENT") == "SENT"
        stored = await _stored(url, shopper.profile_id)
        assert len(inbox.mail) == 1
        sender, recipients, content = inbox.mail[0]
        assert sender == "codes@shop.example" and recipients == [shopper.email]
        assert _code_in(stored.body).encode() in content
        assert b"Subject: Your Rapport code" in content
        log = _log(hub)
        assert shopper.email not in log and _code_in(stored.body) not in log, log
    finally:
        stop_hub(hub)
        controller.stop()


async def test_two_hub_processes_send_each_message_once(
    bare_database: tuple[str, dict[str, str]], webhook: Webhook
) -> None:
    """Two processes serve one store (`serve --workers 2`, or two hubs): each message reaches
    the webhook once, not once per process. The receiver is slow, so that both processes'
    delivery rounds meet while messages wait."""
    url, keys = bare_database
    webhook.delay = 0.15
    settings = {**PRODUCTION, "RAPPORT_OUTBOX_WEBHOOK_URL": webhook.url}
    hubs = [start_hub(url, keys, **settings) for _ in range(2)]
    try:
        shoppers = [_ask_for_a_code(hubs[k % 2]) for k in range(8)]
        for shopper in shoppers:
            assert await _status_becomes(url, shopper.profile_id, "SENT", 30) == "SENT"
        await asyncio.sleep(1.0)  # a second delivery would have gone by now
    finally:
        for hub in hubs:
            stop_hub(hub)
    ids = [json.loads(body)["id"] for _, body in webhook.received]
    assert len(ids) == len(shoppers) and len(set(ids)) == len(ids), sorted(ids)
