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
from recoverycli.errors import NotFoundError, PlaybookError, RecoverError, StoreError, UsageError
from recoverycli.playbooks.schema import Prompt
from recoverycli.store import BaseStore, iso, utcnow

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
    store: BaseStore,
    rules: list[Any] | None = None,
    days: int | None = None,
    warn: Callable[[str], None] | None = None,
    dirs: list[Path] | None = None,
    warn_rules: Callable[[str], None] | None = None,
) -> Call:
    """Give a call its memory (earlier complaints) and its coach; the wizard itself does no I/O.

    The coach reads `rules`, else the bundled rules and each playbook directory's coach.yaml (`dirs`: the library's,
    by default the bundled one and RECOVER_PLAYBOOKS), as `coach check` does. With `warn` (a live call), an
    unreachable store costs the look-up, not the call, and a broken coach.yaml its own rules, not the coaching
    (said through `warn_rules` when a call from a file has no `warn`).
    """
    from recoverycli import coach
    from recoverycli.identity import contact_key, name_key

    window = repeat_days() if days is None else days

    def identify(c: Call) -> Repeat:
        if rules is None:  # the customer is known: load the coach while the clerk reads the first step
            import threading

            # not a daemon: a Ctrl-C during warm-up waits for it (well under a second) instead of tearing the
            # thread down inside pydantic's compiled validators, which aborts the process ("exception not rethrown")
            threading.Thread(target=coach.warm_up, args=(dirs,), name="coach-warm-up", daemon=False).start()
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

    refused: list[str] = []

    def coach_rules() -> list[Any]:
        try:
            return coach.call_rules(dirs)
        except PlaybookError as e:
            say = warn or warn_rules
            if say is None:
                raise
            if not refused:
                refused.append(e.message)
                say(f"warning: {e.message} — until it is fixed, this call is coached by the bundled rules only")
            return coach.default_rules()

    def coach_answer(prompt: Prompt, text: str, c: Call) -> list[Any]:
        ctx = coach.Context(customer_name=c.customer.get("name"), today=c.today, prompt=prompt.id)
        # rules load on first use, not before the first prompt
        if rules is None:
            return coach.check(text, coach_rules(), ctx, coach.second_opinion())
        return coach.check(text, rules, ctx)

    call.identify = identify
    call.coach = coach_answer
    return call


def captured(case: Case) -> int:
    """Every answer a draft holds, the customer's name, contact and segment included."""
    from recoverycli.call.wizard import UNFINISHED

    return len(case.customer.given()) + sum(
        1 for k, v in case.answers.items() if v not in (None, "") and k != UNFINISHED
    )


def answers_held(case: Case) -> str:
    """'1 answer', '5 answers': what a draft holds, in the words the chooser and discard use."""
    n = captured(case)
    return f"{n} answer{'' if n == 1 else 's'}"


class Autosave:
    """The wizard's on_answer hook: nothing answered is lost to Ctrl-C, a closed terminal or kill -9."""

    def __init__(
        self, store: BaseStore, via: str, draft: Case | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.store = store
        self.via = via
        self.case = draft
        self.warn = warn  # given: a store that stops answering mid-call is reported and retried, not fatal
        self.trouble: str | None = None  # why the last answer is not in the store yet
        self.moved: str | None = None  # the one line saying the call went on as a new draft (see _start_again)
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
                try:
                    self.store.save_draft(updated)
                    self.case = updated
                except NotFoundError:
                    self._start_again(call)
                    if self.warn is not None:
                        self.warn(self.moved or "")
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

    def _updated(self, call: Call, final: bool = False) -> Case:
        assert self.case is not None
        if self._ref is None:  # the playbook as it is now, even for a draft begun on an older one
            self._ref = PlaybookRef.of(call.playbook)
        return self.case.model_copy(
            update={
                "updated_at": utcnow(),
                "staff": call.staff,
                "customer": call.to_customer(),
                "answers": dict(call.answers) | held(call, final),
                "complaint_number": call.complaint_number,
                "severity": severity_of(call.complaint_number),
                "playbook": self._ref,
                "crisis_id": call.crisis_id,
            }
        )

    def _start_again(self, call: Call) -> None:
        """The draft was discarded, or saved by another desk that resumed it too, while this call went on: the call
        carries on as a new draft holding every answer, and `moved` says so in one line."""
        assert self.case is not None
        gone, now = self.case.id, utcnow()
        fresh = case_from_call(call, self.via, now, status="draft").model_copy(
            update={
                "events": [Event(at=now, staff=call.staff, kind="created", data={"via": self.via, "continues": gone})]
            }
        )
        self.case = self.store.add(fresh)
        self.moved = (
            f"draft {gone} was discarded or saved at another desk meanwhile — this call goes on as {self.case.id}, "
            f"every answer kept"
        )

    def finish(self, call: Call) -> Case:
        """The clerk confirmed: the draft becomes an open case, in one transaction (a new one if the draft went)."""
        if self.case is None:  # no draft was ever saved: a store refusing this too raises, and the call is rescued
            self.case = self.store.add(case_from_call(call, self.via, utcnow(), status="draft"))
        now = utcnow()
        events = [*coaching_events(call, now), Event(at=now, staff=call.staff, kind="saved", data={"via": self.via})]
        case = self._updated(call, final=True)
        try:
            self.store.finish_draft(case, events)
        except NotFoundError:
            self._start_again(call)
            case = self._updated(call, final=True)
            self.store.finish_draft(case, events)
        self.case = case.model_copy(update={"status": "open"})
        return self.case


def held(call: Call, final: bool) -> dict[str, Any]:
    """The text being typed at Ctrl-C, as a draft keeps it (a saved case never does)."""
    from recoverycli.call.wizard import UNFINISHED

    if final or not call.unfinished:
        return {}
    prompt_id, text = next(iter(call.unfinished.items()))
    return {UNFINISHED: {"prompt": prompt_id, "text": text}}


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
    store: BaseStore,
    call: Call,
    draft: Case | None = None,
    warn: Callable[[str], None] | None = None,
    prefilled: bool = False,
    dirs: list[Path] | None = None,
) -> Outcome:
    """Ask every question (from the first unanswered one of a draft), autosaving each answer; Ctrl-C ends the
    questions, never the draft. Saving the finished case is the caller's, once the screen is closed.

    prefilled: what the call already holds (a crisis list's customer) is not asked again.
    dirs: the playbook directories whose coach.yaml coach the call (the library's).
    """
    from recoverycli import notify

    autosave = Autosave(store, via="wizard", draft=draft, warn=warn)
    call.on_answer = autosave
    equip(call, store, warn=warn, dirs=dirs)
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


