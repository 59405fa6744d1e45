"""The live walk-through, independent of how questions are asked.

The same `run_call` serves the interactive terminal and `--answers FILE`: only the Asker
differs, so a drill exercises exactly what a clerk meets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef, Status, severity_of
from recoverycli.dates import parse_future_date, parse_when, say_date, say_time
from recoverycli.playbooks.schema import (
    SEGMENT_LABELS,
    SEGMENTS,
    Gesture,
    Option,
    Playbook,
    Prompt,
    Step,
    condition_holds,
)
from recoverycli.playbooks.tips import ONLY_WHEN, TIPS, Tip
from recoverycli.safety import clean_text


def _built_in(prompt_id: str, label: str, help: str = "", **fields: Any) -> Prompt:
    """A question the call asks itself, outside every playbook: required, at most 200 characters unless told, and
    built without validation (an id such as `customer.name` is not a playbook prompt id)."""
    return Prompt.model_construct(
        **{"id": prompt_id, "label": label, "help": help, "required": True, "max_length": 200, **fields}
    )


CUSTOMER_PROMPTS: tuple[Prompt, ...] = (
    _built_in("customer.name", "Customer's name?", "As they would like to be addressed.", short="Name"),
    _built_in(
        "customer.contact",
        "Phone, email or booking reference?",
        "How we reach them for the follow-up.",
        short="Contact",
    ),
    _built_in(
        "customer.segment",
        "Who is the customer?",
        "Guidance adapts to them.",
        short="Customer type",
        type="choice",
        choices=[Option(value=s, label=SEGMENT_LABELS[s]) for s in SEGMENTS],
        allow_other=False,
        max_length=20,
    ),
)
STAFF_PROMPT = _built_in("staff", "Your name (staff)?")
MAX_NUMBER = 10**15  # larger is a typo, and beyond what JSON numbers carry exactly


def clean_staff(raw: Any) -> str:
    """A staff name, checked as a customer's name is: text, control characters stripped, at most 200 characters."""
    return str(check_answer(STAFF_PROMPT, raw, None))


@dataclass
class StepView:
    """What the clerk sees before a step's questions: already adapted to this customer."""

    step: Step
    index: int
    total: int
    guidance: list[str]
    say: list[str]
    avoid: list[str]
    tips: list[Tip]


@dataclass
class Repeat:
    """This customer's earlier complaints, found when they were identified."""

    complaint_number: int
    previous: list[Case]
    crisis: Any = None  # a crisis list this customer is on (recoverycli.caselog.crisis.Listing), shown at once


class Asker(Protocol):
    """How a call gets its answers: a terminal, a file, or a test."""

    def show_step(self, view: StepView) -> None: ...

    def ask(self, prompt: Prompt, call: Call) -> Any:
        """Raw answer for `prompt` (text, bool, or None for nothing given)."""

    def rejected(self, prompt: Prompt, raw: Any, message: str) -> bool:
        """`raw` was not usable; True to ask again (offering `raw` to edit)."""

    def accepted(self, prompt: Prompt, value: Any, call: Call) -> None: ...

    def review(self, call: Call) -> str | None:
        """A prompt id to change before saving, or None to save as it is."""

    def emergency(self, call: Call, repeat: Repeat) -> None:
        """Complaint number two or more: make it unmistakable [kuzmeski-second-complaint]."""

    def crisis(self, call: Call, listing: Any) -> None:
        """The customer is on a crisis list: show at once which crisis, whether we reached them and what we said."""

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        """The coach flagged an answer; True to revise it, False to keep it (not allowed when blocking)."""


