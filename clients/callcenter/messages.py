"""Messages the agent desktop's widgets and workers send each other."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .api import HubError
from .live import ProfileChange
from .models import Profile


@dataclass
class ProfileChanged(Message):
    """The hub committed a change to the open profile (from the live subscription)."""

    change: ProfileChange


@dataclass
class LiveStatus(Message):
    """The live subscription connected, dropped or is retrying."""

    connected: bool
    detail: str = ""


@dataclass
class HubFailed(Message):
    """A call to the hub failed: the app decides what the agent sees (sign in again, the hub
    is unreachable, or a note of the error)."""

    error: HubError


@dataclass
class OpenProfile(Message):
    """Show this customer's 360° view."""

    profile: Profile


class SessionCheck(Message):
    """Ask the hub whether the agent's session still holds (the live feed was refused)."""


@dataclass
class Unreachable(Message):
    """The hub cannot be reached at all."""

    detail: str


class SignedIn(Message):
    """The agent signed in on the sign-in screen."""
