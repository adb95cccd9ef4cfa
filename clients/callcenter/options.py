"""Command-line options for `rapport-callcenter`; each falls back to an environment variable."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from clients.transport import hub_url_option

DEFAULT_HUB_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Options:
    hub_url: str = DEFAULT_HUB_URL
    key: str | None = None
    username: str | None = None
    password: str | None = None
    caller: str | None = None
    export_dir: str = "."

    @property
    def has_credentials(self) -> bool:
        return bool(self.username and self.password)


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rapport-callcenter",
        description="Rapport agent desktop: find the caller, see the whole customer, act during "
        "the call.",
        epilog="Each option also reads an environment variable: RAPPORT_HUB_URL, "
        "RAPPORT_CALLCENTER_KEY, RAPPORT_AGENT_USERNAME, RAPPORT_AGENT_PASSWORD, "
        "RAPPORT_EXPORT_DIR.",
    )
    parser.add_argument(
        "--hub-url",
        type=hub_url_option,
        default=env.get("RAPPORT_HUB_URL") or DEFAULT_HUB_URL,
        metavar="URL",
        help="base URL of the Rapport hub (default: %(default)s)",
    )
    parser.add_argument(
        "--key",
        default=env.get("RAPPORT_CALLCENTER_KEY"),
        metavar="KEY",
        help="call-center channel key issued by `rapport-hub keys create --channel callcenter`",
    )
    parser.add_argument(
        "--username",
        default=env.get("RAPPORT_AGENT_USERNAME"),
        metavar="U",
        help="agent username; with --password the app signs in by itself",
    )
    parser.add_argument(
        "--password",
        default=env.get("RAPPORT_AGENT_PASSWORD"),
        metavar="P",
        help="agent password",
    )
    parser.add_argument(
        "--caller",
        metavar="PHONE",
        help="incoming caller's number: opens that caller's profile at once (screen pop)",
    )
    parser.add_argument(
        "--export-dir",
        default=env.get("RAPPORT_EXPORT_DIR") or ".",
        metavar="DIR",
        help="folder where profile exports are saved (default: the current folder)",
    )
    return parser


def parse_options(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> Options:
    args = _parser(os.environ if env is None else env).parse_args(argv)
    return Options(
        hub_url=args.hub_url.rstrip("/"),
        key=args.key or None,
        username=args.username or None,
        password=args.password or None,
        caller=args.caller or None,
        export_dir=args.export_dir,
    )
