"""Who delivers outbox messages: an SMTP server, a webhook, or (in development) the log.

A sender never logs a recipient, a subject or a body (a one-time code is in the body): only
message ids and why a delivery failed. A failure is either for now (the message stays
PENDING and is tried again) or, raised as Undeliverable, for good (marked FAILED)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib
import httpx
import orjson

from hub.privacy.models import OutboxMessage
from hub.settings import Settings

log = logging.getLogger("hub.outbox")
# httpx logs every request's URL at INFO; a webhook URL may carry a token.
logging.getLogger("httpx").setLevel(logging.WARNING)
MEDIA = frozenset({"EMAIL", "SMS"})


class DeliveryError(Exception):
    """A delivery that failed for now; the text says why and never what or to whom."""


class Undeliverable(DeliveryError):
    """The receiving service refused this message for good: it is not tried again."""


class LogSender:
    """The development sender: writes the whole message to the hub log."""

    media = MEDIA

    async def send(self, message: OutboxMessage) -> None:
        log.warning(
            "outbox %s to %s: %s | %s",
            message.medium,
            message.recipient,
            message.subject,
            message.body,
        )

    async def aclose(self) -> None:
        pass


class WebhookSender:
    """POSTs each message as JSON; any 2xx is delivered. The `Idempotency-Key` header lets
    the receiver drop a repeat (a message sent just before a crash is sent again)."""

    media = MEDIA

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self._url = url
        self._secret = secret.encode() if secret else None
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, message: OutboxMessage) -> None:
        body = orjson.dumps(_as_json(message))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"rapport-outbox-{message.id}",
        }
        if self._secret is not None:
            digest = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
            headers["X-Rapport-Signature"] = f"sha256={digest}"
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook unreachable ({type(error).__name__})") from None
        status = response.status_code
        if 400 <= status < 500 and status not in (408, 409, 425, 429):
            raise Undeliverable(f"webhook refused it with HTTP {status}")
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered HTTP {status}")

    async def aclose(self) -> None:
        await self._client.aclose()


def _as_json(message: OutboxMessage) -> dict[str, object]:
    return {
        "id": str(message.id),
        "medium": message.medium,
        "recipient": message.recipient,
        "purpose": message.purpose,
        "subject": message.subject,
        "body": message.body,
        "profileId": message.profile_id,
        "createdAt": message.created_at.isoformat(),
    }


class SmtpSender:
    """Emails through an SMTP server, one connection per message (a few a minute)."""

    media = frozenset({"EMAIL"})

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_from or not parseaddr(settings.smtp_from)[1]:
            raise ValueError("RAPPORT_SMTP_FROM (the From address) is required with SMTP")
        self._from = settings.smtp_from
        self._settings = settings
        password = settings.smtp_password
        self._password = password.get_secret_value() if password else None

    def _email(self, message: OutboxMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._from
        email["To"] = message.recipient
        email["Subject"] = message.subject
        domain = parseaddr(self._from)[1].rpartition("@")[2] or None
        # One id per outbox message: a repeat after a crash is recognisably the same mail.
        email["Message-ID"] = make_msgid(f"rapport-outbox-{message.id}", domain=domain)
        email.set_content(message.body)
        return email

    async def send(self, message: OutboxMessage) -> None:
        try:
            email = self._email(message)
        except (ValueError, TypeError) as error:  # e.g. a line break in the address
            raise Undeliverable(f"not a valid email ({type(error).__name__})") from None
        try:
            await self._submit(email)
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            raise _smtp_failure(error.code) from None
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            raise _smtp_failure(min(codes, default=400)) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # The text of an SMTP error may quote the address: only its kind is kept.
            raise DeliveryError(f"SMTP failed ({type(error).__name__})") from None

    async def _submit(self, email: EmailMessage) -> None:
        settings = self._settings
        await aiosmtplib.send(
            email,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=self._password,
            use_tls=settings.smtp_tls,
            start_tls=False if settings.smtp_tls else settings.smtp_starttls,
            timeout=settings.outbox_timeout_seconds,
        )

    async def aclose(self) -> None:
        pass


def _smtp_failure(code: int) -> DeliveryError:
    if 500 <= code < 600:
        return Undeliverable(f"SMTP server refused it ({code})")
    return DeliveryError(f"SMTP server deferred it ({code})")


class Routed:
    """Each medium to its own sender (email by SMTP, the rest to the webhook)."""

    def __init__(self, routes: dict[str, LogSender | WebhookSender | SmtpSender]) -> None:
        self._routes = routes
        self.media = frozenset(routes)

    async def send(self, message: OutboxMessage) -> None:
        await self._routes[message.medium].send(message)

    async def aclose(self) -> None:
        for sender in {id(s): s for s in self._routes.values()}.values():
            await sender.aclose()
