"""Paging the duty manager through Apprise: which channels get which kind, what a message says, and sending each
notice once.

Apprise is imported only when something is sent. A channel's URL holds its secrets: it is never printed, stored or
logged; people see a label (`#2 mailtos://mail.example.org`), and any text that comes back from a send is stripped of
every secret the URL holds, found by parsing that URL.

A notice is claimed before it is sent and settled after, as `notify` events in the subject's log (a case's events)
appended inside a transaction that locks the subject: two processes deciding at once take turns, so each notice goes
to each channel once.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote, unquote, urlsplit

from recoverycli.errors import NotFoundError, RecoverError
from recoverycli.models import Case, Event

KINDS = ("emergency", "overdue", "crisis", "digest")
INCLUDES = ("name",)
ENV = "RECOVER_NOTIFY"
EVENT = "notify"  # the kind of the events that record claims and sends
TIMEOUT = 3.0  # seconds to connect, and again to get an answer: the call must not wait on a pager
RETRY = 60.0  # seconds before a failed notice is tried again; each later retry waits 5 times longer, up to RETRY_CAP
RETRY_CAP = 3600.0
LEASE = timedelta(minutes=2)  # a claim whose sender died is free again after this
OVERDUE_DAYS = 7  # `watch --notify` pages a follow-up that fell overdue within this many days; older ones are in the digest
EMERGENCY_DAYS = 1  # ... and an unsent emergency saved since yesterday
BATCH = 3  # more overdue notices than this in one look go out as one message


class NotifyConfigError(RecoverError):
    """The notification settings cannot be used; the message never quotes a URL."""


# --- channels and settings ---------------------------------------------------------------------------------------
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
        """Recorded in the case's events to know which channels a notice reached; the URL cannot be read back from it."""
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

    def secrets(self) -> list[str]:
        return sorted({s for c in self.channels for s in url_secrets(c.url)}, key=len, reverse=True)


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$", re.IGNORECASE)


def _plain_host(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST.match(host))


def safe_label(url: str) -> str:
    """`scheme://host` when the host is a real host name or address and where it is cannot be in doubt, else
    `scheme://…`: many services keep a token where a host would be (slack://TOKEN/…), and a password with an
    unencoded / ? or # ends the host part early, leaving a piece of the password where the host seems to be."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower() if sep and re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]{0,20}", scheme) else "?"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    after, _, query = rest[len(netloc):].partition("?")
    # an @ after the host part, other than inside a query value (?to=someone@example.org), means a password's
    # unencoded / ? or # cut the host part short
    doubtful = "@" in after or any("@" in pair and "=" not in pair.split("@")[0] for pair in re.split(r"[&;]", query))
    shown = host if host and not doubtful and _plain_host(host) and not any(host in p for p in _passwords(url, greedy=False)) else "…"
    return f"{scheme}://{shown}"


def _passwords(url: str, greedy: bool = True) -> set[str]:
    """The password as each way of reading the URL finds it: the standard split, and (greedy) everything up to the
    last @, as if / ? # in it had been left unencoded."""
    out: set[str] = set()
    rest = url.partition("://")[2]
    readings = [re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[0]] + ([rest.rpartition("@")[0]] if greedy else [])
    for userinfo in readings:
        if ":" in userinfo:
            out.add(userinfo.split(":", 1)[1])
    return {p for p in out if p}


