"""The hub, as the agent desktop sees it: GraphQL over HTTP (httpx) and a live feed (websockets).

No Textual here: screens call these coroutines from workers and get plain models back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from . import documents
from .guidance import NextBestAction
from .live import ProfileChange, profile_changes
from .models import Profile, UserError
from .profile_parts import Identifier
from .schema_info import INTROSPECTION, SchemaInfo
from .stewardship import AuditEntry, IdentityConflict, PossibleDuplicate


class HubError(Exception):
    """Something the agent should be told about in plain words."""


class HubUnreachable(HubError):
    """No answer from the hub: not running, wrong URL, or the network is down."""


class NotAuthorized(HubError):
    """The hub refused the key or the agent's session (HTTP 401)."""


class HubFailure(HubError):
    """The hub answered, but not with data (HTTP 5xx or GraphQL errors)."""


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
        self.hub_url = hub_url.rstrip("/")
        self.key = key
        self.token: str | None = None
        self.agent: str | None = None
        self.session_expires_at: datetime | None = None  # when the hub says, else None
        self.schema = SchemaInfo()
        # The hub's read-your-writes token (X-Rapport-Consistency, docs/api.md): the last one
        # it sent goes back with every request, so the agent reads what they just saved.
        self.consistency: str | None = None
        self._http = httpx.AsyncClient(
            base_url=self.hub_url, timeout=timeout, transport=transport, trust_env=False
        )

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    @property
    def bearer(self) -> str | None:
        return self.token or self.key

    async def aclose(self) -> None:
        await self._http.aclose()

    async def check_reachable(self) -> None:
        """Raise `HubUnreachable` unless the hub answers its health check."""
        try:
            response = await self._http.get("/healthz")
        except httpx.HTTPError as exc:
            raise HubUnreachable(_describe(exc, self.hub_url)) from exc
        if response.status_code >= 500:
            raise HubUnreachable(f"{self.hub_url} answered HTTP {response.status_code}")

    async def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Any:
        """Run one GraphQL operation and return its `data`."""
        headers = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        if self.consistency:
            headers["X-Rapport-Consistency"] = self.consistency
        try:
            response = await self._http.post(
                "/graphql",
                json={"query": document, "variables": dict(variables or {})},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise HubUnreachable(_describe(exc, self.hub_url)) from exc
        self.consistency = response.headers.get("X-Rapport-Consistency") or self.consistency
        if response.status_code == 401:
            what = "agent session" if self.token else "call-center key"
            raise NotAuthorized(f"The hub refused the {what} (HTTP 401).")
        if response.status_code >= 400 and "json" not in response.headers.get("content-type", ""):
            raise HubFailure(f"The hub answered HTTP {response.status_code}.")
        try:
            body = response.json()
        except ValueError as exc:
            raise HubFailure(f"The hub answered HTTP {response.status_code} without JSON.") from exc
        data = body.get("data") or {}
        if body.get("errors") and (not data or None in data.values()):
            # A root field that failed (not one that is merely empty) is the hub's failure.
            failed = {str((e.get("path") or [""])[0]) for e in body["errors"]}
            if not data or any(data.get(name) is None for name in failed):
                raise HubFailure("; ".join(e.get("message", "error") for e in body["errors"]))
        return data

    async def sign_in(self, username: str, password: str) -> list[UserError]:
        """Swap the call-center key for the agent's token; user errors mean a wrong password."""
        self.token = None
        if not self.schema.known:
            await self.load_schema()  # with the key: the login document asks for what it offers
        variables = {"username": username, "password": password}
        data = await self.execute(documents.login(self.schema), variables)
        payload = data.get("agentLogin") or {}
        errors = _user_errors(payload)
        if errors or not payload.get("token"):
            return errors or [UserError((), "INVALID_CREDENTIALS", "Sign-in failed.")]
        self.token = payload["token"]
        self.agent = username
        self.session_expires_at = _parse_time(payload.get("expiresAt"))
        return []

    async def sign_out(self) -> None:
        """End the session on the hub too (the token stops working), then forget it here."""
        if self.token and self.schema.has_mutation("agentLogout"):
            try:
                await self.execute(documents.LOGOUT)
            except (HubUnreachable, HubFailure, NotAuthorized):
                pass  # unreachable or already ended: the token expires on its own
        self.token = None
        self.agent = None
        self.session_expires_at = None

    async def check_session(self) -> None:
        """Raise `NotAuthorized` when the hub no longer takes the agent's token."""
        await self.execute(documents.SESSION_CHECK)

    async def load_schema(self) -> SchemaInfo:
        try:
            self.schema = SchemaInfo.from_introspection(await self.execute(INTROSPECTION))
        except HubFailure:
            self.schema = SchemaInfo()  # introspection off: ask for the core contract only
        return self.schema

    async def profile(self, profile_id: str) -> Profile | None:
        data = await self.execute(documents.profile_by_id(self.schema), {"id": profile_id})
        return Profile.from_json(data["profile"]) if data.get("profile") else None

    async def profile_summary(self, profile_id: str) -> Profile | None:
        """Name and identifiers only: enough to tell two profiles apart in a review list."""
        data = await self.execute(documents.profile_summary(self.schema), {"id": profile_id})
        if not data.get("profile"):
            return None
        profile = Profile.from_json(data["profile"])
        profile.complete = False
        return profile

    async def find_profile(self, kind: str, value: str) -> Profile | None:
        identifier = {"kind": kind, "value": value}
        data = await self.execute(
            documents.profile_by_identifier(self.schema), {"identifier": identifier}
        )
        return Profile.from_json(data["profile"]) if data.get("profile") else None

    async def search(self, text: str, first: int = 25) -> list[Profile]:
        data = await self.execute(
            documents.search_profiles(self.schema), {"text": text, "first": first}
        )
        hits = [Profile.from_json(hit) for hit in data.get("searchProfiles") or ()]
        for hit in hits:
            hit.complete = False
        return hits

    async def categories(self) -> list[tuple[str, str]]:
        """(slug, name) of the catalogue's categories; empty when the hub does not list them."""
        if not self.schema.has_query("categories") or not self.schema.known:
            return []
        data = await self.execute(documents.CATEGORIES)
        return [(c["slug"], c["name"]) for c in data.get("categories") or ()]

    async def find_products(self, text: str, first: int = 5) -> list[tuple[str, str]]:
        """(sku, name) of products matching what the customer called it."""
        if not self.schema.has_query("products") or not self.schema.known:
            return []
        data = await self.execute(documents.FIND_PRODUCTS, {"search": text, "first": first})
        return [(p["sku"], p["name"]) for p in data.get("products") or ()]

    async def set_preferences(
        self,
        profile_id: str,
        preferences: Sequence[tuple[str, str, bool]],
        questions: Sequence[str | None] | None = None,
    ) -> list[UserError]:
        """Stated likes and dislikes; `questions` names the survey question each answers."""
        items: list[dict[str, Any]] = [
            {"key": k, "value": v, "like": like} for k, v, like in preferences
        ]
        if questions and self.schema.known and self.schema.has("PreferenceInput", "question"):
            for item, question in zip(items, questions, strict=True):
                if question:
                    item["question"] = question
        data = await self.execute(
            documents.set_preferences(self.schema),
            {"profileId": profile_id, "preferences": items},
        )
        return _user_errors(data.get("setPreferences"))

    async def set_consent(self, profile_id: str, purpose: str, granted: bool) -> list[UserError]:
        variables = {"profileId": profile_id, "purpose": purpose, "granted": granted}
        data = await self.execute(documents.SET_CONSENT, variables)
        return _user_errors(data.get("setConsent"))

    async def add_note(self, profile_id: str, text: str) -> list[UserError]:
        data = await self.execute(documents.ADD_NOTE, {"profileId": profile_id, "text": text})
        return _user_errors(data.get("addNote"))

    async def redeem_response_code(
        self, profile_id: str, code: str
    ) -> tuple[str | None, bool, list[UserError]]:
        """A mailing's code the caller reads out, for the open profile: (their first name,
        whether it was already recorded, the hub's refusals)."""
        data = await self.execute(
            documents.REDEEM_RESPONSE_CODE, {"code": code, "profileId": profile_id}
        )
        payload = data.get("redeemResponseCode") or {}
        return payload.get("firstName"), bool(payload.get("duplicate")), _user_errors(payload)

    async def record_event(
        self,
        identifier: Identifier,
        event_type: str,
        properties: Mapping[str, Any] | None = None,
        product_sku: str | None = None,
    ) -> list[UserError]:
        """Send one event from this call (CALL wrap-up, SURVEY, recommendation feedback)."""
        event: dict[str, Any] = {
            "messageId": f"callcenter-{uuid.uuid4()}",
            "identifier": {"kind": identifier.kind, "value": identifier.value},
            "type": event_type,
            "touchpoint": "CALL_CENTER",
            "occurredAt": datetime.now(UTC).isoformat(),
        }
        if properties:
            event["properties"] = dict(properties)
        if product_sku:
            event["productSku"] = product_sku
        data = await self.execute(documents.track(self.schema), {"events": [event]})
        return _user_errors(data.get("track"))

    def has_event_type(self, name: str) -> bool:
        return name in self.schema.enum_values("EventType", ())

    async def next_best_actions(
        self, profile_id: str, first: int = 5
    ) -> list[NextBestAction] | None:
        """What to do next on this call, best first; None when this hub does not suggest."""
        if not (self.schema.known and self.schema.has_query("nextBestActions")):
            return None
        data = await self.execute(
            documents.next_best_actions(self.schema), {"profileId": profile_id, "first": first}
        )
        return [NextBestAction.from_json(a) for a in data.get("nextBestActions") or ()]

    async def respond_to_action(
        self, profile_id: str, action_id: str, accepted: bool
    ) -> tuple[bool, list[UserError]]:
        """The customer's answer to a next best action; the hub records it as an event."""
        variables = {"profileId": profile_id, "actionId": action_id, "accepted": accepted}
        data = await self.execute(documents.RESPOND_TO_NEXT_BEST_ACTION, variables)
        payload = data.get("respondToNextBestAction") or {}
        return bool(payload.get("accepted")), _user_errors(payload)

    async def export_profile(self, profile_id: str) -> tuple[Any, list[UserError]]:
        """Everything the hub holds on the customer, as one JSON document."""
        data = await self.execute(documents.EXPORT_PROFILE, {"profileId": profile_id})
        payload = data.get("exportProfile") or {}
        return payload.get("document"), _user_errors(payload)

    async def link_profiles(self, profile_ids: Sequence[str]) -> tuple[list[UserError], str | None]:
        """Join profiles the customer confirmed are theirs; returns the surviving profile's id."""
        data = await self.execute(documents.LINK_PROFILES, {"profileIds": list(profile_ids)})
        payload = data.get("linkProfiles") or {}
        survivor = (payload.get("profile") or {}).get("id")
        return _user_errors(payload), str(survivor) if survivor else None

    async def audit_log(self, profile_id: str, first: int = 8) -> list[AuditEntry] | None:
        """The profile's audit trail, newest first; None when this hub or agent has none."""
        if not (self.schema.known and self.schema.has_query("auditLog")):
            return None
        variables = {"profileId": profile_id, "first": first}
        try:
            data = await self.execute(documents.AUDIT_LOG, variables)
        except HubFailure:
            return None  # not allowed for this agent: the panel stays hidden
        return [AuditEntry.from_json(e) for e in data.get("auditLog") or ()]

    async def identity_conflicts(self, first: int = 50) -> list[IdentityConflict]:
        data = await self.execute(documents.IDENTITY_CONFLICTS, {"first": first})
        return [IdentityConflict.from_json(c) for c in data.get("identityConflicts") or ()]

    async def possible_duplicates(self, first: int = 50) -> list[PossibleDuplicate] | None:
        """Pairs the hub thinks may be one person; None when this hub does not queue them."""
        if not (self.schema.known and self.schema.has_query("possibleDuplicates")):
            return None
        data = await self.execute(documents.POSSIBLE_DUPLICATES, {"first": first})
        return [PossibleDuplicate.from_json(d) for d in data.get("possibleDuplicates") or ()]

    async def dismiss_duplicate(self, duplicate_id: str) -> list[UserError]:
        data = await self.execute(documents.DISMISS_DUPLICATE, {"id": duplicate_id})
        return _user_errors(data.get("dismissDuplicate"))

    async def split_profile(self, merge_id: str) -> list[UserError]:
        data = await self.execute(documents.SPLIT_PROFILE, {"mergeId": merge_id})
        return _user_errors(data.get("splitProfile"))

    def profile_changes(
        self, profile_id: str, on_ready: Callable[[], None] | None = None
    ) -> AsyncIterator[ProfileChange]:
        """Changes to one profile as they are committed; ends when the connection drops."""
        document = documents.profile_changed(self.schema)
        return profile_changes(self.hub_url, self.bearer, profile_id, document, on_ready=on_ready)


def _user_errors(payload: Mapping[str, Any] | None) -> list[UserError]:
    return [UserError.from_json(e) for e in (payload or {}).get("userErrors") or ()]


def _parse_time(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(exc: httpx.HTTPError, url: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"No answer from {url} in time."
    if isinstance(exc, httpx.ConnectError):
        return f"Cannot connect to {url}: is the hub running?"
    return f"Cannot reach {url}: {exc.__class__.__name__}."
