"""Per-user paths and the little we remember between calls (the staff name)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

APP = "recover"


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP))


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP))


def default_store() -> Path:
    return data_dir() / "cases.db"


def config_file() -> Path:
    return config_dir() / "config.toml"


def read_config() -> dict[str, object]:
    try:
        return tomllib.loads(config_file().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def remember(key: str, value: str) -> None:
    """Set one top-level key, keeping the rest of the file as written (tables such as [notify], comments).

    The file is written 0600 in a 0700 folder, whatever the umask: it may hold notification URLs with passwords.
    JSON string escapes are valid TOML basic strings.
    """
    import re

    path = config_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        lines = []
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
    first_table = next((i for i, text in enumerate(lines) if text.lstrip().startswith("[")), len(lines))
    mine = re.compile(rf"^\s*{re.escape(key)}\s*=")
    at = next((i for i in range(first_table) if mine.match(lines[i])), None)
    if at is None:
        lines.insert(first_table, line)
    else:
        lines[at] = line
    old = os.umask(0o077)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(lines))
        os.replace(tmp, path)
    finally:
        os.umask(old)


def staff_name(given: str | None) -> str | None:
    """--staff, then RECOVER_STAFF, then the remembered name."""
    for candidate in (given, os.environ.get("RECOVER_STAFF"), read_config().get("staff")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
