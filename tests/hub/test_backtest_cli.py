"""`rapport-hub backtest` on the test sample: the store as of a cut-off, the command, its page
in headless Chromium, and the link from `rapport-hub report`."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from rich.console import Console
from sqlalchemy import func, select

from hub.catalog.demo_data import read_catalog
from hub.db import Database, clock_at
from hub.demo.seed import seed_store
from hub.events.models import Event
from hub.migrate import upgrade
from hub.recs import training
from hub.recs.models import RecModel
from hub.settings import Settings
from tests.conftest import BIN, ROOT, SAMPLE, hub_command, scratch
from tests.kiosk.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

CUTOFFS = ("2010-05-01", "2010-07-01")


def _backtest(output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "rapport-hub"), "backtest", str(SAMPLE), *extra, "--output", str(output)],
        env={**os.environ, "RAPPORT_HOLDOUT_PERCENT": "5"},  # the backtest turns it off itself
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def page_file() -> Path:
    folder = scratch("backtest-")
    output = folder / "rapport-backtest.html"
    args = [a for c in CUTOFFS for a in ("--cutoff", c)]
    done = _backtest(output, *args, "--horizon-days", "120")
    assert done.returncode == 0, done.stderr
    (folder / "stdout.txt").write_text(done.stdout)
    return output


async def test_store_as_of_a_cut_off_holds_only_its_past() -> None:
    cutoff = datetime(2010, 5, 1, tzinfo=UTC)
    url = f"sqlite+aiosqlite:///{scratch('asof-')}/store.db"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        with clock_at(cutoff):
            seeded = await seed_store(
                db, Settings(database_url=url), str(SAMPLE), Console(quiet=True), until=cutoff
            )
            model = await training.retrain(db)
        async with db.sessions() as session:
            newest = await session.scalar(select(func.max(Event.occurred_at)))
            trained = await session.scalar(select(RecModel.trained_at))
    finally:
        await db.dispose()
    assert newest is not None and newest < cutoff
    assert seeded.skus == {p.sku for p in read_catalog(SAMPLE, until=cutoff)}
    assert model is not None and trained == cutoff  # the hub's clock stood at the cut-off


def test_backtest_prints_the_table_and_writes_one_self_contained_page(page_file: Path) -> None:
    stdout = (page_file.parent / "stdout.txt").read_text()
    assert "2010-05-01" in stdout and "2010-07-01" in stdout
    for name in ("Rapport (served)", "frequency buy-again", "EASE", "TIFU-KNN", "item-kNN"):
        assert name in stdout
    assert "Default list: Rapport's ten picks held" in stdout
    page = page_file.read_text()
    # Nothing fetched: no scripts, no external stylesheets, images or links.
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "Holdout off" in page


def test_backtest_refuses_a_cut_off_outside_the_data(tmp_path: Path) -> None:
    done = _backtest(tmp_path / "page.html", "--cutoff", "2012-01-01")
    assert done.returncode == 2
    assert "outside the data" in done.stderr
    assert not (tmp_path / "page.html").exists()


async def test_backtest_page_reads_in_chromium(page_file: Path) -> None:
    if not Path(CHROMIUM).exists():  # noqa: ASYNC240
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    problems: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda r: problems.append(f"fetch: {r.url}"))
            await page.goto(page_file.as_uri())
            summary = await page.get_by_test_id("summary").inner_text()
            assert "Rapport" in summary and "recall@10" in summary
            table = page.get_by_test_id("table-default")
            assert await table.locator("tr").count() >= 2 * (1 + 6)  # per cut-off: title + 6
            assert await table.locator("tr.served").count() == len(CUTOFFS)
            for chart in ("chart-default", "chart-new", "chart-revenue"):
                dots = page.get_by_test_id(chart).locator("svg circle")
                assert await dots.count() >= len(CUTOFFS) * 5, chart
            assert await page.get_by_test_id("table-segments").locator("tr").count() > 3
            ARTIFACTS.mkdir(exist_ok=True)
            # The first screen is what a merchandiser reads; the whole page beside it.
            await page.screenshot(path=str(ARTIFACTS / "backtest-first-screen.png"))
            await page.screenshot(path=str(ARTIFACTS / "backtest-page.png"), full_page=True)
        finally:
            await browser.close()
    assert not problems, problems


def test_report_links_to_the_backtest_page_beside_it(
    hub_database: tuple[str, dict[str, str]], page_file: Path
) -> None:
    url, _ = hub_database
    report = page_file.parent / "rapport-report.html"
    hub_command(url, "report", "--output", str(report))
    assert 'href="rapport-backtest.html"' in report.read_text()
    lonely = scratch("report-") / "rapport-report.html"
    hub_command(url, "report", "--output", str(lonely))
    assert "rapport-backtest.html" not in lonely.read_text()
