"""What sends a notice: the call that saves a repeat complaint (or finds one, mid-call) and `recover watch --notify`
for what time makes due (follow-ups falling overdue, retries)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from recoverycli.caselog.record import Case
from recoverycli.errors import NotFoundError, RecoverError
from recoverycli.notify.claims import Claim, Ledger, Sent, case_ledger, notice_records, pending, send
from recoverycli.notify.delivery import deliver, summary
from recoverycli.notify.messages import emergency_message, overdue_batch_message, overdue_key, overdue_message
from recoverycli.notify.settings import (
    BATCH,
    EMERGENCY_DAYS,
    OVERDUE_DAYS,
    Channel,
    NotifyConfigError,
    Settings,
    load_settings,
)


def case_saved(store: Any, case: Case, settings: Settings, actor: str) -> Sent | None:
    """The command that saved a case pages for it at once: a repeat complaint is an emergency."""
    if case.severity != "emergency" or not settings.for_kind("emergency"):
        return None
    return send(
        case_ledger(store, case.id, actor),
        case.id,
        emergency_message(case, settings.include_name),
        settings,
        at_once=True,
    )


def sweep(
    store: Any, settings: Settings, today: date, now: datetime | None = None, actor: str = "recover watch"
) -> list[Sent]:
    """One look for what time has made due (`recover watch --notify`): follow-ups fallen overdue, emergencies the
    saving desk did not deliver, and every failed notice whose retry is due."""
    from recoverycli.caselog.filters import CaseFilter

    now = now or datetime.now(UTC)
    out: list[Sent] = []
    if settings.for_kind("emergency"):
        since = today - timedelta(days=EMERGENCY_DAYS)
        recent = store.cases(CaseFilter(severity="emergency", since=since), events=True)
        for case in recent:
            records = notice_records(case.events, "emergency")
            if case.status == "draft" and not records:
                continue  # the call is still going: its desk pages when it saves
            if pending(case.events, "emergency", settings.for_kind("emergency"), now, settings.retry) is None:
                continue
            try:
                sent = send(
                    case_ledger(store, case.id, actor),
                    case.id,
                    emergency_message(case, settings.include_name),
                    settings,
                    now,
                )
            except NotFoundError:  # a draft discarded meanwhile
                continue
            if sent is not None:
                out.append(sent)
    if settings.for_kind("overdue"):
        out += _overdue(store, settings, today, now, actor)
    if settings.for_kind("crisis") and settings.crisis_pace:
        out += _crises_behind(store, settings, settings.crisis_pace, now, actor)
    return out


def _crises_behind(store: Any, settings: Settings, per_hour: float, now: datetime, actor: str) -> list[Sent]:
    """[kaufman-respond-now] each open crisis whose customers are being reached slower than the set pace."""
    from recoverycli.caselog.crisis import reach_figures
    from recoverycli.notify.claims import crisis_ledger
    from recoverycli.notify.crisis import crisis_behind, crisis_pace

    out: list[Sent] = []
    for crisis, customers, reached in reach_figures(store, now):
        pace = crisis_pace(crisis.opened_at, now, customers, reached, per_hour)
        sent = crisis_behind(crisis_ledger(store, crisis.id, actor), crisis.id, crisis.title, pace, settings, now)
        if sent is not None:
            out.append(sent)
    return out


def _overdue(store: Any, settings: Settings, today: date, now: datetime, actor: str) -> list[Sent]:
    from recoverycli.caselog.filters import due_filter

    channels = settings.for_kind("overdue")
    oldest = (today - timedelta(days=OVERDUE_DAYS)).isoformat()
    due = [
        c
        for c in store.cases(due_filter(today - timedelta(days=1)), order="follow_up", events=True)
        if str(c.answers.get("follow_up_date")) >= oldest
    ]
    claimed: list[tuple[Case, Claim, Ledger]] = []
    for case in due:
        key = overdue_key(case)
        if pending(case.events, key, channels, now, settings.retry) is None:
            continue
        ledger = case_ledger(store, case.id, actor)
        try:
            claim = ledger.claim(key, channels, now, settings.retry, timeout=settings.timeout)
        except NotFoundError:
            continue
        if claim is not None:
            claimed.append((case, claim, ledger))
    out: list[Sent] = []
    groups: dict[tuple[Channel, ...], list[tuple[Case, Claim, Ledger]]] = {}
    for item in claimed:
        groups.setdefault(item[1].channels, []).append(item)
    for chans, items in groups.items():
        if len(items) > BATCH:
            message = overdue_batch_message([c for c, _, _ in items], today, settings.include_name)
            outcomes = deliver(message, chans, settings.timeout)
            for _case, claim, ledger in items:
                ledger.settle(claim, outcomes)
            out.append(Sent(", ".join(c.id for c, _, _ in items), message, outcomes))
        else:
            for case, claim, ledger in items:
                message = overdue_message(case, today, settings.include_name)
                outcomes = deliver(message, chans, settings.timeout)
                ledger.settle(claim, outcomes)
                out.append(Sent(case.id, message, outcomes))
    return out


# --- during a live call -------------------------------------------------------------------------------------------
class Pager:
    """Pages for a repeat complaint the moment the call identifies it, while the clerk goes on asking.

    The page is claimed, sent and recorded in a background thread on its own store connection (a connection is not
    shared across threads), so a slow service costs the clerk nothing; `finish()` waits for it, which it rarely has
    to: it had the rest of the call.
    """

    def __init__(self, reopen: Callable[[], Any], settings: Settings, actor: str) -> None:
        self.reopen = reopen
        self.settings = settings
        self.actor = actor
        self._thread: threading.Thread | None = None
        self._box: list[Sent | None] = []
        self.trouble: str | None = None  # why the page could not even be tried (the store would not answer)

    def page(self, case: Case) -> None:
        if self._thread is not None or not self.settings.for_kind("emergency"):
            return
        message = emergency_message(case, self.settings.include_name, during_call=True)

        def run() -> None:
            try:
                store = self.reopen()
                try:
                    self._box.append(
                        send(case_ledger(store, case.id, self.actor), case.id, message, self.settings, at_once=True)
                    )
                finally:
                    store.close()
            except RecoverError as e:
                self.trouble = e.message
            except Exception as e:  # noqa: BLE001 - a pager must never take the call down with it
                self.trouble = f"unexpected {type(e).__name__}"

        self._thread = threading.Thread(target=run, daemon=True, name="recover-pager")
        self._thread.start()

    def finish(self, wait: float | None = None) -> Sent | None:
        """The page sent during the call, once it is done (None if there was none, or nothing needed sending)."""
        if self._thread is None:
            return None
        self._thread.join(4 * self.settings.timeout + 5 if wait is None else wait)
        return self._box[0] if self._box else None


# --- what the commands call ---------------------------------------------------------------------------------------
def settings_for_call(warn: Callable[[str], None]) -> Settings | None:
    """Settings for a command whose own work comes first (a call): a bad config is one yellow line, not a failure."""
    try:
        settings = load_settings()
    except NotifyConfigError as e:
        warn(f"notifications are off: {e.message}")
        return None
    return settings if settings.channels else None


def reopener(store: Any) -> Callable[[], Any]:
    """How another thread opens the same store on a connection of its own."""
    from recoverycli.store import open_store

    where = getattr(store, "url", None) or store.path
    return lambda: open_store(where, create=False)


def after_save(
    store: Any, case: Case, settings: Settings | None, warn: Callable[[str], None], pager: Pager | None = None
) -> Sent | None:
    """After the case is saved, never before: page for it, and say in one line if that did not work.

    The call is already safe in the store; nothing here raises.
    """
    if settings is None:
        return None
    during = pager.finish() if pager is not None else None
    try:
        sent = case_saved(store, case, settings, case.staff)
    except RecoverError as e:
        warn(
            f"{case.id} is saved, but the duty manager could not be paged ({e.message}) — "
            f"`recover watch --notify` will page it"
        )
        return None
    except Exception as e:  # noqa: BLE001 - the case is saved: a pager's trouble must not turn that into a failure
        warn(
            f"{case.id} is saved, but the duty manager could not be paged (unexpected {type(e).__name__}) — "
            f"`recover watch --notify` will page it"
        )
        return None
    if sent is not None and not sent.ok:
        warn(
            f"{case.id} is saved, but the page did not go through ({summary(sent.outcomes)}) — "
            f"`recover watch --notify` tries again"
        )
    return sent or during
