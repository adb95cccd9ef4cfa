"""No domain reaches into another domain's repository, nor reads another's tables except through
the interfaces declared here, each with its reason (issue 12). A new cross-domain read of a table
fails this test until it is declared (or goes through the owning domain's service).

The slices above the domains (the schema assembly and web layer, the 360° profile, the demo,
the backtest, the command line) may read any table: they are where the whole system meets.
"""

from __future__ import annotations

import grimp
import pytest

ABOVE = frozenset({"web", "profile360", "demo", "backtest", "api", "migrations"})

# Tables every domain may read: the shared row types of the product.
SHARED_MODELS = {
    "hub.profiles.models": "the profile row: a domain's payload answers with it (ProfileRef) and "
    "whole-profile steps lock it",
    "hub.catalog.models": "products and categories: read-only reference data every domain names",
}

# Module → another domain's models it reads, and why.
DECLARED = {
    ("hub.campaigns.repository", "hub.events.models"): "a campaign's evaluation counts "
    "purchases after the send (read only, aggregated in SQL)",
    ("hub.events.retention", "hub.privacy.models"): "events of customers who refused ANALYTICS "
    "are retired sooner: a subquery on their consents (read only)",
    ("hub.recs.engine", "hub.preferences.models"): "the ranking reads stated and learned "
    "interests as rows (handed over by preferences.views.interests_of)",
    ("hub.recs.evaluation", "hub.events.models"): "the holdout evaluation counts orders per "
    "group (read only, aggregated in SQL)",
    ("hub.recs.training", "hub.events.models"): "retrain streams purchases to learn the model "
    "(read only)",
    ("hub.segments.exports", "hub.identity.models"): "an export names each member's identifiers "
    "(read only, consent checked)",
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("hub", include_external_packages=False)


def _domain(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[1] in ABOVE:
        return None
    return parts[1]


def _crossings(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """(importer, imported) where a domain module imports another domain's repository or
    models module (every import, lazy ones inside functions too)."""
    found = []
    for module in sorted(graph.modules):
        own = _domain(module)
        if own is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            parts = imported.split(".")
            if len(parts) == 3 and parts[2] in ("repository", "models") and parts[1] != own:
                found.append((module, imported))
    return found


def test_no_domain_imports_another_domains_repository(graph: grimp.ImportGraph) -> None:
    offences = [pair for pair in _crossings(graph) if pair[1].endswith(".repository")]
    assert offences == [], "go through the owning domain's service: " + repr(offences)


def test_another_domains_tables_are_read_only_through_declared_interfaces(
    graph: grimp.ImportGraph,
) -> None:
    undeclared = [
        pair
        for pair in _crossings(graph)
        if pair[1].endswith(".models") and pair[1] not in SHARED_MODELS and pair not in DECLARED
    ]
    assert undeclared == [], "declare it in DECLARED with its reason, or use a service"


def test_every_declaration_is_still_needed(graph: grimp.ImportGraph) -> None:
    crossings = set(_crossings(graph))
    assert [pair for pair in DECLARED if pair not in crossings] == []


def test_the_scan_sees_an_undeclared_crossing() -> None:
    """The scan itself: a made-up import from segments into the events' repository and into
    the auth tables is found."""
    made_up = grimp.ImportGraph()
    for name in ("hub", "hub.segments", "hub.segments.service", "hub.events",
                 "hub.events.repository", "hub.auth", "hub.auth.models", "hub.web",
                 "hub.web.schema"):  # fmt: skip
        made_up.add_module(name)
    made_up.add_import(importer="hub.segments.service", imported="hub.events.repository")
    made_up.add_import(importer="hub.segments.service", imported="hub.auth.models")
    made_up.add_import(importer="hub.web.schema", imported="hub.auth.models")  # above: allowed
    assert _crossings(made_up) == [
        ("hub.segments.service", "hub.auth.models"),
        ("hub.segments.service", "hub.events.repository"),
    ]
