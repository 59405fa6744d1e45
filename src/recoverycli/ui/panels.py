"""Rich views of steps, calls and cases for people; scripts get JSON instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoverycli.dates import local
from recoverycli.safety import safe_text
from recoverycli.ui import views

if TYPE_CHECKING:
    from recoverycli.call.wizard import Call, Repeat, StepView
    from recoverycli.caselog.record import Case
    from recoverycli.coach import Flag
    from recoverycli.playbooks.schema import Playbook
    from recoverycli.playbooks.tips import Tip


class ByWidth:
    """One layout for a narrow terminal and another for a wide one, picked when rich knows the width it has."""

    def __init__(self, narrow: Callable[[], RenderableType], wide: Callable[[], RenderableType], at: int) -> None:
        self.narrow, self.wide, self.at = narrow, wide, at

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        yield (self.wide if options.max_width >= self.at else self.narrow)()


def plain(text: object, style: str = "") -> Text:
    """Text from data, shown as it is: never markup, never a control character."""
    return Text(safe_text(text, markup=False), style=style)


def unwrap(text: str) -> str:
    """YAML block text keeps the trainer's line breaks; let the terminal wrap paragraphs instead."""
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paras if p)


def say_avoid_tips(say: list[str], avoid: list[str], tips: list[Tip]) -> list[Text]:
    """What to say, what to avoid and the tips: the same lines in a call and in `playbook show`."""
    parts: list[Text] = []
    if say:
        parts.append(Text("\nYou could say", style="bold green"))
        parts += [plain(f"  “{s}”", style="green") for s in say]
    if avoid:
        parts.append(Text("\nAvoid", style="bold red"))
        parts += [plain(f"  ✗ {a}", style="red") for a in avoid]
    if tips:
        parts.append(Text("\nTips", style="bold cyan"))
        for tip in tips:
            line = Text("  ★ ", style="cyan")
            line.append(safe_text(tip.title, markup=False), style="bold")
            line.append(safe_text(f" — {tip.text} ", markup=False))
            line.append(safe_text(f"[{tip.tag}]", markup=False), style="dim")
            parts.append(line)
    return parts


def step_panel(view: StepView) -> Group:
    """A step's header in the plain call, compact enough for 80×24: title rule, guidance, what to say and avoid,
    the tips by title (their words are in `playbook show` and behind F1 on the call screen)."""
    from rich.rule import Rule

    parts: list[RenderableType] = [
        Rule(plain(f"Step {view.index} of {view.total} · {view.step.title}", style="bold"), align="left", style="blue")
    ]
    parts += [plain(unwrap(g)) for g in view.guidance]
    for label, lines, style in (
        ("Say", [f"“{s}”" for s in view.say], "green"),
        ("Avoid", [f"✗ {a}" for a in view.avoid], "red"),
    ):
        if lines:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style=f"bold {style}", no_wrap=True, width=5)
            grid.add_column(style=style)
            for i, line in enumerate(lines):
                grid.add_row(label if i == 0 else "", plain(line))
            parts.append(grid)
    if view.tips:
        tips = Text("Tips  ", style="bold cyan")
        for i, tip in enumerate(view.tips):
            tips.append((" · " if i else "") + safe_text(tip.title, markup=False), style="cyan")
            tips.append(f" [{tip.tag}]", style="dim")
        parts.append(tips)
    return Group(*parts)


