"""Which channels receive which kinds: the config file's [notify] table and RECOVER_NOTIFY, read into one Settings;
errors name where and what, never a URL."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from recoverycli.errors import RecoverError
from recoverycli.notify.redaction import safe_label

KINDS = ("emergency", "overdue", "crisis", "digest")
INCLUDES = ("name",)
ENV = "RECOVER_NOTIFY"
EVENT = "notify"  # the kind of the events that record claims and sends
TIMEOUT = 3.0  # seconds to connect, and again to get an answer: the call must not wait on a pager
RETRY = 60.0  # seconds before a failed notice is tried again; each later retry waits 5 times longer, up to RETRY_CAP
RETRY_CAP = 3600.0
LEASE = timedelta(minutes=2)  # a claim whose sender died is free again after this
OVERDUE_DAYS = 7  # `watch --notify` pages follow-ups fallen overdue within this many days; older: the digest
EMERGENCY_DAYS = 1  # ... and an unsent emergency saved since yesterday
BATCH = 3  # more overdue notices than this in one look go out as one message


class NotifyConfigError(RecoverError):
    """The notification settings cannot be used; the message never quotes a URL."""


@dataclass(frozen=True)
class Channel:
    """One Apprise URL and the kinds of notice it receives."""

    url: str = field(repr=False)  # the secret: never printed
    kinds: frozenset[str]
    number: int
    source: str  # where it was configured: "config file" or "RECOVER_NOTIFY"

    @property
    def label(self) -> str:
        """How people see this channel: its number, scheme and host (when the host is a plain host name or address)."""
        return f"#{self.number} {safe_label(self.url)}"

    @property
    def fingerprint(self) -> str:
        """Recorded in the case's events: which channels a notice reached; the URL cannot be read back from it."""
        return hashlib.sha256(self.url.encode()).hexdigest()[:12]


@dataclass
class Settings:
    """Every channel from the config file's [notify] table and RECOVER_NOTIFY, and how messages are made."""

    channels: list[Channel] = field(default_factory=list)
    include_name: bool = False
    timeout: float = TIMEOUT
    retry: float = RETRY
    crisis_pace: float | None = None  # customers a crisis should reach per hour

    def for_kind(self, kind: str) -> list[Channel]:
        return [c for c in self.channels if kind in c.kinds]


def load_settings(environ: dict[str, str] | None = None, path: Path | None = None) -> Settings:
    """The channels from the config file's [notify] table and RECOVER_NOTIFY together; NotifyConfigError says what is
    wrong and where, without quoting any URL."""
    from recoverycli.config import config_file

    env = os.environ if environ is None else environ
    settings = Settings()
    found: list[tuple[str, set[str], str]] = []  # (url, kinds, source)
    path = path or config_file()
    table = _config_table(path)
    if table is not None:
        _read_table(table, path, settings, found)
    raw = env.get(ENV, "").strip()
    if raw:
        _read_env(raw, settings, found)
    merged: dict[str, tuple[set[str], str]] = {}
    for url, kinds, source in found:
        have = merged.setdefault(url, (set(), source))
        have[0].update(kinds)
    settings.channels = [
        Channel(url=u, kinds=frozenset(k), number=i, source=s) for i, (u, (k, s)) in enumerate(merged.items(), 1)
    ]
    return settings


def _config_table(path: Path) -> dict[str, Any] | None:
    """The [notify] table; the file is tightened to 0600 (its folder 0700) when it holds one: its URLs are secrets."""
    import tomllib

    from recoverycli.config import CONFIG_LIMIT
    from recoverycli.files import FileRefused, read_limited

    if not path.exists():
        return None
    try:  # a regular file, at most CONFIG_LIMIT: a FIFO or /dev/zero as the config never hangs a page
        text = read_limited(path, CONFIG_LIMIT, "config file").decode("utf-8")
    except FileRefused as e:
        raise NotifyConfigError(f"{path}: {e.reason}") from None
    except UnicodeDecodeError:
        raise NotifyConfigError(f"{path}: cannot read the config file (not UTF-8) — fix its encoding") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:  # its message gives line and column, never the text
        raise NotifyConfigError(
            f"{path}: not valid TOML ({e}) — fix that line; notifications are off until then"
        ) from None
    except RecursionError:
        raise NotifyConfigError(
            f"{path}: nested too deeply to read — flatten it; notifications are off until then"
        ) from None
    table = data.get("notify")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise NotifyConfigError(f"{path}: `notify` must be a table — write it as [notify] with one key per kind")
    keep_private(path)
    return table


