"""The migrations build exactly the schema the models describe, on both databases.

A column added to a model without a migration works in a test that creates tables
from the models, and breaks the first production upgrade; the reverse leaves a column
the code never fills. Alembic's comparison names the difference.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import models.accounts  # registers the web app's tables (as migrations/env.py does)
import models.oparl  # noqa: F401  (the OParl tables)
from models.db import Base


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
