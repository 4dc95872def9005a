"""alembic's entry point for the audit database's migrations.

:func:`spoofscope.serving.audit.upgrade` runs them on a connection it opened (WAL and pragmas
already set), passed in ``config.attributes``; run by hand (``alembic -x url=sqlite:///audit.db``)
they open the URL given.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_engine(url)
    with engine.begin() as own:
        context.configure(connection=own, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
