"""Alembic environment: the engine is handed in by `connectors.database.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, engine_from_config, pool

import models.accounts  # registers the web app's account tables with Base.metadata
import models.oparl  # noqa: F401  (registers the OParl tables with Base.metadata)
from models.db import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        engine = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run()