def call_summary(call: Call, title: str | None = None) -> Group:
    """The whole case, one row per question, readable at 80 columns (question column capped, answers wrap)."""
    from rich.rule import Rule

    table = Table(show_header=False, box=None, padding=(0, 1), expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Question", style="dim", max_width=30)
    table.add_column("Answer", ratio=1)
    for i, prompt in enumerate(call.asked(), 1):
        answer = call.display(prompt)
        table.add_row(
            str(i), safe_text(prompt.short or prompt.label), safe_text(answer) if answer else Text("—", style="dim")
        )
    return Group(
        Rule(plain(title or f"Case summary · {call.playbook.title}", style="bold"), align="left", style="magenta"),
        table,
    )


def _answer_text(case: Case, playbook: Playbook | None, key: str) -> tuple[str, str]:
    from recoverycli.call.wizard import UNFINISHED
    from recoverycli.dates import say_date, say_time

    value = case.answers[key]
    label = key
    if key == UNFINISHED and isinstance(value, dict):  # a draft stopped mid-answer: what was being typed, and where
        where = str(value.get("prompt", ""))
        asked = playbook.prompt(where) if playbook is not None else None
        return f"Being typed when the call stopped ({asked.label if asked else where})", str(value.get("text", ""))
    if playbook is not None and (p := playbook.prompt(key)) is not None:
        label = p.label
        if p.choices_from == "gestures" and (g := playbook.gesture(str(value))) is not None:
            value = g.label
        try:  # in local time, in the words the call's summary uses
            if p.type == "time" and isinstance(value, str):
                value = say_time(datetime.fromisoformat(value), datetime.now().astimezone())
            elif p.type == "date" and isinstance(value, str):
                value = say_date(date.fromisoformat(value), date.today())
        except ValueError:
            pass  # an older playbook may have held text here
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return label, str(value)


def answers_view(rows: list[tuple[str, str]]) -> ByWidth:
    """Question and answer: side by side when the terminal is wide, the answer under its question when narrow."""

    def stacked() -> RenderableType:
        parts: list[RenderableType] = []
        for label, value in rows:
            parts.append(plain(label, style="bold"))
            parts.append(Padding(plain(value), (0, 0, 0, 2)))
        return Group(*parts)

    def table() -> RenderableType:
        answers = Table(show_header=True, header_style="bold", expand=True)
        answers.add_column("Question", ratio=1)
        answers.add_column("Answer", ratio=2)
        for label, value in rows:
            answers.add_row(plain(label), plain(value))
        return answers

    return ByWidth(stacked, table, at=100)


def case_view(case: Case, playbook: Playbook | None) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Case", safe_text(case.id))
    head.add_row("Status", safe_text(case.status))
    if case.emergency:
        head.add_row("Severity", Text(f"EMERGENCY · complaint number {case.complaint_number}", style="bold red"))
        if case.repeats:
            head.add_row(
                "Repeats", Text(f"{case.repeats} — `recover show {case.repeats}` for what happened then", style="red")
            )
    else:
        head.add_row("Complaint", "first")
    head.add_row("Playbook", safe_text(f"{case.playbook.id} (v{case.playbook.version})"))
    if case.crisis_id:
        head.add_row("Crisis", safe_text(f"{case.crisis_id} (recover crisis board {case.crisis_id})"))
    head.add_row("Staff", safe_text(case.staff))
    head.add_row("Customer", safe_text(f"{case.customer.name} · {case.customer.contact} · {case.customer.segment}"))
    head.add_row("Created", local(case.created_at))
    head.add_row("Updated", local(case.updated_at))
    order = [p.id for p in playbook.prompts()] if playbook else []
    keys = [k for k in order if k in case.answers] + [k for k in case.answers if k not in order]
    answers = answers_view([_answer_text(case, playbook, key) for key in keys])
    events = Table(show_header=True, header_style="bold", expand=True)
    events.add_column("When", no_wrap=True)
    events.add_column("Who")
    events.add_column("What")
    from recoverycli.caselog.history import describe

    for ev in case.events:
        events.add_row(local(ev.at), safe_text(ev.staff), safe_text(describe(ev, playbook)))
    return Group(
        Panel(head, title=safe_text(f"Case {case.id}"), title_align="left", border_style="blue"),
        Panel(answers, title="Answers", title_align="left"),
        Panel(events, title="History", title_align="left"),
    )


def cases_table(cases: list[Case]) -> ByWidth:
    """Recent cases; the ids people type next (case, playbook) are never cut, names wrap at spaces."""

    def table(stacked: bool) -> Table:
        table = Table(show_header=True, header_style="bold", expand=stacked)
        if stacked:  # no column rules at 80 columns: their width goes to the names
            table.box, table.show_edge, table.padding = box.SIMPLE_HEAD, False, (0, 1, 0, 0)
        table.add_column("Case · Playbook" if stacked else "Case", no_wrap=True)
        if not stacked:
            table.add_column("Playbook", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Created", no_wrap=True)
        table.add_column("Customer", min_width=10, ratio=3 if stacked else None, overflow="fold")
        table.add_column("Staff", min_width=6, ratio=2 if stacked else None, overflow="fold")
        table.add_column("Follow-up", no_wrap=True)
        for c in cases:
            case = plain(c.id + (" !" if c.emergency else ""))
            if stacked:
                case.append("\n" + safe_text(c.playbook.id, markup=False), style="dim")
            table.add_row(
                case,
                *([] if stacked else [plain(c.playbook.id)]),
                plain(c.status),
                local(c.created_at),
                plain(c.customer.name),
                plain(c.staff),
                plain(c.answers.get("follow_up_date") or "—"),
            )
        return table

    return ByWidth(lambda: table(True), lambda: table(False), at=110)


def _due(r: dict[str, Any]) -> Text:
    late = r["days_overdue"]
    return plain(
        r["follow_up_date"] + (f" ({late}d late)" if late > 0 else " (today)" if late == 0 else ""),
        style="bold red" if late > 0 else "yellow" if late == 0 else "",
    )


def followups_table(rows: list[dict[str, Any]]) -> ByWidth:
    """The promises to keep: the full contact (to call back) and the promise in words, at any width."""

    def cards() -> RenderableType:
        parts: list[RenderableType] = []
        for r in rows:
            head = Text()
            head.append(safe_text(r["case_id"], markup=False), style="bold")
            head.append("  due ")
            head.append_text(_due(r))
            head.append("  owner " + safe_text(r["owner"], markup=False), style="dim")
            parts.append(head)
            who = Text("EMERGENCY · ", style="bold red") if r.get("emergency") else Text()  # this promise matters most
            who.append_text(plain(f"{r['customer_name']} · {r['customer_contact']}"))
            who.overflow = "fold"
            parts.append(Padding(who, (0, 0, 0, 2)))
            parts.append(Padding(plain(f"Promise: {r['promise'] or '—'}"), (0, 0, 1, 2)))
        return Group(*parts)

    def table() -> RenderableType:
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("Case", no_wrap=True)
        table.add_column("Due", no_wrap=True)
        table.add_column("Customer")
        table.add_column("Contact", overflow="fold")
        table.add_column("Promise", ratio=1, min_width=30)
        table.add_column("Owner")
        for r in rows:
            case = plain(r["case_id"])
            if r.get("emergency"):
                case.append("\nEMERGENCY", style="bold red")
            table.add_row(
                case,
                _due(r),
                plain(r["customer_name"]),
                plain(r["customer_contact"]),
                plain(r["promise"] or ""),
                plain(r["owner"]),
            )
        return table

    return ByWidth(cards, table, at=140)


def playbooks_table(rows: list[dict[str, Any]]) -> Table:
    """Every playbook; the id a trainer types next is never cut, and Overrides shows only when one does."""
    overrides = any(r["overrides_bundled"] for r in rows)
    table = Table(show_header=True, header_style="bold")
    table.add_column("Id", no_wrap=True)
    table.add_column("Title", min_width=16)
    table.add_column("Version", no_wrap=True)
    table.add_column("Category", no_wrap=True)
    table.add_column("Source", overflow="fold")
    if overrides:
        table.add_column("Overrides", no_wrap=True)
    for r in rows:
        cells = [plain(v) for v in (r["id"], r["title"] or "", r["version"], r["category"], r["source"])]
        table.add_row(*cells, *(["yes" if r["overrides_bundled"] else ""] if overrides else []))
    return table


def playbook_view(pb: Playbook) -> Group:
    """A playbook as a clerk meets it, with every segment's guidance and every prompt."""
    from recoverycli.playbooks.tips import TIPS

    parts: list[RenderableType] = [
        Panel(
            plain(f"{pb.description}\nid {pb.id} · version {pb.version} · {pb.category}"),
            title=safe_text(pb.title or pb.id),
            title_align="left",
            border_style="magenta",
        )
    ]
    for i, step in enumerate(pb.steps, 1):
        body: list[RenderableType] = [plain(unwrap(step.guidance or ""))]
        for a in step.adapt:
            body.append(plain(f"For {', '.join(a.when.segments())}: {unwrap(a.guidance)}", style="italic"))
        body += say_avoid_tips(step.say, step.avoid, [TIPS[t] for t in step.tips])
        prompts = Table(show_header=True, header_style="bold", expand=True)
        prompts.add_column("Prompt", no_wrap=True)
        prompts.add_column("Question", ratio=3)
        prompts.add_column("Type", ratio=2)
        prompts.add_column("Needed", no_wrap=True)
        prompts.add_column("Asked when", min_width=13)
        for p in step.prompts:
            kind = p.type + (
                f" ({', '.join(c if isinstance(c, str) else c.value for c in p.choices)})" if p.choices else ""
            )
            kind += " (from gestures)" if p.choices_from else ""
            prompts.add_row(
                safe_text(p.id),
                safe_text(p.label),
                safe_text(kind),
                "required" if p.required else "optional",
                safe_text(", ".join(f"{k} = {v}" for k, v in (p.when or {}).items())),
            )
        if step.prompts:
            body.append(prompts)
        parts.append(
            Panel(Group(*body), title=safe_text(f"Step {i} · {step.title}"), title_align="left", border_style="blue")
        )
    gestures = Table(show_header=True, header_style="bold")
    for col in ("Gesture", "Label", "Consumable", "Rough cost"):
        gestures.add_column(col)
    for g in pb.gestures:
        gestures.add_row(
            safe_text(g.id),
            safe_text(g.label),
            "yes" if g.consumable else "no",
            "" if g.cost is None else f"{g.cost:g}",
        )
    parts.append(Panel(gestures, title="Gestures", title_align="left"))
    return Group(*parts)


def emergency_panel(call: Call, repeat: Repeat) -> Panel:
    """Unmistakable: complaint number two is an emergency [kuzmeski-second-complaint]."""
    lines: list[RenderableType] = [
        plain(
            f"Complaint number {repeat.complaint_number} from {call.customer.get('name') or 'this customer'}. "
            "Drop everything: alert the duty manager now and fix it on this call.",
            style="bold",
        )
    ]
    for case in repeat.previous:
        done = "done" if any(e.kind == "follow_up_done" for e in case.events) else "NOT done"
        lines.append(
            plain(f"\n{case.id} · {local(case.created_at)} · {case.playbook.id} · {case.status}", style="bold")
        )
        words = " ".join(str(case.answers.get("customer_words", "")).split())
        lines.append(plain(f"They said: {words[:160]}{'…' if len(words) > 160 else ''}"))
        lines.append(plain(f"We promised: {case.answers.get('commitment', '—')}"))
        lines.append(plain(f"Follow-up {case.answers.get('follow_up_date', '—')}: {done}"))
    return Panel(
        Group(*lines),
        title=f"⚠ EMERGENCY — complaint number {repeat.complaint_number}",
        title_align="left",
        border_style="bold red",
        style="red",
    )


def coach_flags(flags: list[Flag]) -> Panel:
    lines: list[RenderableType] = []
    for quoted, f in views.coach_notes(flags):  # one note per rule, quoting every place it fired
        line = Text("⚑ ", style="yellow" if f.level == "warning" else "red")
        line.append(safe_text(quoted, markup=False), style="bold")
        line.append(safe_text(f" — {f.reason}\n   Try: {f.suggestion} ", markup=False))
        line.append(safe_text(f"[{f.rule}]", markup=False), style="dim")
        lines.append(line)
    return Panel(Group(*lines), title="Coach", title_align="left", border_style="yellow")
