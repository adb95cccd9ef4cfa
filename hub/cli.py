"""`rapport-hub`: serve, migrate, seed-demo, import, keys, agents, retrain, …"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from hub import memory
from hub.cli_upkeep import in_session
from hub.db import Database, unavailable, worth_retrying
from hub.enums import Channel
from hub.errors import DomainError
from hub.settings import DEV_SECRET, Settings, get_settings

T = TypeVar("T")

# The commands that read or write the store through its tables, which must be at the newest
# schema first (serve, seed-demo and import see to it themselves; migrate makes it so).
_ON_THE_STORE = frozenset({"report", "retrain", "keys", "agents", "retention", "partitions"})


def _migrate(_: argparse.Namespace) -> int:
    from hub.migrate import upgrade

    upgrade(get_settings().database_url)
    print("database is at the newest schema", file=sys.stderr)
    return 0


def _store_ready(settings: Settings, *, upgrade_any: bool = False) -> bool:
    """Whether the store can be used, its schema the newest; if not, says why on stderr.

    An embedded (SQLite) or dev store is brought up to date first (zero set-up, as `serve`
    always did), a production PostgreSQL one is left to `rapport-hub migrate` unless
    `upgrade_any` (seed-demo, import); a store that cannot be reached is said so, not with a
    driver's traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from hub.migrate import is_current, upgrade

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        if upgrade_any or settings.env == "dev" or settings.is_sqlite:
            upgrade(settings.database_url)
        elif not is_current(settings.database_url):
            print(f"error: the store at {shown} needs `rapport-hub migrate` first", file=sys.stderr)
            return False
    except (DBAPIError, OSError) as error:
        if not unavailable(error):
            raise  # a fault of the hub's own: its traceback says where
        reason = getattr(error, "orig", None) or error
        print(f"error: cannot reach the store at {shown}: {reason}", file=sys.stderr)
        return False
    return True


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if settings.env == "production" and settings.secret_key == DEV_SECRET:
        print("set RAPPORT_SECRET_KEY to a long random value in production", file=sys.stderr)
        return 2
    if not _store_ready(settings):
        return 2
    uvicorn.run(
        "hub.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        ws="websockets-sansio",
        ws_max_size=settings.max_body_bytes,
        ws_per_message_deflate=settings.ws_compression,
    )
    return 0


def _keys(args: argparse.Namespace) -> int:
    from hub.auth import service as auth

    if args.keys_command == "create":
        _, plain = in_session(lambda s: auth.create_key(s, Channel(args.channel), args.name or ""))
        print(plain)
        return 0
    if args.keys_command == "revoke":
        ok = in_session(lambda s: auth.revoke_key(s, args.id))
        print("revoked" if ok else "no such active key", file=sys.stderr)
        return 0 if ok else 1
    for key in in_session(auth.list_keys):
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}\t{key.channel}\t{key.name}\t{key.prefix}…\t{state}")
    return 0


def _agents(args: argparse.Namespace) -> int:
    from hub.auth import service as auth

    try:
        if args.agents_command == "disable":
            agent = in_session(lambda s: auth.disable_agent(s, args.username))
            print(f"agent {agent.username} is disabled and signed out", file=sys.stderr)
            return 0
        agent = in_session(
            lambda s: auth.create_agent(s, args.username, args.password, args.display_name)
        )
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"agent {agent.username} can sign in", file=sys.stderr)
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    from hub.demo.seed import seed_demo

    settings = get_settings()
    if not _store_ready(settings, upgrade_any=True):
        return 2
    memory.for_bulk_work()
    return asyncio.run(
        seed_demo(settings, args.path or settings.demo_data_path, with_keys=not args.no_keys)
    )


# What an import that stopped part-way leaves: each chunk is stored whole or not at all.
_RERUN = "chunks stored before stay stored; running the import again adds only what is missing"


