"""What the interop tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import HubHandle, stop_hub


@pytest.fixture
def hubs() -> Iterator[list[HubHandle]]:
    """The hubs a test starts (its own, on the session's store: restarting one disturbs no
    other test); each is stopped at the end."""
    started: list[HubHandle] = []
    yield started
    for handle in started:
        stop_hub(handle)
