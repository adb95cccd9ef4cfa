"""Argon2 password hashes, computed off the event loop.

One hash or check takes ~0.1 s of CPU (on several threads: argon2's lanes). Run on the event
loop, a handful of concurrent sign-ins would stall every other client of the hub; here they
queue for a small pool (half the CPUs), which also caps how many guesses a second one hub
checks."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="rapport-argon2"
)
# Checked for unknown usernames too, so the answer's timing does not tell who exists.
DUMMY_HASH = _hasher.hash("not a real password")


def _matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (None: check a dummy, say no)."""
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_pool, _matches, stored or DUMMY_HASH, password)
    return ok and stored is not None


async def hashed(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)