def keep_private(path: Path) -> None:
    """A config file that holds notification URLs is readable by its owner only, in a folder only its owner opens."""
    from recoverycli.errors import RecoverError
    from recoverycli.files import private_dir, tighten

    try:
        if tighten(path):
            private_dir(path.parent, tighten=True)
    except (OSError, RecoverError):
        pass  # not ours to tighten, or gone meanwhile: reading it is still fine


def _kinds_for(key: str) -> set[str]:
    return set(KINDS) if key == "all" else {key}


def _read_table(table: dict[str, Any], path: Path, settings: Settings, found: list[tuple[str, set[str], str]]) -> None:
    where = f"{path} [notify]"
    for key, value in table.items():
        if key in (*KINDS, "all"):
            urls = [value] if isinstance(value, str) else value
            if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
                raise NotifyConfigError(f"{where}: `{key}` must be a URL in quotes or a list of them")
            for i, url in enumerate(urls, 1):
                _check_url(url.strip(), f"{where}: `{key}`" + (f" item {i}" if len(urls) > 1 else ""))
                found.append((url.strip(), _kinds_for(key), "config file"))
        elif key == "include":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise NotifyConfigError(f'{where}: `include` must be a list, e.g. include = ["name"]')
            _include(items, settings, where)
        elif key in ("timeout", "retry", "crisis_pace"):
            _number(key, value, settings, where)
        else:
            raise NotifyConfigError(
                f"{where}: unknown key `{_shown(key)}` — use {', '.join(KINDS)}, all, include, "
                f"timeout, retry or crisis_pace (docs/notifications.md)"
            )


def _read_env(raw: str, settings: Settings, found: list[tuple[str, set[str], str]]) -> None:
    for i, item in enumerate(raw.split(), 1):
        where = f"{ENV} item {i}"
        head, eq, value = item.partition("=")
        if "://" in head or not eq:  # a bare URL (its query may hold '='): every kind
            _check_url(item, where)
            found.append((item, set(KINDS), ENV))
        elif head in ("include",):
            _include(value.split(","), settings, where)
        elif head in ("timeout", "retry", "crisis_pace"):
            _number(head, value, settings, where)
        else:
            kinds = head.split(",")
            bad = [k for k in kinds if k not in (*KINDS, "all")]
            if bad:
                raise NotifyConfigError(
                    f"{where}: unknown kind `{_shown(bad[0])}` — write KIND=URL with KIND one of "
                    f"{', '.join(KINDS)} (or a bare URL for every kind)"
                )
            _check_url(value, where)
            found.append((value, set().union(*(_kinds_for(k) for k in kinds)), ENV))


def _shown(word: str) -> str:
    """A config word safe to quote in an error: short and plain, else not quoted at all."""
    return word if re.fullmatch(r"[A-Za-z0-9_,-]{1,30}", word) else "…"


def _check_url(url: str, where: str) -> None:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S", url):
        raise NotifyConfigError(
            f"{where}: not a URL — give an Apprise URL such as mailtos://… or json://… (docs/notifications.md)"
        )


def _include(items: Sequence[str], settings: Settings, where: str) -> None:
    for item in (i.strip() for i in items):
        if item not in INCLUDES:
            raise NotifyConfigError(
                f"{where}: cannot include `{_shown(item)}` — only `name` (the customer's name) "
                f"may be added; their contact and their own words never are"
            )
        settings.include_name = True


def _number(key: str, value: Any, settings: Settings, where: str) -> None:
    try:
        number = float(value)
        if isinstance(value, bool) or number != number or number < 0 or number > 86_400:
            raise ValueError
    except (TypeError, ValueError):
        unit = "customers per hour" if key == "crisis_pace" else "seconds"
        raise NotifyConfigError(
            f"{where}: `{key}` must be a number of {unit}, e.g. {key} = {20 if key == 'crisis_pace' else 3}"
        ) from None
    if key == "timeout" and number == 0:
        raise NotifyConfigError(f"{where}: `timeout` must be more than 0 seconds")
    setattr(settings, key, number)
