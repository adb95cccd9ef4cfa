"""Leases: a job that must run in one process at a time, among all the processes that share
a store (`serve --workers N`, several hubs, a command beside them), is done by whichever holds
its lease. A lease is a row (name, holder, until): taken when free or past its time, kept by
its holder renewing it, and given back when the job is done. A holder that dies stops
renewing, and another takes the lease once its time is up.

The outbox's delivery on SQLite (which has no row locks for `SKIP LOCKED` to share the work
out) and retraining (one model for every hub, not one each) hold one."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Float, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, Database


class LeaseRow(Base):
    """Who does a job now (migration e7b2c4d6f8a1); used through the statements below."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))
    until: Mapped[float] = mapped_column(Float)  # seconds since the epoch


_TAKE = text(
    "INSERT INTO leases (name, holder, until) VALUES (:name, :holder, :until)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until"
    " WHERE leases.holder = excluded.holder OR leases.until < :now"
    " RETURNING holder"
)
_GIVE_BACK = text("DELETE FROM leases WHERE name = :name AND holder = :holder")


class Lease:
    """One process's claim on the job `name` for `seconds` at a time."""

    def __init__(self, name: str, seconds: float) -> None:
        self.name = name
        self.seconds = seconds
        self.holder = uuid.uuid4().hex
        self._until = 0.0  # when this process's hold ends, as far as it knows

    async def held(self, db: Database) -> bool:
        """Whether this process holds the lease now, taking or renewing it in the store when
        it is free or a third of its time is gone (so a holder checking often writes rarely)."""
        now = time.time()
        if self._until - now > self.seconds * 2 / 3:
            return True
        until = now + self.seconds
        async with db.sessions() as session:
            taken = await session.execute(
                _TAKE, {"name": self.name, "holder": self.holder, "until": until, "now": now}
            )
            got = taken.first() is not None
            await session.commit()
        self._until = until if got else 0.0
        return got

    async def give_back(self, db: Database) -> None:
        if self._until == 0.0:
            return
        self._until = 0.0
        async with db.sessions() as session:
            await session.execute(_GIVE_BACK, {"name": self.name, "holder": self.holder})
            await session.commit()