@dataclass
class Call:
    """Everything captured so far during one call."""

    playbook: Playbook
    staff: str
    today: date
    customer: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    on_answer: Callable[[Call, str], None] | None = None
    identify: Callable[[Call], Repeat] | None = None
    coach: Callable[[Prompt, str, Call], list[Any]] | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    repeat: Repeat | None = None
    complaint_number: int = 1
    coaching: list[dict[str, Any]] = field(default_factory=list)
    happened: list[Event] = field(
        default_factory=list
    )  # for the history: a repeat found, answers changed at the summary
    crisis_id: str | None = None  # the crisis this call belongs to (an outreach call, or a listed customer calling)
    unfinished: dict[str, str] = field(default_factory=dict)  # prompt id → text typed but not submitted at Ctrl-C

    def value(self, prompt_id: str) -> Any:
        if prompt_id.startswith("customer."):
            return self.customer.get(prompt_id.removeprefix("customer."))
        return self.answers.get(prompt_id)

    def hold_unfinished(self, prompt_id: str, text: str) -> None:
        """Ctrl-C mid-answer: the text being typed goes into the draft, to be offered again on resume."""
        self.unfinished = {prompt_id: text}
        if self.on_answer is not None:
            self.on_answer(self, prompt_id)

    def set(self, prompt_id: str, value: Any) -> None:
        self.unfinished.pop(prompt_id, None)
        target = self.customer if prompt_id.startswith("customer.") else self.answers
        key = prompt_id.removeprefix("customer.")
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
        if self.on_answer is not None:
            self.on_answer(self, prompt_id)

    @property
    def emergency(self) -> bool:
        """A repeat complaint, found when the customer was identified (see `severity_of`)."""
        return severity_of(self.complaint_number) == "emergency"

    def to_customer(self) -> Customer:
        return Customer(
            name=self.customer.get("name", ""),
            contact=self.customer.get("contact", ""),
            segment=self.customer.get("segment"),
        )

    def prompts(self) -> list[Prompt]:
        return [*CUSTOMER_PROMPTS, *self.playbook.prompts()]

    def lookup(self, key: str) -> Any:
        """An earlier answer by prompt id, the segment, or `repeat` (complaint number two or more), for `when:`."""
        if key == "repeat":
            return self.emergency
        return self.customer.get("segment") if key == "segment" else self.value(key)

    def asked(self) -> list[Prompt]:
        """The prompts that apply to this call, given its answers so far."""
        return [p for p in self.prompts() if p.applies(self.lookup)]

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts() if p.id == prompt_id), None)

    def choices(self, prompt: Prompt) -> list[tuple[str, str]]:
        """(value, label) pairs offered for a choice prompt."""
        if prompt.choices_from == "gestures":
            return [
                (g.id, g.label)
                for g in rank_gestures(self.playbook.gestures, self.customer.get("segment"), self.complaint_number)
            ]
        return [(c, c) if isinstance(c, str) else (c.value, c.label) for c in prompt.choices]

    def display(self, prompt: Prompt) -> str:
        """An answer as a person reads it back: labels for choices, dates and times in local, spoken form."""
        v = self.value(prompt.id)
        if v is None:
            return ""
        if isinstance(v, bool):
            return "yes" if v else "no"
        if prompt.type == "choice":
            return next((label for value, label in self.choices(prompt) if value == v), str(v))
        try:
            if prompt.type == "date":
                return say_date(date.fromisoformat(str(v)), self.today)
            if prompt.type == "time":
                return say_time(datetime.fromisoformat(str(v)), self.now)
        except ValueError:
            pass  # a draft from an older playbook may hold text here
        return str(v)


_YES = {"y", "yes", "true", "1", "on", "ja", "oui", "si"}
_NO = {"n", "no", "false", "0", "off", "nein", "non"}


