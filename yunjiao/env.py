"""Reading settings from the environment (healthchecks-style helpers).

Every variable read here is listed in `.env.example`.  Secrets may be given
directly (`NAME=value`) or as a path to a file (`NAME_FILE=/run/secrets/x`).
On a development machine a missing secret is generated once into `var/keys/`
so `make run` works without any preparation; with `YUNJIAO_ENV=production`
a missing secret stops the start-up with a clear message instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YUNJIAO_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_secret(name: str, *, generate_bytes: int, production: bool) -> str:
    """Return the secret `name` from the environment, `name_FILE`, or a local key file.

    The local key file (`var/keys/<name>`) is created on first use outside
    production, so a fresh checkout starts without manual set-up.
    """
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    local = VAR_DIR / "keys" / name.lower()
    if local.exists():
        return local.read_text(encoding="utf-8").strip()
    if production:
        raise RuntimeError(
            f"缺少密钥 {name}: 生产环境必须通过环境变量 {name} 或 {name}_FILE 提供 "
            f"(missing secret {name}: set {name} or {name}_FILE)."
        )
    local.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(generate_bytes)
    try:
        fd = os.open(local, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago
        return local.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value
