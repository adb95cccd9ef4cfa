"""Password guessing is throttled (per username and per client address), and checking a
password never stalls the hub for everyone else."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import HubHandle, hub_command, running_hub, unique
from tests.hub.test_auth_e2e import LOGIN

LOGIN_WITH_MESSAGE = (
    "mutation($u:String!,$p:String!){agentLogin(username:$u,password:$p)"
    "{token userErrors{code message}}}"
)
TRIVIAL = "{ __typename }"
LOCKOUT = 5.0


@pytest.fixture(scope="module")
def strict_hub(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    url, keys = hub_database
    with running_hub(
        url,
        keys,
        RAPPORT_LOGIN_MAX_FAILURES="3",
        RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS="6",
        RAPPORT_LOGIN_LOCKOUT_SECONDS=str(LOCKOUT),
    ) as handle:
        yield handle


def _agent(hub: HubHandle, password: str = "right-pass-1") -> str:
    username = unique("agent.")
    hub_command(
        hub.database_url, "agents", "create", "--username", username, "--password", password
    )
    return username


def _try(
    hub: HubHandle, username: str, password: str, address: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {hub.callcenter_key}"}
    if address:
        headers["X-Forwarded-For"] = address  # the hub trusts its local proxy's header
    response = httpx.post(
        f"{hub.url}/graphql",
        headers=headers,
        json={"query": LOGIN_WITH_MESSAGE, "variables": {"u": username, "p": password}},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["agentLogin"]
    return result


def _code(result: dict[str, Any]) -> str | None:
    errors = result["userErrors"]
    return str(errors[0]["code"]) if errors else None


def test_wrong_passwords_lock_the_username_even_for_the_right_one(strict_hub: HubHandle) -> None:
    # Each test guesses from an address of its own (as a proxy would say): six failures
    # from one address lock it, whatever the usernames.
    here = "192.0.2.1"
    username, other = _agent(strict_hub), _agent(strict_hub)
    for _ in range(3):
        assert _code(_try(strict_hub, username, "wrong-pass-1", here)) == "INVALID_CREDENTIALS"
    locked = _try(strict_hub, username, "right-pass-1", here)
    assert locked["token"] is None and _code(locked) == "TOO_MANY_ATTEMPTS"
    assert "try again in 5 seconds" in locked["userErrors"][0]["message"]
    elsewhere = _try(strict_hub, username, "right-pass-1", "192.0.2.99")
    assert _code(elsewhere) == "TOO_MANY_ATTEMPTS", "the username is locked, wherever from"
    # Someone else signing in from the same place is not held up.
    assert _try(strict_hub, other, "right-pass-1", here)["token"]
    time.sleep(LOCKOUT + 0.2)
    assert _try(strict_hub, username, "right-pass-1", here)["token"], "the lock ends"


def test_a_successful_sign_in_clears_the_usernames_failures(strict_hub: HubHandle) -> None:
    username, here = _agent(strict_hub), "192.0.2.2"
    for _ in range(2):
        assert _code(_try(strict_hub, username, "wrong-pass-1", here)) == "INVALID_CREDENTIALS"
    assert _try(strict_hub, username, "right-pass-1", here)["token"]
    for _ in range(2):
        assert _code(_try(strict_hub, username, "wrong-pass-1", here)) == "INVALID_CREDENTIALS"
    assert _try(strict_hub, username, "right-pass-1", here)["token"]


def test_one_address_guessing_many_usernames_is_locked(strict_hub: HubHandle) -> None:
    address, username = "203.0.113.7", _agent(strict_hub)
    for _ in range(6):
        failed = _try(strict_hub, unique("nobody."), "guess-pass-1", address)
        assert _code(failed) == "INVALID_CREDENTIALS"
    locked = _try(strict_hub, username, "right-pass-1", address)
    assert locked["token"] is None and _code(locked) == "TOO_MANY_ATTEMPTS"
    assert _try(strict_hub, username, "right-pass-1", "203.0.113.8")["token"], "others are not"


def test_unknown_usernames_are_throttled_like_known_ones(strict_hub: HubHandle) -> None:
    nobody = unique("nobody.")
    codes = [_code(_try(strict_hub, nobody, "guess-pass-1", "198.51.100.3")) for _ in range(4)]
    assert codes == ["INVALID_CREDENTIALS"] * 3 + ["TOO_MANY_ATTEMPTS"]


def _timed(client: httpx.Client, hub: HubHandle) -> float:
    started = time.perf_counter()
    response = client.post(
        f"{hub.url}/graphql",
        headers={"Authorization": f"Bearer {hub.admin_key}"},
        json={"query": TRIVIAL},
    )
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


def _guess(hub: HubHandle, username: str, start: threading.Barrier) -> None:
    with httpx.Client(timeout=60) as client:
        _timed(client, hub)  # connected before the burst
        start.wait()
        client.post(
            f"{hub.url}/graphql",
            # From an address of their own: the counts are the store's, shared with every
            # other hub the run starts on it, which would then refuse this machine's sign-ins.
            headers={
                "Authorization": f"Bearer {hub.callcenter_key}",
                "X-Forwarded-For": "198.51.100.200",
            },
            json={"query": LOGIN, "variables": {"u": username, "p": "a-wrong-guess"}},
        )


def test_checking_passwords_does_not_stall_other_clients(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    url, keys = hub_database
    # Limits out of the way: every one of these guesses checks a password.
    with running_hub(
        url,
        keys,
        RAPPORT_LOGIN_MAX_FAILURES="1000",
        RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS="1000",
    ) as hub:
        username = _agent(hub)
        with httpx.Client(timeout=60) as client:
            alone = statistics.median(_timed(client, hub) for _ in range(7))
            start = threading.Barrier(25)
            guesses = [
                threading.Thread(target=_guess, args=(hub, username, start)) for _ in range(24)
            ]
            for thread in guesses:
                thread.start()
            start.wait()
            time.sleep(0.1)  # the 24 sign-ins are in the hub
            during = [_timed(client, hub)]
            while any(thread.is_alive() for thread in guesses):
                time.sleep(0.05)  # well under the admin key's rate limit
                during.append(_timed(client, hub))
            for thread in guesses:
                thread.join()
        # Before: ~0.1 s of argon2 per guess on the event loop, a query waited for them all.
        bound = max(1.0, 10 * alone)  # a stall is 24 guesses × ~0.1 s; 0.5 s flapped under load
        assert max(during) < bound, (alone, during)


def test_every_process_of_a_hub_counts_together(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """Two processes on one store (`serve --workers 2`, two replicas): a guesser going from
    one to the other gets the limit once, not once per process."""
    url, keys = hub_database
    strict = {
        "RAPPORT_LOGIN_MAX_FAILURES": "3",
        "RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS": "6",
        "RAPPORT_LOGIN_LOCKOUT_SECONDS": str(LOCKOUT),
    }
    with running_hub(url, keys, **strict) as first, running_hub(url, keys, **strict) as second:
        username, here = _agent(first), "192.0.2.50"
        codes = [
            _code(_try(hub, username, "wrong-pass-1", here))
            for hub in (first, second, first, second)
        ]
        assert codes == ["INVALID_CREDENTIALS"] * 3 + ["TOO_MANY_ATTEMPTS"]
        assert _code(_try(first, username, "right-pass-1", here)) == "TOO_MANY_ATTEMPTS"
        nobody = unique("nobody.")
        for hub in (second, first, second):
            assert _code(_try(hub, nobody, "guess-pass-1", here)) == "INVALID_CREDENTIALS"
        assert _code(_try(first, unique("nobody."), "guess-pass-1", here)) == (
            "TOO_MANY_ATTEMPTS"
        ), "six failures from one address, over both processes, lock the address"
