"""A call in progress, written to the store as a draft after every answer."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from recoverycli.call.wizard import Asker, Call, Repeat, case_from_call, clean_staff, coaching_events, run_call
from recoverycli.caselog.record import Case, Event, PlaybookRef, severity_of
from recoverycli.errors import RecoverError, StoreError, UsageError
from recoverycli.playbooks.schema import Prompt
from recoverycli.store import CaseStore, iso, utcnow

REPEAT_DAYS = 30


MAX_REPEAT_DAYS = 36_500  # a hundred years: beyond it a date before the window cannot be written


def repeat_days() -> int:
    """How far back an earlier complaint still counts (RECOVER_REPEAT_DAYS, else config `repeat_days`, else 30).

    A value that is not a whole number of days from 0 to MAX_REPEAT_DAYS is a UsageError naming where it was set:
    quietly using 30 instead would hide a repeat complaint the desk meant to catch."""
    from recoverycli.config import config_file, read_config
    from recoverycli.errors import UsageError

    env = os.environ.get("RECOVER_REPEAT_DAYS")
    for candidate, where in ((env, "RECOVER_REPEAT_DAYS"), (read_config().get("repeat_days"), str(config_file()))):
        if candidate is None or (candidate == "" and where == "RECOVER_REPEAT_DAYS"):
            continue
        try:
            days = int(str(candidate).strip()) if not isinstance(candidate, bool) else -1
        except ValueError:
            days = -1
        if not 0 <= days <= MAX_REPEAT_DAYS:
            shown = str(candidate) if len(str(candidate)) <= 20 else str(candidate)[:20] + "…"
            setting = f"{where}={shown!r}" if where == "RECOVER_REPEAT_DAYS" else f"{where}: repeat_days = {shown!r}"
            raise UsageError(
                f"{setting} is not a whole number of days from 0 to {MAX_REPEAT_DAYS} — fix it or remove it "
                "(the default is 30)"
            )
        return days
    return REPEAT_DAYS


def staff_name(given: str | None) -> str | None:
    """--staff, then RECOVER_STAFF, then the remembered name; each checked as a customer's name is."""
    from recoverycli.config import config_file, read_config

    for source, candidate in (
        ("--staff", given),
        ("RECOVER_STAFF", os.environ.get("RECOVER_STAFF")),
        (f"{config_file()}: staff", read_config().get("staff")),
    ):
        if candidate is None or (isinstance(candidate, str) and not candidate.strip()):
            continue
        try:
            return clean_staff(candidate)
        except ValueError as e:
            raise UsageError(f"{source}: {e}") from None
    return None


def equip(
    call: Call,
    store: CaseStore,
    rules: list[Any] | None = None,
    days: int | None = None,
    warn: Callable[[str], None] | None = None,
) -> Call:
    """Give a call its memory (earlier complaints) and its coach; the wizard itself does no I/O.

    With `warn` (a live call), an unreachable store costs the look-up, not the call.
    """
    from recoverycli import coach
    from recoverycli.identity import contact_key, name_key

    window = repeat_days() if days is None else days

    def identify(c: Call) -> Repeat:
        if rules is None:  # the customer is known: load the coach while the clerk reads the first step
            import threading

            # not a daemon: a Ctrl-C during warm-up waits for it (well under a second) instead of tearing the
            # thread down inside pydantic's compiled validators, which aborts the process ("exception not rethrown")
            threading.Thread(target=coach.warm_up, name="coach-warm-up", daemon=False).start()
        from recoverycli.caselog.crisis import listing_for

        since = iso(c.now - timedelta(days=window))
        contact, name = str(c.customer.get("contact", "")), str(c.customer.get("name", ""))
        try:
            count, previous = store.earlier_cases(contact_key(contact), name_key(name), since)
            # an outreach call knows its crisis already; anyone else may be on a crisis list [kaufman-respond-now]
            listing = None if c.crisis_id else listing_for(store, contact, name, since)
        except StoreError as e:
            if warn is None:
                raise
            warn(
                f"could not look for this customer's earlier complaints ({e.message}) — ask them whether they "
                f"have called before"
            )
            return Repeat(complaint_number=1, previous=[])
        return Repeat(complaint_number=count + 1, previous=previous, crisis=listing)

    def coach_answer(prompt: Prompt, text: str, c: Call) -> list[Any]:
        ctx = coach.Context(customer_name=c.customer.get("name"), today=c.today, prompt=prompt.id)
        # rules load on first use, not before the first prompt
        if rules is None:
            return coach.check(text, coach.default_rules(), ctx, coach.second_opinion())
        return coach.check(text, rules, ctx)

    call.identify = identify
    call.coach = coach_answer
    return call


