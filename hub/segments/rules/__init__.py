"""Segment rules: a small JSON language, parsed into a typed tree and evaluated purely.

    {"all": [rule, …]}   {"any": [rule, …]}   {"not": rule}
    {"preference": {"key": "category", "value": "home-decor", "like": true,
                    "source": "EXPLICIT" | "IMPLICIT", "minWeight": 0.2}}
    {"event": {"type": "PURCHASE", "withinDays": 90, "atLeast": 1, "atMost": 5,
               "touchpoint": "KIOSK", "category": "home-decor", "productSku": "85123A"}}
    {"spend": {"atLeast": 100, "atMost": 1000, "withinDays": 365}}
    {"consent": {"purpose": "MARKETING_EMAIL", "granted": true}}
    {"identifier": {"kind": "EMAIL"}}        {"known": true}
    {"trait": {"name": "preferredStore" | "postcode", "equals": "…", "startsWith": "…"}}

Only behaviour and what customers told us count: there is no condition on age, gender or any
other assumed demographic, and `title` (a proxy for gender) is refused. Every evaluation gives
a verdict with its reason in plain words, for a match and for a miss alike, so that `not`
explains itself too ("You haven't bought in the last 90 days").

- `nodes`: the typed tree, and what a rule asks of the store (`needs`, `uses_behaviour`);
- `parsing`: JSON → tree, every fault named by field (`parse`), and back (`to_json`);
- `evaluation`: the pure verdict with its reason for one profile's `Facts` (`evaluate`).
"""
