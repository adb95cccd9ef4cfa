"""A careless or hostile client of the GraphQL API we did not write (stop 50's audit of the later
capabilities): each test failed on the code before its fix."""

from __future__ import annotations

from tests.conftest import HubHandle, unique

_SAVE_LITERAL = """mutation { saveSegment(input: {name: "%s", rule: %s}) {
  segment { id } userErrors { field code message } } }"""


def test_a_rule_number_too_large_for_a_double_is_a_typed_error(hub: HubHandle) -> None:
    """A whole number of 400 digits written in the query (a JSON literal, which the body's own
    JSON check never sees) reached the rule parser as a Python int, whose conversion to float
    raised OverflowError: the client got "Unexpected error." and no payload, not a typed
    error on the field."""
    huge = "1" + "0" * 400
    for condition, field in (
        ("spend", "atLeast"),
        ("spend", "atMost"),
        ("event", "atLeast"),
        ("event", "withinDays"),
    ):
        rule = "{%s: {%s: %s}}" % (condition, field, huge)
        body = hub.gql(_SAVE_LITERAL % (unique("Huge "), rule))
        assert "errors" not in body, (condition, field, body)
        payload = body["data"]["saveSegment"]
        assert payload["segment"] is None, payload
        assert {"field": ["input", "rule", condition, field], "code": "OUT_OF_RANGE"} in [
            {"field": e["field"], "code": e["code"]} for e in payload["userErrors"]
        ], payload
    weight = '{preference: {key: "category", value: "x", minWeight: %s}}' % huge
    body = hub.gql(_SAVE_LITERAL % (unique("Huge "), weight))
    assert "errors" not in body, body
    errors = body["data"]["saveSegment"]["userErrors"]
    assert errors[0]["field"] == ["input", "rule", "preference", "minWeight"], errors