def url_secrets(url: str) -> set[str]:
    """Every part of a URL that may be a secret, as written and percent-decoded: the URL itself, the password, user,
    path segments and query values (services keep tokens there). Text is redacted by replacing these."""
    found: set[str] = {url, url.partition("://")[2]}
    found |= _passwords(url)
    rest = url.partition("://")[2]
    for userinfo in (rest.split("/")[0].rpartition("@")[0], rest.rpartition("@")[0]):
        found.add(userinfo)
        found.add(userinfo.split(":", 1)[0])
    try:
        parts = urlsplit(url)
        found |= {parts.username or "", parts.password or "", parts.fragment}
        found |= set(parts.path.split("/"))
        for pair in re.split(r"[&;]", parts.query):
            found.add(pair.partition("=")[2])
        if parts.hostname and not _plain_host(parts.hostname):
            found.add(parts.hostname)
    except ValueError:
        pass
    found |= {unquote(s) for s in found}
    found |= {s.replace("+", " ") for s in found}
    passwords = _passwords(url) | {unquote(p) for p in _passwords(url)}
    found |= {quote(p, safe="") for p in passwords}  # as a service might echo it back, encoded
    return {s for s in found if len(s) >= 3 or (s and s in passwords)}


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by ***, longest first (a password inside the whole URL goes with it)."""
    for s in sorted(set(secrets), key=len, reverse=True):
        if s:
            text = text.replace(s, "***")
    return text


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
    settings.channels = [Channel(url=u, kinds=frozenset(k), number=i, source=s)
                         for i, (u, (k, s)) in enumerate(merged.items(), 1)]
    return settings


def _config_table(path: Path) -> dict[str, Any] | None:
    """The [notify] table; the file is tightened to 0600 (its folder 0700) when it holds one: its URLs are secrets."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise NotifyConfigError(f"{path}: cannot read the config file ({getattr(e, 'strerror', None) or 'not UTF-8'}) "
                                f"— fix its permissions or encoding") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:  # its message gives line and column, never the text
        raise NotifyConfigError(f"{path}: not valid TOML ({e}) — fix that line; notifications are off until then") from None
    table = data.get("notify")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise NotifyConfigError(f"{path}: `notify` must be a table — write it as [notify] with one key per kind")
    keep_private(path)
    return table


def keep_private(path: Path) -> None:
    """A config file that holds notification URLs is readable by its owner only, in a folder only its owner opens."""
    try:
        st = path.stat()
        if st.st_uid == os.getuid():
            if st.st_mode & 0o077:
                path.chmod(0o600)
            folder = path.parent
            if folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077:
                folder.chmod(0o700)
    except OSError:
        pass


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
                raise NotifyConfigError(f"{where}: `include` must be a list, e.g. include = [\"name\"]")
            _include(items, settings, where)
        elif key in ("timeout", "retry", "crisis_pace"):
            _number(key, value, settings, where)
        else:
            raise NotifyConfigError(f"{where}: unknown key `{_shown(key)}` — use {', '.join(KINDS)}, all, include, "
                                    f"timeout, retry or crisis_pace (docs/notifications.md)")


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
                raise NotifyConfigError(f"{where}: unknown kind `{_shown(bad[0])}` — write KIND=URL with KIND one of "
                                        f"{', '.join(KINDS)} (or a bare URL for every kind)")
            _check_url(value, where)
            found.append((value, set().union(*(_kinds_for(k) for k in kinds)), ENV))


def _shown(word: str) -> str:
    """A config word safe to quote in an error: short and plain, else not quoted at all."""
    return word if re.fullmatch(r"[A-Za-z0-9_,-]{1,30}", word) else "…"


def _check_url(url: str, where: str) -> None:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S", url):
        raise NotifyConfigError(f"{where}: not a URL — give an Apprise URL such as mailtos://… or json://… "
                                f"(docs/notifications.md)")


def _include(items: Sequence[str], settings: Settings, where: str) -> None:
    for item in (i.strip() for i in items):
        if item not in INCLUDES:
            raise NotifyConfigError(f"{where}: cannot include `{_shown(item)}` — only `name` (the customer's name) "
                                    f"may be added; their contact and their own words never are")
        settings.include_name = True


def _number(key: str, value: Any, settings: Settings, where: str) -> None:
    try:
        number = float(value)
        if isinstance(value, bool) or number != number or number < 0 or number > 86_400:
            raise ValueError
    except (TypeError, ValueError):
        raise NotifyConfigError(f"{where}: `{key}` must be a number of {'customers per hour' if key == 'crisis_pace' else 'seconds'}"
                                f", e.g. {key} = {20 if key == 'crisis_pace' else 3}") from None
    if key == "timeout" and number == 0:
        raise NotifyConfigError(f"{where}: `timeout` must be more than 0 seconds")
    setattr(settings, key, number)


