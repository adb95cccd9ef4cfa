"""The hub against graphql-http's GraphQL-over-HTTP audits (the conformance suite of the spec's
reference implementation): every MUST and every SHOULD holds; the MAYs are informational."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import HubHandle
from tests.interop.node import run_node


def _line(result: dict[str, Any]) -> str:
    response = result.get("response")
    answered = (
        f"\n      hub answered {response['status']} {response['contentType']}: {response['body']}"
        if response
        else ""
    )
    return f"  [{result['status']}] {result['id']} {result['name']}: {result['reason']}{answered}"


@pytest.mark.parametrize("channel", ["web", "admin"])
def test_graphql_over_http_audits_pass(hub: HubHandle, channel: str) -> None:
    output = run_node(
        "graphql_http_audit.mjs",
        {"url": f"{hub.url}/graphql", "key": hub.keys[channel], "timeoutMs": 10_000},
        timeout=120,
    )
    results: list[dict[str, Any]] = output["results"]
    assert len(results) > 20, f"graphql-http ran too few audits: {json.dumps(results)[:2000]}"
    not_ok = [r for r in results if r["status"] != "ok"]
    failing = [r for r in not_ok if r["status"] in ("error", "warn")]
    counts = {s: sum(r["status"] == s for r in results) for s in ("ok", "notice", "warn", "error")}
    if failing:
        pytest.fail(
            f"graphql-http audits with the {channel} key: {counts['error']} MUST failed, "
            f"{counts['warn']} SHOULD failed, {counts['notice']} MAY not met, {counts['ok']} ok\n"
            + "\n".join(_line(r) for r in not_ok),
            pytrace=False,
        )
