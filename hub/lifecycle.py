"""Whole-profile operations as hooks: merge, split, erase and export.

Each domain registers, for its own tables only, what it does when two profiles merge, when a
merge is split back, when a customer is erased and what their export holds
(`hub/<domain>/lifecycle.py`, `register(hooks)`). Identity (merge, split) and privacy (erase,
export) run the operation by looping over the steps here, so neither imports the domains whose
rows move. Every step has an order: the operation runs its steps by (order, domain), whatever
order they were registered in, and two steps of one operation may not share an order.

The registrations are put together once per process, above the domains, by
`hub.assembly.assemble()` (called by the app, the command line and the tests); an operation
run before that raises rather than silently skipping a domain's rows.

Every hook answers with a dict of named parts (its journal): a merge's parts make up the merge
journal's `moved` (so the split step gets them back), an export's parts are the document's
sections. Two steps of one operation may not answer the same part.

Two smaller hooks go the same way, so the domain that acts imports none of the domains that
keep track: `on_unlink` (identifiers are about to be removed: rows pointing at them let go,
events keep their profile), run by identity; `on_named` (a caller named these profiles: found,
created or changed them for it; auth lets a web key reach them by id from then on), run by
profiles on every change it records.

This module is part of the shared core: it imports no domain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.actors import Principal

Journal = dict[str, Any]
Operation = Literal["merge", "split", "erase", "export"]


async def hand_back(
    session: AsyncSession,
    key: InstrumentedAttribute[Any],
    ids: Iterable[Any],
    survivor_id: str,
    restored_id: str,
) -> int:
    """A split step's usual work: of the rows a merge moved (`key` among `ids`, as its journal
    kept them), those still on the survivor go back to the restored profile; how many. The
    table names its owner `profile_id`."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return 0
    model = key.class_
    result = await session.execute(
        update(model)
        .where(key.in_(wanted), model.profile_id == survivor_id)
        .values(profile_id=restored_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


class MergeHook(Protocol):
    """Move the absorbed profile's rows to the survivor; answer what moved (for a split).
    `weights` are the learning weights (`hub.weights.Weights`)."""

    async def __call__(
        self, session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object, /
    ) -> Journal: ...


class SplitHook(Protocol):
    """Move back what the merge moved: `moved` is the merge journal's record of it."""

    async def __call__(
        self,
        session: AsyncSession,
        survivor_id: str,
        restored_id: str,
        moved: Mapping[str, Any],
        weights: object,
        /,
    ) -> Journal: ...


class EraseHook(Protocol):
    """Delete (or blank) what the customer's rows hold: `family` is the profile and every
    profile merged into it."""

    async def __call__(
        self, session: AsyncSession, profile_id: str, family: Sequence[str], /
    ) -> Journal: ...


class ExportHook(Protocol):
    """The export's sections this domain holds about the customer (contact details masked
    when `masked`: the document is shown on a shared screen)."""

    async def __call__(
        self, session: AsyncSession, profile_id: str, masked: bool, /
    ) -> Journal: ...


class UnlinkHook(Protocol):
    """Let go of these identifiers (about to be deleted): rows that point at them stay with
    their profile, no longer linked to the identifier."""

    async def __call__(
        self, session: AsyncSession, identifier_ids: Sequence[int], /
    ) -> Journal: ...


class NamedHook(Protocol):
    """`principal` named these profiles (found, created or changed them)."""

    async def __call__(
        self, session: AsyncSession, principal: Principal, profile_ids: Sequence[str], /
    ) -> None: ...


H = TypeVar("H")


@dataclass(frozen=True)
class Step(Generic[H]):
    domain: str
    order: int
    hook: H
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kept:
    """A per-profile table an operation leaves alone on purpose, and why."""

    domain: str
    table: str
    operation: Operation
    reason: str


@dataclass
class Lifecycle:
    merges: list[Step[MergeHook]] = field(default_factory=list)
    splits: list[Step[SplitHook]] = field(default_factory=list)
    erasures: list[Step[EraseHook]] = field(default_factory=list)
    exports: list[Step[ExportHook]] = field(default_factory=list)
    unlinks: list[Step[UnlinkHook]] = field(default_factory=list)
    namings: list[Step[NamedHook]] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)

    # Registration -------------------------------------------------------------------------

    def on_merge(
        self, domain: str, order: int, hook: MergeHook, tables: Sequence[str] = ()
    ) -> None:
        _add(self.merges, Step(domain, order, hook, tuple(tables)), "merge")

    def on_split(
        self, domain: str, order: int, hook: SplitHook, tables: Sequence[str] = ()
    ) -> None:
        _add(self.splits, Step(domain, order, hook, tuple(tables)), "split")

    def on_erase(
        self, domain: str, order: int, hook: EraseHook, tables: Sequence[str] = ()
    ) -> None:
        _add(self.erasures, Step(domain, order, hook, tuple(tables)), "erase")

    def on_export(
        self, domain: str, order: int, hook: ExportHook, tables: Sequence[str] = ()
    ) -> None:
        _add(self.exports, Step(domain, order, hook, tuple(tables)), "export")

    def on_unlink(
        self, domain: str, order: int, hook: UnlinkHook, tables: Sequence[str] = ()
    ) -> None:
        _add(self.unlinks, Step(domain, order, hook, tuple(tables)), "unlink")

    def on_named(self, domain: str, order: int, hook: NamedHook) -> None:
        _add(self.namings, Step(domain, order, hook), "named")

    def keep(self, domain: str, table: str, operation: Operation, reason: str) -> None:
        self.kept.append(Kept(domain, table, operation, reason))

    # What is covered (for the tests and the docs) ------------------------------------------

    def steps(self, operation: Operation) -> Sequence[Step[Any]]:
        if operation == "merge":
            return self.merges
        if operation == "split":
            return self.splits
        if operation == "erase":
            return self.erasures
        return self.exports

    def tables(self, operation: Operation) -> dict[str, str]:
        """Table → the domain whose steps of this operation look after it (or keep it)."""
        covered = {t: s.domain for s in self.steps(operation) for t in s.tables}
        covered.update({k.table: k.domain for k in self.kept if k.operation == operation})
        return covered

    # Running ------------------------------------------------------------------------------

    async def merge(
        self, session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
    ) -> Journal:
        journal: Journal = {}
        for step in self.merges:
            _gather(journal, await step.hook(session, survivor_id, absorbed_id, weights), step)
        return journal

    async def split(
        self,
        session: AsyncSession,
        survivor_id: str,
        restored_id: str,
        moved: Mapping[str, Any],
        weights: object,
    ) -> Journal:
        journal: Journal = {}
        for step in self.splits:
            answer = await step.hook(session, survivor_id, restored_id, moved, weights)
            _gather(journal, answer, step)
        return journal

    async def erase(self, session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
        journal: Journal = {}
        for step in self.erasures:
            _gather(journal, await step.hook(session, profile_id, family), step)
        return journal

    async def export(self, session: AsyncSession, profile_id: str, masked: bool) -> Journal:
        document: Journal = {}
        for step in self.exports:
            _gather(document, await step.hook(session, profile_id, masked), step)
        return document

    async def unlink(self, session: AsyncSession, identifier_ids: Sequence[int]) -> Journal:
        journal: Journal = {}
        for step in self.unlinks:
            _gather(journal, await step.hook(session, identifier_ids), step)
        return journal

    async def named(
        self, session: AsyncSession, principal: Principal, profile_ids: Sequence[str]
    ) -> None:
        for step in self.namings:
            await step.hook(session, principal, profile_ids)


def _add(steps: list[Step[H]], step: Step[H], operation: str) -> None:
    clash = next((s for s in steps if s.order == step.order), None)
    if clash is not None:
        raise ValueError(
            f"{operation} step {step.order} of {step.domain} clashes with {clash.domain}'s"
        )
    steps.append(step)
    steps.sort(key=lambda s: (s.order, s.domain))


def _gather(journal: Journal, answer: Mapping[str, Any], step: Step[Any]) -> None:
    clash = set(journal) & set(answer)
    if clash:
        raise ValueError(f"{step.domain} answers {sorted(clash)}, already answered")
    journal.update(answer)


_installed: Lifecycle | None = None


def install(lifecycle: Lifecycle) -> None:
    global _installed
    _installed = lifecycle


def installed() -> Lifecycle | None:
    return _installed


def hooks() -> Lifecycle:
    """The process's registrations (see `hub.assembly.assemble`)."""
    if _installed is None:
        raise RuntimeError(
            "The lifecycle hooks are not registered: call hub.assembly.assemble() at start-up."
        )
    return _installed
