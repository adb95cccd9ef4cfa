"""Messages the agent desktop's widgets and workers send each other."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .live import ProfileChange


@dataclass
class ProfileChanged(Message):
    """The hub committed a change to the open profile (from the live subscription)."""

    change: ProfileChange


@dataclass
class LiveStatus(Message):
    """The live subscription connected, dropped or is retrying."""

    connected: bool
    detail: str = ""
