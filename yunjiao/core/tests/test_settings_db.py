"""Database settings from the environment: persistent connections on PostgreSQL by default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = ("import json, django; from django.conf import settings; django.setup(); d = settings.DATABASES['default'];"
         " print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE']]))")


def _db_settings(tmp_path, **env):
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "yunjiao.settings", "YUNJIAO_VAR_DIR": str(tmp_path),
            "DB_CONN_MAX_AGE": "", **env}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=full, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("url,env,expected", [
    ("postgres://postgres@127.0.0.1:5432/x", {}, ["django.db.backends.postgresql", 60]),
    ("postgres://postgres@127.0.0.1:5432/x", {"DB_CONN_MAX_AGE": "0"}, ["django.db.backends.postgresql", 0]),
    ("sqlite:///{tmp}/y.sqlite3", {}, ["django.db.backends.sqlite3", 0]),
])
def test_conn_max_age(tmp_path, url, env, expected):
    assert _db_settings(tmp_path, DATABASE_URL=url.format(tmp=tmp_path), **env) == expected


def test_listed_in_env_example():
    assert "DB_CONN_MAX_AGE=" in (ROOT / ".env.example").read_text(encoding="utf-8")