def check_answer(prompt: Prompt, raw: Any, call: Call | None) -> Any:
    """The stored value for a raw answer, or ValueError saying what to give instead.

    Text, numbers and yes/no need no call (the staff name is checked before one starts); dates, times and choices
    are read against it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if prompt.required:
            raise ValueError("an answer is needed here — ask the customer, or write what you know")
        return None
    if prompt.type == "confirm":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise ValueError(f"'{raw}' is not yes or no — answer yes or no")
    if isinstance(raw, (dict, list)):
        raise ValueError("expected a single answer, not a list or mapping — write it as text")
    if isinstance(raw, float) and not math.isfinite(raw) and prompt.type == "date":
        raise ValueError(f"'{raw}' is not a date — write it as YYYY-MM-DD, e.g. {date.today().isoformat()}")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError(
            f"'{raw}' is not a number that can be recorded — give digits, e.g. 40 or 12.50, or text in quotes"
        )
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise ValueError(f"expected text, not {_kind_of(raw)} — put the answer in quotes")
    text = clean_text(str(raw), prompt.type == "multiline")
    if not text:
        return check_answer(prompt, None, call)
    if len(text) > prompt.max_length:
        raise ValueError(f"answer is {len(text)} characters, over the {prompt.max_length} limit — shorten it")
    if prompt.type == "date":
        return parse_future_date(text, _within(call, prompt).today).isoformat()
    if prompt.type == "time":
        return parse_when(text, _within(call, prompt).now).isoformat(timespec="minutes")
    if prompt.type == "number":
        num = text.replace(",", "").lstrip("$€£¥ ").rstrip("$€£¥ ")
        shown = text if len(text) <= 30 else text[:27] + "…"
        try:
            value = float(num) if "." in num else int(num) if len(num) <= 30 else None
        except ValueError:
            raise ValueError(f"'{shown}' is not a number — type digits, e.g. 40 or 12.50") from None
        if value is None or not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise ValueError(f"'{shown}' is too large a number to record — type the amount in digits, e.g. 40 or 12.50")
        return value
    if prompt.type == "choice":
        offered = _within(call, prompt).choices(prompt)
        for choice, label in offered:
            if text.lower() in (choice.lower(), label.lower()):
                return choice
        if prompt.allow_other:
            return text
        options = ", ".join(v for v, _ in offered)
        raise ValueError(f"'{text}' is not one of the choices — use one of: {options}")
    return text


def _within(call: Call | None, prompt: Prompt) -> Call:
    if call is None:  # a mistake in our code, never the user's
        raise TypeError(f"prompt '{prompt.id}' ({prompt.type}) is checked within a call")
    return call


def _kind_of(raw: Any) -> str:
    if isinstance(raw, bool):
        return f"yes/no ({str(raw).lower()})"
    if isinstance(raw, (bytes, bytearray)):
        return "binary data"
    return type(raw).__name__


def fill(text: str, call: Call) -> str:
    """Fill {customer.first_name}-style placeholders with what the call knows so far."""
    from recoverycli.identity import address_as, given_name

    name = str(call.customer.get("name") or "")
    values = {
        "customer.name": name,
        "customer.first_name": address_as(name),  # "Amara", or "Mrs Obi" when they gave a title
        "staff.name": call.staff,
        "staff.first_name": given_name(call.staff),
        "playbook.title": call.playbook.title or "",
    }

    def sub(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return v if v else m.group(0)

    return re.sub(r"\{([a-z_]+\.[a-z_]+)\}", sub, text)


def step_view(call: Call, index: int) -> StepView:
    step = call.playbook.steps[index]
    segment = call.customer.get("segment")
    return StepView(
        step=step,
        index=index + 1,
        total=len(call.playbook.steps),
        guidance=[fill(g, call) for g in step.guidance_for(segment)],
        say=[fill(s, call) for s in step.say],
        avoid=list(step.avoid),
        # a tip that only some calls get is about this call: it goes first
        tips=[TIPS[t] for t in sorted(step.tips, key=lambda t: t not in ONLY_WHEN) if tip_applies(t, call)],
    )


def tip_applies(tag: str, call: Call) -> bool:
    """Only the tips this call needs: "a second complaint is an emergency" only on a second complaint."""
    when = ONLY_WHEN.get(tag)
    return when is None or condition_holds(when, call.lookup)


def ask_one(asker: Asker, call: Call, prompt: Prompt) -> None:
    """Ask until the answer is usable (and, where the playbook asks, coached), or the asker gives up."""
    while True:
        raw = asker.ask(prompt, call)
        try:
            value = check_answer(prompt, raw, call)
        except ValueError as e:
            if asker.rejected(prompt, raw, str(e)):
                continue
            return
        if prompt.coach and call.coach is not None and isinstance(value, str):
            flags = call.coach(prompt, value, call)
            if flags:
                blocking = prompt.coach == "strict" and any(f.level == "error" for f in flags)
                revise = asker.coached(prompt, value, flags, blocking)
                call.coaching.append(
                    {
                        "prompt": prompt.id,
                        "flags": sorted({f.rule for f in flags}),
                        "kept": not revise,
                        "at": datetime.now(UTC),
                    }
                )  # when the coach spoke, not when the case was saved
                if revise:
                    continue
                if blocking:
                    return
        call.set(prompt.id, value)
        asker.accepted(prompt, value, call)
        return


def suggested(prompt: Prompt, call: Call) -> Any:
    """What Enter alone answers when nothing was answered yet: a customer calling again has had to chase us; a customer
    on a crisis list is in the segment the list gives."""
    if prompt.id == "customer_chased" and call.emergency:
        return True
    if prompt.id == "customer.segment" and call.repeat is not None and call.repeat.crisis is not None:
        return getattr(call.repeat.crisis.customer, "segment", None) or None
    return None


def notice(prompt: Prompt, value: Any, call: Call) -> str | None:
    """[kaufman-respond-now] how long the customer waited, and whether they had to chase us."""
    if prompt.type == "time" and value:
        waited = call.now - datetime.fromisoformat(value)
        from recoverycli.dates import spoken_duration

        return f"→ {spoken_duration(waited.total_seconds() / 60)} between the incident and this call"
    if prompt.id == "customer_chased" and value is True:
        return "→ They had to chase us: blame has already landed. Apologise for the wait as well, and act now."
    return None


def rank_gestures(gestures: list[Gesture], segment: str | None, complaint_number: int) -> list[Gesture]:
    """[kaufman-gesture, lifetime-value] consumables first, then what suits this segment; the costliest first for a VIP
    or a repeat complaint, otherwise the playbook's order."""
    generous = severity_of(complaint_number) == "emergency" or segment == "vip"

    def key(g: Gesture) -> tuple[Any, ...]:
        cost = g.cost if g.cost is not None else 0.0
        return (not g.consumable, segment not in g.suits, -cost if generous else 0.0)  # else the trainer's order

    return sorted(gestures, key=key)