def _import(args: argparse.Namespace) -> int:
    import codecs
    import zlib
    from pathlib import Path

    from rich.console import Console
    from sqlalchemy.exc import DBAPIError

    from hub.events import importer

    settings = get_settings()
    path = Path(args.file)
    if not path.exists():
        print(f"error: no file at {path}", file=sys.stderr)
        return 2
    if not path.is_file():  # a directory, a named pipe: read from a file only
        print(f"error: {path} is not a file (a directory or a pipe?)", file=sys.stderr)
        return 2
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        print(f"error: {args.encoding!r} is not a text encoding", file=sys.stderr)
        return 2
    if not _store_ready(settings, upgrade_any=True):
        return 2
    memory.for_bulk_work()
    console = Console(stderr=True)

    def progress(report: importer.ImportReport) -> None:
        console.print(
            f"  {report.lines:,} lines read: {report.accepted:,} stored, "
            f"{report.duplicates:,} already there",
            highlight=False,
        )

    try:
        report = asyncio.run(
            importer.run_on(
                settings,
                path,
                chunk=args.chunk,
                window=args.window,
                progress=progress,
                encoding=args.encoding,
            )
        )
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as error:
        # EOFError: a gzip file cut short; zlib.error: its compressed data damaged. Chunks
        # committed before stay (each whole); the lines still waiting were not stored.
        print(
            f"error: cannot read {path}: {error} ({_RERUN})",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the chunk in hand was rolled back as the run stopped
        print(f"interrupted: {_RERUN}", file=sys.stderr)
        return 130
    except DBAPIError as error:
        if not (unavailable(error) or worth_retrying(error)):
            raise  # a fault of the hub's own: its traceback says where
        # The store away, or held by another writer through every try of a chunk (a SQLite
        # file locked by another process's long transaction): that chunk was not stored.
        print(
            f"error: the store did not take the import: {error.orig or error} ({_RERUN})",
            file=sys.stderr,
        )
        return 2
    for lines, message in report.problems:
        print(f"{importer.lines_named(lines)}: {message}", file=sys.stderr)
    if report.refused > len(report.problems):
        print(f"… and {report.refused - len(report.problems)} more refused lines", file=sys.stderr)
    rate = report.accepted / report.seconds if report.seconds else 0.0
    print(
        f"{report.lines:,} lines: {report.accepted:,} events stored, {report.duplicates:,} "
        f"already there, {report.suppressed:,} for erased customers dropped, "
        f"{report.refused:,} refused "
        f"({report.seconds:.1f} s, {rate:,.0f} events/s)",
        file=sys.stderr,
    )
    return 1 if report.refused else 0


def _export_schema(args: argparse.Namespace) -> int:
    from strawberry.printer import print_schema

    from hub.web.schema import schema

    sdl = print_schema(schema) + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
        return 0
    return 0 if write_page(args.output, sdl) else 1


def _retrain(_: argparse.Namespace) -> int:
    from hub.recs.training import retrain

    async def run() -> int:
        db = Database(get_settings().database_url)
        try:
            row = await retrain(db)
        finally:
            await db.dispose()
        if row is None:
            print("no purchases yet: nothing to train", file=sys.stderr)
            return 0
        print(
            f"trained {row.kind}: {row.n_users} customers, {row.n_items} items, {row.seconds} s",
            file=sys.stderr,
        )
        return 0

    return asyncio.run(run())


def _report(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from sqlalchemy import func, select

    from hub import report
    from hub.campaigns import service as campaigns
    from hub.events.models import Event
    from hub.recs import evaluation

    settings = get_settings()

    async def run() -> str | None:
        db = Database(settings.database_url)
        try:
            async with db.sessions() as session:
                newest = await session.scalar(select(func.max(Event.occurred_at)))
                end = (
                    datetime.fromisoformat(args.to)
                    if args.to
                    else ((newest or datetime.now(UTC)) + timedelta(seconds=1))
                )
                start = (
                    datetime.fromisoformat(args.since)
                    if args.since
                    else (end - timedelta(days=args.days))
                )
                if _aware(start) >= _aware(end):
                    until = args.to or f"{end:%Y-%m-%d %H:%M:%S}, just after the newest event"
                    print(
                        f"error: --from ({args.since}) must be before --to ({until})",
                        file=sys.stderr,
                    )
                    return None
                result = await evaluation.evaluate(
                    session, _aware(start), _aware(end), args.touchpoint, settings.holdout_percent
                )
                sections = []
                for campaign in reversed(await campaigns.all_campaigns(session)):
                    if campaign.status == "RUN":
                        _, found = await campaigns.evaluate(session, campaign.id)
                        sections.append(
                            report.CampaignSection(
                                campaign.name, campaign.starts_at, campaign.ends_at, found
                            )
                        )
        finally:
            await db.dispose()
        return report.render(
            result, settings.holdout_percent, _backtest_beside(args.output), sections
        )

    page = asyncio.run(run())
    if page is None:
        return 2
    if not write_page(args.output, page):
        return 1
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _backtest_beside(output: str) -> str | None:
    """The backtest page's name when `rapport-hub backtest` wrote one next to `output`."""
    from pathlib import Path

    from hub.backtest.command import DEFAULT_OUTPUT

    found = Path(output).resolve().parent / DEFAULT_OUTPUT
    return DEFAULT_OUTPUT if found.is_file() else None


def _backtest(args: argparse.Namespace) -> int:
    from hub.backtest import command as backtest_command

    return backtest_command.main(args.path, args.cutoff, args.horizon_days, args.output)


def _aware(moment: Any) -> Any:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_range(low: int, high: int, why: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else a usage error that says so
    (a port of 99999, no workers or a chunk of 0 were taken as given), and `why` the bound."""

    def whole(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not between {low} and {high}{why}")
        return number

    return whole


def _day(text: str) -> str:
    """An argparse type: a date (or a moment) in ISO form, else a usage error that says so."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return text


def _page_file(text: str) -> str:
    """An argparse type: a file a command may write (its folder there and writable), checked
    before any work, so that a backtest does not run for minutes to fail at its last step.
    `-` (standard output) passes."""
    if text == "-":
        return text
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder: name a file in it")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write in {folder}")
    return text


def write_page(path: str, text: str) -> bool:
    """Write a command's page (or schema); a disk that fails now (full, gone) is said in one
    line on stderr and False, not a traceback."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return False
    return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport-hub", description="The Rapport profile hub.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the GraphQL server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_in_range(1, 65535), default=8000)
    serve.add_argument("--workers", type=_in_range(1, 256), default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(func=_migrate)

    seed = sub.add_parser("seed-demo", help="load the demo store (idempotent)")
    seed.add_argument("path", nargs="?", help="Online Retail II CSV (.csv or .csv.gz)")
    seed.add_argument("--no-keys", action="store_true", help="do not create demo keys")
    seed.set_defaults(func=_seed_demo)

    sub.add_parser("retrain", help="train the recommendation model now").set_defaults(func=_retrain)

    from hub import cli_upkeep

    cli_upkeep.add_commands(sub)  # retention, partitions, vacuum

    rep = sub.add_parser("report", help="write an HTML report: personalised against holdout")
    rep.add_argument(
        "--from", dest="since", type=_day, help="start (ISO date); default: --days before --to"
    )
    rep.add_argument("--to", type=_day, help="end (ISO date); default: just after the newest event")
    rep.add_argument("--days", type=_in_range(1, 100_000), default=90)
    rep.add_argument(
        "--touchpoint", choices=["WEB", "KIOSK", "CALL_CENTER", "DIRECT_MARKETING", "STORE"]
    )
    rep.add_argument("--output", type=_page_file, default="rapport-report.html")
    rep.set_defaults(func=_report)

    back = sub.add_parser(
        "backtest",
        help="score the served picks against simple baselines on past purchases (HTML page)",
    )
    back.add_argument("path", nargs="?", help="Online Retail II CSV; default: the demo data")
    back.add_argument(
        "--cutoff",
        type=_day,
        action="append",
        default=[],
        metavar="DATE",
        help="a cut-off (YYYY-MM-DD, repeatable); default 2010-03-01, 2010-05-01, 2010-06-15",
    )
    back.add_argument(
        "--horizon-days", type=_in_range(1, 100_000), default=182, help="days scored after each"
    )
    back.add_argument(
        "--output", type=_page_file, default="rapport-backtest.html", help="the HTML page"
    )
    back.set_defaults(func=_backtest)

    imp = sub.add_parser(
        "import",
        help="import events from NDJSON or CSV (optionally .gz), as track would (idempotent)",
    )
    imp.add_argument("file", help="events.ndjson, events.csv, or either gzipped")
    imp.add_argument(
        "--chunk",
        type=_in_range(1, 1_000_000),
        default=5000,
        help="events per transaction (default 5000). On a big SQLite store larger ones are "
        "faster (a first load: 50000), but a touchpoint writing meanwhile waits for the one "
        "in hand",
    )
    # A valid line waits in memory as ~0.55-0.65 KB (more with properties), and two windows
    # are held at once (one stored, reordered, while the next is read): ~1.5 KB a line of the
    # window, the default ~150 MB, the most ~1.5 GB. Ten million lines (the bound before)
    # took ~15 GB, most of a 24 GB machine shared with the store and the hubs: the import was
    # killed for memory with nothing said.
    imp.add_argument(
        "--window",
        type=_in_range(
            0, 1_000_000, " (a window's line takes ~0.7 KB of memory, two windows at once)"
        ),
        default=100_000,
        help="lines stored customer by customer (default 100000, at most 1000000): a window's "
        "events are grouped by identifier, each's in file order, so a customer's go in one "
        "transaction (about twice as fast on a big store); 0 keeps the file's order. Memory: "
        "about 1.5 KB a line of the window, two being held at once (the default ~150 MB, the "
        "most ~1.5 GB)",
    )
    imp.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="the file's text encoding, e.g. cp1252 for a spreadsheet's CSV saved on Windows "
        "(default UTF-8, with or without a byte-order mark)",
    )
    imp.set_defaults(func=_import)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL (schema.graphql)")
    export.add_argument(
        "--output", type=_page_file, default="schema.graphql", help="file, or - for stdout"
    )
    export.set_defaults(func=_export_schema)

    keys = sub.add_parser("keys", help="channel API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it (only the key)")
    create.add_argument(
        "--channel", required=True, choices=[c.value for c in Channel if c is not Channel.SELF]
    )
    create.add_argument("--name", default="")
    keys_sub.add_parser("list", help="list keys (never their secrets)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    keys.set_defaults(func=_keys)

    agents = sub.add_parser("agents", help="call-center agent accounts")
    agents_sub = agents.add_subparsers(dest="agents_command", required=True)
    acreate = agents_sub.add_parser("create", help="create an agent or reset their password")
    acreate.add_argument("--username", required=True)
    acreate.add_argument("--password", required=True)
    acreate.add_argument("--display-name", default=None)
    adisable = agents_sub.add_parser(
        "disable", help="stop an agent signing in and end their sessions"
    )
    adisable.add_argument("--username", required=True)
    agents.set_defaults(func=_agents)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from hub.assembly import assemble

    assemble()  # every domain's merge / split / erase / export hooks, as the app has them
    if args.command in _ON_THE_STORE:
        if not _store_ready(get_settings()):
            return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
