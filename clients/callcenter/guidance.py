"""What the hub suggests the agent does next on this call, read the agent's way; no Textual,
no I/O. The actions are the generated type of `hub_api`."""

from __future__ import annotations

from .hub_api.next_best_actions import NextBestActionsNextBestActions as NextBestAction

__all__ = ["NextBestAction", "kind_label"]


def kind_label(action: NextBestAction) -> str:
    """OFFER, RECOMMENDATION, CONSENT, SERVICE, DATA_QUALITY in plain words."""
    return action.kind.value.replace("_", " ").lower()
