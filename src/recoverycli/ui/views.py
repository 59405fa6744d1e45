"""What a clerk is shown during a call, as plain text: the call screen and the plain mode both draw from here."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from recoverycli.dates import say_time

if TYPE_CHECKING:  # the screen imports this module before pydantic and the playbooks load
    from recoverycli.call.wizard import Call, Repeat
    from recoverycli.caselog.record import Case
    from recoverycli.playbooks.schema import Prompt

CUSTOMER_STEP = "Customer"
DONE, NOW, NEXT = "done", "now", "next"
EMERGENCY_DO = "alert the duty manager, fix it on this call"


def step_of(call: Call, prompt_id: str) -> int | None:
    """Which step asks this prompt (None for the customer's own details)."""
    from recoverycli.call.wizard import CUSTOMER_PROMPTS

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


def short_titles(steps: list[Any]) -> list[str]:
    """Each step in a word, and no two alike: where first words collide ('What we know', 'What we are doing'),
    those steps go by their ids ('Inform', 'Fix')."""
    first = [short_title(s.title or s.id) for s in steps]
    return [
        w if first.count(w) == 1 else s.id.replace("-", " ").replace("_", " ").capitalize()
        for w, s in zip(first, steps)
    ]


def step_marks(call: Call, current: int | None, finished: bool = False) -> list[tuple[str, str, str]]:
    """(title, done|now|next, title in a word) for the customer's details and each step; `current` None means the
    details."""
    marks = [(CUSTOMER_STEP, NOW if current is None and not finished else DONE, CUSTOMER_STEP)]
    steps = call.playbook.steps
    for i, (step, short) in enumerate(zip(steps, short_titles(steps))):
        state = DONE if finished or (current is not None and i < current) else NOW if i == current else NEXT
        marks.append((step.title or step.id, state, short))
    return marks


def steps_line(marks: list[tuple[str, str, str]], width: int) -> str:
    """'✓ Customer  ✓ Apologise  ▶ Listen and review  · Fix  · Document', shortened to fit `width`."""
    sign = {DONE: "✓", NOW: "▶", NEXT: "·"}

    def line(titles: list[str]) -> str:
        return "  ".join(f"{sign[state]} {t}" for t, (_, state, _) in zip(titles, marks))

    full = [t for t, _, _ in marks]
    short = [t if state == NOW else word for t, state, word in marks]
    words = [word for _, _, word in marks]
    for titles in (full, short):
        if len(text := line(titles)) <= width:
            return text
    now = next((i for i, (_, state, _) in enumerate(marks) if state == NOW), None)
    if now is not None:  # the current step as much of its title as fits, the others in a word
        room = width - len(line(words)) + len(words[now])
        if room > len(words[now]) + 1:
            return line(
                [t[: room - 1].rstrip(" ,;:") + "…" if i == now else w for i, (t, w) in enumerate(zip(full, words))]
            )
    return line(words)


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
        # whether we kept the promise comes first: a long promise is cut at the edge, this must not be
        lines.append(f"{follow_up(last, call.today)}We promised: {last.answers.get('commitment', '—')}")
        if len(repeat.previous) > 1:
            lines[-1] += f" · {len(repeat.previous) - 1} more earlier"
    return lines


def follow_up(case: Any, today: Any) -> str:
    """'Follow-up tomorrow NOT done · ': whether an earlier case's promised call happened."""
    due = case.answers.get("follow_up_date")
    if not due:
        return ""
    done = any(e.kind == "follow_up_done" for e in case.events)
    return f"Follow-up {short_date(due, today)} {'done' if done else 'NOT done'} · "


def emergency_detail(call: Call, repeat: Repeat) -> list[str]:
    """What the docked emergency rows cut at the edge, whole, for every earlier case: for the guidance panel (F1)."""
    lines = []
    for case in repeat.previous:
        words = " ".join(str(case.answers.get("customer_words", "")).split())
        lines += [
            f"{case.id} · {say_time(case.created_at, call.now)} · {case.status} · "
            + (follow_up(case, call.today).removesuffix(" · ") or "no follow-up date"),
            f"They said: “{words}”",
            f"We promised: {case.answers.get('commitment', '—')}",
        ]
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


def crisis_lines(call: Call, listing: Any) -> list[str]:
    """[kaufman-respond-now] The crisis a caller is on the list of, whether we reached them and what we told them,
    and the supplier's latest word: short rows that stay on screen from identification until the save."""
    from recoverycli.ui.crisis import when as spoken

    c, k = listing.customer, listing.crisis
    lines = [crisis_headline(listing)]
    if listing.matched_by == "name":
        lines.append("Matched by name only: check their booking before you treat this call as theirs")
    if listing.outreach:
        earlier = len(listing.attempts)
        facts = [f"customer #{c.seq}"] + ([f"booking {c.booking}"] if c.booking else [])
        facts.append(f"{earlier} earlier call{'' if earlier == 1 else 's'}" if earlier else "first call")
        facts += [f"{key}: {value}" for key, value in list(c.notes.items())[:4]]  # the list's own columns, last
        lines.append("We are calling them · " + " · ".join(facts))
    elif listing.reached():
        told = f" We told them: {' '.join(c.last_told.split())}" if c.last_told else ""
        when = say_time(c.reached_at, call.now) if c.reached_at else "earlier"
        lines.append(f"Reached {when} by {c.reached_by}.{told}")
    else:
        calls = f"{c.tries} call{'' if c.tries == 1 else 's'}"
        tried = f"{calls} from us so far" if c.tries else "we had not called them yet"
        lines.append(f"NOT reached yet. They are calling us first: apologise for that too · {tried}")
    if listing.supplier:
        last = listing.supplier[-1]
        due = f" by {spoken(last['due'])}" if last.get("due") else ""  # before the words: a long one is cut at the edge
        word = " ".join(str(last.get("commitment") or last.get("note") or "").split())
        lines.append(f"{k.supplier or 'Supplier'}{due}: {word}")
    return lines


def crisis_detail(call: Call, listing: Any) -> list[str]:
    """The docked crisis rows whole, then the last calls between us and this customer: for the guidance panel."""
    from recoverycli.ui.crisis import OUTCOME_WORDS
    from recoverycli.ui.crisis import when as spoken

    lines = crisis_lines(call, listing)
    if listing.attempts:
        lines.append("Calls so far:")
        for a in listing.attempts[-3:]:
            how = "they called us" if a.direction == "in" else OUTCOME_WORDS.get(a.outcome, a.outcome)
            told = f" — {'message left' if a.outcome == 'voicemail' else 'told them'}: {a.told}" if a.told else ""
            lines.append(f"  {spoken(a.at)} · {a.staff} · {how}{told}")
    return lines


def crisis_headline(listing: Any) -> str:
    k = listing.crisis
    return f"⚑ CRISIS {k.id} · {k.title}" + (f" ({k.supplier})" if k.supplier else "")


def crisis_state(listing: Any, width: int = 79) -> str:
    """One line, under 80 columns, for the plain questions: the crisis, and where we are with this customer."""
    if listing.outreach:
        state = "we are calling them"
    elif listing.matched_by == "name":
        state = "name match only: check"
    else:
        state = "reached" if listing.reached() else "NOT reached yet"
    head, title = f"⚑ CRISIS {listing.crisis.id} · ", listing.crisis.title
    room = max(width - len(head) - len(state) - 3, 8)
    title = title if len(title) <= room else title[: room - 1] + "…"
    return f"{head}{title} · {state}"


def one_line(text: str) -> str:
    """A multi-line answer on one row: its lines joined by ' / '."""
    return " / ".join(line.strip() for line in str(text).splitlines() if line.strip())


def summary_rows(call: Call) -> list[tuple[str, str, str]]:
    """(prompt id, its row name — the short label where the playbook gives one —, answer on one line) for every
    question this call asks, in order."""
    return [(p.id, p.short or p.label, one_line(call.display(p))) for p in call.asked()]


def captured_line(case: Case, call: Call) -> str:
    """A resumed call's answers so far, compactly: 'RC-7K2QD · 5 answers kept: Zoë Ångström · zoe@… · …'."""
    from recoverycli.call.live import answers_held

    shown = [
        (f"{short_label(p.label)}: " if p.type == "confirm" else "") + one_line(call.display(p))
        for p in call.asked()
        if call.value(p.id) not in (None, "")
    ]  # a bare "yes" says nothing: a yes/no answer comes with its question
    return f"Picked up {case.id} · {answers_held(case)} kept: " + " · ".join(shown)


def short_label(label: str, width: int = 40) -> str:
    """A question cut for a busy line: up to its '?' or '(', at most `width` characters."""
    short = label.split("(")[0].split("?")[0].strip()
    return short if len(short) <= width else short[: width - 1].rstrip() + "…"


def confirm_hint(prompt: Prompt, current: Any) -> tuple[str, bool]:
    """'(y/N)' and the answer Enter alone gives: what was answered before, else no."""
    default = bool(current) if current is not None else False
    return ("(Y/n)" if default else "(y/N)"), default


def coach_notes(flags: list[Any]) -> list[tuple[str, Any]]:
    """The coach's flags as the clerk reads them: one per rule, quoting every place it fired ("Someone will",
    "look into it"), so the same reason and advice are not printed twice on a small screen. (the quotes, the rule's
    first flag, at the level of its strictest)"""
    by_rule: dict[str, list[Any]] = {}
    for f in flags:
        by_rule.setdefault(f.rule, []).append(f)
    notes = []
    for same in by_rule.values():
        level = "error" if any(f.level == "error" for f in same) else same[0].level
        notes.append((", ".join(dict.fromkeys(f"“{f.match}”" for f in same)), replace(same[0], level=level)))
    return notes
