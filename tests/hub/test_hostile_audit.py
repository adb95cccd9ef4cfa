"""Faults a careless or hostile client we did not write could drive (an audit's findings): each
test failed on the code before its fix."""

from __future__ import annotations

from tests.conftest import HubHandle

_WIDE = "sku name description price tags inStock unitsSold category { name }"


def _aliases(count: int, field: str, variables: str = "") -> str:
    head = f"query({variables}) " if variables else ""
    return head + "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


def test_a_page_size_from_a_variables_default_is_counted(hub: HubHandle) -> None:
    """`query($n: Int! = 100)` without `n` in the variables runs every list at 100 items: the
    cost count took the field's own default (20) instead, so twelve pages of 100 wide products
    (cost 12,012, over a web key's 10,000) ran — fivefold per list level."""
    literal = _aliases(12, f'products(first: 100, search: "a") {{ {_WIDE} }}')
    refused = hub.post(literal, key=hub.web_key).json()
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", refused

    by_default = _aliases(12, f'products(first: $n, search: "a") {{ {_WIDE} }}', "$n: Int! = 100")
    answer = hub.post(by_default, key=hub.web_key).json()
    assert "data" not in answer, {k: len(v) for k, v in (answer.get("data") or {}).items()}
    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", answer
    # The variable given still counts as given, and a small default passes.
    given = hub.post(by_default, {"n": 2}, key=hub.web_key).json()
    assert "errors" not in given and len(given["data"]["a0"]) <= 2, given
    small = hub.post(by_default.replace("= 100", "= 2"), key=hub.web_key).json()
    assert "errors" not in small and len(small["data"]["a0"]) <= 2, small