# --- messages ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """What a channel receives. `key` names the notice within its subject (a case, a crisis), for sending it once."""

    kind: str
    key: str
    title: str
    body: str
    level: str = "info"  # info, warning or failure (Apprise's types: colours and icons on chat services)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(value: Any, limit: int = 300) -> str:
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _without_customer(text: str, case: Case) -> str:
    """The promise may name the customer or quote their contact; without `include: name` neither goes out."""
    name = " ".join(case.customer.name.split())
    words = [w for w in {name, *name.split()} if len(w) >= 2 and w != "[erased]"]
    if words:
        pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        text = re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", "[customer]", text, flags=re.IGNORECASE)
    contact = case.customer.contact.strip()
    if len(contact) >= 3:
        text = re.sub(re.escape(contact), "[contact]", text, flags=re.IGNORECASE)
    return re.sub(r"\[customer\](\s+\[customer\])+", "[customer]", text)


def case_lines(case: Case, include_name: bool, promise_note: str | None = None) -> list[str]:
    """What any message about a case carries: id, playbook, severity, staff, the promise; the name only if asked.

    Never the customer's own words, what they want, their contact, or any other free-text answer.
    """
    severity = f"emergency (complaint number {case.complaint_number})" if case.severity == "emergency" else "normal"
    promise = case.answers.get("commitment")
    if promise_note is not None:
        shown = promise_note
    elif promise:
        shown = _clean(promise if include_name else _without_customer(str(promise), case))
    else:
        shown = "—"
    lines = [f"Case: {case.id}", f"Playbook: {_clean(case.playbook.id, 80)}", f"Severity: {severity}",
             f"Staff: {_clean(case.staff, 120)}", f"Promise: {shown}"]
    if case.answers.get("follow_up_date"):
        lines.append(f"Follow-up: {_clean(case.answers['follow_up_date'], 20)}")
    if include_name and case.customer.name:
        lines.append(f"Customer: {_clean(case.customer.name, 120)}")
    return lines


def emergency_message(case: Case, include_name: bool, during_call: bool = False) -> Message:
    """[kuzmeski-second-complaint] a repeat complaint: the duty manager acts now, not when they next look."""
    lines = case_lines(case, include_name, promise_note="(the call is in progress)" if during_call else None)
    head = ("A customer is complaining again, on the phone now." if during_call
            else "A customer complained again; the case is saved.")
    return Message("emergency", "emergency", f"EMERGENCY {case.id}: complaint number {case.complaint_number} "
                   f"({_clean(case.playbook.id, 80)})", "\n".join([head, *lines, f"See: recover show {case.id}"]), "failure")


def overdue_message(case: Case, today: date, include_name: bool) -> Message:
    due = str(case.answers.get("follow_up_date"))
    days = (today - date.fromisoformat(due)).days
    lines = case_lines(case, include_name)
    return Message("overdue", overdue_key(case), f"Follow-up overdue {case.id}: due {due} ({days} day{'s' * (days != 1)} ago)",
                   "\n".join(["A promised follow-up has not happened.", *lines,
                              f"When done: recover followup {case.id} --done"]), "warning")


def overdue_key(case: Case) -> str:
    """A follow-up moved to a new date and missed again is a new notice."""
    return f"overdue:{case.answers.get('follow_up_date')}"


def overdue_batch_message(cases: list[Case], today: date, include_name: bool) -> Message:
    lines = []
    for c in cases:
        due = str(c.answers.get("follow_up_date"))
        promise = c.answers.get("commitment")
        shown = _clean(promise if include_name else _without_customer(str(promise), c), 120) if promise else "—"
        who = f" · {_clean(c.customer.name, 60)}" if include_name and c.customer.name else ""
        lines.append(f"{c.id} · due {due} · {_clean(c.playbook.id, 40)} · {_clean(c.staff, 60)}{who} · promised: {shown}")
    return Message("overdue", "overdue-batch", f"{len(cases)} follow-ups overdue",
                   "\n".join(["These promised follow-ups have not happened:", *lines,
                              "The list: recover followups"]), "warning")


