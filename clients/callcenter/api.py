"""The hub, as the agent desktop sees it: the typed client generated from operations/
(`hub_api`, see regenerate.py) on the apps' one transport (`clients.transport.Link`: httpx
for queries and mutations, graphql-transport-ws for the subscription), with one error type,
`HubError`.

No Textual here: screens call these coroutines from workers and get the generated types back,
the profile wrapped as `models.Profile`.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import httpx

from clients.transport import (
    HubError,
    HubFailure,
    HubUnreachable,
    Link,
    NotAuthorized,
    SubscriptionRefused,
    describe,
)

from .guidance import NextBestAction
from .hub_api import HubApi
from .hub_api.async_base_client import HttpClient
from .hub_api.enums import ConsentPurpose, EventType, IdentifierKind, Touchpoint
from .hub_api.fragments import Problem, Profile360
from .hub_api.input_types import EventInput, IdentifierInput, PreferenceInput
from .live import ProfileChange
from .models import Profile, UserError
from .profile_parts import Identifier
from .stewardship import AuditEntry, IdentityConflict, PossibleDuplicate

__all__ = [
    "HubClient",
    "HubError",
    "HubFailure",
    "HubUnreachable",
    "NotAuthorized",
    "SubscriptionRefused",
    "Written",
    "new_message_id",
]

T = TypeVar("T")
Written = tuple[list[UserError], Profile | None]  # the hub's refusals, the profile it answers


class _Transport(HubApi):
    """The generated client on the apps' shared `Link`, with the agent's bearer."""

    def __init__(self, hub: HubClient) -> None:
        # httpx.AsyncClient is the HttpClient the generated base client expects (its
        # protocol spells `post` more loosely than httpx types it).
        super().__init__(url="/graphql", http_client=cast(HttpClient, hub.link.http))
        self.hub = hub

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        hub = self.hub
        refused = "agent session" if hub.token else "call-center key"
        send = functools.partial(super().execute, query, operation_name, variables, **kwargs)
        return await hub.link.send(send, hub.bearer, refused=refused)

    def get_data(self, response: Any) -> dict[str, Any]:
        return self.hub.link.data(response)

    async def execute_ws(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        link = self.hub.link
        async for data in link.subscribe(
            self.hub.bearer, query, operation_name, variables, **kwargs
        ):
            yield data


class HubClient:
    """One agent's connection to the hub.

    It is created with the hub URL and the call-center key; `sign_in` swaps the key for the
    agent's token, which every later request carries. Pass `transport` to talk to an app
    in-process.
    """

    def __init__(
        self,
        hub_url: str,
        key: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # The shared transport: one HTTP client and the hub's read-your-writes token, so the
        # agent reads what they just saved on any hub. Partial answers are shown as they come.
        self.link = Link(hub_url, timeout=timeout, transport=transport, partial_data=True)
        self.hub_url = self.link.hub_url
        self.key = key
        self.token: str | None = None
        self.agent: str | None = None
        self.session_expires_at: datetime | None = None  # when the hub says, else None
        self.api = _Transport(self)
        # Writes still waiting for the hub's answer, and the newest profile each answered:
        # a screen that hears the echo of a save first waits for the save's own answer.
        self._writing = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self._answered: dict[str, Profile] = {}
        # Per profile: writes that must land in the order they were made (switches pressed
        # one after the other) each wait here for the one before to be answered.
        self._in_order: dict[str, asyncio.Lock] = {}
        # Writes on their way: each runs to the hub's answer even when whoever made it stops
        # waiting (the agent closed the dialog or left the screen), and quitting waits for them.
        self._sending: set[asyncio.Task[Any]] = set()

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    @property
    def bearer(self) -> str | None:
        return self.token or self.key

    async def aclose(self) -> None:
        if self._sending:  # writes the agent made just before quitting still reach the hub
            await asyncio.wait(self._sending, timeout=self.link.http.timeout.read or 10.0)
        await self.link.aclose()

    async def check_reachable(self) -> None:
        """Raise `HubUnreachable` unless the hub answers its health check."""
        try:
            response = await self.link.http.get("/healthz")
        except httpx.HTTPError as exc:
            raise HubUnreachable(describe(exc, self.hub_url)) from exc
        if response.status_code >= 500:
            raise HubUnreachable(f"{self.hub_url} answered HTTP {response.status_code}")

    # -- the agent's session ------------------------------------------------------------------

    async def sign_in(self, username: str, password: str) -> list[UserError]:
        """Swap the call-center key for the agent's token; user errors mean a wrong password."""
        self.token = None
        payload = (await self.api.agent_login(username, password)).agent_login
        errors = _errors(payload.user_errors)
        if errors or not payload.token:
            return errors or [UserError((), "INVALID_CREDENTIALS", "Sign-in failed.")]
        self.token = payload.token
        self.agent = username
        self.session_expires_at = _parse_time(payload.expires_at)
        return []

    async def sign_out(self) -> None:
        """End the session on the hub too (the token stops working), then forget it here."""
        if self.token:
            try:
                await self.api.agent_logout()
            except (HubUnreachable, HubFailure, NotAuthorized):
                pass  # unreachable or already ended: the token expires on its own
        self.token = None
        self.agent = None
        self.session_expires_at = None

    async def check_session(self) -> None:
        """Raise `NotAuthorized` when the hub no longer takes the agent's token."""
        await self.api.session_check()

    # -- reading ------------------------------------------------------------------------------

    async def profile(self, profile_id: str) -> Profile | None:
        found = (await self.api.get_profile(profile_id)).profile
        return Profile(found) if found else None

    async def profile_summary(self, profile_id: str) -> Profile | None:
        """Name and identifiers only: enough to tell two profiles apart in a review list."""
        found = (await self.api.get_profile_card(profile_id)).profile
        return Profile(found) if found else None

    async def find_profile(self, kind: str, value: str) -> Profile | None:
        identifier = IdentifierInput(kind=IdentifierKind(kind), value=value)
        found = (await self.api.find_profile(identifier)).profile
        return Profile(found) if found else None

    async def search(self, text: str, first: int = 25) -> list[Profile]:
        hits = (await self.api.search_profiles(text, first)).search_profiles
        return [Profile(hit) for hit in hits]

    async def categories(self) -> list[tuple[str, str]]:
        """(slug, name) of the catalogue's categories."""
        return [(c.slug, c.name) for c in (await self.api.categories()).categories]

    async def find_products(self, text: str, first: int = 5) -> list[tuple[str, str]]:
        """(sku, name) of products matching what the customer called it."""
        return [(p.sku, p.name) for p in (await self.api.find_products(text, first)).products]

    async def next_best_actions(self, profile_id: str, first: int = 5) -> list[NextBestAction]:
        """What to do next on this call, best first."""
        return (await self.api.next_best_actions(profile_id, first)).next_best_actions

    async def audit_log(self, profile_id: str, first: int = 8) -> list[AuditEntry] | None:
        """The profile's audit trail, newest first; None when this agent may not read it."""
        try:
            return (await self.api.audit_log(profile_id, first)).audit_log
        except HubFailure:
            return None  # not allowed for this agent: the panel stays hidden

    async def identity_conflicts(self, first: int = 50) -> list[IdentityConflict]:
        return (await self.api.identity_conflicts(first)).identity_conflicts

    async def possible_duplicates(self, first: int = 50) -> list[PossibleDuplicate]:
        """Pairs the hub thinks may be one person."""
        return (await self.api.possible_duplicates(first)).possible_duplicates

    def profile_changes(
        self, profile_id: str, on_ready: Callable[[], None] | None = None
    ) -> AsyncIterator[ProfileChange]:
        """Changes to one profile as they are committed; ends when the connection drops."""

        async def changes() -> AsyncIterator[ProfileChange]:
            async for result in self.api.profile_changed(profile_id, on_ready=on_ready):
                change = result.profile_changed
                yield ProfileChange.model_validate(change, from_attributes=True)

        return changes()

    # -- writing ------------------------------------------------------------------------------

    async def _write(self, call: Awaitable[T], in_order_for: str | None = None) -> T:
        """Send one write; with `in_order_for` (a profile id), only once this desk's earlier
        such writes to that profile are answered, so the hub applies them as they were made
        (a later toggle, or a second answer to the same suggestion, sent at once could land
        first and leave the earlier one undone).

        Once made, the write runs to the hub's answer even if the caller stops waiting (its
        dialog or screen closed): cancelling it halfway left unknown whether the hub made it,
        and one still waiting its turn was never sent at all."""
        self._writing += 1
        self._settled.clear()
        sending = asyncio.ensure_future(self._send(call, in_order_for))
        self._sending.add(sending)
        sending.add_done_callback(self._sent)
        try:
            result = await asyncio.shield(sending)
        except asyncio.CancelledError:
            # Nobody waits for the answer now: the write is done with once the hub answers.
            sending.add_done_callback(lambda _: self._written())
            raise
        except BaseException:
            self._written()
            raise
        # Done with here, in the caller's turn: the answer is kept (`_answer`) before anyone
        # waiting for `settled` runs.
        self._written()
        return result

    async def _send(self, call: Awaitable[T], in_order_for: str | None) -> T:
        if in_order_for is None:
            return await call
        async with self._in_order.setdefault(in_order_for, asyncio.Lock()):
            return await call

    def _sent(self, sending: asyncio.Task[Any]) -> None:
        self._sending.discard(sending)
        if not sending.cancelled():
            sending.exception()  # seen here when nobody waits for it any more

    def _written(self) -> None:
        self._writing -= 1
        if not self._writing:
            self._settled.set()

    def _answer(self, errors: Sequence[Problem], profile: Profile360 | None) -> Written:
        shown = Profile(profile) if profile is not None else None
        if shown is not None:
            self._answered[shown.id] = shown
        return _errors(errors), shown

    async def settled(self) -> None:
        """Return once no write of this desk is waiting for the hub's answer."""
        await self._settled.wait()

    def answered(self, profile_id: str) -> Profile | None:
        """The newest profile a write of this desk got back for `profile_id`."""
        return self._answered.get(profile_id)

    async def set_preferences(
        self,
        profile_id: str,
        preferences: Sequence[tuple[str, str, bool]],
        questions: Sequence[str | None] | None = None,
    ) -> Written:
        """Stated likes and dislikes; `questions` names the survey question each answers."""
        asked = list(questions or [None] * len(preferences))
        items = [
            PreferenceInput(key=k, value=v, like=like, question=question)
            for (k, v, like), question in zip(preferences, asked, strict=True)
        ]
        call = self.api.set_preferences(profile_id, items)
        payload = (await self._write(call, in_order_for=profile_id)).set_preferences
        return self._answer(payload.user_errors, payload.profile)

    async def set_consent(self, profile_id: str, purpose: str, granted: bool) -> Written:
        call = self.api.set_consent(profile_id, ConsentPurpose(purpose), granted)
        payload = (await self._write(call, in_order_for=profile_id)).set_consent
        return self._answer(payload.user_errors, payload.profile)

    async def add_note(self, profile_id: str, text: str, message_id: str) -> Written:
        """Add the note under `message_id` (`new_message_id()`): sent again with the same id
        (the answer to the first send was lost), the hub stores it once and answers as if it
        were the first."""
        call = self.api.add_note(profile_id, text, message_id)
        payload = (await self._write(call, in_order_for=profile_id)).add_note
        return self._answer(payload.user_errors, payload.profile)

    async def link_profiles(self, profile_ids: Sequence[str]) -> Written:
        """Join profiles the customer confirmed are theirs; answers the surviving profile."""
        payload = (await self._write(self.api.link_profiles(list(profile_ids)))).link_profiles
        return self._answer(payload.user_errors, payload.profile)

    async def split_profile(self, merge_id: str) -> Written:
        """Undo a merge; answers the profile it was merged into, as it is now."""
        payload = (await self._write(self.api.split_profile(merge_id))).split_profile
        return self._answer(payload.user_errors, payload.survivor)

    async def dismiss_duplicate(self, duplicate_id: str) -> list[UserError]:
        payload = (await self._write(self.api.dismiss_duplicate(duplicate_id))).dismiss_duplicate
        return _errors(payload.user_errors)

    async def redeem_response_code(
        self, profile_id: str, code: str
    ) -> tuple[str | None, bool, list[UserError]]:
        """A mailing's code the caller reads out, for the open profile: (their first name,
        whether it was already recorded, the hub's refusals)."""
        call = self.api.redeem_response_code(code, profile_id)
        payload = (await self._write(call, in_order_for=profile_id)).redeem_response_code
        return payload.first_name, payload.duplicate, _errors(payload.user_errors)

    async def record_event(
        self,
        identifier: Identifier,
        event_type: str,
        properties: Mapping[str, Any] | None = None,
        product_sku: str | None = None,
        *,
        profile_id: str | None = None,
        message_id: str | None = None,
    ) -> list[UserError]:
        """Send one event from this call (CALL wrap-up, SURVEY, recommendation feedback), in
        order with the desk's other writes to `profile_id`. Sent again (the answer to the first
        send was lost) with the same `message_id` (`new_message_id()`), the hub stores it once."""
        event = EventInput(
            messageId=message_id or new_message_id(),
            identifier=IdentifierInput(kind=identifier.kind, value=identifier.value),
            type=EventType(event_type),
            touchpoint=Touchpoint.CALL_CENTER,
            occurredAt=datetime.now(UTC).isoformat(),
            productSku=product_sku,
            properties=dict(properties) if properties else None,
        )
        payload = (await self._write(self.api.track([event]), in_order_for=profile_id)).track
        return _errors(payload.user_errors)

    async def respond_to_action(
        self, profile_id: str, action_id: str, accepted: bool
    ) -> tuple[bool, list[UserError]]:
        """The customer's answer to a next best action; the hub records it as an event."""
        call = self.api.respond_to_next_best_action(profile_id, action_id, accepted)
        payload = (await self._write(call, in_order_for=profile_id)).respond_to_next_best_action
        return payload.accepted, _errors(payload.user_errors)

    async def export_profile(self, profile_id: str) -> tuple[Any, list[UserError]]:
        """Everything the hub holds on the customer, as one JSON document."""
        payload = (await self.api.export_profile(profile_id)).export_profile
        return payload.document, _errors(payload.user_errors)


def new_message_id() -> str:
    """A message id for one event or note the agent records: keep it for sending it again."""
    return f"callcenter-{uuid.uuid4()}"


def _errors(problems: Sequence[Problem]) -> list[UserError]:
    return [UserError.from_problem(p) for p in problems]


def _parse_time(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
