"""What an official wrote when applying, beside nativeauthenticator's account row.

nativeauthenticator keeps the user name, password hash, e-mail and approval; it has no
column for the official's name or agency, so they live in a table of ours in the same
hub database (created on first use, like nativeauthenticator's own).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, String, Unicode, inspect
from sqlalchemy.orm import DeclarativeBase

FULL_NAME_MAX = 50
AGENCY_MAX = 100


class _Base(DeclarativeBase):
    # Our own metadata: JupyterHub's schema checks and migrations never see this table.
    pass


class Application(_Base):
    __tablename__ = "govlab_applications"
    username = Column(String(128), primary_key=True)
    full_name = Column(Unicode(FULL_NAME_MAX), nullable=False)
    agency = Column(Unicode(AGENCY_MAX), nullable=False)
    applied_at = Column(DateTime, nullable=False)


def ensure_table(bind) -> None:
    if Application.__tablename__ not in inspect(bind).get_table_names():
        Application.__table__.create(bind)


def record(db, username: str, full_name: str, agency: str) -> Application:
    row = Application(
        username=username,
        full_name=full_name,
        agency=agency,
        applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    db.merge(row)
    db.commit()
    return row


def find(db, username: str) -> Application | None:
    return db.get(Application, username)


def forget(db, username: str) -> None:
    row = db.get(Application, username)
    if row is not None:
        db.delete(row)
        db.commit()
