"""Fuzzing a real hub: whatever a client sends to /graphql, the answer is JSON, never a 5xx and
never a crash hidden behind "Unexpected error." (a resolver that raised something unexpected).

- schemathesis generates documents (valid and invalid) for every query and mutation in the
  checked-in schema.graphql, sent once with an admin key and once with a web key;
- plain Hypothesis sends bodies that are not GraphQL requests at all.

Bounded (a few examples per operation, a fixed seed) so a run takes under a minute and sends
the same requests each time; RAPPORT_FUZZ_EXAMPLES and RAPPORT_FUZZ_SEED widen or vary it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.conftest import HubHandle, prepare_database, start_hub, stop_hub

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("RAPPORT_FUZZ_SEED", "20240611"))
MASKED = "Unexpected error."  # what the hub answers in place of an unexpected exception

BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory: the seed makes a run repeatable instead
    phases=[Phase.explicit, Phase.generate],  # report the first failing request, unshrunk
    suppress_health_check=list(HealthCheck),
)


def _json_literal() -> st.SearchStrategy[graphql.ValueNode]:
    """GraphQL literals for the JSON scalar (segment rules, event properties): any JSON."""
    leaves = st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(-(2**40), 2**40).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    )

    def containers(
        children: st.SearchStrategy[graphql.ValueNode],
    ) -> st.SearchStrategy[graphql.ValueNode]:
        names = st.from_regex(r"[a-zA-Z_]\w{0,10}", fullmatch=True)
        fields = st.dictionaries(names, children, max_size=4).map(
            lambda d: [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                for k, v in d.items()
            ]
        )
        return st.lists(children, max_size=4).map(nodes.List) | fields.map(nodes.Object)

    return st.recursive(leaves, containers, max_leaves=8)


schemathesis.graphql.scalar("JSON", _json_literal())

# Loaded at import from the checked-in SDL (so it works with introspection off); each test is
# given the hub's URL and a key when it calls.
schema = schemathesis.graphql.from_path(
    SCHEMA,
    config=schemathesis.Config.from_dict(
        {"request-timeout": 10, "seed": SEED, "generation": {"max-examples": EXAMPLES}}
    ),
)


@pytest.fixture(scope="module")
def fuzz_hub(make_database) -> Iterator[HubHandle]:  # type: ignore[no-untyped-def]
    """A hub of its own on a fresh store: what the fuzzer identifies, saves and deletes (it
    holds an admin key) must not reach other tests. No rate limit: every example counts."""
    url = make_database("fuzz")
    handle = start_hub(
        url, prepare_database(url), RAPPORT_RATE_LIMITS=json.dumps({"admin": 0, "web": 0})
    )
    try:
        yield handle
    finally:
        stop_hub(handle)


@pytest.fixture(params=["admin", "web"])
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _problems(status: int, content: bytes) -> list[str]:
    """What is wrong with an answer from /graphql (nothing, for any JSON GraphQL response or
    JSON refusal below 500)."""
    problems = [f"HTTP {status}"] if status >= 500 else []
    try:
        body = json.loads(content)
    except ValueError as exc:
        return [*problems, f"the body is not JSON ({exc})"]
    if not (isinstance(body, dict) and {"data", "errors"} & body.keys()):
        problems.append("the body is not a GraphQL response (no data, no errors)")
    elif any(isinstance(e, dict) and e.get("message") == MASKED for e in body.get("errors") or []):
        problems.append(f"a resolver crashed (answered {MASKED!r}: see the hub log)")
    return problems


def _header(headers: Any, name: str) -> str:
    value = headers.get(name)
    return ", ".join(value) if isinstance(value, list) else str(value)


@BOUNDED
@schema.parametrize()
def test_any_document_gets_a_graphql_json_answer(
    case: schemathesis.Case[Any], fuzz_hub: HubHandle, channel: str
) -> None:
    headers = {"Authorization": f"Bearer {fuzz_hub.keys[channel]}"}
    response = case.call(base_url=f"{fuzz_hub.url}/graphql", headers=headers)
    problems = _problems(response.status_code, response.content)
    if problems:
        pytest.fail(
            f"{case.operation.label} with the {channel} key: {'; '.join(problems)}\n"
            f"hub answered {response.status_code} {_header(response.headers, 'content-type')}: "
            f"{response.content[:800]!r}\nreproduce with:\n{case.as_curl_command(headers)}",
            pytrace=False,
        )


def _json(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


# Bodies that are not GraphQL requests: raw bytes, any JSON, and request-shaped objects whose
# members have the wrong types.
REQUEST_MEMBERS = st.sampled_from(["query", "variables", "operationName", "extensions"])
BODIES = st.one_of(
    st.binary(max_size=200),
    _json().map(lambda value: json.dumps(value).encode()),
    st.dictionaries(REQUEST_MEMBERS, _json(), min_size=1).map(lambda d: json.dumps(d).encode()),
    st.builds(
        lambda query, variables: json.dumps({"query": query, "variables": variables}).encode(),
        st.sampled_from(["{ __typename }", "query($a: Int) { __typename }", "{", "x"]),
        _json(),
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/graphql",
        "text/plain",
        "multipart/form-data",
        "",
    ]
)


@seed(SEED)
@settings(BOUNDED, max_examples=EXAMPLES * 8)  # cheap: nothing to generate from a schema
@given(body=BODIES, content_type=CONTENT_TYPES)
def test_any_body_gets_a_json_answer(fuzz_hub: HubHandle, body: bytes, content_type: str) -> None:
    headers = {"Authorization": f"Bearer {fuzz_hub.admin_key}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = httpx.post(f"{fuzz_hub.url}/graphql", content=body, headers=headers, timeout=10)
    problems = _problems(response.status_code, response.content)
    if problems:
        pytest.fail(
            f"POST /graphql ({content_type or 'no content type'}): {'; '.join(problems)}\n"
            f"sent {body[:300]!r}\nhub answered {response.status_code} "
            f"{response.headers.get('content-type')}: {response.content[:800]!r}",
            pytrace=False,
        )