def captured(case: Case) -> int:
    """Every answer a draft holds, the customer's name, contact and segment included."""
    return len(case.customer.given()) + sum(1 for v in case.answers.values() if v not in (None, ""))


def answers_held(case: Case) -> str:
    """'1 answer', '5 answers': what a draft holds, in the words the chooser and discard use."""
    n = captured(case)
    return f"{n} answer{'' if n == 1 else 's'}"


class Autosave:
    """The wizard's on_answer hook: nothing answered is lost to Ctrl-C, a closed terminal or kill -9."""

    def __init__(
        self, store: CaseStore, via: str, draft: Case | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.store = store
        self.via = via
        self.case = draft
        self.warn = warn  # given: a store that stops answering mid-call is reported and retried, not fatal
        self.trouble: str | None = None  # why the last answer is not in the store yet
        self._ref: PlaybookRef | None = None

    @property
    def case_id(self) -> str | None:
        return self.case.id if self.case else None

    def __call__(self, call: Call, prompt_id: str) -> None:
        try:
            if self.case is None:
                self.case = self.store.add(case_from_call(call, self.via, utcnow(), status="draft"))
            else:
                updated = self._updated(call)
                self.store.save_draft(updated)
                self.case = updated
        except StoreError as e:
            if self.warn is None:
                raise
            if self.trouble is None:
                self.warn(
                    f"not saved just now ({e.message}) — carry on: every answer is held here and saved "
                    f"as soon as the store answers again"
                )
            self.trouble = e.message
            return
        if self.trouble is not None:
            self.trouble = None
            if self.warn:
                self.warn("the store answers again: every answer so far is saved")

    def _updated(self, call: Call) -> Case:
        assert self.case is not None
        if self._ref is None:  # the playbook as it is now, even for a draft begun on an older one
            self._ref = PlaybookRef.of(call.playbook)
        return self.case.model_copy(
            update={
                "updated_at": utcnow(),
                "staff": call.staff,
                "customer": call.to_customer(),
                "answers": dict(call.answers),
                "complaint_number": call.complaint_number,
                "severity": severity_of(call.complaint_number),
                "playbook": self._ref,
                "crisis_id": call.crisis_id,
            }
        )

    def finish(self, call: Call) -> Case:
        """The clerk confirmed: the draft becomes an open case, in one transaction."""
        if self.case is None:
            self(call, "")
        case = self._updated(call)
        now = utcnow()
        self.store.finish_draft(
            case, [*coaching_events(call, now), Event(at=now, staff=call.staff, kind="saved", data={"via": self.via})]
        )
        self.case = case.model_copy(update={"status": "open"})
        return self.case


@dataclass
class Outcome:
    """How the questions of a live call ended: answered to the end (save it) or interrupted (the draft stays)."""

    call: Call
    autosave: Autosave
    interrupted: bool
    settings: Any = None  # notify.Settings for this call, None when nobody is to be paged
    pager: Any = None  # notify.Pager: the page sent during the call when a repeat complaint was identified


def page_when_identified(call: Call, case_id: Callable[[], str | None], pager: Any) -> None:
    """A live call pages the duty manager the moment it finds a repeat complaint, with the customer still on the line
    (the draft is in the store by then: it was saved with the customer's details)."""
    identify = call.identify
    if identify is None:
        return

    def identify_and_page(c: Any) -> Any:
        repeat = identify(c)
        draft = case_id()
        if severity_of(repeat.complaint_number) == "emergency" and draft:
            case = case_from_call(c, via="wizard").model_copy(
                update={
                    "id": draft,
                    "complaint_number": repeat.complaint_number,
                    "severity": severity_of(repeat.complaint_number),
                }
            )
            pager.page(case)
        return repeat

    call.identify = identify_and_page


def live(
    asker: Asker,
    store: CaseStore,
    call: Call,
    draft: Case | None = None,
    warn: Callable[[str], None] | None = None,
    prefilled: bool = False,
) -> Outcome:
    """Ask every question (from the first unanswered one of a draft), autosaving each answer; Ctrl-C ends the
    questions, never the draft. Saving the finished case is the caller's, once the screen is closed.

    prefilled: what the call already holds (a crisis list's customer) is not asked again.
    """
    from recoverycli import notify

    autosave = Autosave(store, via="wizard", draft=draft, warn=warn)
    call.on_answer = autosave
    equip(call, store, warn=warn)
    settings = notify.settings_for_call(warn or (lambda _: None))
    pager = None
    if settings is not None and settings.for_kind("emergency"):  # page the moment a repeat complaint is identified
        pager = notify.Pager(notify.reopener(store), settings, call.staff)
        page_when_identified(call, lambda: autosave.case_id if autosave.trouble is None else None, pager)
    try:
        run_call(asker, call, skip_answered=draft is not None or prefilled)
    except KeyboardInterrupt:
        return Outcome(call, autosave, True, settings, pager)
    return Outcome(call, autosave, False, settings, pager)


def rescue(call: Call, store_label: str, why: str) -> tuple[Path | None, str]:
    """The whole call as an --answers file when the store will not take it: replayed later, nothing is retyped.

    Returns where it was written (None if nowhere could be) and the file's text.
    """
    import tempfile
    from datetime import datetime

    from recoverycli.config import data_dir
    from recoverycli.files import new_private
    from recoverycli.playbooks.source import dump_yaml

    customer = call.to_customer().given()
    body = dump_yaml(
        {"playbook": call.playbook.id, "staff": call.staff, "customer": customer, "answers": dict(call.answers)}
    )
    name = f"{datetime.now():%Y%m%d-%H%M%S}-{call.playbook.id}.answers.yaml"
    head = (
        f"# Not saved to {store_label} ({why}).\n"
        f"# Every answer is here. When the store is back, save it with:\n"
        f"#   recover start --answers <this file>\n# then delete this file: it holds the customer's details.\n"
    )
    for folder in (data_dir() / "unsaved", Path(tempfile.gettempdir()) / f"recover-{os.getuid()}"):
        try:
            path = folder / name
            new_private(path, head + body)  # 0600 in a 0700 folder, never through a link
            return path, head + body
        except (OSError, RecoverError):
            continue
    return None, head + body


@dataclass
class Settled:
    """Where a live call's answers are once its questions are over: never nowhere.

    Saved (`case`), kept as a draft to resume (`interrupted`, `draft_id`), or, when the store would not take them,
    written to an --answers file (`unsaved` says why, `rescue_path` where; None when no folder would take it, and
    then `rescue_text` is all there is).
    """

    case: Case | None = None
    interrupted: bool = False
    draft_id: str | None = None
    unsaved: str | None = None
    rescue_path: Path | None = None
    rescue_text: str = ""


def settle(outcome: Outcome, before_save: Callable[[str | None], None] | None = None) -> Settled:
    """The never-lose policy of a live call, once the screen is closed: save the finished case in one transaction;
    on Ctrl-C keep the draft; when the store fails either way, put every answer in a file `start --answers` replays.

    before_save(draft_id): called once the clerk confirms, or is interrupted with a draft, before anything is saved
    (a crisis outreach call records that the customer was reached before its case is saved).
    """
    call, autosave = outcome.call, outcome.autosave
    if outcome.interrupted:
        if outcome.pager is not None:  # a page under way is given its time: the emergency is real even on Ctrl-C
            outcome.pager.finish(wait=outcome.settings.timeout if outcome.settings else 0)
        if before_save is not None and autosave.case_id is not None:
            before_save(autosave.case_id)
        if autosave.trouble is not None:
            return _rescued(call, autosave, autosave.trouble, interrupted=True)
        return Settled(interrupted=True, draft_id=autosave.case_id)
    try:
        if before_save is not None:
            before_save(autosave.case_id)
        saved = autosave.finish(call)
    except StoreError as e:
        return _rescued(call, autosave, e.message, interrupted=False)
    return Settled(case=saved)


def _rescued(call: Call, autosave: Autosave, why: str, interrupted: bool) -> Settled:
    path, text = rescue(call, autosave.store.label, why)
    return Settled(interrupted=interrupted, draft_id=autosave.case_id, unsaved=why, rescue_path=path, rescue_text=text)


def link_to_crisis(store: CaseStore, case: Case, warn: Callable[[str], None]) -> None:
    """A listed customer's own call, once saved, marks them reached on the crisis list; a store that fails here
    costs the mark, never the saved case."""
    if not case.crisis_id:
        return
    from recoverycli.caselog.crisis import note_inbound

    try:
        if (what := note_inbound(store, case)) is not None:
            warn(what)
    except StoreError as e:
        warn(f"the case is saved, but crisis {case.crisis_id}'s list could not be updated ({e.message})")
