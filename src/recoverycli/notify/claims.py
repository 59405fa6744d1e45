"""Each notice to each channel once: claimed before it is sent and settled after, as `notify` events in the
subject's log (a case's events), appended in one transaction with the subject locked."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from recoverycli.caselog.record import Event
from recoverycli.notify.delivery import Outcome, deliver, summary
from recoverycli.notify.messages import Message, clean_field
from recoverycli.notify.settings import EVENT, LEASE, RETRY_CAP, TIMEOUT, Channel, Settings


def owner_token() -> str:
    import secrets
    import socket

    return f"{clean_field(socket.gethostname(), 40)}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claim:
    key: str
    owner: str
    attempt: int
    channels: tuple[Channel, ...]  # the channels it is for: those this notice has not reached yet


def notice_records(events: Iterable[Event], key: str) -> list[dict[str, Any]]:
    return [e.data | {"_at": e.at} for e in events if e.kind == EVENT and e.data.get("notice") == key]


def pending(
    events: Iterable[Event], key: str, channels: Sequence[Channel], now: datetime, retry: float, at_once: bool = False
) -> Claim | None:
    """What may be claimed now for `key`, given its records: the channels not yet reached, unless another process
    holds a live claim, or the last try failed and its retry is not due (`at_once`: the saving desk tries again now)."""
    records = notice_records(events, key)
    done = {fp for r in records for fp in r.get("done", [])}
    todo = tuple(c for c in channels if c.fingerprint not in done)
    if not todo:
        return None
    failures = sum(1 for r in records if r.get("state") == "failed")
    if records:
        last = records[-1]
        if last.get("state") == "claimed" and datetime.fromisoformat(last["until"]) > now:
            return None
        if last.get("state") == "failed" and not at_once:
            wait = min(retry * 5 ** max(failures - 1, 0), RETRY_CAP)
            if last["_at"] + timedelta(seconds=wait) > now:
                return None
    return Claim(key, "", failures + 1, todo)


class Ledger:
    """Where one subject's notices are claimed and settled: its event log, appended to under a lock.

    `append_if(decide)` runs `decide` on the subject's `notify` events inside one transaction with the subject
    locked and appends the event it returns (a case: BaseStore.append_event_if).
    """

    def __init__(self, append_if: Callable[[Callable[[list[Event]], Event | None]], Event | None], actor: str) -> None:
        self.append_if = append_if
        self.actor = actor

    def claim(
        self,
        key: str,
        channels: Sequence[Channel],
        now: datetime,
        retry: float,
        at_once: bool = False,
        timeout: float = TIMEOUT,
    ) -> Claim | None:
        owner = owner_token()
        lease = max(LEASE, timedelta(seconds=4 * timeout + 10))
        made: list[Claim] = []

        def decide(events: list[Event]) -> Event | None:
            claim = pending(events, key, channels, now, retry, at_once)
            if claim is None:
                return None
            made.append(Claim(key, owner, claim.attempt, claim.channels))
            return Event(
                at=now,
                staff=self.actor,
                kind=EVENT,
                data={
                    "notice": key,
                    "state": "claimed",
                    "attempt": claim.attempt,
                    "by": owner,
                    "until": (now + lease).isoformat(),
                    "to": [c.label for c in claim.channels],
                },
            )

        self.append_if(decide)
        return made[0] if made else None

    def settle(self, claim: Claim, outcomes: Sequence[Outcome], now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        failed = [o for o in outcomes if not o.ok]
        data: dict[str, Any] = {
            "notice": claim.key,
            "state": "failed" if failed else "sent",
            "attempt": claim.attempt,
            "by": claim.owner,
            "done": [o.channel.fingerprint for o in outcomes if o.ok],
            "to": [o.channel.label for o in outcomes if o.ok],
        }
        if failed:
            data["error"] = summary(failed)
        self.append_if(lambda _events: Event(at=now, staff=self.actor, kind=EVENT, data=data))


def case_ledger(store: Any, case_id: str, actor: str) -> Ledger:
    return Ledger(lambda decide: store.append_event_if(case_id, EVENT, decide), actor)


def crisis_ledger(store: Any, crisis_id: str, actor: str) -> Ledger:
    """A crisis's notices are claimed in its own log (crisis_events), as a case's are in its events."""
    return Ledger(lambda decide: store.append_crisis_event_if(crisis_id, EVENT, decide), actor)


@dataclass
class Sent:
    """What became of one notice: sent to these channels, failed on those, or nothing to do."""

    subject: str
    message: Message
    outcomes: list[Outcome]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def line(self) -> str:
        if self.ok:
            return f"{self.subject}: {self.message.kind} sent to {', '.join(o.channel.label for o in self.outcomes)}"
        return f"{self.subject}: {self.message.kind} not delivered ({summary(self.outcomes)})"


def send(
    ledger: Ledger | None,
    subject: str,
    message: Message,
    settings: Settings,
    now: datetime | None = None,
    at_once: bool = False,
) -> Sent | None:
    """Claim, deliver, settle: the notice goes to every channel for its kind that it has not reached yet.

    None when there is nothing to do (no channel for the kind, already sent, or another process is sending it).
    Without a ledger the message is simply sent (a one-off: a test message, the digest).
    """
    channels = settings.for_kind(message.kind)
    if not channels:
        return None
    now = now or datetime.now(UTC)
    claim = None
    if ledger is not None:
        claim = ledger.claim(message.key, channels, now, settings.retry, at_once, settings.timeout)
        if claim is None:
            return None
        channels = list(claim.channels)
    outcomes = deliver(message, channels, settings.timeout)
    if ledger is not None and claim is not None:
        ledger.settle(claim, outcomes)
    return Sent(subject, message, outcomes)
