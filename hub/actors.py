"""Who is calling, and what each channel may do (docs/architecture.md, "Channels and scopes")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.enums import Channel, Touchpoint


class Scope(StrEnum):
    IDENTIFY = "identify"
    TRACK = "track"
    READ_PROFILE = "read_profile"
    WRITE_PREFERENCES = "write_preferences"
    WRITE_CONSENT = "write_consent"
    READ_CATALOG = "read_catalog"
    SEARCH = "search"
    NOTES = "notes"
    SUBSCRIBE = "subscribe"
    EXPORT = "export"
    ERASE = "erase"
    ADMIN = "admin"
    AGENT_LOGIN = "agent_login"
    AUDIT = "audit"
    SELF_SERVICE = "self_service"
    IDENTITY_STEWARD = "identity_steward"
    CORRECT_IDENTITY = "correct_identity"
    GIFT_REGISTRY = "gift_registry"
    HANDOFF = "handoff"
    SEGMENTS = "segments"  # define segments and content, export segments (operators)
    NEXT_BEST_ACTIONS = "next_best_actions"
    CAMPAIGNS = "campaigns"  # create, run and export direct-marketing campaigns (operators)
    RESPONSE_CODES = "response_codes"  # redeem a mailing's response code

    @property
    def refusal(self) -> str:
        """What a caller without this scope is told, in plain words."""
        return f"This key may not {_DOING[self]}."


_DOING: dict[Scope, str] = {
    Scope.IDENTIFY: "identify shoppers",
    Scope.TRACK: "send events",
    Scope.READ_PROFILE: "read profiles",
    Scope.WRITE_PREFERENCES: "change preferences",
    Scope.WRITE_CONSENT: "change consents",
    Scope.READ_CATALOG: "read the catalogue",
    Scope.SEARCH: "search profiles",
    Scope.NOTES: "read or write agents' notes",
    Scope.SUBSCRIBE: "follow live changes",
    Scope.EXPORT: "export profiles",
    Scope.ERASE: "erase profiles",
    Scope.ADMIN: "administer the hub",
    Scope.AGENT_LOGIN: "sign agents in",
    Scope.AUDIT: "read the audit log",
    Scope.SELF_SERVICE: "open a shopper's own ledger",
    Scope.IDENTITY_STEWARD: "review or merge duplicate profiles",
    Scope.CORRECT_IDENTITY: "correct identifiers or traits",
    Scope.GIFT_REGISTRY: "use gift registries",
    Scope.HANDOFF: "hand a basket or list over",
    Scope.SEGMENTS: "manage segments, content or segment exports",
    Scope.NEXT_BEST_ACTIONS: "use next best actions",
    Scope.CAMPAIGNS: "run campaigns",
    Scope.RESPONSE_CODES: "redeem mailing response codes",
}


_SHOPPER_FACING = frozenset(
    {
        Scope.IDENTIFY,
        Scope.TRACK,
        Scope.READ_PROFILE,
        Scope.WRITE_PREFERENCES,
        Scope.WRITE_CONSENT,
        Scope.READ_CATALOG,
        Scope.SUBSCRIBE,
        Scope.GIFT_REGISTRY,
        Scope.HANDOFF,
        Scope.RESPONSE_CODES,
    }
)

CHANNEL_SCOPES: dict[Channel, frozenset[Scope]] = {
    Channel.WEB: _SHOPPER_FACING | {Scope.SELF_SERVICE},
    Channel.KIOSK: _SHOPPER_FACING | {Scope.SELF_SERVICE},
    # A bare call-center key can only sign an agent in; the agent's token carries the rest.
    Channel.CALLCENTER: frozenset({Scope.AGENT_LOGIN}),
    Channel.ADMIN: frozenset(Scope) - {Scope.AGENT_LOGIN},
    # The shopper, on their own profile: read, correct, forget, export, erase.
    Channel.SELF: frozenset(
        {
            Scope.READ_PROFILE,
            Scope.WRITE_PREFERENCES,
            Scope.WRITE_CONSENT,
            Scope.READ_CATALOG,
            Scope.CORRECT_IDENTITY,
            Scope.SUBSCRIBE,
            Scope.EXPORT,
            Scope.ERASE,
        }
    ),
}

AGENT_SCOPES = _SHOPPER_FACING | {
    Scope.SEARCH,
    Scope.NOTES,
    Scope.EXPORT,
    Scope.AUDIT,
    Scope.CORRECT_IDENTITY,
    Scope.IDENTITY_STEWARD,
    Scope.NEXT_BEST_ACTIONS,
}


@dataclass(frozen=True)
class Principal:
    channel: Channel
    name: str
    scopes: frozenset[Scope]
    key_id: int | None = None
    agent_id: int | None = None
    agent_username: str | None = None
    token_id: int | None = None  # an agent's session, for signing out
    # Set for a shopper's self-service token: the one profile it reaches.
    profile_id: str | None = None
    shared_screen: bool = False
    # When a token (not a key) stops working; long-lived subscriptions check it.
    expires_at: datetime | None = None

    @property
    def masked(self) -> bool:
        """A kiosk screen is shared: it only ever receives masked contact data."""
        return self.channel is Channel.KIOSK or self.shared_screen

    def may_see(self, profile_id: str) -> bool:
        return self.profile_id is None or self.profile_id == profile_id

    @property
    def touchpoint(self) -> Touchpoint:
        """Where the caller stands, for a change whose request names no touchpoint: a shared
        kiosk screen, an agent's desk, else the web (a web key, a shopper's own token at home,
        an admin)."""
        if self.masked:
            return Touchpoint.KIOSK
        if self.agent_username is not None or self.channel is Channel.CALLCENTER:
            return Touchpoint.CALL_CENTER
        return Touchpoint.WEB

    @property
    def actor(self) -> str:
        if self.agent_username:
            return f"agent:{self.agent_username}"
        if self.profile_id:
            return f"self:{self.profile_id}"
        return f"{self.channel.value}:{self.name}"

    def can(self, scope: Scope) -> bool:
        return scope in self.scopes
