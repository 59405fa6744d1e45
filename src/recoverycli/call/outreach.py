"""A crisis queue's call: what came of dialling, and a whole queued call from an --answers file.

The queue itself (claims, leases, records, the board) is caselog.crisis; these run the wizard, so they live with
the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from recoverycli.call.answers_file import FileAsker
from recoverycli.call.wizard import ask_one
from recoverycli.caselog.crisis import ATTEMPT_PROMPTS, OUTCOMES, Crisis, claim, record
from recoverycli.errors import AnswersError


def ask_attempt(asker: Any, call: Any) -> dict[str, Any]:
    """What came of dialling: the outcome, a call-back time (in the future), the voicemail message."""
    from recoverycli.dates import parse_later

    out: dict[str, Any] = {}
    for prompt in ATTEMPT_PROMPTS:
        if not prompt.applies(call.lookup):
            continue
        while True:
            ask_one(asker, call, prompt)
            value = call.answers.get(prompt.id)
            if prompt.id != "call_back_at" or value is None:
                break
            try:
                value = parse_later(str(value), datetime.now(UTC)).isoformat(timespec="minutes")
                break
            except ValueError as e:
                call.answers.pop(prompt.id, None)
                if not asker.rejected(prompt, value, str(e)):
                    value = None
                    break
        if value is not None:
            out[prompt.id] = value
    return out


@dataclass
class Scripted:
    customer: str
    outcome: str
    case_id: str | None
    held: bool
    notices: list[str]
    next_try: str | None = None


def call_from_file(
    store: Any, lib: Any, crisis: Crisis, path: Any, staff: str | None, today: date, now: datetime | None = None
) -> Scripted | None:
    """One queued customer called from an answers file: the file is checked before anyone is claimed, and a
    refused file releases the customer again. None when nobody is due."""
    from pathlib import Path

    from recoverycli.call.answers_file import load_answers
    from recoverycli.call.live import equip, staff_name
    from recoverycli.call.wizard import Call, case_from_call, run_call

    path = Path(path)
    data = load_answers(path)
    notices = [f"{path}: `customer:` is not used here — the queue decides who is called next"] if data.customer else []
    data.customer = {}
    who = (staff or "").strip() or data.staff or staff_name(None)
    if not who:
        raise AnswersError(
            f"{path}: no staff name — add `staff: Your Name` to the file, or pass --staff / set RECOVER_STAFF"
        )
    pb = lib.get(data.playbook or crisis.playbook_id)
    outcome = str(data.answers.get("outcome", "reached")).strip().lower().replace("-", "_").replace(" ", "_")
    if outcome not in OUTCOMES:
        raise AnswersError(
            f"{path}: answers.outcome '{data.answers.get('outcome')}' is not one of "
            f"{', '.join(OUTCOMES)} — say what happened on the call"
        )
    data.answers["outcome"] = outcome
    fixed = now is not None  # tests pass the clock; a desk uses the time of each step
    now = now or datetime.now(UTC)
    got = claim(store, crisis, who, now)
    if got is None:
        return None
    try:
        asker = AttemptFileAsker(data)
        attempt_call = Call(playbook=pb, staff=who, today=today)
        equip(attempt_call, store, dirs=lib.dirs)
        attempt = ask_attempt(asker, attempt_call)
        case = None
        if outcome == "reached":
            call = Call(
                playbook=pb,
                staff=who,
                today=today,
                crisis_id=crisis.id,
                customer={"name": got.customer.name, "contact": got.customer.contact, "segment": got.customer.segment},
            )
            equip(call, store, dirs=lib.dirs)
            run_call(asker, call, skip_answered=True)
            asker.verdict(call)
            case = case_from_call(call, via="crisis-answers")
        else:
            asker.verdict_attempt()
    except BaseException:
        store.release(got.customer.id, got.token)
        raise
    case_id, held = record(store, got, attempt, who, now if fixed else datetime.now(UTC), case=case)
    after = store.crisis_customer(got.customer.id)
    return Scripted(got.customer.name, outcome, case_id, held, notices + asker.notices, after["next_try_at"])


class AttemptFileAsker(FileAsker):
    """The --answers asker, knowing the attempt's own questions (outcome, call-back time, message)."""

    def unknown_ids(self, call: Any) -> list[str]:
        own = {p.id for p in ATTEMPT_PROMPTS}
        keep = self.data.answers
        self.data.answers = {k: v for k, v in keep.items() if k not in own}
        try:
            return super().unknown_ids(call)
        finally:
            self.data.answers = keep

    def verdict_attempt(self) -> None:
        """A call that reached nobody makes no case: answers meant for one are a mistake in the file."""
        outcome = self.data.answers.get("outcome")
        own = {p.id for p in ATTEMPT_PROMPTS}
        stray = [k for k in self.data.answers if k not in own]
        problems = [*self.errors]
        if stray:
            problems.append(
                f"{', '.join(stray)}: answers for a reached customer, but the outcome is {outcome} "
                f"— remove them (no case is made for a call that did not reach them)"
            )
        if problems:
            raise AnswersError(
                f"{self.data.path}: nothing recorded; {len(problems)} problem(s): " + "; ".join(problems)
            )
