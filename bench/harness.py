"""The throw-away database every registry benchmark runs in (imported by the bench scripts, run as files).

SQLite in a temporary var/ directory by default; with `--database-url` a PostgreSQL database of the bench's own
name, created fresh and dropped afterwards (kept and reused with `keep=True`)."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def bench_database(name: str, database_url: str = "", *, keep: bool = False, sqlite_file: str = "",
                   var_dir: str = "", env: dict[str, str] | None = None):
    """Point Django at the bench database (environment only; call django.setup() inside)."""
    tmp = tempfile.TemporaryDirectory(prefix=f"{name}_")
    os.environ["YUNJIAO_VAR_DIR"] = var_dir or tmp.name
    os.environ["DEBUG"] = "0"
    os.environ["HUEY_IMMEDIATE"] = "1"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.update(env or {})
    if database_url:
        if not keep:
            pg_admin(database_url, f"DROP DATABASE IF EXISTS {name}")
        try:
            pg_admin(database_url, f"CREATE DATABASE {name}")
        except Exception:  # noqa: BLE001 — kept from an earlier run with keep=True: reuse its rows
            if not keep:
                raise
        p = urlsplit(database_url)
        os.environ["DATABASE_URL"] = urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_file or tmp.name + '/bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "yunjiao.settings"
    sys.path.insert(0, str(ROOT))
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if database_url and not keep:
            pg_admin(database_url, f"DROP DATABASE IF EXISTS {name}")
        tmp.cleanup()
