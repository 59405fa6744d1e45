"""Per-user paths and the little we remember between calls (the staff name)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

APP = "recover"
CONFIG_LIMIT = 64 * 1024  # bytes: a config is a few lines; a FIFO or /dev/zero in its place is refused


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
    from recoverycli.errors import RecoverError
    from recoverycli.files import read_limited

    if not config_file().exists():
        return {}
    try:
        return tomllib.loads(read_limited(config_file(), CONFIG_LIMIT, "config file").decode("utf-8"))
    except (RecoverError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
        return {}


def remember(key: str, value: str) -> None:
    """Set one top-level key, keeping the rest of the file as written (tables such as [notify], comments).

    The file is written 0600 in a 0700 folder, whatever the umask: it may hold notification URLs with passwords.
    JSON string escapes are valid TOML basic strings. A config that cannot be written (a read-only home, a linked
    config) is simply not remembered: the name is asked again next time, and the call goes on.
    """
    import re

    from recoverycli.errors import RecoverError
    from recoverycli.files import read_limited, replace_private

    path = config_file()
    try:  # a FIFO or /dev/zero as the config: not remembered, never a hang after the save
        lines = read_limited(path, CONFIG_LIMIT, "config file").decode("utf-8").splitlines(keepends=True)
    except RecoverError:
        if os.path.lexists(path):
            return
        lines = []
    except UnicodeDecodeError:
        return
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
    first_table = next((i for i, text in enumerate(lines) if text.lstrip().startswith("[")), len(lines))
    mine = re.compile(rf"^\s*{re.escape(key)}\s*=")
    at = next((i for i in range(first_table) if mine.match(lines[i])), None)
    if at is None:
        lines.insert(first_table, line)
    else:
        lines[at] = line
    try:
        replace_private(path, "".join(lines))
    except (OSError, RecoverError):
        pass