def test_message(kinds: Iterable[str]) -> Message:
    names = ", ".join(k for k in KINDS if k in set(kinds))
    return Message("test", "test", "recover: test notification",
                   f"This channel is set up to receive: {names}.\nNo case is involved; nothing needs doing.", "info")


# --- sending -------------------------------------------------------------------------------------------------------
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
    level = {"failure": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(message.level,
                                                                                               apprise.NotifyType.INFO)
    asset = apprise.AppriseAsset(app_id="recover", app_desc="recover: service recovery", storage_mode="memory")
    results: dict[int, Outcome] = {}

    def one(i: int, channel: Channel) -> None:
        try:
            plugin = apprise.Apprise.instantiate(channel.url, asset=asset, suppress_exceptions=True)
            if plugin is None:
                results[i] = Outcome(channel, False, "Apprise cannot read this URL — check the service name, and "
                                     "percent-encode @ # / ? in a password (%40 %23 %2F %3F)")
                return
            plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), timeout)
            plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), timeout)
            ok = plugin.notify(body=message.body, title=message.title, notify_type=level,
                               body_format=apprise.NotifyFormat.TEXT)
            said = capture.lines.get(threading.get_ident(), [])
            results[i] = Outcome(channel, bool(ok), "" if ok else (said[0] if said else "the service refused it"))
        except Exception as e:  # noqa: BLE001 - a pager must never take the call down with it
            results[i] = Outcome(channel, False, f"unexpected {type(e).__name__} while sending")

    with _Capture() as capture:
        threads = [threading.Thread(target=one, args=(i, c), daemon=True, name=f"recover-notify-{i}")
                   for i, c in enumerate(channels)]
        for t in threads:
            t.start()
        deadline = _monotonic() + 2 * timeout + 1
        for t in threads:
            t.join(max(0.0, deadline - _monotonic()))
    out = []
    for i, c in enumerate(channels):
        got = results.get(i) or Outcome(c, False, f"no answer within {2 * timeout + 1:g} s")
        got.reason = _clean(redact(got.reason, secrets), 200)
        out.append(got)
    return out


def _monotonic() -> float:
    import time

    return time.monotonic()


def summary(outcomes: Sequence[Outcome]) -> str:
    """One line: which channels failed and why (labels and reasons only)."""
    return "; ".join(f"{o.channel.label}: {o.reason}" for o in outcomes if not o.ok)


# --- claims: each notice to each channel once ------------------------------------------------------------------------
def owner_token() -> str:
    import secrets
    import socket

    return f"{_clean(socket.gethostname(), 40)}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claim:
    key: str
    owner: str
    attempt: int
    channels: tuple[Channel, ...]  # the channels it is for: those this notice has not reached yet


def _records(events: Iterable[Event], key: str) -> list[dict[str, Any]]:
    return [e.data | {"_at": e.at} for e in events if e.kind == EVENT and e.data.get("notice") == key]


