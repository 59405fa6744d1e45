"""Asking a real person at a real terminal, through questionary."""

from __future__ import annotations

from datetime import date
from typing import Any

import questionary
from questionary import Choice
from rich.console import Console

from recoverycli import render
from recoverycli.models import Playbook, Prompt
from recoverycli.safety import safe_text
from recoverycli.wizard import Call, Repeat, StepView, notice

TYPE_YOUR_OWN = "\x00other"
SAVE = "\x00save"
MULTILINE_HINT = "Enter starts a new line; finish with Esc then Enter (or Alt+Enter)."
FINISH_HINT = "(Esc then Enter to finish)"


def _label(prompt: Prompt) -> str:
    return prompt.label + ("" if prompt.required else " ")


class TerminalAsker:
    """Questionary prompts plus rich panels; every prompt re-asks until the answer is usable."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.retry: dict[str, Any] = {}  # what was typed before a rejection, offered again to edit

    def show_step(self, view: StepView) -> None:
        self.console.print()
        self.console.print(render.step_panel(view))

    def ask(self, prompt: Prompt, call: Call) -> Any:
        current = self.retry.pop(prompt.id, call.value(prompt.id))
        if prompt.type == "multiline":
            # a multi-line prompt wider than the terminal renders blank, so hints go on their own line
            self.console.print(f"[dim]{safe_text(' '.join(filter(None, (prompt.help, MULTILINE_HINT))))}[/dim]")
            return questionary.text(prompt.label, default=str(current or ""), multiline=True, instruction=FINISH_HINT).unsafe_ask()
        if prompt.type == "choice":
            return self._choice(prompt, call, current)
        if prompt.type == "confirm":
            return questionary.confirm(prompt.label, default=bool(current) if current is not None else False,
                                       instruction=prompt.help or None).unsafe_ask()
        hint = f"({prompt.help})" if prompt.help else None
        return questionary.text(prompt.label, default=str(current or ""), instruction=hint).unsafe_ask()

    def _choice(self, prompt: Prompt, call: Call, current: Any) -> Any:
        options = call.choices(prompt)
        choices = [Choice(title=label, value=value) for value, label in options]
        if prompt.allow_other:
            choices.append(Choice(title="Something else (type it)", value=TYPE_YOUR_OWN))
        known = {v for v, _ in options}
        default = current if current in known else (TYPE_YOUR_OWN if current and prompt.allow_other else None)
        picked = questionary.select(prompt.label, choices=choices, default=default, instruction=prompt.help or None).unsafe_ask()
        if picked == TYPE_YOUR_OWN:
            return questionary.text("Type it:", default=str(current) if current and current not in known else "").unsafe_ask()
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

    def emergency(self, call: Call, repeat: Repeat) -> None:
        self.console.print(render.emergency_panel(call, repeat))

    def crisis(self, call: Call, listing: Any) -> None:
        from recoverycli import crisis_view

        self.console.print(crisis_view.listing_panel(listing))

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        self.console.print(render.coach_flags(flags))
        self.retry[prompt.id] = value
        if blocking:
            self.console.print("[red]This cannot be saved as it is — please rewrite it.[/red]")
            return True
        keep = questionary.select("Revise it, or keep it as it is?", choices=[
            Choice("Revise it", value=False), Choice("Keep it as it is", value=True)]).unsafe_ask()
        if keep:
            self.retry.pop(prompt.id, None)
        return not keep

    def review(self, call: Call) -> str | None:
        self.console.print()
        self.console.print(render.call_summary(call))
        action = questionary.select(
            "Save this case?", choices=[Choice("Save the case", value=SAVE), Choice("Change an answer first", value="change")],
        ).unsafe_ask()
        if action == SAVE:
            return None
        choices = [Choice(title=f"{i}. {p.label}", value=p.id) for i, p in enumerate(call.asked(), 1)]
        return questionary.select("Which answer?", choices=choices, use_search_filter=True, use_jk_keys=False,
                                  instruction="(type to filter, Enter to pick)").unsafe_ask()


def choose_playbook(playbooks: list[Playbook]) -> str:
    choices = [Choice(title=safe_text(f"{pb.title} — {pb.description}", markup=False, multiline=False), value=pb.id)
               for pb in playbooks]
    return questionary.select(
        "What went wrong?", choices=choices, use_search_filter=True, use_jk_keys=False,
        instruction="(type to filter, arrows to move, Enter to pick)",
    ).unsafe_ask()


def ask_staff() -> str:
    from recoverycli.wizard import clean_staff

    def valid(text: str) -> bool | str:
        try:
            return bool(clean_staff(text))
        except ValueError as e:
            return "Please type your name" if not text.strip() else str(e)

    return clean_staff(questionary.text("Your name (staff)?", instruction="(asked once, then remembered)",
                                        validate=valid).unsafe_ask())


def choose_draft(drafts: list) -> str:
    choices = [
        Choice(title=safe_text(f"{c.id} · {render.local(c.updated_at)} · {c.playbook.id} · {c.customer.name or '(no name yet)'} · "
                               f"{len(c.answers)} answers", markup=False, multiline=False),
               value=c.id)
        for c in drafts
    ]
    return questionary.select("Which call do you want to continue?", choices=choices).unsafe_ask()
