"""Declarative base shared by every table. Naming convention so Alembic migrations name constraints."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """Optimistic concurrency (migration 0011): every UPDATE through the ORM says `WHERE version = <the
    version read>` and bumps it, so a change made meanwhile on another workstation is never overwritten
    silently (StaleDataError, turned into concurrency.Conflict by the services)."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805 - a declarative class attribute
        return {"version_id_col": cls.__table__.c.version}


def utcnow() -> datetime:
    """Timestamps are stored in UTC (naive, SQLite has no zones) and shown in Europe/London."""
    return datetime.now(UTC).replace(tzinfo=None)