def pending(events: Iterable[Event], key: str, channels: Sequence[Channel], now: datetime, retry: float,
            at_once: bool = False) -> Claim | None:
    """What may be claimed now for `key`, given its records: the channels not yet reached, unless another process
    holds a live claim, or the last try failed and its retry is not due (`at_once`: the saving desk tries again now)."""
    records = _records(events, key)
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

    def claim(self, key: str, channels: Sequence[Channel], now: datetime, retry: float, at_once: bool = False,
              timeout: float = TIMEOUT) -> Claim | None:
        owner = owner_token()
        lease = max(LEASE, timedelta(seconds=4 * timeout + 10))
        made: list[Claim] = []

        def decide(events: list[Event]) -> Event | None:
            claim = pending(events, key, channels, now, retry, at_once)
            if claim is None:
                return None
            made.append(Claim(key, owner, claim.attempt, claim.channels))
            return Event(at=now, staff=self.actor, kind=EVENT, data={
                "notice": key, "state": "claimed", "attempt": claim.attempt, "by": owner,
                "until": (now + lease).isoformat(), "to": [c.label for c in claim.channels]})

        self.append_if(decide)
        return made[0] if made else None

    def settle(self, claim: Claim, outcomes: Sequence[Outcome], now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        failed = [o for o in outcomes if not o.ok]
        data: dict[str, Any] = {"notice": claim.key, "state": "failed" if failed else "sent", "attempt": claim.attempt,
                                "by": claim.owner, "done": [o.channel.fingerprint for o in outcomes if o.ok],
                                "to": [o.channel.label for o in outcomes if o.ok]}
        if failed:
            data["error"] = summary(failed)
        self.append_if(lambda _events: Event(at=now, staff=self.actor, kind=EVENT, data=data))


def case_ledger(store: Any, case_id: str, actor: str) -> Ledger:
    return Ledger(lambda decide: store.append_event_if(case_id, EVENT, decide), actor)


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


def send(ledger: Ledger | None, subject: str, message: Message, settings: Settings, now: datetime | None = None,
         at_once: bool = False) -> Sent | None:
    """Claim, deliver, settle: the notice goes to every channel for its kind that it has not reached yet.

    None when there is nothing to do (no channel for the kind, already sent, or another process is sending it).
    Without a ledger the message is simply sent (a one-off: a test message, the digest).
    """
    channels = settings.for_kind(message.kind)
    if not channels:
        return None
    now = now or datetime.now(timezone.utc)
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


# --- what causes a notice ----------------------------------------------------------------------------------------------
def case_saved(store: Any, case: Case, settings: Settings, actor: str) -> Sent | None:
    """The command that saved a case pages for it at once: a repeat complaint is an emergency."""
    if case.severity != "emergency" or not settings.for_kind("emergency"):
        return None
    return send(case_ledger(store, case.id, actor), case.id, emergency_message(case, settings.include_name),
                settings, at_once=True)


def sweep(store: Any, settings: Settings, today: date, now: datetime | None = None, actor: str = "recover watch") -> list[Sent]:
    """One look for what time has made due (`recover watch --notify`): follow-ups fallen overdue, emergencies the
    saving desk did not deliver, and every failed notice whose retry is due."""
    from recoverycli.query import CaseFilter

    now = now or datetime.now(timezone.utc)
    out: list[Sent] = []
    if settings.for_kind("emergency"):
        recent = store.cases(CaseFilter(severity="emergency", since=today - timedelta(days=EMERGENCY_DAYS)), events=True)
        for case in recent:
            records = _records(case.events, "emergency")
            if case.status == "draft" and not records:
                continue  # the call is still going: its desk pages when it saves
            if pending(case.events, "emergency", settings.for_kind("emergency"), now, settings.retry) is None:
                continue
            try:
                sent = send(case_ledger(store, case.id, actor), case.id, emergency_message(case, settings.include_name),
                            settings, now)
            except NotFoundError:  # a draft discarded meanwhile
                continue
            if sent is not None:
                out.append(sent)
    if settings.for_kind("overdue"):
        out += _overdue(store, settings, today, now, actor)
    return out


def _overdue(store: Any, settings: Settings, today: date, now: datetime, actor: str) -> list[Sent]:
    from recoverycli.query import due_filter

    channels = settings.for_kind("overdue")
    oldest = (today - timedelta(days=OVERDUE_DAYS)).isoformat()
    due = [c for c in store.cases(due_filter(today - timedelta(days=1)), order="follow_up", events=True)
           if str(c.answers.get("follow_up_date")) >= oldest]
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
            for case, claim, ledger in items:
                ledger.settle(claim, outcomes)
            out.append(Sent(", ".join(c.id for c, _, _ in items), message, outcomes))
        else:
            for case, claim, ledger in items:
                message = overdue_message(case, today, settings.include_name)
                outcomes = deliver(message, chans, settings.timeout)
                ledger.settle(claim, outcomes)
                out.append(Sent(case.id, message, outcomes))
    return out


# --- during a live call --------------------------------------------------------------------------------------------
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
                    self._box.append(send(case_ledger(store, case.id, self.actor), case.id, message, self.settings,
                                          at_once=True))
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


# --- the digest ------------------------------------------------------------------------------------------------------
def digest_message(store: Any, today: date, include_name: bool, limit: int = 15) -> Message:
    """The day's promises for a cron job: due today, overdue, and the emergencies since yesterday."""
    from recoverycli.query import CaseFilter, due_filter

    due = store.cases(due_filter(today), order="follow_up", events=False)
    today_text = today.isoformat()
    due_today = [c for c in due if str(c.answers.get("follow_up_date")) == today_text]
    overdue = [c for c in due if str(c.answers.get("follow_up_date")) < today_text]
    emergencies = store.cases(CaseFilter(severity="emergency", since=today - timedelta(days=1), live_only=True),
                              events=False)

    def line(c: Case, what: str) -> str:
        promise = c.answers.get("commitment")
        shown = _clean(promise if include_name else _without_customer(str(promise), c), 120) if promise else "—"
        who = f" · {_clean(c.customer.name, 60)}" if include_name and c.customer.name else ""
        return f"  {c.id} · {what} · {_clean(c.playbook.id, 40)} · {_clean(c.staff, 60)}{who} · promised: {shown}"

    def section(title: str, cases: list[Case], what: Callable[[Case], str]) -> list[str]:
        if not cases:
            return [f"{title}: none"]
        rows = [line(c, what(c)) for c in cases[:limit]]
        more = [f"  … and {len(cases) - limit} more (recover followups)"] if len(cases) > limit else []
        return [f"{title}: {len(cases)}", *rows, *more]

    def days(c: Case) -> str:
        n = (today - date.fromisoformat(str(c.answers["follow_up_date"]))).days
        return f"{n} day{'s' * (n != 1)} overdue"

    body = [*section("Follow-ups due today", due_today, lambda c: "due today"),
            *section("Overdue", overdue, days),
            *section("Emergencies since yesterday", emergencies,
                     lambda c: f"complaint number {c.complaint_number}, {c.status}")]
    title = (f"recover digest {today:%a %d %b}: {len(due_today)} due today, {len(overdue)} overdue, "
             f"{len(emergencies)} emergenc{'y' if len(emergencies) == 1 else 'ies'}")
    return Message("digest", f"digest:{today_text}", title, "\n".join(body), "warning" if overdue or emergencies else "info")


# --- crises (issue 19 calls these) -------------------------------------------------------------------------------------
def crisis_opened(ledger: Ledger | None, crisis_id: str, title: str, settings: Settings, customers: int,
                  supplier: str | None = None, playbook: str | None = None, staff: str | None = None) -> Sent | None:
    """[kaufman-respond-now] a crisis opened: the duty manager knows before the first customer calls.

    The crisis code calls this right after the crisis is saved, with a Ledger over the crisis's own log
    (or None: sent once, not recorded). No customer's name or words go out, only the count.
    """
    lines = [f"Crisis: {_clean(crisis_id, 40)}", f"Title: {_clean(title)}", f"Customers affected: {customers}"]
    if supplier:
        lines.append(f"Supplier: {_clean(supplier, 120)}")
    if playbook:
        lines.append(f"Playbook: {_clean(playbook, 80)}")
    if staff:
        lines.append(f"Opened by: {_clean(staff, 120)}")
    lines.append(f"Start calling: recover crisis call {_clean(crisis_id, 40)}")
    message = Message("crisis", "opened", f"CRISIS {_clean(crisis_id, 40)} opened: {_clean(title, 120)}",
                      "\n".join(lines), "failure")
    return send(ledger, crisis_id, message, settings, at_once=True)


@dataclass(frozen=True)
class Pace:
    """How a crisis's reach compares with the pace set for it."""

    hours: float  # since the crisis opened
    customers: int
    reached: int
    expected: int  # customers that should have been reached by now at the set pace
    per_hour: float

    @property
    def behind(self) -> bool:
        return self.reached < self.expected

    @property
    def hour(self) -> int:
        """Which hour of the crisis this is: one pace alert per hour at most."""
        return int(self.hours)


def crisis_pace(opened_at: datetime, now: datetime, customers: int, reached: int, per_hour: float) -> Pace:
    """Plain figures in, the verdict out: at `per_hour`, how many of `customers` should be reached by now."""
    hours = max((now - opened_at).total_seconds() / 3600, 0.0)
    expected = min(customers, int(per_hour * hours))
    return Pace(hours=hours, customers=customers, reached=reached, expected=expected, per_hour=per_hour)


def crisis_behind(ledger: Ledger | None, crisis_id: str, title: str, pace: Pace, settings: Settings,
                  now: datetime | None = None) -> Sent | None:
    """A crisis falling behind its pace pages the `crisis` channels, at most once per hour of the crisis.

    `recover watch --notify` calls this for each open crisis with figures from the crisis store (issue 19).
    """
    if not pace.behind:
        return None
    message = Message(
        "crisis", f"behind:{pace.hour}", f"CRISIS {_clean(crisis_id, 40)} behind pace: {pace.reached} of "
        f"{pace.customers} reached",
        "\n".join([f"Crisis: {_clean(crisis_id, 40)}", f"Title: {_clean(title)}",
                   f"Reached: {pace.reached} of {pace.customers} after {pace.hours:.1f} h",
                   f"At {pace.per_hour:g} an hour, {pace.expected} should be reached by now.",
                   f"More desks: recover crisis call {_clean(crisis_id, 40)}"]), "warning")
    return send(ledger, crisis_id, message, settings, now)


# --- what the commands call -------------------------------------------------------------------------------------------
def settings_for_call(warn: Callable[[str], None]) -> Settings | None:
    """The settings for a command whose own work comes first (a call): a bad config is one yellow line, not a failure."""
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


def page_when_identified(call: Any, case_id: Callable[[], str | None], pager: Pager) -> None:
    """A live call pages the duty manager the moment it finds a repeat complaint, with the customer still on the line
    (the draft is in the store by then: it was saved with the customer's details)."""
    from recoverycli.wizard import case_from_call

    identify = call.identify
    if identify is None:
        return

    def identify_and_page(c: Any) -> Any:
        repeat = identify(c)
        draft = case_id()
        if repeat.complaint_number >= 2 and draft:
            case = case_from_call(c, via="wizard").model_copy(update={
                "id": draft, "complaint_number": repeat.complaint_number, "severity": "emergency"})
            pager.page(case)
        return repeat

    call.identify = identify_and_page


def after_save(store: Any, case: Case, settings: Settings | None, warn: Callable[[str], None],
               pager: Pager | None = None) -> Sent | None:
    """After the case is saved, never before: page for it, and say in one line if that did not work.

    The call is already safe in the store; nothing here raises.
    """
    if settings is None:
        return None
    during = pager.finish() if pager is not None else None
    try:
        sent = case_saved(store, case, settings, case.staff)
    except RecoverError as e:
        warn(f"{case.id} is saved, but the duty manager could not be paged ({e.message}) — "
             f"`recover watch --notify` will page it")
        return None
    except Exception as e:  # noqa: BLE001 - the case is saved: a pager's trouble must not turn that into a failure
        warn(f"{case.id} is saved, but the duty manager could not be paged (unexpected {type(e).__name__}) — "
             f"`recover watch --notify` will page it")
        return None
    if sent is not None and not sent.ok:
        warn(f"{case.id} is saved, but the page did not go through ({summary(sent.outcomes)}) — "
             f"`recover watch --notify` tries again")
    return sent or during