DRAFT_LINE = "# draft: "  # the rescue file's header names the draft the store kept of the same call


def rescue_folders() -> list[Path]:
    """Where `rescue` writes, first choice first."""
    import tempfile

    from recoverycli.config import data_dir

    return [data_dir() / "unsaved", Path(tempfile.gettempdir()) / f"recover-{os.getuid()}"]


def rescue(call: Call, store_label: str, why: str, draft_id: str | None = None) -> tuple[Path | None, str]:
    """The whole call as an --answers file when the store will not take it: replayed later, nothing is retyped.

    Returns where it was written (None if nowhere could be) and the file's text.
    """
    from datetime import datetime

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
        f"#   recover start --answers <this file>\n"
        f"# which deletes this file (it holds the customer's details) and the unfinished draft below.\n"
        + (f"{DRAFT_LINE}{draft_id}\n" if draft_id else "")
    )
    for folder in rescue_folders():
        try:
            path = folder / name
            new_private(path, head + body)  # 0600 in a 0700 folder, never through a link
            return path, head + body
        except (OSError, RecoverError):
            continue
    return None, head + body


def is_rescue_file(path: Path) -> bool:
    """A file `rescue` wrote: an .answers.yaml file right in one of its folders."""
    try:
        where = path.expanduser().resolve().parent
        return path.name.endswith(".answers.yaml") and any(where == f.resolve() for f in rescue_folders())
    except OSError:
        return False


def saved_from_rescue(path: Path, store: BaseStore, case_id: str) -> list[str]:
    """A case is saved from a rescue file: the file has done its job, and so has the draft it names. Both go (the
    file holds the customer's details); what was done, one line each."""
    import re

    if not is_rescue_file(path):
        return []
    done = []
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        path.unlink()
        done.append(f"deleted {path}: its case is saved as {case_id}")
    except OSError as e:
        return [f"could not delete {path} ({e.strerror}) — delete it by hand: it holds the customer's details"]
    if (m := re.search("^" + re.escape(DRAFT_LINE) + r"(RC-\w+)$", head, re.MULTILINE)) is not None:
        try:
            store.discard(m.group(1))
            done.append(f"discarded the unfinished draft {m.group(1)} of the same call")
        except (NotFoundError, StoreError):
            pass  # already saved, discarded, or resumed elsewhere: nothing to tidy
    return done


def rescued_for(contact_or_name: str) -> tuple[list[Path], list[Path]]:
    """The rescue files that hold a customer, found as `forget` finds their cases (the contact and name keys), and
    those that could not be read to tell."""
    from recoverycli.call.answers_file import load_answers
    from recoverycli.identity import contact_key, name_key

    term = " ".join(contact_or_name.split())
    keys = {contact_key(term), name_key(term)} - {""}
    found: list[Path] = []
    unread: list[Path] = []
    for folder in rescue_folders():
        try:
            files = sorted(p for p in folder.glob("*.answers.yaml") if p.is_file() and not p.is_symlink())
        except OSError:
            continue
        for path in files:
            try:
                customer = load_answers(path).customer
            except RecoverError:
                unread.append(path)
                continue
            held = {contact_key(str(customer.get("contact") or "")), name_key(str(customer.get("name") or ""))}
            if keys & held:
                found.append(path)
    return found, unread


@dataclass
class Settled:
    """Where a live call's answers are once its questions are over: never nowhere.

    Saved (`case`), kept as a draft to resume (`interrupted`, `draft_id`), or, when the store would not take them,
    written to an --answers file (`unsaved` says why, `rescue_path` where; None when no folder would take it, and
    then `rescue_text` is all there is).
    """

    case: Case | None = None
    moved: str | None = None  # said once the screen is closed: the case was saved under a new id (Autosave.moved)
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
        moved = autosave.moved
        saved = autosave.finish(call)
    except StoreError as e:
        return _rescued(call, autosave, e.message, interrupted=False)
    return Settled(case=saved, moved=autosave.moved if autosave.moved != moved else None)


def _rescued(call: Call, autosave: Autosave, why: str, interrupted: bool) -> Settled:
    path, text = rescue(call, autosave.store.label, why, autosave.case_id)
    return Settled(interrupted=interrupted, draft_id=autosave.case_id, unsaved=why, rescue_path=path, rescue_text=text)


def link_to_crisis(store: BaseStore, case: Case, warn: Callable[[str], None]) -> None:
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
