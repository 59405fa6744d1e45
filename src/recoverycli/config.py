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
    from recoverycli.errors import RecoverError
    from recoverycli.files import read_limited

    if not config_file().exists():
        return {}
    try:
        return tomllib.loads(read_limited(config_file(), 64 * 1024, "config file").decode("utf-8"))
    except (RecoverError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def remember(key: str, value: str) -> None:
    """Write one flat key; JSON string escapes are valid TOML basic strings. The file is private (0600 in 0700)."""
    from recoverycli.files import replace_private

    from recoverycli.errors import RecoverError

    cfg = {k: v for k, v in read_config().items() if isinstance(v, str)}
    cfg[key] = value
    try:
        replace_private(config_file(), "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in sorted(cfg.items())))
    except (OSError, RecoverError):
        pass  # not remembered (a read-only home, a linked config): asked again next time, the call goes on


def staff_name(given: str | None) -> str | None:
    """--staff, then RECOVER_STAFF, then the remembered name; each checked as a customer's name is."""
    from recoverycli.errors import RecoverError
    from recoverycli.wizard import clean_staff

    for source, candidate in (("--staff", given), ("RECOVER_STAFF", os.environ.get("RECOVER_STAFF")),
                              (f"{config_file()}: staff", read_config().get("staff"))):
        if candidate is None or (isinstance(candidate, str) and not candidate.strip()):
            continue
        try:
            return clean_staff(candidate)
        except ValueError as e:
            raise RecoverError(f"{source}: {e}", exit_code=2) from None
    return None
