"""The full-screen call: a Textual app that is one more Asker over the same blocking `run_call`.

The wizard runs in a worker thread. Each question is drawn through `call_from_thread`, and the
answer comes back through one queue; Ctrl-C puts an interrupt on that queue instead, so the
wizard stops exactly as it does under the plain prompts (KeyboardInterrupt, every answer
already autosaved). Keys that arrive before a question is on screen never count as its answer.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from recoverycli import startup
from recoverycli.safety import safe_text
from recoverycli.ui import views

if TYPE_CHECKING:  # loaded by the wizard thread once the screen is up, not before the first frame
    from recoverycli.call.wizard import Call, Repeat, StepView
    from recoverycli.playbooks.schema import Prompt
    from recoverycli.playbooks.tips import Tip

T = TypeVar("T")
INTERRUPT = object()


@dataclass
class Interrupted:
    """Ctrl-C with text in the answer box: the text goes into the draft rather than away."""

    typed: str


SAVE = "\x00save"
OTHER = "\x00other"
STOP = "Ctrl+C stop, answers kept"
GUIDE = "F1 guidance"


@dataclass
class Ask:
    """One thing the clerk is asked: how to answer it and what it offers."""

    kind: str  # text | multiline | choice | picker | summary
    label: str
    help: str = ""
    default: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    highlight: str | None = None
    books: list[Any] = field(default_factory=list)  # the picker ranks these as the clerk types

    def __post_init__(self) -> None:
        self.label, self.help = shown(self.label), shown(self.help)
        self.options = [(value, shown(label)) for value, label in self.options]


def shown(value: Any) -> Any:
    """Text from data as the screen shows it: never a control character (strings inside lists and tuples too)."""
    if isinstance(value, str):
        return safe_text(value, markup=False)
    if isinstance(value, (list, tuple)):
        return type(value)(shown(v) for v in value)
    return value


@dataclass
class Frame:
    """Everything on screen while one question is open."""

    ask: Ask
    prompt_id: str | None = None
    title: str = "recover"
    where: str = ""
    marks: list[tuple[str, str, str]] = field(default_factory=list)
    who: str = ""
    emergency: list[str] = field(default_factory=list)
    emergency_detail: list[str] = field(default_factory=list)  # every earlier case whole: in the guide
    crisis: list[str] = field(default_factory=list)  # the crisis list the customer is on, docked like the emergency
    crisis_detail: list[str] = field(default_factory=list)  # the same whole, and the calls so far: in the guide
    captured: str = ""
    intro: str = ""
    say: list[str] = field(default_factory=list)
    guidance: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (style, text)
    summary: list[tuple[str, str, str]] | None = None  # the case so far, kept above an answer being changed

    def __post_init__(self) -> None:
        for name in (
            "title",
            "where",
            "marks",
            "who",
            "emergency",
            "emergency_detail",
            "crisis",
            "crisis_detail",
            "captured",
            "intro",
            "say",
            "guidance",
            "avoid",
            "tips",
            "messages",
            "summary",
        ):
            setattr(self, name, shown(getattr(self, name)))


class ScreenAsker:
    """The Asker the wizard thread talks to; it builds frames from the call and waits for the clerk."""

    def __init__(self, app: CallScreen) -> None:
        self.app = app
        self.retry: dict[str, Any] = {}  # what was typed before a rejection, offered again to edit
        self.pending: list[tuple[str, str]] = []  # messages for the next frame
        self.emergency_lines: list[str] = []
        self.emergency_detail: list[str] = []
        self.crisis_lines: list[str] = []
        self.crisis_detail: list[str] = []
        self.captured = ""
        self.title = "recover"
        self.reviewing = False
        self.changed: str | None = None
        self.call: Call | None = None  # the call being asked about, for questions the wizard asks without it

    # -- the wizard's questions ------------------------------------------------------------------

    def show_step(self, view: StepView) -> None:
        pass  # every frame shows the step of its own question, so a change from the summary shows it too

    def ask(self, prompt: Prompt, call: Call) -> Any:
        if prompt.id in self.retry:
            current = self.retry.pop(prompt.id)
        else:  # a resumed call offers again what was being typed at Ctrl-C
            current = call.unfinished.get(prompt.id, call.value(prompt.id))
        if prompt.type == "confirm":
            from recoverycli.call.wizard import suggested

            hint, default = views.confirm_hint(
                prompt, current if isinstance(current, bool) else suggested(prompt, call)
            )
            raw = self._request(
                Ask(
                    "text",
                    f"{prompt.label} {hint}",
                    prompt.help or "y or n, then Enter",
                    default=current if isinstance(current, str) else "",
                ),
                call,
                prompt.id,
            )
            return default if not str(raw).strip() else raw
        if prompt.type == "choice":
            from recoverycli.playbooks.schema import OTHER_CHOICE

            options = call.choices(prompt)
            known = {v for v, _ in options}
            offered = options + ([(OTHER, OTHER_CHOICE)] if prompt.allow_other else [])
            if current is None:
                from recoverycli.call.wizard import suggested

                current = suggested(prompt, call)
            highlight = current if current in known else (OTHER if current and prompt.allow_other else None)
            ask = Ask("choice", prompt.label, prompt.help, options=offered, highlight=highlight)
            picked = self._request(ask, call, prompt.id)
            if picked != OTHER:
                return picked
            own = str(current) if current and current not in known else ""
            typing = "Type it in your own words, then Enter."  # the list's "pick one" help no longer applies
            return self._request(Ask("text", f"{prompt.label} (type it)", typing, default=own), call, prompt.id)
        kind = "multiline" if prompt.type == "multiline" else "text"
        return self._request(Ask(kind, prompt.label, prompt.help, default=str(current or "")), call, prompt.id)

    def rejected(self, prompt: Prompt, raw: Any, message: str) -> bool:
        self.pending.append(("error", f"✗ {message}"))
        if isinstance(raw, str):
            self.retry[prompt.id] = raw
        return True

    def accepted(self, prompt: Prompt, value: Any, call: Call) -> None:
        from datetime import date

        from recoverycli.call.wizard import notice

        if prompt.type == "date" and value:
            self.pending.append(("notice", f"→ follow-up on {date.fromisoformat(value):%A %-d %B %Y}"))
        if (note := notice(prompt, value, call)) is not None:
            self.pending.append(("warning", note))
        self.captured = ""  # the resumed call is moving: the strip has done its job
        if self.reviewing:
            self.changed = prompt.id

    def emergency(self, call: Call, repeat: Repeat) -> None:
        self.emergency_lines = views.emergency_lines(call, repeat)
        self.emergency_detail = views.emergency_detail(call, repeat)

    def crisis(self, call: Call, listing: Any) -> None:
        self.crisis_lines = views.crisis_lines(call, listing)
        self.crisis_detail = views.crisis_detail(call, listing)

    def coached(self, prompt: Prompt, value: str, flags: list[Any], blocking: bool) -> bool:
        notes = [("coach", f"⚑ {q} — {f.reason} Try: {f.suggestion} [{f.rule}]") for q, f in views.coach_notes(flags)]
        self.retry[prompt.id] = value
        if blocking:  # said first: the flags under it may run past the bottom of a small screen
            self.pending += [("error", "✗ This cannot be saved as it is — rewrite it; why is below (PgDn)"), *notes]
            return True
        self.pending += notes
        ask = Ask(
            "choice",
            "The coach flagged this answer. Revise it, or keep it as it is?",
            options=[("revise", "Revise it"), ("keep", "Keep it as it is")],
        )
        keep = self._request(ask, self.call, prompt.id) == "keep"
        if keep:
            self.retry.pop(prompt.id, None)
        else:  # the flags stay under the box while the clerk rewrites
            self.pending += notes
        return not keep

    def review(self, call: Call) -> str | None:
        self.reviewing = True
        picked = self._request(
            Ask(
                "summary",
                "Check the case with the customer, then save it.",
                "Enter on a row changes that answer here; every answer is already kept.",
                highlight=self.changed or SAVE,
            ),
            call,
            None,
            finished=True,
        )
        self.changed = None
        return None if picked == SAVE else picked

    # -- before and around the call ---------------------------------------------------------------

    def choose_playbook(self, books: list[Any]) -> str:
        options = [(b.id, f"{b.title or b.id} · {b.description}") for b in books]
        ask = Ask(
            "picker",
            "What went wrong?",
            "Type a word (room, flight, stolen…) or use ↑ ↓, then Enter.",
            options=options,
            books=books,
        )
        picked: str = self._request(ask, None, None)
        return picked

    def ask_staff(self) -> str:
        from recoverycli.call.wizard import clean_staff

        while True:
            typed = self._request(Ask("text", "Your name (staff)?", "Asked once, then remembered."), None, None)
            try:
                if name := clean_staff(str(typed)):
                    return name
            except ValueError as e:  # checked as a customer's name is: text, no control characters, not too long
                self.pending.append(("error", f"✗ {e}"))
                continue
            self.pending.append(("error", "✗ Please type your name"))

    def choose_draft(self, drafts: list[Any]) -> str:
        from recoverycli.call.live import answers_held
        from recoverycli.dates import local

        options = [
            (
                c.id,
                f"{c.id} · {local(c.updated_at)} · {c.playbook.id} · "
                f"{c.customer.name or '(no name yet)'} · {answers_held(c)}",
            )
            for c in drafts
        ]
        picked: str = self._request(Ask("choice", "Which call do you want to continue?", options=options), None, None)
        return picked

    def warn(self, message: str) -> None:
        self.pending.append(("warning", message))

    def resumed(self, case: Any, call: Call) -> None:
        self.captured = views.captured_line(case, call)
        self.title = call.playbook.title or call.playbook.id

    # -- plumbing ---------------------------------------------------------------------------------

    def _frame(self, ask: Ask, call: Call | None, prompt_id: str | None, finished: bool = False) -> Frame:
        frame = Frame(
            ask=ask,
            prompt_id=prompt_id,
            title=self.title,
            emergency=self.emergency_lines,
            emergency_detail=self.emergency_detail,
            crisis=self.crisis_lines,
            crisis_detail=self.crisis_detail,
            captured=self.captured,
            messages=self.pending,
        )
        self.pending = []
        if call is None:
            return frame
        self.call = call
        self.title = frame.title = call.playbook.title or call.playbook.id
        current = None if prompt_id is None else views.step_of(call, prompt_id)
        frame.marks = views.step_marks(call, current, finished)
        frame.where = views.where_line(call, current, finished)
        frame.who = views.who_line(call)
        if current is not None:
            from recoverycli.call.wizard import step_view

            view = step_view(call, current)
            frame.say, frame.guidance, frame.avoid, frame.tips = view.say, view.guidance, view.avoid, view.tips
        elif not finished:
            frame.intro = (
                "Take their name and a way to reach them first: the guidance adapts to who they are, "
                "and an earlier complaint from them shows at once."
            )
        if self.reviewing:
            frame.summary = views.summary_rows(call)
        return frame

    def _request(self, ask: Ask, call: Call | None, prompt_id: str | None, finished: bool = False) -> Any:
        frame = self._frame(ask, call, prompt_id, finished)
        self._on_ui(self.app.show, frame)
        answer = self.app.answers.get()
        if isinstance(answer, Interrupted) and call is not None and prompt_id is not None:
            call.hold_unfinished(prompt_id, answer.typed)
        if answer is INTERRUPT or isinstance(answer, Interrupted):
            raise KeyboardInterrupt
        return answer

    def _on_ui(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the screen has gone (closed terminal): stop like Ctrl-C
            raise KeyboardInterrupt from None


class Gate:
    """Keys count only for the question on screen: not between questions, not typed before it appeared."""

    if TYPE_CHECKING:  # a mixin for Textual widgets, which bring `app`
        app: App[object]

    @property
    def call_screen(self) -> CallScreen:
        """The app: these widgets are mounted only on the call screen."""
        return cast(CallScreen, self.app)

    async def _on_key(self, event: events.Key) -> None:
        app = self.call_screen
        if not app.open_for(event):
            event.stop()
            event.prevent_default()
            app.dropped(event)
            return
        await self.gated_key(event)

    async def gated_key(self, event: events.Key) -> None:
        pass


class AnswerArea(Gate, TextArea):
    """The answer box: soft-wrapped at word boundaries; Enter finishes, or adds a line in a multi-line answer."""

    multiline = False

    async def gated_key(self, event: events.Key) -> None:
        if event.key == "ctrl+d" or (event.key == "enter" and not self.multiline):
            event.stop()
            event.prevent_default()
            self.call_screen.submit(self.text)
            return
        # Editing keys (Ctrl+U, Ctrl+W, Backspace…) act here, in turn with the letters typed around them,
        # rather than after bubbling up to the app, which would let fast typing overtake them.
        binding = next(iter(self._bindings.key_to_bindings.get(event.key, [])), None)
        if binding is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(binding.action)

    async def _on_paste(self, event: events.Paste) -> None:
        if not self.call_screen.accepting:
            event.stop()
            event.prevent_default()


class Choices(Gate, OptionList):
    """Arrow keys move, Enter picks."""


class FilterBox(Gate, Input):
    """The picker's filter: typing narrows the list below, ↑ ↓ move in it, Enter picks."""

    async def gated_key(self, event: events.Key) -> None:
        choices = self.app.query_one("#choices", Choices)
        if event.key in ("up", "down"):
            event.stop()
            event.prevent_default()
            (choices.action_cursor_up if event.key == "up" else choices.action_cursor_down)()
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            screen = self.call_screen
            if screen.filtered_for != self.value and screen.frame is not None:
                # "room⏎" typed in one burst: the list has not caught up with the last keys yet, so pick from what
                # was typed, not from the list as it stood a moment ago (that picked "Booked wrong by a partner")
                from recoverycli.playbooks.library import matching

                ranked = matching(screen.frame.ask.books, self.value)
                if ranked:
                    screen.submit(ranked[0].id)
                return
            option = choices.highlighted_option
            if option is not None:
                screen.submit(option.id)


