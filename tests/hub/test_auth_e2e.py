"""Channels and scopes: refused before any work, typed errors for what a key may not do."""

from __future__ import annotations

import httpx

from hub.actors import Scope
from tests.conftest import HubHandle, unique
from tests.hub.gql import ADD_NOTE, IDENTIFY, PROFILE_BY_ID, SEARCH
from tests.hub.test_identity_e2e import identify


def test_missing_or_wrong_key_is_401(hub: HubHandle) -> None:
    query = {"query": "{ products { sku } }"}
    assert httpx.post(f"{hub.url}/graphql", json=query).status_code == 401
    for header in ("Bearer nope", "Basic abc", "Bearer", hub.admin_key):
        response = httpx.post(f"{hub.url}/graphql", json=query, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_refused_mutation_does_no_work(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    response = httpx.post(
        f"{hub.url}/graphql",
        headers={"Authorization": "Bearer wrong"},
        json={
            "query": IDENTIFY,
            "variables": {
                "input": {"identifiers": [{"kind": "EMAIL", "value": email}], "touchpoint": "WEB"}
            },
        },
    )
    assert response.status_code == 401
    found = hub.gql(
        "query($v:String!){profile(identifier:{kind:EMAIL,value:$v}){id}}", {"v": email}
    )
    assert found["data"]["profile"] is None


def test_scopes_per_channel(hub: HubHandle) -> None:
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    # The web site may not search or write notes.
    search = hub.gql(SEARCH, {"text": "anna"}, key=hub.web_key)
    assert search["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    note = hub.gql(ADD_NOTE, {"id": profile["id"], "text": "hi"}, key=hub.web_key)
    assert note["data"]["addNote"]["userErrors"][0]["code"] == "FORBIDDEN"
    # A bare call-center key can only sign an agent in.
    bare = hub.gql(
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": f"{unique()}@example.com"}],
                "touchpoint": "CALL_CENTER",
            }
        },
        key=hub.callcenter_key,
    )
    assert bare["data"]["identify"]["userErrors"][0]["code"] == "FORBIDDEN"
    # Only admins erase.
    erase = hub.gql(
        "mutation($id:ID!){eraseProfile(profileId:$id){erased userErrors{code}}}",
        {"id": profile["id"]},
        key=hub.kiosk_key,
    )
    assert erase["data"]["eraseProfile"] == {"erased": False, "userErrors": [{"code": "FORBIDDEN"}]}
    assert hub.gql(PROFILE_BY_ID, {"id": profile["id"]})["data"]["profile"] is not None


def test_agent_login_and_token(hub: HubHandle) -> None:
    login = (
        "mutation($u:String!,$p:String!){agentLogin(username:$u,password:$p)"
        "{token expiresAt userErrors{field code message}}}"
    )
    wrong = hub.gql(login, {"u": hub.agent_username, "p": "wrong password"}, key=hub.callcenter_key)
    assert wrong["data"]["agentLogin"]["token"] is None
    assert wrong["data"]["agentLogin"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    nobody = hub.gql(login, {"u": "nobody", "p": "whatever1"}, key=hub.callcenter_key)
    assert nobody["data"]["agentLogin"]["userErrors"] == wrong["data"]["agentLogin"]["userErrors"]
    web_login = hub.gql(login, {"u": hub.agent_username, "p": hub.agent_password}, key=hub.web_key)
    assert web_login["data"]["agentLogin"]["userErrors"][0]["code"] == "FORBIDDEN"
    ok = hub.gql(login, {"u": hub.agent_username, "p": hub.agent_password}, key=hub.callcenter_key)[
        "data"
    ]["agentLogin"]
    assert ok["token"].startswith("rat_") and ok["expiresAt"]
    found = hub.gql(SEARCH, {"text": "13085"}, key=ok["token"])
    assert "errors" not in found


def test_keys_command_prints_only_the_key(hub: HubHandle) -> None:
    from tests.conftest import hub_command

    result = hub_command(hub.database_url, "keys", "create", "--channel", "web", "--name", "x")
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("rk_web_")
    body = hub.gql("{ products(first: 1) { sku } }", key=result.stdout.strip())
    assert body["data"]["products"]


def test_a_web_site_reaches_only_customers_it_named(hub: HubHandle) -> None:
    from tests.conftest import hub_command
    from tests.hub.gql import PROFILE_BY_IDENTIFIER, SET_PREFERENCES

    other_site = hub_command(
        hub.database_url, "keys", "create", "--channel", "web", "--name", "other-shop"
    ).stdout.strip()
    email = f"{unique()}@example.com"
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    assert hub.gql(PROFILE_BY_ID, {"id": pid}, key=hub.web_key)["data"]["profile"]["id"] == pid
    refused = hub.gql(PROFILE_BY_ID, {"id": pid}, key=other_site)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    write = hub.gql(
        SET_PREFERENCES,
        {"id": pid, "tp": "WEB", "prefs": [{"key": "theme", "value": "vintage"}]},
        key=other_site,
    )
    assert write["data"]["setPreferences"]["userErrors"][0]["code"] == "FORBIDDEN"
    by_identifier = hub.gql(
        PROFILE_BY_IDENTIFIER, {"kind": "EMAIL", "value": email}, key=other_site
    )
    assert by_identifier["data"]["profile"]["id"] == pid, "it names them by identifier"
    identify(hub, other_site, "WEB", ("EMAIL", email))
    assert hub.gql(PROFILE_BY_ID, {"id": pid}, key=other_site)["data"]["profile"]["id"] == pid


LOGIN = (
    "mutation($u:String!,$p:String!){agentLogin(username:$u,password:$p){token userErrors{code}}}"
)
LOGOUT = "mutation { agentLogout { signedOut userErrors { code message } } }"


def _login(hub: HubHandle, username: str, password: str) -> str:
    body = hub.gql(LOGIN, {"u": username, "p": password}, key=hub.callcenter_key)
    token: str = body["data"]["agentLogin"]["token"]
    assert token, body
    return token


def _status_within(hub: HubHandle, token: str, status: int, seconds: float = 8.0) -> int:
    """The status a token gets, polled until it is `status` (other replicas cache for 5 s)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        got = hub.post("{ products(first: 1) { sku } }", key=token).status_code
        if got == status or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_an_agent_signs_out_and_the_token_stops_working_at_once(hub: HubHandle) -> None:
    token = _login(hub, hub.agent_username, hub.agent_password)
    assert hub.post("{ products(first: 1) { sku } }", key=token).status_code == 200
    out = hub.gql(LOGOUT, key=token)["data"]["agentLogout"]
    assert out == {"signedOut": True, "userErrors": []}
    assert hub.post("{ products(first: 1) { sku } }", key=token).status_code == 401
    # Only an agent's session signs out; a key is revoked by an operator instead.
    refused = hub.gql(LOGOUT, key=hub.web_key)["data"]["agentLogout"]
    assert refused["signedOut"] is False and refused["userErrors"][0]["code"] == "FORBIDDEN"


def test_a_new_password_or_disabling_ends_every_session_of_that_agent(hub: HubHandle) -> None:
    from tests.conftest import hub_command

    username = unique("agent.")
    hub_command(
        hub.database_url, "agents", "create", "--username", username, "--password", "first-pass-1"
    )
    first, second = (_login(hub, username, "first-pass-1") for _ in range(2))
    hub_command(
        hub.database_url, "agents", "create", "--username", username, "--password", "second-pass-2"
    )
    assert _status_within(hub, first, 401) == 401 and _status_within(hub, second, 401) == 401
    third = _login(hub, username, "second-pass-2")
    result = hub_command(hub.database_url, "agents", "disable", "--username", username)
    assert "disabled" in result.stderr
    assert _status_within(hub, third, 401) == 401
    again = hub.gql(LOGIN, {"u": username, "p": "second-pass-2"}, key=hub.callcenter_key)
    assert again["data"]["agentLogin"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    missing = hub_command(
        hub.database_url, "agents", "disable", "--username", "nobody.x", check=False
    )
    assert missing.returncode == 2 and "No agent" in missing.stderr


def test_a_refusal_says_in_words_what_the_key_may_not_do(hub: HubHandle) -> None:
    segments = hub.gql("{ segments { id } }", key=hub.web_key)
    assert segments["errors"][0]["message"] == (
        "This key may not manage segments, content or segment exports."
    )
    # Every scope has its words (the message was the scope's name: "may not next best actions").
    for scope in Scope:
        assert scope.refusal.startswith("This key may not ") and "_" not in scope.refusal
