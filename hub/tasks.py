"""Background tasks ended the one way: cancelled, then awaited, whatever they raise on the way
out (a task that fails as it stops must not stop the rest of a shutdown).

This module is part of the shared core: it imports no domain."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def stop_tasks(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel every task given (None: none was started), then wait for each to end."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    for task in started:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
