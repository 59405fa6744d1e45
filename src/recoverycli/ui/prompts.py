"""Asking a real person line by line, through questionary: the plain mode, for screen readers and simple terminals.

Each question is printed on its own line (wrapped to the terminal) with the answer box under it, full width.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import questionary
from prompt_toolkit.key_binding import KeyBindings
from questionary import Choice
from rich.console import Console

from recoverycli import startup
from recoverycli.call.wizard import Call, Repeat, StepView, clean_staff, notice, suggested
from recoverycli.dates import local
from recoverycli.playbooks.schema import OTHER_CHOICE, Playbook, Prompt
from recoverycli.safety import safe_text
from recoverycli.ui import panels, views

TYPE_YOUR_OWN = "\x00other"
SAVE = "\x00save"
MULTILINE_HINT = "Enter starts a new line; Ctrl+D when done."
ANSWER = "›"  # the prompt in front of every answer box


class Unfinished(KeyboardInterrupt):
    """Ctrl-C with text typed but not submitted: stops the call as Ctrl-C does, carrying the text."""

    def __init__(self, typed: str) -> None:
        super().__init__()
        self.typed = typed


def _finish_keys() -> KeyBindings:
    """Ctrl+D finishes a multi-line answer: one key, no timing (Esc then Enter still works too)."""
    keys = KeyBindings()

    @keys.add("c-d", eager=True)
    def _(event: Any) -> None:
        event.current_buffer.validate_and_handle()

    return keys


def discard_typeahead() -> None:
    """Keys typed before a question was on screen are not its answer: drop them (on a real terminal)."""
    if not sys.stdin.isatty():
        return  # piped keys are a script's answers, in order
    import termios

    from prompt_toolkit.application.current import get_app_session
    from prompt_toolkit.input.typeahead import clear_typeahead

    clear_typeahead(get_app_session().input)
    try:
        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    except termios.error:
        pass


def confirm_after_call(question: str) -> bool:
    """A yes/no between calls that needs Enter, default yes: keys typed during the call are not its answer."""
    discard_typeahead()
    return bool(questionary.confirm(question, default=True, auto_enter=False).unsafe_ask())


class TerminalAsker:
    """Questionary prompts plus rich text; every prompt re-asks until the answer is usable."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.retry: dict[str, Any] = {}  # what was typed before a rejection, offered again to edit
        self.repeat: Repeat | None = None
        self.listing: Any = None  # the crisis list the customer is on (recoverycli.caselog.crisis.Listing)
        self.call: Call | None = None
        self.summarised = False

    def _begin(self, call: Call) -> None:
        if self.call is None:
            pb = call.playbook
            self.console.print(f"[bold]{safe_text(pb.title or pb.id)}[/bold] · {safe_text(pb.description)}")
        self.call = call

    def _heading(self, label: str, help_: str = "", hint: str = "") -> None:
        """The question on its own line, its help under it; the emergency of a repeat complaint, and the crisis of a
        customer on a crisis list, above it."""
        discard_typeahead()
        self.console.print()
        if self.repeat is not None:
            self.console.print(f"[bold red]{safe_text(views.emergency_headline(self.repeat))}[/bold red]")
        if self.listing is not None:
            self.console.print(f"[bold yellow]{safe_text(views.crisis_state(self.listing))}[/bold yellow]")
        self.console.print(f"[bold]{safe_text(label)}[/bold]" + (f" {safe_text(hint)}" if hint else ""))
        if help_:
            self.console.print(f"[dim]{safe_text(help_)}[/dim]")

    def _text(self, default: str = "", multiline: bool = False) -> Any:
        extra: dict[str, Any] = {"key_bindings": _finish_keys()} if multiline else {}
        question = questionary.text("", qmark=ANSWER, default=default, multiline=multiline, instruction="", **extra)
        try:
            return question.unsafe_ask()
        except KeyboardInterrupt:
            typed = question.application.current_buffer.text
            raise Unfinished(typed if typed.strip() and typed != default else "") from None

    def show_step(self, view: StepView) -> None:
        self.console.print()
        self.console.print(panels.step_panel(view))

    def ask(self, prompt: Prompt, call: Call) -> Any:
        startup.settled()  # the first question is on its way: collect as usual from here on
        try:
            return self._ask(prompt, call)
        except Unfinished as e:  # Ctrl-C mid-answer: what was typed goes into the draft
            if e.typed:
                call.hold_unfinished(prompt.id, e.typed)
            raise

    def _ask(self, prompt: Prompt, call: Call) -> Any:
        self._begin(call)
        current = self.retry.pop(prompt.id, call.unfinished.get(prompt.id, call.value(prompt.id)))
        if prompt.type == "multiline":
            self._heading(prompt.label, " ".join(filter(None, (prompt.help, MULTILINE_HINT))))
            return self._text(str(current or ""), multiline=True)
        if prompt.type == "choice":
            self._heading(prompt.label, prompt.help)
            return self._choice(prompt, call, current)
        if prompt.type == "confirm":
            hint, default = views.confirm_hint(
                prompt, current if isinstance(current, bool) else suggested(prompt, call)
            )
            self._heading(prompt.label, prompt.help, hint)
            raw = self._text(current if isinstance(current, str) else "")
            if not str(raw).strip():  # Enter alone: say what it answered
                self.console.print(f"[dim]→ {'yes' if default else 'no'}[/dim]")
                return default
            return raw
        self._heading(prompt.label, prompt.help)
        return self._text(str(current or ""))

    def _choice(self, prompt: Prompt, call: Call, current: Any) -> Any:
        options = call.choices(prompt)
        choices = [Choice(title=label, value=value) for value, label in options]
        if prompt.allow_other:
            choices.append(Choice(title=OTHER_CHOICE, value=TYPE_YOUR_OWN))
        known = {v for v, _ in options}
        current = suggested(prompt, call) if current is None else current
        default = current if current in known else (TYPE_YOUR_OWN if current and prompt.allow_other else None)
        picked = questionary.select(
            "", qmark=ANSWER, choices=choices, default=default, instruction="(↑ ↓ then Enter)"
        ).unsafe_ask()
        if picked == TYPE_YOUR_OWN:
            self.console.print("[bold]Type it:[/bold]")
            return self._text(str(current) if current and current not in known else "")
        return picked

    def rejected(self, prompt: Prompt, raw: Any, message: str) -> bool:
        self.console.print(f"[red]✗ {safe_text(message)}[/red]")
        if isinstance(raw, str):
            self.retry[prompt.id] = raw
        return True

    def accepted(self, prompt: Prompt, value: Any, call: Call) -> None:
        if prompt.type == "date" and value:
            d = date.fromisoformat(value)
            self.console.print(f"[green]→ follow-up on {d:%A %-d %B %Y}[/green]")
        if (note := notice(prompt, value, call)) is not None:
            self.console.print(f"[yellow]{safe_text(note)}[/yellow]")
        if self.summarised:  # a change after the summary: show the one line that changed, not the whole case again
            self.console.print(
                f"[green]✓ {safe_text(prompt.label)}[/green] {safe_text(views.one_line(call.display(prompt)))}"
            )

    def emergency(self, call: Call, repeat: Repeat) -> None:
        self.repeat = repeat
        self.console.print(panels.emergency_panel(call, repeat))

    def crisis(self, call: Call, listing: Any) -> None:
        from recoverycli.ui import crisis as crisis_view

        self._begin(call)  # an outreach call shows its crisis before its first step: the title comes first
        self.listing = listing
        self.console.print(crisis_view.listing_panel(listing))

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        self.console.print(panels.coach_flags(flags))
        self.retry[prompt.id] = value
        if blocking:
            self.console.print("[red]This cannot be saved as it is — please rewrite it.[/red]")
            return True
        self._heading("Revise it, or keep it as it is?")
        keep = questionary.select(
            "", qmark=ANSWER, choices=[Choice("Revise it", value=False), Choice("Keep it as it is", value=True)]
        ).unsafe_ask()
        if keep:
            self.retry.pop(prompt.id, None)
        return not keep

    def review(self, call: Call) -> str | None:
        if not self.summarised:
            self.console.print()
            self.console.print(panels.call_summary(call))
            self.summarised = True
        self._heading("Save this case?")
        action = questionary.select(
            "",
            qmark=ANSWER,
            choices=[Choice("Save the case", value=SAVE), Choice("Change an answer first", value="change")],
        ).unsafe_ask()
        if action == SAVE:
            return None
        self._heading("Which answer?", "Type to filter, Enter to pick.")
        choices = [Choice(title=f"{i}. {p.label}", value=p.id) for i, p in enumerate(call.asked(), 1)]
        picked: str = questionary.select(
            "", qmark=ANSWER, choices=choices, use_search_filter=True, use_jk_keys=False, instruction=" "
        ).unsafe_ask()
        return picked

    def choose_playbook(self, books: list[Playbook]) -> str:
        """A numbered list; a number, an id or a word picks, ids and titles before descriptions."""
        from recoverycli.playbooks.library import match_rank, matching

        shown = books
        while True:
            self._heading("What went wrong?", "Type its number, or a word (room, flight, stolen…), then Enter.")
            for i, pb in enumerate(shown, 1):
                self.console.print(f"  {i:>2}  {safe_text(pb.title or pb.id)} [dim]({safe_text(pb.id)})[/dim]")
            typed = str(self._text()).strip()
            if typed.isdigit() and 1 <= int(typed) <= len(shown):
                picked = shown[int(typed) - 1]
            else:
                ranked = matching(books, typed) if typed else []
                best = [pb for pb in ranked if match_rank(pb, typed) == match_rank(ranked[0], typed)] if ranked else []
                if len(best) != 1:
                    self.console.print(
                        f"[red]✗ {'several playbooks match' if best else 'no playbook matches'} "
                        f"'{safe_text(typed)}' — type a number from the list[/red]"
                    )
                    shown = best or books
                    continue
                picked = best[0]
            self.console.print(f"[green]→ {safe_text(picked.title or picked.id)}[/green]")
            return picked.id

    def ask_staff(self) -> str:
        while True:
            self._heading("Your name (staff)?", "Asked once, then remembered.")
            try:
                if name := clean_staff(str(self._text())):
                    return name
            except ValueError as e:
                self.console.print(f"[red]✗ {safe_text(e)}[/red]")
                continue
            self.console.print("[red]✗ Please type your name[/red]")

    def choose_draft(self, drafts: list[Any]) -> str:
        from recoverycli.call.live import answers_held

        choices = [
            Choice(
                title=f"{c.id} · {local(c.updated_at)} · {c.playbook.id} · {c.customer.name or '(no name yet)'} · "
                f"{answers_held(c)}",
                value=c.id,
            )
            for c in drafts
        ]
        self._heading("Which call do you want to continue?")
        picked: str = questionary.select("", qmark=ANSWER, choices=choices).unsafe_ask()
        return picked

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]{safe_text(message)}[/yellow]")

    def resumed(self, case: Any, call: Call) -> None:
        """What the draft holds, one line per answer, before the first unanswered question."""
        from recoverycli.call.live import answers_held

        self.console.print(f"[bold]Captured so far · {case.id}[/bold] · {answers_held(case)} kept")
        width = max(self.console.width - 4, 20)
        for p in call.asked():
            if call.value(p.id) not in (None, ""):
                line = f"{p.label} {views.one_line(call.display(p))}"
                self.console.print(
                    "  " + safe_text(line if len(line) <= width else line[: width - 1] + "…"), highlight=False
                )
