"""`--answers FILE`: canned answers fed through the same wizard as a live call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from recoverycli.call.wizard import Call, Repeat, StepView, case_from_call, missing_required, run_call
from recoverycli.caselog.record import Case
from recoverycli.errors import AnswersError
from recoverycli.playbooks.schema import Prompt
from recoverycli.playbooks.source import YamlProblem, read_yaml

TOP_KEYS = {"staff", "customer", "answers", "playbook"}
CUSTOMER_KEYS = {"name", "contact", "segment"}


@dataclass
class AnswersFile:
    path: str
    staff: str | None
    playbook: str | None
    customer: dict[str, Any]
    answers: dict[str, Any]


def load_answers(path: Path) -> AnswersFile:
    """Read an answers file; structural problems are one error listing them all."""
    try:
        src = read_yaml(path)
    except YamlProblem as e:
        raise AnswersError(str(e.problem)) from None
    data = src.data
    if not isinstance(data, dict):
        raise AnswersError(
            str(
                src.problem(
                    (), "an answers file is a mapping with staff, customer and answers — see playbooks/examples/"
                )
            )
        )
    problems = [
        str(src.problem((k,), f"unknown key '{k}' — use staff, customer and answers", key=True))
        for k in data
        if k not in TOP_KEYS
    ]
    customer = data.get("customer") or {}
    answers = data.get("answers") or {}
    if not isinstance(customer, dict):
        problems.append(str(src.problem(("customer",), "'customer' must be a mapping {name, contact, segment}")))
        customer = {}
    if not isinstance(answers, dict):
        problems.append(str(src.problem(("answers",), "'answers' must be a mapping of prompt id to answer")))
        answers = {}
    problems += [
        str(src.problem(("customer", k), f"unknown customer key '{k}' — use name, contact and segment", key=True))
        for k in customer
        if k not in CUSTOMER_KEYS
    ]
    staff = data.get("staff")
    if staff is not None:
        from recoverycli.call.wizard import clean_staff

        try:
            staff = clean_staff(staff)
        except ValueError as e:
            problems.append(str(src.problem(("staff",), f"staff: {e}")))
    if problems:
        raise AnswersError(_listing(str(path), problems))
    pb = data.get("playbook")
    return AnswersFile(
        str(path),
        staff,
        str(pb) if pb is not None else None,
        {str(k): v for k, v in customer.items()},
        {str(k): v for k, v in answers.items()},
    )


def case_from_file(
    lib: Any,
    playbook_id: str | None,
    path: Path,
    staff: str | None,
    today: date,
    via: str = "answers",
    equip: Any = None,
    notices: list[str] | None = None,
) -> Case:
    """A whole call from an answers file, through the wizard; one error naming every problem, or the case to save."""
    from recoverycli.call.live import staff_name

    data = load_answers(path)
    pb = lib.get(playbook_id or data.playbook or "other")
    who = staff_name(staff) if staff and staff.strip() else data.staff or staff_name(None)
    if not who:
        raise AnswersError(
            f"{path}: no staff name — add `staff: Your Name` to the file, or pass --staff / set RECOVER_STAFF"
        )
    asker = FileAsker(data)
    call = Call(playbook=pb, staff=who, today=today)
    if equip is not None:
        equip(call)
    run_call(asker, call)
    if notices is not None:
        notices += asker.notices
    asker.verdict(call)
    return case_from_call(call, via=via)


MAX_LISTED = 20  # every problem of a real file; a file with 19,000 mistakes gets a message a person can read


def _few(problems: list[str]) -> str:
    more = len(problems) - MAX_LISTED
    return "; ".join(problems[:MAX_LISTED] + ([f"… and {more} more"] if more > 0 else []))


def _listing(path: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{path}: {len(problems)} problems: " + _few(problems)


def _short(key: str) -> str:
    return key if len(key) <= 40 else key[:39] + "…"


@dataclass
class FileAsker:
    """Answers from a file; a bad value is recorded instead of asked again."""

    data: AnswersFile
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # for stderr: stdout carries the case id alone

    def show_step(self, view: StepView) -> None:
        pass

    def ask(self, prompt: Prompt, call: Call) -> Any:
        if prompt.id.startswith("customer."):
            return self.data.customer.get(prompt.id.removeprefix("customer."))
        return self.data.answers.get(prompt.id)

    def rejected(self, prompt: Prompt, raw: Any, message: str) -> bool:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            where = "customer" if prompt.id.startswith("customer.") else "answers"
            message = f"required answer missing — add `{prompt.id.removeprefix('customer.')}:` under {where}"
        self.errors.append(f"{prompt.id}: {message}")
        return False

    def accepted(self, prompt: Prompt, value: Any, call: Call) -> None:
        pass

    def review(self, call: Call) -> str | None:
        return None

    def emergency(self, call: Call, repeat: Repeat) -> None:
        last = repeat.previous[0] if repeat.previous else None
        about = f"; last case {last.id} ({last.status}) promised: {last.answers.get('commitment', '—')}" if last else ""
        self.notices.append(f"EMERGENCY: complaint number {repeat.complaint_number} from this customer{about}")

    def crisis(self, call: Call, listing: Any) -> None:
        self.notices.append(listing.notice())

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        lines = "; ".join(f"{f.rule} ('{f.match}'): {f.suggestion}" for f in flags)
        if blocking:
            self.errors.append(f"{prompt.id}: cannot be saved as written — {lines}")
        else:
            self.notices.append(f"coach on {prompt.id}: {lines}")
        return False

    def unknown_ids(self, call: Call) -> list[str]:
        known = {p.id: p for p in call.prompts()}
        unknown = [_short(k) for k in self.data.answers if k not in known]
        if len(unknown) > 3:
            out = [
                f"{len(unknown)} answers have no prompt in playbook '{call.playbook.id}' ({', '.join(unknown[:3])}, …)"
                f" — remove them or check the spelling"
            ]
        else:
            out = [
                f"{k}: no such prompt in playbook '{call.playbook.id}' — remove it or check the spelling"
                for k in unknown
            ]
        asked = {p.id for p in call.asked()}
        out += [
            f"{k}: answered, but only asked when {known[k].when} — remove it or change the earlier answer"
            for k in self.data.answers
            if k in known and k not in asked
        ]
        return out

    def verdict(self, call: Call) -> None:
        """Raise one error naming every problem, so nothing half-right is saved."""
        problems = self.unknown_ids(call) + self.errors
        reported = {e.split(":", 1)[0] for e in self.errors}
        problems += [f"{pid}: required answer missing" for pid in missing_required(call) if pid not in reported]
        if problems:
            raise AnswersError(f"{self.data.path}: nothing saved; {len(problems)} problem(s): " + _few(problems))
