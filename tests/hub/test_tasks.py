"""hub.tasks.stop_tasks: every background task is cancelled and awaited, one failing as it
stops does not keep the others running, and a task never started is no task."""

from __future__ import annotations

import asyncio

from hub.tasks import stop_tasks


async def test_every_task_stops_though_one_fails_on_the_way_out() -> None:
    stopped: list[str] = []

    async def failing() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.append("failing")
            raise RuntimeError("lost its connection while stopping")

    async def quiet() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.append("quiet")

    tasks = [asyncio.create_task(failing()), asyncio.create_task(quiet())]
    await asyncio.sleep(0)  # both running
    await stop_tasks(tasks[0], None, tasks[1])
    assert sorted(stopped) == ["failing", "quiet"]
    assert all(task.done() for task in tasks)
