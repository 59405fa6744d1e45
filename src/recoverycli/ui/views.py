"""What a clerk is shown during a call, as plain text: the call screen and the plain mode both draw from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recoverycli.dates import say_time

if TYPE_CHECKING:  # the screen imports this module before pydantic and the playbooks load
    from recoverycli.models import Case, Prompt
    from recoverycli.wizard import Call, Repeat

CUSTOMER_STEP = "Customer"
DONE, NOW, NEXT = "done", "now", "next"
EMERGENCY_DO = "alert the duty manager, fix it on this call"


def step_of(call: Call, prompt_id: str) -> int | None:
    """Which step asks this prompt (None for the customer's own details)."""
    from recoverycli.wizard import CUSTOMER_PROMPTS

    if any(p.id == prompt_id for p in CUSTOMER_PROMPTS):
        return None
    for i, step in enumerate(call.playbook.steps):
        if any(p.id == prompt_id for p in call.playbook.step_prompts(step)):
            return i
    return None


def short_title(title: str) -> str:
    """'Listen and review' -> 'Listen': the steps line names each step in a word."""
    words = title.split()
    return words[0].rstrip(":,.") if words else title


def step_marks(call: Call, current: int | None, finished: bool = False) -> list[tuple[str, str]]:
    """(title, done|now|next) for the customer's details and each step; `current` None means the details."""
    marks = [(CUSTOMER_STEP, NOW if current is None and not finished else DONE)]
    for i, step in enumerate(call.playbook.steps):
        state = DONE if finished or (current is not None and i < current) else NOW if i == current else NEXT
        marks.append((step.title or step.id, state))
    return marks


def steps_line(marks: list[tuple[str, str]], width: int) -> str:
    """'✓ Customer  ✓ Apologise  ▶ Listen and review  · Fix  · Document', shortened to fit `width`."""
    sign = {DONE: "✓", NOW: "▶", NEXT: "·"}

    def line(titles: list[str]) -> str:
        return "  ".join(f"{sign[state]} {t}" for t, (_, state) in zip(titles, marks))

    full = [t for t, _ in marks]
    short = [t if state == NOW else short_title(t) for t, state in marks]
    for titles in (full, short, [short_title(t) for t in full]):
        text = line(titles)
        if len(text) <= width:
            return text
    return text


def where_line(call: Call, current: int | None, finished: bool = False) -> str:
    total = len(call.playbook.steps)
    if finished:
        return "Summary"
    return "Customer details" if current is None else f"Step {current + 1} of {total}"


def who_line(call: Call) -> str:
    """The customer as identified so far: name, contact, segment, and how to address them."""
    from recoverycli.identity import address_as

    c = call.customer
    if not c.get("name"):
        return "not identified yet"
    parts = [str(c["name"])] + [str(c[k]) for k in ("contact", "segment") if c.get(k)]
    said = address_as(str(c["name"]))
    return " · ".join(parts) + (f" · say “{said}”" if said and said != c["name"] else "")


def emergency_lines(call: Call, repeat: Repeat) -> list[str]:
    """[kuzmeski-second-complaint] The headline, then what they said and what we promised last time."""
    lines = [emergency_headline(repeat)]
    if repeat.previous:
        last = repeat.previous[0]
        words = " ".join(str(last.answers.get("customer_words", "")).split())
        when = say_time(last.created_at, call.now)
        lines.append(f"Last time {last.id} ({when}, {last.status}): “{words}”")
        done = any(e.kind == "follow_up_done" for e in last.events)
        due = last.answers.get("follow_up_date")
        follow = f" · follow-up {short_date(due, call.today)}: {'done' if done else 'NOT done'}" if due else ""
        lines.append(f"We promised: {last.answers.get('commitment', '—')}{follow}")
        if len(repeat.previous) > 1:
            lines[-1] += f" · {len(repeat.previous) - 1} more earlier"
    return lines


def short_date(iso: str, today: Any) -> str:
    """'today', 'tomorrow', 'yesterday' or 'Fri 27 Nov': a date inside a busy line."""
    from datetime import date

    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return {0: "today", 1: "tomorrow", -1: "yesterday"}.get((d - today).days, f"{d:%a} {d.day} {d:%b}")


def emergency_headline(repeat: Repeat) -> str:
    return f"⚠ EMERGENCY · complaint number {repeat.complaint_number} · {EMERGENCY_DO}"


def one_line(text: str) -> str:
    """A multi-line answer on one row: its lines joined by ' / '."""
    return " / ".join(line.strip() for line in str(text).splitlines() if line.strip())


def summary_rows(call: Call) -> list[tuple[str, str, str]]:
    """(prompt id, question, answer on one line) for every question this call asks, in order."""
    return [(p.id, p.label, one_line(call.display(p))) for p in call.asked()]


def captured_line(case: Case, call: Call) -> str:
    """A resumed call's answers so far, compactly: 'RC-7K2QD · 5 answers kept: Zoë Ångström · zoe@… · …'."""
    from recoverycli.session import answers_held

    shown = [one_line(call.display(p)) for p in call.asked() if call.value(p.id) not in (None, "")]
    return f"Picked up {case.id} · {answers_held(case)} kept: " + " · ".join(shown)


def confirm_hint(prompt: Prompt, current: Any) -> tuple[str, bool]:
    """'(y/N)' and the answer Enter alone gives: what was answered before, else no."""
    default = bool(current) if current is not None else False
    return ("(Y/n)" if default else "(y/N)"), default
