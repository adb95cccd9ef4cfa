"""Differential fuzzing of the hub's short ways against the regular way.

Generated requests (documents built from the schema's own root fields, with hostile variables)
are answered by the regular way (strawberry's `run`, its body parser and its extension runner:
the view's `_plain_post` off and the prepared documents forgotten) and then by the short ways
(the view's `_post` / `_json_body`, and `hub/api/prepared.py` once the document ran): status,
headers and body must be byte for byte the same. GET and persisted-query (hash only) requests
are compared too, for admin, web, kiosk and call-centre keys; a kiosk's data must hold no
contact detail `mask_text` would still mask.

The laid-out coercer (`hub/api/coercion.py`) is compared with graphql-core's
`coerce_input_value` on hypothesis-generated hostile values for every input type of the
schema (type-strict: 1 is not 1.0 is not True), and `hub/jsontext.py` with the stdlib's json.

Deterministic (fixed seeds) and bounded: RAPPORT_FUZZ_CASES (default 150) requests."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined
from graphql.utilities import coerce_input_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub import jsontext
from hub.api import prepared as prepared_module
from hub.api.coercion import Doubt, coercer
from hub.api.prepared import PreparedDocuments
from hub.masks import mask_text
from hub.settings import Settings
from hub.web import schema as schema_module
from hub.web.schema import schema as hub_schema
from hub.web.view import RapportGraphQL
from tests.hub.inprocess import checked_out, serving

CORE: GraphQLSchema = hub_schema._schema

SEED = int(os.environ.get("RAPPORT_FUZZ_SEED", "7301"))
CASES = int(os.environ.get("RAPPORT_FUZZ_CASES", "150"))
# Diagnostics: send every request the regular way (to tell a short way's effect from the hub's).
ALL_REGULAR = bool(os.environ.get("RAPPORT_FUZZ_ALL_REGULAR"))

JSON_MEDIA = "application/json"
RESPONSE_MEDIA = "application/graphql-response+json"

# Mutations whose repeats answer the same (or that fail before writing with the values made
# here); the rest of the schema's mutations are only sent with a variable that cannot coerce.
OUTCOMES: dict[str, int] = {}
SAFE_MUTATIONS = {"identify", "track", "setConsent", "setPreferences", "agentLogin"}

# ---------------------------------------------------------------------------------------------
# Values

TEXTS = [
    "14740",
    "15276",
    "",
    " ",
    "jane.doe@example.com",
    "jane.doe\uff20example.com",  # full-width @
    "\u202ejane@example.com\u202c",  # RTL override
    "07700 900123",
    "+44 7700 900123",
    "\uff10\uff17\uff17\uff10\uff10 900123",  # full-width digits
    "caf\u00e9 \u2603 \U0001f600",
    "e\u0301\u0301\u0301",
    "\u200b\u200d\ufeff",
    "a" * 5000,
    "@" * 300,
    "\\u0000 not a nul",
    "null",
    "true",
    "2010-12-01T08:26:00+00:00",
    "85123A",
    "WEB",
    "web",
]
BAD_TEXTS = ["\x00", "a\x00b", "\ud800", "x\udfffy"]  # refused by the gate (NUL, surrogate)
INTS = [0, 1, -1, 3, 20, 100, 101, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63, 2**64,
        10**19, -(10**19), 10**30, 10**300]  # fmt: skip
FLOATS = [0.0, -0.0, 1.0, 1.5, 3.0, 1e308, -1e308, 5e-324, 2.5e15, 1e16, 123456789.123]
DATES = [
    "2010-12-01T08:26:00+00:00",
    "2010-12-01T08:26:00Z",
    "2010-12-01",
    "2011-02-30",
    "2010-12-01T25:00:00Z",
    "yesterday",
    "+275760-09-13T00:00:00Z",
    "2010-12-01T08:26:00",
]
ODD = [None, True, False, [], {}, [None], [[]], {"a": None}, "x", 7, 2.5, [1, "two"]]


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


class Values:
    """Values for a type: mostly valid ones, now and then a hostile one."""

    def __init__(self, rng: random.Random, known: dict[str, list[str]]) -> None:
        self.rng = rng
        self.known = known  # real ids, identifiers, skus from the store

    def hostile(self) -> Any:
        rng = self.rng
        pick = rng.random()
        if pick < 0.25:
            return rng.choice(ODD)
        if pick < 0.45:
            return rng.choice(INTS)
        if pick < 0.6:
            return rng.choice(FLOATS)
        if pick < 0.7:
            return rng.choice(BAD_TEXTS)
        if pick < 0.75:
            return _deep(rng.choice([5, 40, 600]))
        return rng.choice(TEXTS)

    def of(self, type_: GraphQLInputType, depth: int = 0, mistakes: float = 0.03) -> Any:
        rng = self.rng
        if rng.random() < mistakes:
            return self.hostile()
        if is_non_null_type(type_):
            if rng.random() < mistakes / 2:
                return None
            return self.of(type_.of_type, depth, mistakes)  # type: ignore[union-attr]
        if rng.random() < 0.05:
            return None
        if is_list_type(type_):
            item = type_.of_type  # type: ignore[union-attr]
            if rng.random() < 0.1:
                return self.of(item, depth + 1, mistakes)  # one value for a list of one
            return [self.of(item, depth + 1, mistakes) for _ in range(rng.randint(0, 3))]
        if is_input_object_type(type_):
            assert isinstance(type_, GraphQLInputObjectType)
            if type_.name == "IdentifierInput" and rng.random() < 0.6:
                kind, value = rng.choice(self.known["identifiers"])
                return {"kind": kind, "value": value}
            if depth > 5:
                return {}
            value = {
                name: self.of(field.type, depth + 1, mistakes)
                for name, field in type_.fields.items()
                if (is_non_null_type(field.type) and rng.random() < 0.97) or rng.random() < 0.5
            }
            if rng.random() < mistakes:
                value[rng.choice(["noSuchField", "Kind", "__typename", ""])] = 1
            return value
        if is_enum_type(type_):
            assert isinstance(type_, GraphQLEnumType)
            names = list(type_.values)
            if rng.random() < mistakes * 2:
                wrong = rng.choice(names)
                return rng.choice([wrong.lower(), f" {wrong}", wrong + "\u200b", 0, 1, "", wrong])
            return rng.choice(names)
        return self.leaf(type_.name)  # type: ignore[union-attr]

    def leaf(self, name: str) -> Any:
        rng = self.rng
        known = self.known
        if name == "Int":
            return rng.choice([0, 1, 2, 3, 5, 10, 20, rng.choice(INTS), 1.0, 2.0, 2.5, "3"])
        if name == "Float":
            return rng.choice([*FLOATS, 1, 2**60, 10**30, "1.5", True])
        if name == "Boolean":
            return rng.choice([True, False, True, 0, 1, "true"])
        if name == "ID":
            return rng.choice([*known["profile_ids"], "1", "0", "nope", 42, 1.5, "", "p" * 300])
        if name == "DateTime":
            return rng.choice(DATES)
        if name == "Date":
            return rng.choice(["2010-12-01", "2010-12-32", "12/01/2010", 20101201])
        if name == "JSON":
            return rng.choice(
                [{"note": rng.choice(TEXTS)}, [1, {"a": [2, None]}], "text", 3, 2**70, None,
                 {"query": "jane@example.com", "phone": "07700 900123"}, _deep(30)]
            )  # fmt: skip
        pool = known["texts"]
        return rng.choice(pool) if rng.random() < 0.6 else rng.choice(TEXTS)


# ---------------------------------------------------------------------------------------------
# Documents


def _type_text(type_: Any) -> str:
    return str(type_)


class Documents:
    """A document for a root field: its arguments as variables (now and then a literal, or a
    variable declared with another type), a selection made from its output type."""

    def __init__(self, rng: random.Random, values: Values) -> None:
        self.rng = rng
        self.values = values

    def build(self, kind: str, roots: list[str]) -> tuple[str, dict[str, Any], str | None]:
        rng = self.rng
        root = CORE.query_type if kind == "query" else CORE.mutation_type
        assert root is not None
        self.definitions: list[str] = []
        self.variables: dict[str, Any] = {}
        self.fragments: list[str] = []
        body = []
        for number, name in enumerate(roots):
            field = root.fields[name]
            alias = f"r{number}: " if len(roots) > 1 or rng.random() < 0.2 else ""
            body.append(alias + self.field_text(name, field, depth=0))
        operation_name = rng.choice([None, None, "Fuzz", "Other_Op"])
        head = kind
        if operation_name is not None:
            head += f" {operation_name}"
        if self.definitions:
            head += "(" + ", ".join(self.definitions) + ")"
        document = head + " { " + " ".join(body) + " }"
        if self.fragments:
            document += " " + " ".join(self.fragments)
        if rng.random() < 0.1:  # a second operation: the name must choose
            document += " query Second { __typename }"
        return document, self.variables, operation_name

    def contact_read(self, kind: str, value: str) -> tuple[str, dict[str, Any], str | None]:
        """The profile of a customer with contact details, found by one of them: the fields
        that carry the details (identifiers, an event's properties and summary) and a random
        selection of the rest."""
        self.definitions = ["$who: IdentifierInput"]
        self.variables = {"who": {"kind": kind, "value": value}}
        self.fragments = []
        rest = self.selection(CORE.type_map["Profile"], 1)
        document = (
            f"query({', '.join(self.definitions)}) {{ profile(identifier: $who) {{ "
            "identifiers { kind value masked } said: recentEvents(first: 5) { summary properties } "
            f"... on Profile {rest} }} }}"
        )
        if self.fragments:
            document += " " + " ".join(self.fragments)
        return document, self.variables, None

    def field_text(self, name: str, field: Any, depth: int) -> str:
        rng = self.rng
        arguments = []
        for arg_name, arg in field.args.items():
            required = is_non_null_type(arg.type) and arg.default_value is Undefined
            if not required and rng.random() < 0.5:
                continue
            arguments.append(f"{arg_name}: {self.argument(arg_name, arg.type)}")
        text = name + (f"({', '.join(arguments)})" if arguments else "")
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return text
        return text + " " + self.selection(named, depth + 1)

    def argument(self, name: str, type_: GraphQLInputType) -> str:
        rng = self.rng
        variable = f"v{len(self.definitions)}"
        declared = _type_text(type_)
        if rng.random() < 0.05:  # declared otherwise: a validation error, never prepared
            declared = rng.choice(["String", "Int!", "[String]", "Boolean"])
        elif rng.random() < 0.15 and is_non_null_type(type_):
            declared = _type_text(type_.of_type)  # nullable where the argument is not: invalid
        elif rng.random() < 0.1 and not is_non_null_type(type_):
            declared = declared + "!"
        default = ""
        if rng.random() < 0.05 and get_named_type(type_).name in ("Int", "String", "Boolean"):
            default = {"Int": " = 3", "String": ' = "14740"', "Boolean": " = true"}[
                get_named_type(type_).name
            ]
        self.definitions.append(f"${variable}: {declared}{default}")
        if rng.random() < 0.93:
            self.variables[variable] = self.values.of(type_)
        return f"${variable}"

    def selection(self, type_: Any, depth: int) -> str:
        rng = self.rng
        if isinstance(type_, GraphQLUnionType | GraphQLInterfaceType):
            possible = CORE.get_possible_types(type_)
            parts = ["__typename"]
            for target in rng.sample(list(possible), min(2, len(possible))):
                parts.append(f"... on {target.name} {self.selection(target, depth)}")
            return "{ " + " ".join(parts) + " }"
        assert isinstance(type_, GraphQLObjectType)
        fields = list(type_.fields.items())
        leaves = [(n, f) for n, f in fields if is_leaf_type(get_named_type(f.type))]
        nested = [(n, f) for n, f in fields if not is_leaf_type(get_named_type(f.type))]
        chosen = rng.sample(leaves, min(len(leaves), rng.randint(1, 5))) if leaves else []
        if nested and depth < 3:
            chosen += rng.sample(nested, min(len(nested), rng.randint(0, 2)))
        if not chosen:
            return "{ __typename }"
        parts = []
        for name, field in chosen:
            alias = "a_" + name + ": " if rng.random() < 0.05 else ""
            parts.append(alias + self.field_text(name, field, depth))
        if rng.random() < 0.1:
            fragment = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {fragment} on {type_.name} {{ __typename }}")
            parts.append(f"...{fragment}")
        if rng.random() < 0.05:
            parts.append("__typename @include(if: true)")
        return "{ " + " ".join(parts) + " }"


# ---------------------------------------------------------------------------------------------
# The hub, both ways

Answer = tuple[int, tuple[tuple[str, str], ...], bytes]


class Hub:
    def __init__(self, client: httpx.AsyncClient, view: RapportGraphQL, keys: dict[str, str]):
        self.client = client
        self.view = view
        self.keys = keys
        self.short_view = True

    def forget(self) -> None:
        self.view.schema.prepared = PreparedDocuments()  # type: ignore[attr-defined]

    async def send(self, request: dict[str, Any]) -> Answer:
        headers = {"Authorization": f"Bearer {self.keys[request['key']]}"}
        if request["accept"] is not None:
            headers["Accept"] = request["accept"]
        if request["method"] == "GET":
            answer = await self.client.get("/graphql?" + request["query_string"], headers=headers)
        else:
            headers["Content-Type"] = request["content_type"]
            answer = await self.client.post("/graphql", content=request["body"], headers=headers)
        kept = tuple(sorted((k.lower(), v) for k, v in answer.headers.items()))
        return answer.status_code, kept, answer.content


def _settings(url: str) -> Settings:
    """The run's store, no rate limits or training; query budgets as a deployment sets them."""
    return Settings(
        database_url=url,
        retrain_on_start=False,
        rate_limits={},
        query_cost_budgets={"admin": 1500, "web": 1000, "kiosk": 800, "callcenter": 1000},
    )


@pytest.fixture
async def hub(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Hub]:
    url, keys = hub_database
    settings_ = _settings(url)
    async with serving(settings_) as (client, view):
        made = Hub(client, view, keys)
        real = RapportGraphQL._plain_post
        monkeypatch.setattr(
            RapportGraphQL,
            "_plain_post",
            lambda self, request: made.short_view and real(self, request),
        )
        yield made


def _encode(body: dict[str, Any], rng: random.Random) -> bytes:
    style = rng.random()
    if style < 0.5:
        return json.dumps(body).encode()
    if style < 0.9:
        return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return json.dumps(body, indent=rng.choice([None, 2]), separators=(" , ", " : ")).encode()


def _persisted_ext(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def _request(
    rng: random.Random, document: str, variables: dict[str, Any], name: str | None, kind: str
) -> dict[str, Any]:
    key = rng.choice(["admin", "admin", "web", "kiosk", "kiosk", "callcenter"])
    accept = rng.choice([JSON_MEDIA, RESPONSE_MEDIA, "*/*", None, f"{RESPONSE_MEDIA}, */*;q=0.5"])
    method = "GET" if kind == "query" and rng.random() < 0.2 else "POST"
    body: dict[str, Any] = {"query": document}
    if variables or rng.random() < 0.5:
        body["variables"] = variables
    if name is not None or rng.random() < 0.2:
        body["operationName"] = name
    persisted = rng.random() < 0.12
    request: dict[str, Any] = {
        "key": key,
        "accept": accept,
        "method": method,
        "persisted": persisted,
    }
    if persisted:
        body["extensions"] = _persisted_ext(document)
    if method == "GET":
        params = {"query": document}
        if "variables" in body:
            params["variables"] = json.dumps(body["variables"])
        if body.get("operationName") is not None:
            params["operationName"] = body["operationName"]
        if persisted:
            params["extensions"] = json.dumps(body["extensions"])
        request["query_string"] = urlencode(params, encoding="utf-8", errors="surrogatepass")
        hashed = {k: v for k, v in params.items() if k != "query"}
        request["hash_only"] = {**request, "query_string": urlencode(hashed)}
    else:
        request["content_type"] = rng.choice(
            [JSON_MEDIA] * 10 + ["application/json; charset=utf-8"] * 4 + ["application/JSON"]
        )
        request["body"] = _encode(body, rng)
        hashed_body = {k: v for k, v in body.items() if k != "query"}
        request["hash_only"] = {**request, "body": _encode(hashed_body, rng)}
    return request


def _known(status: int, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _unmasked(value: Any) -> list[str]:
    """Strings in a kiosk's data that mask_text would still change."""
    found: list[str] = []
    if isinstance(value, str):
        if mask_text(value) != value:
            found.append(value)
    elif isinstance(value, list):
        for item in value:
            found += _unmasked(item)
    elif isinstance(value, dict):
        for item in value.values():
            found += _unmasked(item)
    return found


async def _admin(hub: Hub, query: str, variables: dict[str, Any] | None = None) -> Any:
    _status, _, body = await hub.send(
        {
            "key": "admin",
            "accept": JSON_MEDIA,
            "method": "POST",
            "content_type": JSON_MEDIA,
            "body": json.dumps({"query": query, "variables": variables or {}}).encode(),
        }
    )
    return json.loads(body).get("data") or {}


# A customer whose answers hold contact details everywhere a kiosk must not show them: their
# identifiers, and an event's properties and summary (a search for their own email).
CONTACT = ("jo.fuzz@example.com", "+44 7700 900456")


async def _contact_customer(hub: Hub) -> list[tuple[str, str]]:
    email, phone = CONTACT
    pairs = [("EMAIL", email), ("PHONE", phone)]
    await _admin(
        hub,
        "mutation($i: IdentifyInput!) { identify(input: $i) { profile { id } } }",
        {
            "i": {
                "identifiers": [{"kind": k, "value": v} for k, v in pairs],
                "touchpoint": "WEB",
                "traits": {"firstName": "Jo"},
            }
        },
    )
    event = {
        "messageId": f"fuzz-contact-{hashlib.sha256(email.encode()).hexdigest()[:12]}",
        "identifier": {"kind": "EMAIL", "value": email},
        "type": "SEARCH",
        "touchpoint": "WEB",
        "properties": {"query": email, "note": f"call {phone} or write to {email}"},
    }
    await _admin(
        hub, "mutation($e: [EventInput!]!) { track(events: $e) { accepted } }", {"e": [event]}
    )
    return pairs


async def _store_values(hub: Hub) -> dict[str, list[Any]]:
    contact = await _contact_customer(hub)
    data = await _admin(
        hub,
        '{ searchProfiles(text: "a", first: 5) { id identifiers { kind value } } '
        "products(first: 5) { sku } }",
    )
    profiles = data.get("searchProfiles") or []
    texts = [i["value"] for p in profiles for i in p["identifiers"]]
    texts += [p["sku"] for p in data.get("products") or []]
    pairs = [(i["kind"], i["value"]) for p in profiles for i in p["identifiers"]]
    return {
        "profile_ids": [p["id"] for p in profiles] or ["x"],
        "texts": [*texts, CONTACT[0]] if texts else ["14740", CONTACT[0]],
        # Half the identifiers a document names are the contact customer's.
        "identifiers": (pairs or [("CRM_ID", "14740")]) + contact * max(1, len(pairs) // 2),
    }


@pytest.fixture
def no_collector() -> Iterator[None]:
    """The garbage collector off: a connection a request leaves checked out stays so, rather
    than being closed by the collector some time later (with only a warning)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_short_ways_answer_as_the_regular_way(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, no_collector: None
) -> None:
    rng = random.Random(SEED)
    pool = hub.view.hub.db.engine.sync_engine.pool
    kept_out = 0  # connections found left checked out so far
    ran_prepared: list[bool] = []
    real = prepared_module.run_prepared

    async def counted(*args: Any, **kwargs: Any) -> Any:
        result = await real(*args, **kwargs)
        ran_prepared.append(result is not None)
        return result

    monkeypatch.setattr(schema_module, "run_prepared", counted)
    known = await _store_values(hub)
    contact = [pair for pair in known["identifiers"] if pair[1] in CONTACT]
    values = Values(rng, known)
    documents = Documents(rng, values)
    query_roots = list(CORE.query_type.fields)  # type: ignore[union-attr]
    mutation_roots = list(CORE.mutation_type.fields)  # type: ignore[union-attr]
    discrepancies: list[str] = []
    tally = {"cases": 0, "requests": 0, "statuses": {}, "kiosk": 0, "get": 0, "hash_only": 0}
    for case in range(CASES):
        pick = rng.random()
        if pick < 0.15:  # where a kiosk's masking matters most
            kind, roots = "query", ["profile"]
            document, variables, name = documents.contact_read(*rng.choice(contact))
        else:
            if pick < 0.8:
                kind = "query"
                roots = rng.sample(query_roots, rng.choice([1, 1, 1, 2]))
            else:
                kind = "mutation"
                roots = [rng.choice(mutation_roots)]
            document, variables, name = documents.build(kind, roots)
        if kind == "mutation" and roots[0] not in SAFE_MUTATIONS:
            # Only ever a variable that cannot coerce: nothing is written.
            variables = {k: {"not": "coercible"} for k in variables} or variables
            if not variables:
                continue
        request = _request(rng, document, variables, name, kind)
        answers: list[Answer] = []
        # The regular way: strawberry's view and runner (twice: a mutation's second answer is
        # the one its repeats give), then the short ways (the view's, and prepared).
        hub.short_view = False
        for _ in range(2):
            hub.forget()
            answers.append(await hub.send(request))
        hub.short_view = not ALL_REGULAR
        for _ in range(2):
            if ALL_REGULAR:
                hub.forget()
            answers.append(await hub.send(request))
        held = await checked_out(pool, kept_out)
        if held > kept_out:  # a pooled connection left behind (the garbage collector is off)
            discrepancies.append(f"case {case}: {held - kept_out} connection(s) left checked out")
            kept_out = held
        compared = answers if kind == "query" else answers[1:]
        labels = ["regular", "regular again", "short", "short again"][-len(compared) :]
        if len(set(compared)) != 1:
            discrepancies.append(
                f"case {case}: {request['method']} key={request['key']} accept={request['accept']}"
                f"\n  document: {document}\n  variables: {json.dumps(variables)[:600]}"
                f"\n  operationName: {name}\n"
                + "\n".join(
                    f"  {label}: {a[0]} {a[2][:400]!r}"
                    for label, a in zip(labels, compared, strict=True)
                )
            )
        status = answers[-1][0]
        parsed_last = _known(status, answers[-1][2])
        if isinstance(parsed_last, dict):
            codes = sorted(
                {
                    str((e.get("extensions") or {}).get("code"))
                    for e in parsed_last.get("errors") or []
                }
            )
            outcome = ("data" if parsed_last.get("data") else "no data") + " " + ",".join(codes)
            OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1
        tally["statuses"][status] = tally["statuses"].get(status, 0) + 1  # type: ignore[index]
        if request["key"] == "kiosk":
            tally["kiosk"] += 1  # type: ignore[operator]
            parsed = _known(status, answers[-1][2])
            data = parsed.get("data") if isinstance(parsed, dict) else None
            leaked = _unmasked(data)
            if leaked:
                discrepancies.append(f"case {case}: kiosk data unmasked {leaked[:3]}\n  {document}")
        if request["method"] == "GET":
            tally["get"] += 1  # type: ignore[operator]
        if request["persisted"]:
            # The hash alone, now that the store holds the document: both ways.
            hashed = request["hash_only"]
            hub.short_view = False
            hub.forget()
            regular = await hub.send(hashed)
            hub.short_view = True
            short = [await hub.send(hashed), await hub.send(hashed)]
            tally["hash_only"] += 1  # type: ignore[operator]
            if kind == "query" and {regular, *short} != {regular}:
                discrepancies.append(
                    f"case {case} (hash only): regular {regular[0]} {regular[2][:300]!r}"
                    f" short {short[0][0]} {short[0][2][:300]!r}\n  {document}"
                )
            tally["requests"] += 3  # type: ignore[operator]
        tally["cases"] += 1  # type: ignore[operator]
        tally["requests"] += 4  # type: ignore[operator]
    for k, v in sorted(OUTCOMES.items(), key=lambda kv: -kv[1]):
        print(v, k)
    print("differential tally:", tally, "prepared runs:", ran_prepared.count(True))
    assert ran_prepared.count(True) > CASES // 4, "the prepared way was hardly exercised"
    assert not discrepancies, "\n\n".join(discrepancies[:10])


# ---------------------------------------------------------------------------------------------
# The laid-out coercer against graphql-core, type-strict


def _strict(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strict(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_strict(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b) or a is b


_INPUT_TYPES = sorted(
    (t for n, t in CORE.type_map.items() if isinstance(t, GraphQLInputObjectType)
     and not n.startswith("__")),
    key=lambda t: t.name,
)  # fmt: skip
_ENUMS = sorted(
    (
        t
        for n, t in CORE.type_map.items()
        if isinstance(t, GraphQLEnumType) and not n.startswith("__")
    ),
    key=lambda t: t.name,
)
_SCALARS = sorted(
    (t for n, t in CORE.type_map.items() if isinstance(t, GraphQLScalarType)),
    key=lambda t: t.name,
)

_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(FLOATS),
    st.text(max_size=20),
    st.sampled_from(TEXTS[:-8] + BAD_TEXTS + DATES),
    st.sampled_from([n for t in _ENUMS for n in t.values]),
    st.sampled_from([n.lower() for t in _ENUMS for n in t.values]),
)
_json_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "kind", "value", "noSuch", ""]), inner, max_size=3)
    ),
    max_leaves=8,
)


def _value_for(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly the type's shape, with anything at all now and then."""
    if depth > 4:
        return _json_values
    if is_non_null_type(type_):
        return st.one_of(_value_for(type_.of_type, depth), st.none())  # type: ignore[union-attr]
    if is_list_type(type_):
        item = _value_for(type_.of_type, depth + 1)  # type: ignore[union-attr]
        return st.one_of(st.lists(item, max_size=3), item, st.none())
    if is_input_object_type(type_):
        assert isinstance(type_, GraphQLInputObjectType)
        fields = {name: _value_for(f.type, depth + 1) for name, f in type_.fields.items()}
        shaped = st.fixed_dictionaries({}, optional={**fields, "noSuchField": _leaves})
        return st.one_of(shaped, shaped, shaped, _json_values)
    if is_enum_type(type_):
        assert isinstance(type_, GraphQLEnumType)
        return st.one_of(st.sampled_from(list(type_.values)), _leaves)
    return _leaves


def _wrapped(type_: GraphQLInputType) -> list[GraphQLInputType]:
    return [
        GraphQLList(type_),
        GraphQLNonNull(GraphQLList(type_)),
        GraphQLNonNull(GraphQLList(GraphQLNonNull(type_))),
        GraphQLList(GraphQLList(type_)),
    ]


_COERCED_TYPES: list[GraphQLInputType] = [
    w for t in [*_INPUT_TYPES, *_ENUMS, *_SCALARS] for w in _wrapped(t)
]


@st.composite
def _typed_values(draw: st.DrawFn) -> tuple[GraphQLInputType, Any]:
    type_ = draw(st.sampled_from(_COERCED_TYPES))
    return type_, draw(_value_for(type_))


@settings(
    max_examples=int(os.environ.get("RAPPORT_FUZZ_COERCIONS", "1500")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(_typed_values())
def test_the_laid_out_coercer_answers_as_graphql_core(case: tuple[GraphQLInputType, Any]) -> None:
    type_, value = case
    coerce = coercer(type_)
    assert coerce is not None, str(type_)
    expected = coerce_input_value(value, type_)
    try:
        got = coerce(value)
    except Doubt:
        assert expected is Undefined, (str(type_), value, expected)
        return
    assert expected is not Undefined, (str(type_), value, got)
    assert _strict(got, expected), (str(type_), value, got, expected)


# ---------------------------------------------------------------------------------------------
# jsontext against the stdlib

_json_texts = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.sampled_from(INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
        st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u2028", "\U0001f600"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=800, deadline=None, derandomize=True, database=None)
@given(_json_texts, st.booleans())
def test_jsontext_reads_and_writes_as_the_stdlib(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert _strict_json(jsontext.loads(text), expected)
    raw = text.encode("utf-8", "surrogatepass")
    assert _strict_json(jsontext.loads(raw), json.loads(raw.decode("utf-8", "surrogatepass")))
    if "NaN" in text or "Infinity" in text:
        return  # jsontext.dumps is for values without floats that are not finite (its docstring)
    written = jsontext.dumps(value)
    assert _strict_json(json.loads(written), json.loads(json.dumps(value, separators=(",", ":"))))


def _strict_json(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    return _strict(a, b)


# ---------------------------------------------------------------------------------------------
# Resolvers called straight (hub/api/direct.py) against strawberry's own chain: a second app
# whose schema has no direct resolvers, its input types built by strawberry's conversion.


class _Builders:
    """The `from_input`s direct.py made (on strawberry's definitions, shared by every schema),
    taken away while the plain app answers."""

    def __init__(self) -> None:
        from hub.api.direct import _BUILDERS

        self.made = [
            t.extensions["strawberry-definition"]
            for t in CORE.type_map.values()
            if isinstance(t, GraphQLInputObjectType)
            and _BUILDERS in t.extensions["strawberry-definition"].__dict__
        ]
        self.saved = [d.from_input for d in self.made]

    def off(self) -> None:
        for d in self.made:
            d.from_input = None

    def on(self) -> None:
        for d, saved in zip(self.made, self.saved, strict=True):
            d.from_input = saved


async def test_direct_resolvers_answer_as_strawberry_s_chain(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.api import direct

    url, keys = hub_database
    settings_ = _settings(url)
    builders = _Builders()
    assert builders.made, "direct.py built no input type"
    async with serving(settings_) as (client, view):
        with monkeypatch.context() as patch:
            patch.setattr(direct, "install", lambda *args, **kwargs: [])
            plain_app = serving(settings_)
            plain_client, plain_view = await plain_app.__aenter__()
        try:
            ours, theirs = Hub(client, view, keys), Hub(plain_client, plain_view, keys)
            resolve = plain_view.schema._schema.query_type.fields["profile"].resolve
            assert "direct_" not in getattr(resolve, "__name__", "")
            rng = random.Random(SEED + 1)
            values = Values(rng, await _store_values(ours))
            documents = Documents(rng, values)
            query_roots = list(CORE.query_type.fields)  # type: ignore[union-attr]
            discrepancies: list[str] = []
            compared = 0
            for case in range(CASES // 2):
                roots = rng.sample(query_roots, 1)
                if rng.random() < 0.5:
                    roots = ["profile"]
                document, variables, name = documents.build("query", roots)
                request = _request(rng, document, variables, name, "query")
                request["persisted"] = False
                ours.forget()
                a = await ours.send(request)
                builders.off()
                try:
                    theirs.forget()
                    b = await theirs.send(request)
                finally:
                    builders.on()
                compared += 1
                if a != b:
                    discrepancies.append(
                        f"case {case}: key={request['key']}\n  document: {document}\n"
                        f"  variables: {json.dumps(variables)[:500]}\n"
                        f"  direct: {a[0]} {a[2][:400]!r}\n  strawberry: {b[0]} {b[2][:400]!r}"
                    )
        finally:
            await plain_app.__aexit__(None, None, None)
    print("direct vs strawberry compared:", compared)
    assert not discrepancies, "\n\n".join(discrepancies[:10])
