"""`rapport-kiosk`'s options as an installer types them: a mistake is a usage error at start."""

from __future__ import annotations

import os
import subprocess

from clients.kiosk.config import parse_config
from tests.conftest import BIN


def _start(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_KIOSK")}
    return subprocess.run(
        [str(BIN / "rapport-kiosk"), "--key", "rk_kiosk_x", *args],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_mistyped_option_is_refused_at_start_not_served() -> None:
    """Before: --port 99999 was taken (uvicorn said it ran "on :99999"), an idle time of "abc"
    in the environment was a traceback, and a hub address without a scheme was served, every
    page then failing."""
    for args, env, said in (
        (("--port", "99999"), {}, "--port: 99999 is not between 1 and 65535"),
        (("--port", "0"), {}, "--port: 0 is not between 1 and 65535"),
        ((), {"RAPPORT_KIOSK_IDLE_SECONDS": "abc"}, "--idle-seconds: 'abc' is not a whole number"),
        (("--prompt-seconds", "-5"), {}, "--prompt-seconds: -5 is not between 1 and 3600"),
        (("--hub-url", "localhost:8000"), {}, "--hub-url: 'localhost:8000' is not a hub address"),
        ((), {"RAPPORT_HUB_URL": "htp://hub"}, "--hub-url: 'htp://hub' is not a hub address"),
    ):
        done = _start(*args, **env)
        assert done.returncode == 2, (args, env, done.stderr)
        assert said in done.stderr and "Traceback" not in done.stderr, (args, env, done.stderr)


def test_good_options_still_read_from_the_line_and_the_environment() -> None:
    config = parse_config(
        ["--key", "k", "--hub-url", "https://hub.example:9000/", "--port", "8200"]
    )
    assert (config.hub_url, config.port, config.idle_seconds) == (
        "https://hub.example:9000",
        8200,
        60,
    )