UNFINISHED = "_unfinished"  # a draft's answers key for the text being typed at Ctrl-C; never in a saved case


def call_from_case(case: Case, playbook: Playbook, today: date) -> Call:
    """A draft picked up again: what it captured, on the playbook as it is now."""
    customer = case.customer.given()
    answers = dict(case.answers)
    held = answers.pop(UNFINISHED, None)
    unfinished = {str(held["prompt"]): str(held["text"])} if isinstance(held, dict) and held.get("text") else {}
    return Call(
        playbook=playbook,
        staff=case.staff,
        today=today,
        customer=customer,
        answers=answers,
        crisis_id=case.crisis_id,
        unfinished=unfinished,
    )


def run_call(asker: Asker, call: Call, skip_answered: bool = False) -> Call:
    """Walk the customer questions and every step, then let the clerk review; returns the call."""
    for prompt in CUSTOMER_PROMPTS[:2]:  # name and contact say who they are; the segment is asked once that shows
        if not (skip_answered and call.value(prompt.id) is not None):
            ask_one(asker, call, prompt)
    if call.identify is not None:
        call.repeat = call.identify(call)
        call.complaint_number = call.repeat.complaint_number
        if call.emergency:
            if call.repeat.previous:
                call.happened.append(
                    Event(
                        at=datetime.now(UTC),
                        staff=call.staff,
                        kind="repeat",
                        data={
                            "of": call.repeat.previous[0].id,
                            "earlier": [c.id for c in call.repeat.previous],
                            "complaint_number": call.complaint_number,
                        },
                    )
                )
            asker.emergency(call, call.repeat)
        if call.repeat.crisis is not None:
            call.crisis_id = call.repeat.crisis.link_id or call.crisis_id
            asker.crisis(call, call.repeat.crisis)
    for prompt in CUSTOMER_PROMPTS[2:]:
        if not (skip_answered and call.value(prompt.id) is not None):
            ask_one(asker, call, prompt)
    for i, step in enumerate(call.playbook.steps):
        pending = [p for p in call.playbook.step_prompts(step) if not (skip_answered and call.value(p.id) is not None)]
        if skip_answered and not pending:
            continue
        asker.show_step(step_view(call, i))
        for prompt in pending:
            if prompt.applies(call.lookup):
                ask_one(asker, call, prompt)
    while (change := asker.review(call)) is not None:
        changed = call.prompt(change)
        if changed is not None:
            before = call.value(changed.id)
            ask_one(asker, call, changed)
            if call.value(changed.id) != before:  # the history names the field, not what it said
                call.happened.append(
                    Event(
                        at=datetime.now(UTC),
                        staff=call.staff,
                        kind="answer_changed",
                        data={"prompt": changed.id, "stage": "summary"},
                    )
                )
    return call


def missing_required(call: Call) -> list[str]:
    return [p.id for p in call.asked() if p.required and call.value(p.id) is None]


def case_from_call(call: Call, via: str, now: datetime | None = None, status: Status = "open") -> Case:
    """The record to save; the store gives it its id."""
    now = now or datetime.now(UTC)
    return Case(
        id="RC-NEW",
        status=status,
        created_at=now,
        updated_at=now,
        staff=call.staff,
        customer=call.to_customer(),
        playbook=PlaybookRef.of(call.playbook),
        answers=dict(call.answers),
        complaint_number=call.complaint_number,
        severity=severity_of(call.complaint_number),
        repeats=next((str(e.data["of"]) for e in call.happened if e.kind == "repeat"), None),
        crisis_id=call.crisis_id,
        events=[Event(at=now, staff=call.staff, kind="created", data={"via": via}), *coaching_events(call, now)],
    )


def coaching_events(call: Call, now: datetime) -> list[Event]:
    """What happened during the call, in time order: which coach flags were shown on which answer and whether the
    clerk kept the text (not the text itself), a repeat complaint found, answers changed at the summary."""
    coached = [
        Event(at=c.get("at", now), staff=call.staff, kind="coached", data={k: v for k, v in c.items() if k != "at"})
        for c in call.coaching
    ]
    return sorted([*coached, *call.happened], key=lambda e: e.at)
