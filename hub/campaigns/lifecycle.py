"""Campaigns' part of whole-profile operations (hub/lifecycle.py): none, on purpose. A run's
audience is frozen as assigned: a recipient merged since is followed to the profile now holding
their events (through `merged_into_id`), and an erased one stays in their group."""

from __future__ import annotations

from hub.lifecycle import Lifecycle


def register(hooks: Lifecycle) -> None:
    hooks.keep(
        "campaigns",
        "campaign_recipients",
        "merge",
        "the audience is frozen at the run; evaluation follows merged_into_id",
    )
    hooks.keep(
        "campaigns",
        "campaign_recipients",
        "erase",
        "an erased recipient stays in their group (the comparison is as assigned at the run)",
    )
