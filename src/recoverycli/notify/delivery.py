"""Sending through Apprise (imported here, only when something is sent): each channel at once, bounded in time,
and a reason for each failure with every secret taken out."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from recoverycli.notify.messages import Message, clean_field
from recoverycli.notify.redaction import ambiguous_at, redact, url_secrets
from recoverycli.notify.settings import TIMEOUT, Channel


@dataclass
class Outcome:
    channel: Channel
    ok: bool
    reason: str = ""  # why not, with every secret removed


class _Capture:
    """Apprise's warnings, per sending thread, kept for the reason a send failed; never printed as they come."""

    def __init__(self) -> None:
        import logging

        self.lines: dict[int, list[str]] = {}
        capture = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                capture.lines.setdefault(record.thread or 0, []).append(record.getMessage())

        self.handler = Handler(logging.WARNING)
        self.logger = logging.getLogger("apprise")

    def __enter__(self) -> _Capture:
        self.saved = (self.logger.propagate, self.logger.level)
        self.logger.addHandler(self.handler)
        self.logger.propagate = False  # nothing of Apprise's reaches stderr or a root logger's file
        if self.logger.level == 0 or self.logger.level > 30:
            self.logger.setLevel(30)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate, level = self.saved
        self.logger.setLevel(level)


def deliver(message: Message, channels: Sequence[Channel], timeout: float = TIMEOUT) -> list[Outcome]:
    """Send to each channel at once, each bounded by `timeout` to connect and again to read; never raises."""
    if not channels:
        return []
    try:
        import apprise
    except ImportError:
        return [Outcome(c, False, "Apprise is not installed — pip install 'recoverycli[notify]'") for c in channels]
    secrets = [s for c in channels for s in url_secrets(c.url)]
    level = {"failure": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(
        message.level, apprise.NotifyType.INFO
    )
    asset = apprise.AppriseAsset(app_id="recover", app_desc="recover: service recovery", storage_mode="memory")
    results: dict[int, Outcome] = {}

    def one(i: int, channel: Channel) -> None:
        if ambiguous_at(channel.url):
            results[i] = Outcome(channel, False, "the password holds an unencoded '@' — percent-encode it as %40")
            return
        try:
            plugin = apprise.Apprise.instantiate(channel.url, asset=asset, suppress_exceptions=True)
            if plugin is None:
                results[i] = Outcome(
                    channel,
                    False,
                    "Apprise cannot read this URL — check the service name, and "
                    "percent-encode @ # / ? in a password (%40 %23 %2F %3F)",
                )
                return
            plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), timeout)
            plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), timeout)
            ok = plugin.notify(
                body=message.body, title=message.title, notify_type=level, body_format=apprise.NotifyFormat.TEXT
            )
            said = capture.lines.get(threading.get_ident(), [])
            results[i] = Outcome(channel, bool(ok), "" if ok else (said[0] if said else "the service refused it"))
        except Exception as e:  # noqa: BLE001 - a pager must never take the call down with it
            results[i] = Outcome(channel, False, f"unexpected {type(e).__name__} while sending")

    with _Capture() as capture:
        threads = [
            threading.Thread(target=one, args=(i, c), daemon=True, name=f"recover-notify-{i}")
            for i, c in enumerate(channels)
        ]
        for t in threads:
            t.start()
        deadline = _monotonic() + 2 * timeout + 1
        for t in threads:
            t.join(max(0.0, deadline - _monotonic()))
    out = []
    for i, c in enumerate(channels):
        got = results.get(i) or Outcome(c, False, f"no answer within {2 * timeout + 1:g} s")
        got.reason = clean_field(redact(got.reason, secrets), 200)
        out.append(got)
    return out


def _monotonic() -> float:
    import time

    return time.monotonic()


def summary(outcomes: Sequence[Outcome]) -> str:
    """One line: which channels failed and why (labels and reasons only)."""
    return "; ".join(f"{o.channel.label}: {o.reason}" for o in outcomes if not o.ok)
