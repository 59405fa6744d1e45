"""What several test modules share: paths, a ready-made case, an in-process call, the shared-store guide's roles.

Test modules import from here (or take a fixture from conftest.py), never from each other.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef

if TYPE_CHECKING:
    from recoverycli.call.wizard import Call

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "playbooks" / "examples"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def make_case(**answers: object) -> Case:
    """An open case as a call saves it, with `answers` (or a customer's words and a follow-up date)."""
    return Case(
        id="RC-NEW",
        status="open",
        created_at=NOW,
        updated_at=NOW,
        staff="Dana Reyes",
        customer=Customer(name="Ana Souza", contact="+1 555 0100", segment="business"),
        playbook=PlaybookRef(id="other", version=1, hash="abc"),
        answers=answers or {"customer_words": "It broke.\nTwice.", "follow_up_date": "2026-11-27"},
        events=[Event(at=NOW, staff="Dana Reyes", kind="created", data={"via": "wizard"})],
    )


# --- a live call in-process, through the questionary asker --------------------------------------------------------
ENTER, DOWN, FINISH = "\r", "\x1b[B", "\x04"


def live(store_url: str, playbook: str, keys: str, now: datetime | None = None) -> tuple[Call, str, str]:
    """A live call in-process, autosaved and equipped like `recover start`."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from recoverycli.call.live import Autosave, equip
    from recoverycli.call.wizard import Call, run_call
    from recoverycli.playbooks.library import Library, bundled_dir
    from recoverycli.store import open_store
    from recoverycli.ui.prompts import TerminalAsker

    store = open_store(store_url)
    pb = Library([bundled_dir()]).get(playbook)
    out = io.StringIO()
    call = Call(playbook=pb, staff="Dana Reyes", today=date.today(), now=now or datetime.now(UTC))
    autosave = Autosave(store, via="wizard")
    call.on_answer = autosave
    equip(call, store)
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        inp.close()  # out of keys means EOF, a failure, never a hang
        run_call(TerminalAsker(Console(file=out, width=120, color_system=None)), call)
    case = autosave.finish(call)
    return call, out.getvalue(), case.id


# --- the shared store's guide (docs/shared-store.md), run as written ----------------------------------------------
GUIDE = ROOT / "docs" / "shared-store.md"
ROLES = ("recover_owner", "recover_desk", "recover_manager", "desk_lobby", "mgr_lena")


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    """`recover ARGS` in-process as Lee Park; the typer Result."""
    from typer.testing import CliRunner

    from recoverycli.cli import app

    return CliRunner().invoke(app, list(args), env={"RECOVER_STAFF": "Lee Park", **(env or {})})


def guide_sql() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), flags=re.S)


def as_role(url: str, role: str) -> str:
    """The same database, logged in as another role (the test cluster trusts loopback; a password is ignored)."""
    return re.sub(r"^postgresql://[^@/]*@", f"postgresql://{role}:change-me@", url)


# A whole call's answers, as an Asker is asked for them (the `other` playbook, a business guest).
CALL_ANSWERS: dict[str, Any] = {
    "customer.name": "Ana Souza",
    "customer.contact": "ana@example.com",
    "customer.segment": "business",
    "customer_words": "The heating is off.\nIt is freezing.",
    "desired_outcome": "A warm room tonight",
    "commitment": "Sam fixes it by 20:00; I call at 20:15",
    "gesture": "meal",
    "follow_up_date": "tomorrow",
}


class Scripted:
    """An Asker with canned answers whose clerk presses Ctrl-C at `stop_at`; it records what it was asked."""

    def __init__(self, answers: dict[str, Any], stop_at: str | None = None) -> None:
        self.answers, self.stop_at, self.asked = answers, stop_at, []

    def show_step(self, view: Any) -> None: ...

    def ask(self, prompt: Any, call: Call) -> Any:
        if prompt.id == self.stop_at:
            raise KeyboardInterrupt
        self.asked.append(prompt.id)
        return self.answers.get(prompt.id)

    def rejected(self, prompt: Any, raw: Any, message: str) -> bool:
        raise AssertionError(f"{prompt.id}: {message}")

    def accepted(self, prompt: Any, value: Any, call: Call) -> None: ...

    def review(self, call: Call) -> str | None:
        return None

    def emergency(self, call: Call, repeat: Any) -> None: ...

    def crisis(self, call: Call, listing: Any) -> None: ...

    def coached(self, prompt: Any, value: str, flags: list[Any], blocking: bool) -> bool:
        return False


def coach_flags(text: str, prompt: str | None = None, customer: str | None = None) -> list[Any]:
    """What the bundled coach says about `text`, typed at `prompt` to `customer`: the one way the coach tests ask."""
    from recoverycli.coach import Context, check, default_rules

    return check(text, default_rules(), Context(customer_name=customer, prompt=prompt))
