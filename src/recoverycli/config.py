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
    """Write one flat key; JSON string escapes are valid TOML basic strings."""
    cfg = {k: v for k, v in read_config().items() if isinstance(v, str)}
    cfg[key] = value
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in sorted(cfg.items())), encoding="utf-8")
    os.replace(tmp, path)


def staff_name(given: str | None) -> str | None:
    """--staff, then RECOVER_STAFF, then the remembered name."""
    for candidate in (given, os.environ.get("RECOVER_STAFF"), read_config().get("staff")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