class CallScreen(App[None]):
    """Steps, customer, emergency and crisis on top, never scrolled away; what to say, the question and its answer
    below."""

    TITLE = "recover"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("ctrl+c", "interrupt", "Stop", priority=True, show=False),
        Binding("ctrl+q", "interrupt", "Stop", priority=True, show=False),
        Binding("f1", "guide", "Guidance", priority=True, show=False),
        Binding("pageup", "scroll_panel(-1)", "Scroll up", priority=True, show=False),
        Binding("pagedown", "scroll_panel(1)", "Scroll down", priority=True, show=False),
    ]
    CSS = """
    Screen { layout: vertical; }
    #top { height: 1; background: $primary; color: $text; }
    #title { width: 1fr; text-style: bold; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #where { width: auto; padding: 0 1; text-style: bold; }
    #steps { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; background: $boost; }
    #who { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #emergency { display: none; height: auto; background: $error; color: $text; text-style: bold; padding: 0 1;
                 text-wrap: nowrap; text-overflow: ellipsis; }
    #crisis { display: none; height: auto; background: $warning; color: $text; text-style: bold; padding: 0 1;
              text-wrap: nowrap; text-overflow: ellipsis; }
    #main { height: 1fr; }
    #body { width: 1fr; padding: 0 1; }
    #guide { display: none; width: 40; padding: 0 1; border-left: vkey $primary; }
    Screen.-wide #guide { display: block; }
    Screen.guide-open #guide { display: block; width: 1fr; border-left: none; }
    Screen.guide-open.-narrow #body { display: none; }
    Screen.-wide #guide.empty, Screen.guide-open #guide.empty { display: none; }
    Screen.guide-open.-narrow #body.bare { display: block; }
    #captured { display: none; color: $text-muted; height: auto; max-height: 2; }
    #say { margin-top: 1; color: $success; height: auto; }
    #question { margin-top: 1; text-style: bold; height: auto; }
    #help { color: $text-muted; height: auto; }
    Choices { border: none; border-left: tall $primary; padding: 0 0 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    Choices:focus { border: none; border-left: tall $accent; }
    #summary { display: none; height: 1fr; min-height: 4; }
    #summary.editing { height: auto; max-height: 8; border-left: none; padding: 0; color: $text-muted; }
    #filter { display: none; }
    #choices { display: none; height: auto; max-height: 12; }
    AnswerArea { display: none; height: auto; min-height: 3; max-height: 10; }
    AnswerArea.multiline { min-height: 6; }
    #messages { height: auto; margin-top: 1; }
    #keys { height: 1; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, conduct: Callable[[ScreenAsker], Any]) -> None:
        super().__init__()
        self.conduct = conduct
        self.answers: queue.Queue[Any] = queue.Queue()
        self.accepting = False
        self.opened_at = 0.0
        self.frame: Frame | None = None
        self.outcome: Any = None
        self.failure: BaseException | None = None
        self.finished = False
        self.noted_dropped = False
        self.filtered_for = ""  # the filter text the picker's list shows the matches of

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="title", markup=False)
            yield Static(id="where", markup=False)
        yield Static(id="steps", markup=False)
        yield Static(id="who", markup=False)
        yield Static(id="emergency", markup=False)
        yield Static(id="crisis", markup=False)
        with Horizontal(id="main"):
            with VerticalScroll(id="body", can_focus=False):
                yield Static(id="captured", markup=False)
                yield Static(id="say", markup=False)
                yield Static(id="question", markup=False)
                yield Static(id="help", markup=False)
                yield Choices(id="summary")
                yield FilterBox(id="filter")
                yield Choices(id="choices")
                yield AnswerArea(id="answer", soft_wrap=True, show_line_numbers=False, highlight_cursor_line=False)
                yield Static(id="messages", markup=False)
            with VerticalScroll(id="guide", can_focus=False):
                yield Static(id="guide-text", markup=False)
        yield Static(id="keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#title", Static).update("recover")
        self.query_one("#who", Static).update(Text("Opening the call…", style="dim"))
        # the frame is drawn before the wizard starts reading playbooks: the clerk sees the call open at once
        self.call_after_refresh(self.run_worker, self._conduct, thread=True, exit_on_error=False, name="wizard")

    def _conduct(self) -> None:
        try:
            self.outcome = self.conduct(ScreenAsker(self))
        except BaseException as e:  # noqa: BLE001 - handed to the main thread once the screen is closed
            self.failure = e
        finally:
            self.finished = True
            try:
                self.call_from_thread(self.exit)
            except RuntimeError:
                pass

    def on_unmount(self) -> None:
        self.answers.put(INTERRUPT)  # never leave the wizard waiting on a screen that is gone

    # -- keys ------------------------------------------------------------------------------------

    def open_for(self, event: events.Key) -> bool:
        """Whether a key belongs to the question now on screen."""
        return self.accepting and event.time >= self.opened_at

    def dropped(self, event: events.Key) -> None:
        """A key typed before this question showed (a paste, a fast typist) is not taken: say so, once, on screen."""
        if not self.accepting or self.frame is None or self.noted_dropped or not event.is_printable:
            return
        self.noted_dropped = True
        note = Text("⚠ Keys typed before this question showed were not taken: type them again.", style="yellow")
        body = self._messages(self.frame)
        self.query_one("#messages", Static).update(Text("\n").join([note, body]) if body.plain else note)

    def submit(self, value: Any) -> None:
        if not self.accepting:
            return
        self.accepting = False
        self.answers.put(value)

    def action_interrupt(self) -> None:
        if self.accepting and self.frame is not None and self.frame.ask.kind in ("text", "multiline"):
            area = self.query_one("#answer", AnswerArea)
            area.call_later(self._interrupt_typing, area)  # after the keys already on their way to the box
            return
        self.accepting = False
        if self.finished:
            self.exit()
        self.answers.put(INTERRUPT)

    def _interrupt_typing(self, area: AnswerArea) -> None:
        """Ctrl-C with text in the box: the text goes with the interrupt, into the draft."""
        if not self.accepting or self.frame is None:
            return  # answered, or interrupted already
        self.accepting = False
        text = area.text
        typed = text if text.strip() and text != self.frame.ask.default else ""
        self.answers.put(Interrupted(typed) if typed else INTERRUPT)

    def action_guide(self) -> None:
        self.screen.toggle_class("guide-open")
        if self.frame is not None:
            self._draw_guide(self.frame)
        self._focus_answer()

    def _draw_guide(self, frame: Frame) -> None:
        """The guidance panel, hidden where it would be empty; its last line says what F1 does here."""
        body = self._guide(frame)
        guide = self.query_one("#guide", VerticalScroll)
        guide.set_class(not body.plain.strip(), "empty")
        self.query_one("#body").set_class(not body.plain.strip(), "bare")  # F1 on a narrow screen never blanks it
        if body.plain.strip():
            opened, wide = self.screen.has_class("guide-open"), self.screen.has_class("-wide")
            does = "closes this" if opened and not wide else "narrows this" if opened else "widens this"
            body.append(f"\nPgUp PgDn scroll · F1 {does}", style="dim")
        self.query_one("#guide-text", Static).update(body)

    def action_scroll_panel(self, direction: int) -> None:
        """PgUp/PgDn: the guidance when it is open, else what is under the question (the coach's flags);
        in a list, its own pages."""
        focused = self.focused
        if not self.screen.has_class("guide-open") and isinstance(focused, OptionList):
            (focused.action_page_down if direction > 0 else focused.action_page_up)()
            return
        panel = self.query_one("#guide" if self.screen.has_class("guide-open") else "#body", VerticalScroll)
        (panel.scroll_page_down if direction > 0 else panel.scroll_page_up)(animate=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit(event.option.id)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.frame is not None and self.frame.ask.kind == "picker":
            from recoverycli.playbooks.library import matching

            ranked = matching(self.frame.ask.books, event.value)
            labels = dict(self.frame.ask.options)
            self._fill(self.query_one("#choices", Choices), [(b.id, labels[b.id]) for b in ranked], None)
            self.filtered_for = event.value

    # -- drawing ----------------------------------------------------------------------------------

    def show(self, frame: Frame) -> None:
        """Draw a frame and open its question (called from the wizard thread through call_from_thread)."""
        self.frame = frame
        ask = frame.ask
        width = self.size.width
        self.query_one("#title", Static).update(frame.title)
        self.query_one("#where", Static).update(frame.where)
        self.query_one("#steps", Static).update(self._steps(frame, width - 2))
        self.query_one("#who", Static).update(Text.assemble(("Customer  ", "bold"), frame.who) if frame.who else "")
        emergency = self.query_one("#emergency", Static)
        emergency.display = bool(frame.emergency)
        emergency.update("\n".join(frame.emergency))
        crisis = self.query_one("#crisis", Static)
        crisis.display = bool(frame.crisis)
        crisis.update("\n".join(frame.crisis))
        captured = self.query_one("#captured", Static)
        captured.display = bool(frame.captured)
        limit = 2 * self._body_width() - 8  # its two rows, less what wrapping at spaces may leave unused
        cut = frame.captured if len(frame.captured) <= limit else frame.captured[: limit - 1].rstrip() + "…"
        captured.update(cut)
        say = self.query_one("#say", Static)
        say.display = bool(frame.say or frame.intro) and frame.summary is None  # changing an answer: the case instead
        say.update(self._say(frame))
        self.query_one("#question", Static).update(ask.label)
        help_ = self.query_one("#help", Static)
        help_.display = bool(ask.help)
        help_.update(ask.help)
        self._draw_guide(frame)
        self.query_one("#messages", Static).update(self._messages(frame))

        summary = self.query_one("#summary", Choices)
        summary.display = frame.summary is not None
        summary.set_class(ask.kind != "summary", "editing")
        if frame.summary is not None:
            rows = [(pid, self._summary_row(label, answer)) for pid, label, answer in frame.summary]
            if ask.kind == "summary":
                self._fill(summary, [(SAVE, Text("✔ Save the case", style="bold")), *rows], ask.highlight)
                self.call_after_refresh(self._save_in_view, summary)
            else:  # an answer being changed: the case stays in view above it
                self._fill(summary, rows, frame.prompt_id)
        filter_box = self.query_one("#filter", FilterBox)
        filter_box.display = ask.kind == "picker"
        choices = self.query_one("#choices", Choices)
        choices.display = ask.kind in ("choice", "picker")
        area = self.query_one("#answer", AnswerArea)
        area.display = ask.kind in ("text", "multiline")
        if ask.kind in ("choice", "picker"):
            self._fill(choices, ask.options, ask.highlight)
        if ask.kind == "picker":
            filter_box.value = ""
            self.filtered_for = ""  # the list just filled is the whole list
        if ask.kind in ("text", "multiline"):
            area.multiline = ask.kind == "multiline"
            area.set_class(area.multiline, "multiline")
            area.load_text(ask.default)
            area.move_cursor(area.document.end)
            area.border_subtitle = "Ctrl+D done" if area.multiline else ""
        self.query_one("#keys", Static).update(self._keys(ask.kind))
        self.noted_dropped = False
        self.opened_at = time.monotonic()  # the clock Textual stamps key events with (on Linux)
        self.accepting = True
        self._focus_answer()
        startup.settled()  # the first question is up: collect as usual from here on

    @staticmethod
    def _save_in_view(summary: Choices) -> None:
        """Back at the summary after a change: keep "Save the case" in view when the changed row fits with it."""
        if summary.highlighted is not None and summary.highlighted < summary.scrollable_content_region.height:
            summary.scroll_home(animate=False)

    def _focus_answer(self) -> None:
        if self.frame is None:
            return
        kind = self.frame.ask.kind
        target = {
            "text": "#answer",
            "multiline": "#answer",
            "choice": "#choices",
            "picker": "#filter",
            "summary": "#summary",
        }[kind]
        widget = self.query_one(target)
        widget.focus()
        self.call_after_refresh(widget.scroll_visible, animate=False)

    @staticmethod
    def _fill(options: Choices, items: list[tuple[str, Any]], highlight: str | None) -> None:
        options.set_options([Option(label, id=oid) for oid, label in items])
        ids = [oid for oid, _ in items]
        options.highlighted = ids.index(highlight) if highlight in ids else (0 if ids else None)

    def _body_width(self) -> int:
        """The question column's width as this frame will lay it out (the guide may have just shown or hidden)."""
        width = self.size.width
        if not self.query_one("#guide").has_class("empty"):
            if self.screen.has_class("guide-open"):
                width = width // 2 if self.screen.has_class("-wide") else width
            elif self.screen.has_class("-wide"):
                width -= 40  # the side panel (#guide width in CSS)
        return width - 2  # the body's padding

    def _summary_row(self, label: str, answer: str) -> Text:
        width = max(self._body_width() - 6, 40)  # the list's bar, padding and scroll bar
        left = min(40, width // 3)  # the guide gives its width up on the summary: labels get more of it
        shown = answer or "—"
        if len(label) > left and len(shown) <= 24:  # a short answer (yes, a room number) leaves its label whole
            left = max(left, min(len(label), width - len(shown) - 2))
        row = Text(label if len(label) <= left else label[: left - 1] + "…", style="dim")
        row.pad_right(left + 2 - len(row))
        row.append(shown)
        row.truncate(width, overflow="ellipsis")
        return row

    @staticmethod
    def _steps(frame: Frame, width: int) -> Text:
        line = views.steps_line(frame.marks, width) if frame.marks else ""
        text = Text(line)
        for _, state, _ in frame.marks:
            if state == views.NOW:
                start = line.find("▶")
                text.stylize("bold reverse", start, start + len(line[start:].split("  ")[0]))
        return text

    @staticmethod
    def _say(frame: Frame) -> Any:
        if not frame.say:
            return Text(frame.intro, style="dim")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for i, line in enumerate(frame.say):
            grid.add_row("Say" if i == 0 else "", f"“{line}”")
        return grid

    @staticmethod
    def _guide(frame: Frame) -> Text:
        from recoverycli.ui.panels import unwrap

        out = Text()
        if frame.emergency_detail:  # what the docked emergency rows cut at the edge, whole
            out.append("Earlier complaints\n", style="bold red")
            out.append("\n".join(frame.emergency_detail) + "\n\n")
        if frame.crisis_detail:  # what the docked crisis rows cut at the edge, whole
            out.append("Crisis\n", style="bold")
            out.append("\n".join(frame.crisis_detail) + "\n\n")
        if frame.guidance:
            out.append("Guidance\n", style="bold")
            out.append("\n\n".join(unwrap(g) for g in frame.guidance) + "\n")
        if frame.avoid:
            out.append("\nAvoid\n", style="bold")
            for a in frame.avoid:
                out.append(f"✗ {a}\n")
        if frame.tips:
            out.append("\nTips\n", style="bold")
            for tip in frame.tips:
                out.append(f"★ {tip.title}", style="bold")
                out.append(f" — {tip.text} ")
                out.append(f"[{tip.tag}]\n", style="dim")
        return out

    @staticmethod
    def _messages(frame: Frame) -> Text:
        styles = {"error": "bold red", "warning": "yellow", "notice": "green", "coach": "yellow"}
        out = Text()
        for i, (kind, message) in enumerate(frame.messages):
            out.append(("\n" if i else "") + message, style=styles.get(kind, ""))
        return out

    @staticmethod
    def _keys(kind: str) -> str:
        keys = {
            "text": "Enter done",
            "multiline": "Enter new line · Ctrl+D done",
            "choice": "↑↓ choose · Enter pick",
            "picker": "type to filter · ↑↓ choose · Enter pick",
            "summary": "↑↓ move · Enter save or change",
        }[kind]
        return f"{keys} · {STOP}" if kind == "picker" else f"{keys} · {GUIDE} · {STOP}"  # no guidance before a pick


def run_screen(conduct: Callable[[ScreenAsker], T]) -> T:
    """Run `conduct` with the call screen as its clerk; its result, or what it raised, once the screen is closed."""
    app = CallScreen(conduct)
    app.run()
    if app.failure is not None:
        raise app.failure
    if not app.finished:
        raise KeyboardInterrupt  # the screen closed before the call did
    outcome: T = app.outcome
    return outcome
