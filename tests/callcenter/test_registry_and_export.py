"""The caller's gift registries in the 360° view, and exporting the profile to a file."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input

from clients.callcenter.dialogs.export import ExportDialog
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.profile_panels import GiftRegistriesPanel
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, save_svg, wait_for

pytestmark = pytest.mark.tui

CREATE_REGISTRY = """
mutation($id: ID!, $input: GiftRegistryInput!) {
  createGiftRegistry(profileId: $id, input: $input, touchpoint: WEB) {
    giftRegistry { code remaining items { sku product { name } } }
    userErrors { field code message }
  }
}
"""


async def _open(pilot: Any, app: Any) -> ProfileScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(pilot, lambda: screen.profile.complete, what="the full profile")
    await wait_for(pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)))
    return screen


async def test_gift_registry_shows_in_the_360_view(hub: Any) -> None:
    stored, spoken = drama_number()
    surname = f"Reg{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Anna", surname, phone=stored)
    products = (await gql(hub, "query { products(first: 2) { sku name } }"))["products"]
    wanted = {
        "title": f"Anna & Tom's wedding {surname}",
        "occasion": "Wedding",
        "eventDate": (date.today() + timedelta(days=60)).isoformat(),
        "items": [{"sku": products[0]["sku"], "quantity": 2}, {"sku": products[1]["sku"]}],
    }
    made = await gql(hub, CREATE_REGISTRY, {"id": profile_id, "input": wanted})
    payload = made["createGiftRegistry"]
    assert payload["userErrors"] == [], payload
    code = payload["giftRegistry"]["code"]

    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        panel = screen.query_one(GiftRegistriesPanel)
        assert panel.display
        body = str(screen.query_one("#registries-body").content)
        assert code in body and wanted["title"] in body
        assert "wedding" in body and "3 still wanted" in body
        assert products[0]["name"] in body and "0/2 bought" in body
        await save_svg(pilot, "callcenter-registries-160x50")


async def test_a_customer_without_registries_gets_no_empty_panel(hub: Any) -> None:
    stored, spoken = drama_number()
    await make_caller(hub, "Bo", f"NoReg{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        assert screen.profile.gift_registries == []
        assert not screen.query_one(GiftRegistriesPanel).display


async def test_export_saves_the_profile_to_a_private_file(hub: Any, tmp_path: Path) -> None:
    stored, spoken = drama_number()
    email = f"exp.{uuid.uuid4().hex[:6]}@example.com"
    profile_id = await make_caller(hub, "Esme", "Export", phone=stored, email=email)
    app = make_app(hub, caller=spoken, export_dir=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        assert screen.check_action("export", ())
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), what="export dialog")
        dialog = app.screen
        assert dialog.query_one("#directory", Input).value == str(tmp_path)
        await pilot.press("enter")  # the Export button has the focus
        saved = dialog.query_one("#saved")
        await wait_for(pilot, lambda: "Saved to" in str(saved.content), what="saved")
        files = _exports(tmp_path)
        assert len(files) == 1, files
        path, mode, text = files[0]
        assert str(path) in str(saved.content)  # the agent reads where it went
        assert mode == 0o600  # personal data: the agent's account only
        assert json.loads(text)["profile"]["id"] == profile_id
        assert email in text
        assert str(dialog.query_one("#cancel", Button).label) == "Close"
        await save_svg(pilot, "callcenter-export")


def _exports(folder: Path) -> list[tuple[Path, int, str]]:
    return [
        (path, stat.S_IMODE(path.stat().st_mode), path.read_text())
        for path in folder.glob("rapport-profile-*.json")
    ]


async def test_export_to_a_missing_folder_is_refused_next_to_it(hub: Any, tmp_path: Path) -> None:
    stored, spoken = drama_number()
    await make_caller(hub, "Ezra", "Export", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), what="export dialog")
        dialog = app.screen
        missing = tmp_path / "no" / "such"
        dialog.query_one("#directory", Input).value = str(missing)
        await pilot.press("ctrl+s")
        error = dialog.query_one("#directory-error")
        await wait_for(pilot, lambda: error.has_class("-shown"), what="inline error")
        assert str(missing) in str(error.content)
        assert app.screen is dialog and not missing.exists()
        await save_svg(pilot, "callcenter-export-80x24")
