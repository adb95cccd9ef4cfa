"""Kiosk settings: command-line options first, then RAPPORT_* environment variables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clients.transport import hub_url_option

DEFAULT_HUB_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class KioskConfig:
    hub_url: str = DEFAULT_HUB_URL
    key: str = ""
    host: str = "127.0.0.1"
    port: int = 8100
    # Seconds without a touch before "Still there?" appears, and how long that prompt waits.
    idle_seconds: int = 60
    prompt_seconds: int = 15
    store_name: str = "Rapport Home & Gifts"


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high` (a port of 99999 was taken and
    uvicorn listened elsewhere; an idle time of "abc" in the environment was a traceback)."""

    def whole(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not between {low} and {high}")
        return number

    return whole


def parse_config(argv: Sequence[str] | None = None) -> KioskConfig:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="rapport-kiosk", description="Serve the in-store kiosk (a backend-for-frontend)."
    )
    parser.add_argument(
        "--hub-url", type=hub_url_option, default=env.get("RAPPORT_HUB_URL", DEFAULT_HUB_URL)
    )
    parser.add_argument("--key", default=env.get("RAPPORT_KIOSK_KEY", ""), help="kiosk channel key")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_whole(1, 65535), default=8100)
    parser.add_argument(
        "--idle-seconds",
        type=_whole(1, 86_400),
        default=env.get("RAPPORT_KIOSK_IDLE_SECONDS", "60"),
        help="seconds without a touch before the kiosk asks 'Still there?' and then resets",
    )
    parser.add_argument(
        "--prompt-seconds",
        type=_whole(1, 3_600),
        default=env.get("RAPPORT_KIOSK_PROMPT_SECONDS", "15"),
        help="how long the 'Still there?' prompt waits before resetting",
    )
    parser.add_argument(
        "--store-name", default=env.get("RAPPORT_KIOSK_STORE_NAME", KioskConfig.store_name)
    )
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("a kiosk key is required: --key KEY or RAPPORT_KIOSK_KEY")
    return KioskConfig(
        hub_url=args.hub_url,
        key=args.key,
        host=args.host,
        port=args.port,
        idle_seconds=args.idle_seconds,
        prompt_seconds=args.prompt_seconds,
        store_name=args.store_name,
    )
