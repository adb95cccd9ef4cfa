"""The lifecycle hooks (hub/lifecycle.py, hub/assembly.py): every table that holds a profile
is looked after by its own domain when profiles merge, split or are erased, or is left alone
on purpose, with a reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy import Table

from hub import assembly, lifecycle
from hub import models as all_models
from hub.lifecycle import Journal, Lifecycle

PROFILE_COLUMNS = ("profile_id", "profile_ids")


def _domain_of(table: Table) -> str:
    mapper = next(m for m in all_models.Base.registry.mappers if m.local_table is table)
    module = mapper.class_.__module__  # hub.<domain>.models
    return module.split(".")[1]


def _holds_a_profile(table: Table) -> bool:
    return (
        any(
            column.name in PROFILE_COLUMNS
            or any(fk.column.table.name == "profiles" for fk in column.foreign_keys)
            for column in table.columns
        )
        or table.name == "profiles"
    )


def _per_profile(table: Table) -> bool:
    return "profile_id" in table.columns


TABLES = {t.name: t for t in all_models.Base.metadata.sorted_tables}
HOOKS = assembly.build()


def test_every_table_that_holds_a_profile_is_erased_or_kept_on_purpose() -> None:
    covered = HOOKS.tables("erase")
    missing = sorted(n for n, t in TABLES.items() if _holds_a_profile(t) and n not in covered)
    assert not missing, f"no erase hook (nor a reason to keep them) for {missing}"


def test_every_per_profile_table_follows_a_merge_or_stays_on_purpose() -> None:
    covered = HOOKS.tables("merge")
    missing = sorted(n for n, t in TABLES.items() if _per_profile(t) and n not in covered)
    assert not missing, f"no merge hook (nor a reason to leave them) for {missing}"


def test_what_a_merge_moves_a_split_moves_back() -> None:
    moved = {t for s in HOOKS.steps("merge") for t in s.tables}
    missing = sorted(moved - set(HOOKS.tables("split")))
    assert not missing, f"merged but never split back: {missing}"


def test_no_domain_touches_another_domains_tables() -> None:
    for operation in ("merge", "split", "erase", "export"):
        for step in HOOKS.steps(operation):
            for name in step.tables:
                assert name in TABLES, f"{step.domain} names an unknown table {name}"
                assert _domain_of(TABLES[name]) == step.domain, (
                    f"{step.domain}'s {operation} step {step.order} touches {name}, "
                    f"a table of {_domain_of(TABLES[name])}"
                )
    for kept in HOOKS.kept:
        assert _domain_of(TABLES[kept.table]) == kept.domain
        assert kept.reason


def test_the_hooks_run_in_one_order_whatever_the_registration_order() -> None:
    forwards, backwards = Lifecycle(), Lifecycle()
    for domain in assembly.DOMAINS:
        domain.register(forwards)
    for domain in reversed(assembly.DOMAINS):
        domain.register(backwards)
    for operation in ("merge", "split", "erase", "export"):
        steps = [(s.domain, s.order) for s in forwards.steps(operation)]
        assert steps == [(s.domain, s.order) for s in backwards.steps(operation)]
        assert [order for _, order in steps] == sorted(order for _, order in steps)
    assert HOOKS.steps("erase")[0].order == 10 and HOOKS.steps("erase")[0].domain == "identity", (
        "the identifiers are suppressed before anything is deleted"
    )
    assert [s.domain for s in HOOKS.steps("erase")][-1] == "profiles"
    assert [s.domain for s in HOOKS.steps("split")][-1] == "events", "relearning comes last"


def test_assemble_installs_one_registry_for_the_process() -> None:
    assert assembly.assemble() is assembly.assemble() is lifecycle.hooks()


async def test_steps_run_in_order_and_their_parts_make_one_journal() -> None:
    ran: list[str] = []

    def step(name: str, answer: Journal) -> Any:
        async def hook(session: Any, survivor: str, absorbed: str, weights: object) -> Journal:
            ran.append(name)
            return answer

        return hook

    hooks = Lifecycle()
    hooks.on_merge("b", 20, step("b", {"second": 2}))
    hooks.on_merge("a", 10, step("a", {"first": 1}))
    journal = await hooks.merge(None, "s", "m", None)  # type: ignore[arg-type]
    assert ran == ["a", "b"] and journal == {"first": 1, "second": 2}
    assert list(journal) == ["first", "second"]

    with pytest.raises(ValueError, match="clashes"):
        hooks.on_merge("c", 10, step("c", {}))
    hooks.on_merge("c", 30, step("c", {"first": 3}))
    with pytest.raises(ValueError, match="already answered"):
        await hooks.merge(None, "s", "m", None)  # type: ignore[arg-type]


async def test_split_erase_and_export_hand_their_arguments_on() -> None:
    seen: list[tuple[object, ...]] = []

    async def split(
        session: Any, survivor: str, restored: str, moved: Mapping[str, Any], weights: object
    ) -> Journal:
        seen.append(("split", survivor, restored, dict(moved), weights))
        return {"events": 1}

    async def erase(session: Any, profile_id: str, family: Sequence[str]) -> Journal:
        seen.append(("erase", profile_id, tuple(family)))
        return {"identifiers": 2}

    async def export(session: Any, profile_id: str, masked: bool) -> Journal:
        seen.append(("export", profile_id, masked))
        return {"section": []}

    hooks = Lifecycle()
    hooks.on_split("x", 1, split)
    hooks.on_erase("x", 1, erase)
    hooks.on_export("x", 1, export)
    assert await hooks.split(None, "s", "r", {"k": 1}, "w") == {"events": 1}  # type: ignore[arg-type]
    assert await hooks.erase(None, "p", ["p", "t"]) == {"identifiers": 2}  # type: ignore[arg-type]
    assert await hooks.export(None, "p", True) == {"section": []}  # type: ignore[arg-type]
    assert seen == [
        ("split", "s", "r", {"k": 1}, "w"),
        ("erase", "p", ("p", "t")),
        ("export", "p", True),
    ]
