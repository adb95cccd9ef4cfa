"""Above the domains: what spans them is put together here, once per process.

`assemble()` registers every domain's lifecycle hooks (hub/lifecycle.py) in a fixed order;
the app (`create_app`), the command line (`main`) and the tests call it before any work, so all
of them run merges, splits, erasures and exports with the same registrations.
"""

from __future__ import annotations

from hub import audit, lifecycle
from hub.auth import lifecycle as auth
from hub.campaigns import lifecycle as campaigns
from hub.events import lifecycle as events
from hub.handoff import lifecycle as handoff
from hub.identity import lifecycle as identity
from hub.preferences import lifecycle as preferences
from hub.privacy import lifecycle as privacy
from hub.profiles import lifecycle as profiles
from hub.registry import lifecycle as registry

# The audit trail (hub/audit.py, shared core) looks after its own table like a domain does.
DOMAINS = (
    identity,
    events,
    profiles,
    registry,
    preferences,
    privacy,
    auth,
    handoff,
    campaigns,
    audit,
)


def build() -> lifecycle.Lifecycle:
    """A fresh registry with every domain's hooks."""
    hooks = lifecycle.Lifecycle()
    for domain in DOMAINS:
        domain.register(hooks)
    return hooks


def assemble() -> lifecycle.Lifecycle:
    """Install the hooks for this process (once; later calls return the same registry)."""
    hooks = lifecycle.installed()
    if hooks is None:
        hooks = build()
        lifecycle.install(hooks)
    return hooks
