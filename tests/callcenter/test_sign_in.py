"""Sign-in, a wrong password, a refused key and an unreachable hub: each a clear message."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from textual.widgets import Input

from clients.callcenter.api import HubClient
from clients.callcenter.app import CallCenterApp
from clients.callcenter.dialogs.base import FieldError
from clients.callcenter.options import Options
from clients.callcenter.screens.find_caller import FindCallerScreen
from clients.callcenter.screens.sign_in import SignInScreen
from clients.callcenter.screens.unreachable import UnreachableScreen
from tests.callcenter.conftest import make_app, save_svg, wait_for

pytestmark = pytest.mark.tui


def _error_text(app: CallCenterApp, name: str) -> str:
    return str(app.screen.query_one(f"#{name}-error", FieldError).content)


async def _type_credentials(pilot: Any, username: str, password: str) -> None:
    app = pilot.app
    await pilot.pause()
    app.screen.query_one("#username", Input).value = username
    app.screen.query_one("#password", Input).focus()
    await pilot.press(*password, "enter")


async def test_agent_signs_in_and_reaches_find_caller(hub: Any) -> None:
    app = make_app(hub, sign_in=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        await _type_credentials(pilot, hub.agent_username, hub.agent_password)
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        assert app.client.signed_in
        assert app.client.agent == hub.agent_username


async def test_credentials_from_options_sign_in_by_themselves(hub: Any) -> None:
    app = make_app(hub)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")


async def test_wrong_password_says_so_next_to_the_form(hub: Any) -> None:
    app = make_app(hub, sign_in=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        await _type_credentials(pilot, hub.agent_username, "not the password")
        await wait_for(
            pilot,
            lambda: any(w.has_class("-shown") for w in app.screen.query(FieldError)),
            what="an error",
        )
        shown = " ".join(str(w.content) for w in app.screen.query(FieldError))
        assert shown.strip()
        assert "Traceback" not in shown
        assert isinstance(app.screen, SignInScreen)
        assert not app.client.signed_in
        assert app.screen.query_one("#password", Input).value == ""
        await save_svg(pilot, "callcenter-wrong-password")


async def test_refused_key_is_named_and_can_be_corrected(hub: Any) -> None:
    app = make_app(hub, key="not-a-real-key")
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        await wait_for(pilot, lambda: "401" in _error_text(app, "key"), what="key error")
        assert "key" in _error_text(app, "key")
        app.screen.query_one("#key", Input).value = hub.callcenter_key
        await _type_credentials(pilot, hub.agent_username, hub.agent_password)
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_hub_shows_a_clear_screen_with_retry() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    app = CallCenterApp(HubClient(url, "some-key"), Options(hub_url=url, key="some-key"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnreachableScreen), what="screen")
        text = str(app.screen.query_one("#reason").content)
        assert "Cannot connect" in text and url in text
        await pilot.press("r")
        await pilot.pause(0.3)
        assert isinstance(app.screen, UnreachableScreen)  # still down, still calm
        await save_svg(pilot, "callcenter-unreachable")


async def test_signing_out_ends_the_session_on_the_hub(hub: Any) -> None:
    app = make_app(hub)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        token = app.client.token
        assert token and hub.post("{ __typename }", key=token).status_code == 200
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        assert app.client.token is None
        # The token is dead on the hub too, not merely forgotten by the app.
        assert hub.post("{ __typename }", key=token).status_code == 401
