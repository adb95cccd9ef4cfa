"""Content slots end to end, on a real hub: the best item for the shopper (by the segments
they are in) with a reason, who may ask for content, and where content may link to."""

from __future__ import annotations

from typing import Any

from tests.conftest import HubHandle, unique
from tests.hub.gql import SET_CONSENT
from tests.hub.test_identity_e2e import track, view
from tests.hub.test_recommendations_e2e import smallest_category
from tests.hub.test_segments_e2e import SAVE_CONTENT, save, shopper

CONTENT = """query($slot: String!, $id: ID, $tp: Touchpoint!) {
  content(slot: $slot, profileId: $id, touchpoint: $tp) { id title segment { id name } reason } }"""


def test_content_slots_pick_the_best_item_for_the_shopper_with_a_reason(hub: HubHandle) -> None:
    slug, name, skus = smallest_category(hub)
    slot = unique("kiosk-home-")
    segment = save(hub, {"preference": {"key": "category", "value": slug}})["segment"]
    fallback = hub.gql(
        SAVE_CONTENT, {"input": {"slot": slot, "name": "Welcome", "title": "Welcome to the shop"}}
    )["data"]["saveContent"]
    targeted = hub.gql(
        SAVE_CONTENT,
        {
            "input": {
                "slot": slot,
                "name": "Category offer",
                "title": f"New in {name}",
                "segmentId": segment["id"],
                "priority": 10,
                "touchpoints": ["KIOSK", "WEB"],
            }
        },
    )["data"]["saveContent"]
    assert fallback["userErrors"] == [] and targeted["userErrors"] == []
    profile_id, anon = shopper(hub)

    def shown(tp: str = "KIOSK", pid: str | None = profile_id) -> dict[str, Any]:
        body = hub.gql(CONTENT, {"slot": slot, "id": pid, "tp": tp}, key=hub.kiosk_key)
        assert "errors" not in body, body
        item: dict[str, Any] = body["data"]["content"]
        return item

    assert shown()["id"] == fallback["content"]["id"]
    assert shown()["reason"] == "Shown to every visitor"
    track(
        hub, hub.kiosk_key, [view(unique("v"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in skus[:3]]
    )
    best = shown()
    assert best["id"] == targeted["content"]["id"]
    assert best["segment"]["id"] == segment["id"]
    assert best["reason"] == f"You have shown a lot of interest in {name}"
    assert shown(pid=None)["id"] == fallback["content"]["id"], "no profile: no targeting"
    assert shown(tp="CALL_CENTER")["id"] == fallback["content"]["id"], "not for this touchpoint"

    # Without PERSONALIZATION consent nobody is targeted.
    hub.gql(
        SET_CONSENT,
        {"id": profile_id, "purpose": "PERSONALIZATION", "granted": False, "tp": "KIOSK"},
    )
    assert shown()["id"] == fallback["content"]["id"]
    assert (
        hub.gql(CONTENT, {"slot": unique("empty-"), "id": None, "tp": "WEB"})["data"]["content"]
        is None
    )

    # A segment in use cannot be deleted; bad content input is refused field by field.
    deleted = hub.gql(
        "mutation($id: ID!) { deleteSegment(id: $id) { deletedId userErrors { code message } } }",
        {"id": segment["id"]},
    )["data"]["deleteSegment"]
    assert (
        deleted["userErrors"][0]["code"] == "CONFLICT"
        and "Category offer" in deleted["userErrors"][0]["message"]
    )
    bad = hub.gql(
        SAVE_CONTENT,
        {
            "input": {
                "slot": "no spaces!",
                "name": "",
                "title": "x",
                "link": "javascript:alert(1)",
                "segmentId": "nope",
                "startsAt": "2026-02-01T00:00:00Z",
                "endsAt": "2026-01-01T00:00:00Z",
            }
        },
    )["data"]["saveContent"]
    fields = {tuple(e["field"]): e["code"] for e in bad["userErrors"]}
    assert fields == {
        ("input", "slot"): "INVALID",
        ("input", "name"): "REQUIRED",
        ("input", "link"): "INVALID",
        ("input", "segmentId"): "NOT_FOUND",
        ("input", "endsAt"): "OUT_OF_RANGE",
    }


def test_a_web_key_gets_content_only_for_profiles_it_named(hub: HubHandle) -> None:
    profile_id, _ = shopper(hub)
    body = hub.post(
        CONTENT, {"slot": "web-hero", "id": profile_id, "tp": "WEB"}, key=hub.web_key
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_content_links_stay_on_the_site_or_name_a_web_address(hub: HubHandle) -> None:
    for link in ("//evil.example/x", "/\\evil.example/x", "javascript:alert(1)", "/a b", "/a\nb"):
        bad = hub.gql(
            SAVE_CONTENT, {"input": {"slot": unique("s-"), "name": "x", "title": "x", "link": link}}
        )["data"]["saveContent"]
        assert [e["field"] for e in bad["userErrors"]] == [["input", "link"]], link
    for link in ("/c/garden", "https://shop.example/sale"):
        good = hub.gql(
            SAVE_CONTENT, {"input": {"slot": unique("s-"), "name": "x", "title": "x", "link": link}}
        )["data"]["saveContent"]
        assert good["userErrors"] == [], link


def test_a_time_without_a_zone_is_read_as_utc_beside_one_with_a_zone(hub: HubHandle) -> None:
    """The store reads a time without a zone as UTC; one beside a zoned one was compared with
    it as sent (naive against aware) and the save failed with "Unexpected error."."""
    slot = unique("zones-")
    window = {"startsAt": "2026-01-01T00:00:00", "endsAt": "2026-06-01T00:00:00+02:00"}
    saved = hub.gql(SAVE_CONTENT, {"input": {"slot": slot, "name": "x", "title": "x", **window}})
    assert "errors" not in saved, saved
    assert saved["data"]["saveContent"]["userErrors"] == []
    backwards = {"startsAt": "2026-06-01T00:00:00", "endsAt": "2026-06-01T01:00:00+02:00"}
    refused = hub.gql(
        SAVE_CONTENT, {"input": {"slot": slot, "name": "x", "title": "x", **backwards}}
    )
    assert "errors" not in refused, refused
    errors = refused["data"]["saveContent"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "endsAt"], "OUT_OF_RANGE")]


def test_a_time_that_leaves_the_calendar_in_utc_is_refused_on_its_field(hub: HubHandle) -> None:
    """1 January of year 1 at +01:00 is year 0 in UTC, as the store keeps it: the save failed
    with "Unexpected error."; it is OUT_OF_RANGE on the field."""
    for field, at in (
        ("startsAt", "0001-01-01T00:00:00+01:00"),
        ("endsAt", "9999-12-31T23:00:00-05:00"),
    ):
        body = hub.gql(
            SAVE_CONTENT, {"input": {"slot": unique("s-"), "name": "x", "title": "x", field: at}}
        )
        assert "errors" not in body, body
        errors = body["data"]["saveContent"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(["input", field], "OUT_OF_RANGE")]
