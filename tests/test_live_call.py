"""The never-lose policy of a live call and the choice of a draft to resume, called directly on a real SQLite file."""

from __future__ import annotations

import sqlite3
import stat
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from recoverycli.call.live import Settled, live, settle
from recoverycli.call.resume import draft_to_resume, drafts_to_choose, playbook_change, resumed
from recoverycli.call.wizard import Call
from recoverycli.caselog.filters import CaseFilter
from recoverycli.errors import NotFoundError, RecoverError
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.playbooks.schema import Prompt
from recoverycli.store import open_store
from tests.helpers import CALL_ANSWERS, Scripted

TODAY = date(2026, 11, 25)


def ask(store: Any, clerk: Scripted, playbook: str = "other") -> Any:
    pb = Library([bundled_dir()]).get(playbook)
    return live(clerk, store, Call(playbook=pb, staff="Dana Reyes", today=TODAY))


def refuse_writes(path: Path) -> None:
    """The file starts refusing the save, as a full disk or a lost server would: every UPDATE of a case now fails
    inside SQLite (a trigger writing to a table that is gone), a real database error and not a stand-in store."""
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE doomed (x);"
            "CREATE TRIGGER refuse BEFORE UPDATE ON cases BEGIN INSERT INTO doomed VALUES (1); END;"
            "DROP TABLE doomed;"
        )


def test_a_finished_call_is_saved_as_one_open_case(store_path: Path) -> None:
    store = open_store(store_path)
    settled = settle(ask(store, Scripted(CALL_ANSWERS)))
    assert settled.case is not None and not settled.interrupted and settled.unsaved is None
    stored = open_store(store_path).get(settled.case.id)
    assert stored.status == "open" and stored.customer.name == "Ana Souza"
    assert stored.answers["commitment"] == CALL_ANSWERS["commitment"]
    assert [c.id for c in open_store(store_path).cases()] == [settled.case.id]


def test_ctrl_c_keeps_the_draft_and_names_it_for_resume(store_path: Path) -> None:
    store = open_store(store_path)
    settled = settle(ask(store, Scripted(CALL_ANSWERS, stop_at="commitment")))
    assert settled == Settled(interrupted=True, draft_id=settled.draft_id) and settled.draft_id is not None
    draft = open_store(store_path).get(settled.draft_id)
    assert draft.status == "draft" and draft.answers["desired_outcome"] == "A warm room tonight"


def test_ctrl_c_before_the_first_answer_saves_nothing(store_path: Path) -> None:
    settled = settle(ask(open_store(store_path), Scripted(CALL_ANSWERS, stop_at="customer.name")))
    assert settled.interrupted and settled.draft_id is None and settled.case is None
    assert open_store(store_path).cases() == []


def test_before_save_sees_the_draft_before_it_becomes_a_case(store_path: Path) -> None:
    store = open_store(store_path)
    seen: list[tuple[str | None, str]] = []
    outcome = ask(store, Scripted(CALL_ANSWERS))
    settled = settle(outcome, before_save=lambda draft_id: seen.append((draft_id, store.get(draft_id).status)))
    assert settled.case is not None and seen == [(settled.case.id, "draft")]


def test_a_store_that_refuses_the_save_puts_every_answer_in_a_private_file(
    store_path: Path, isolated_home: Path
) -> None:
    store = open_store(store_path)
    outcome = ask(store, Scripted(CALL_ANSWERS))
    refuse_writes(store_path)
    settled = settle(outcome)
    assert settled.case is None and not settled.interrupted
    assert settled.unsaved is not None and settled.unsaved.startswith(f"{store_path}: ")
    assert settled.draft_id == outcome.autosave.case_id  # the draft stays; the message says it can be discarded
    path = settled.rescue_path
    assert path is not None and path.parent == isolated_home / "share" / "recover" / "unsaved"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == settled.rescue_text
    assert "A warm room tonight" in settled.rescue_text and "Sam fixes it by 20:00" in settled.rescue_text


def test_a_store_that_failed_mid_call_is_rescued_on_ctrl_c_too(store_path: Path) -> None:
    store = open_store(store_path)
    outcome = ask(store, Scripted(CALL_ANSWERS, stop_at="gesture"))
    outcome.autosave.trouble = "disk is full"  # what autosave holds when the last answers did not reach the store
    settled = settle(outcome)
    assert settled.interrupted and settled.unsaved == "disk is full" and settled.rescue_path is not None
    assert "Sam fixes it by 20:00" in settled.rescue_path.read_text()


def _draft(store: Any, staff: str = "Dana Reyes") -> str:
    pb = Library([bundled_dir()]).get("other")
    outcome = live(Scripted(CALL_ANSWERS, stop_at="commitment"), store, Call(playbook=pb, staff=staff, today=TODAY))
    return settle(outcome).draft_id


def test_only_a_draft_can_be_resumed(store_path: Path) -> None:
    store = open_store(store_path)
    draft_id = _draft(store)
    assert draft_to_resume(store, draft_id).id == draft_id
    saved = settle(ask(store, Scripted(CALL_ANSWERS))).case
    with pytest.raises(RecoverError, match=f"case {saved.id} is open, not a draft — nothing to resume"):
        draft_to_resume(store, saved.id)
    with pytest.raises(NotFoundError):
        draft_to_resume(store, "RC-NOPE1")


def test_the_chooser_lists_the_clerks_own_drafts_newest_first(store_path: Path) -> None:
    store = open_store(store_path)
    first, other, second = _draft(store), _draft(store, "Sam Lee"), _draft(store)
    assert [d.id for d in drafts_to_choose(store, "Dana Reyes")] == [second, first]
    assert {d.id for d in drafts_to_choose(store, None)} == {first, other, second}
    with pytest.raises(NotFoundError, match="no drafts to resume for Kim Ito — `recover list --status draft`"):
        drafts_to_choose(store, "Kim Ito")


def test_a_changed_playbook_is_said_before_the_first_question(store_path: Path, tmp_path: Path) -> None:
    store = open_store(store_path)
    draft = store.get(_draft(store))
    same = resumed(draft, Library([bundled_dir()]), TODAY)
    assert same.changed is None and same.call.answers == draft.answers and same.call.staff == "Dana Reyes"
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "other.yaml").write_text(
        textwrap.dedent("""
        id: other
        title: Something else went wrong
        version: 2
        extends: four-step
        steps:
          - id: review
            prompts:
              - {id: booking_ref, label: Booking reference, required: true}
        """)
    )
    again = resumed(draft, Library([bundled_dir(), tmp_path / "pb"]), TODAY)
    assert again.changed == (
        "Playbook 'other' has changed since this call began (v1 → v2). "
        "Every answer is kept; any new questions will be asked."
    )
    assert playbook_change(draft, again.call.playbook) == again.changed
    assert again.call.customer["name"] == "Ana Souza"


class Discarder(Scripted):
    """A clerk whose draft a manager discards at another desk while they answer `at`."""

    def __init__(self, answers: dict[str, Any], path: Path, at: str) -> None:
        super().__init__(answers)
        self.path, self.at = path, at

    def ask(self, prompt: Prompt, call: Call) -> Any:
        if prompt.id == self.at:
            other_desk = open_store(self.path)
            (draft,) = [c for c in other_desk.cases(CaseFilter(status="draft"))]
            other_desk.discard(draft.id)
        return super().ask(prompt, call)


def test_a_draft_discarded_at_another_desk_mid_call_loses_nothing(store_path: Path) -> None:
    """F16: the live call carries on as a new draft and is saved whole; the clerk is told in one line."""
    store = open_store(store_path)
    said: list[str] = []
    pb = Library([bundled_dir()]).get("other")
    outcome = live(
        Discarder(CALL_ANSWERS, store_path, at="commitment"),
        store,
        Call(playbook=pb, staff="Dana Reyes", today=TODAY),
        warn=said.append,
    )
    settled = settle(outcome)
    assert settled.case is not None and settled.unsaved is None
    saved = open_store(store_path).get(settled.case.id)
    assert saved.status == "open" and saved.customer.name == "Ana Souza"
    assert saved.answers["customer_words"] == CALL_ANSWERS["customer_words"]
    assert saved.answers["commitment"] == CALL_ANSWERS["commitment"]
    assert [c.id for c in open_store(store_path).cases()] == [saved.id]
    moved = [s for s in said if "discarded or saved at another desk" in s]
    assert len(moved) == 1 and saved.id in moved[0] and "\n" not in moved[0]


def test_two_desks_resuming_one_draft_both_keep_their_call(store_path: Path) -> None:
    store = open_store(store_path)
    draft_id = _draft(store)
    library = Library([bundled_dir()])
    both = [resumed(open_store(store_path).get(draft_id), library, TODAY) for _ in range(2)]  # the list offers it
    desks = [
        live(
            Scripted({**CALL_ANSWERS, "commitment": commitment}),
            open_store(store_path),
            again.call,
            draft=again.draft,
        )
        for again, commitment in zip(both, ("Desk A: refund today", "Desk B: room move by 18:00"), strict=True)
    ]
    first, second = settle(desks[0]), settle(desks[1])
    assert first.case is not None and first.case.id == draft_id
    assert second.case is not None and second.case.id != draft_id and second.unsaved is None
    kept = {c.id: c.answers["commitment"] for c in open_store(store_path).cases()}
    assert kept == {draft_id: "Desk A: refund today", second.case.id: "Desk B: room move by 18:00"}
    assert second.moved is not None and draft_id in second.moved and second.case.id in second.moved
    assert first.moved is None


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rescue fallback folder lives in the temp dir: these tests read and delete there, so it is theirs."""
    import tempfile

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))


def _rescued_call(store_path: Path) -> tuple[Settled, str]:
    """A finished call the store refused: its rescue file, and the draft the store still holds."""
    store = open_store(store_path)
    outcome = ask(store, Scripted(CALL_ANSWERS))
    draft_id = outcome.autosave.case_id
    refuse_writes(store_path)
    settled = settle(outcome)
    assert settled.rescue_path is not None and settled.rescue_path.exists() and draft_id is not None
    with sqlite3.connect(store_path) as conn:
        conn.execute("DROP TRIGGER refuse")  # the store is back
    return settled, draft_id


def test_a_rescue_file_goes_once_its_case_is_saved_from_it_and_so_does_its_draft(
    store_path: Path, own_tmp: None
) -> None:
    """F8: the file holds the customer's details; replayed, it has done its job."""
    from tests.helpers import cli

    settled, draft_id = _rescued_call(store_path)
    path = settled.rescue_path
    assert path is not None
    result = cli("start", "--answers", str(path))
    assert result.exit_code == 0, result.output
    case_id = result.stdout.strip()
    assert not path.exists()
    assert f"deleted {path}: its case is saved as {case_id}" in result.stderr
    assert f"discarded the unfinished draft {draft_id}" in result.stderr
    store = open_store(store_path)
    assert [c.id for c in store.cases()] == [case_id] and store.get(case_id).answers["commitment"] == CALL_ANSWERS[
        "commitment"
    ]
    with pytest.raises(NotFoundError):
        store.get(draft_id)


def test_forget_deletes_the_rescue_files_that_hold_the_customer(
    store_path: Path, tmp_path: Path, own_tmp: None
) -> None:
    from tests.helpers import cli

    settled, _ = _rescued_call(store_path)
    other = tmp_path / "share" / "recover" / "unsaved" / "20261125-101010-other.answers.yaml"
    other.write_text("customer: {name: Bo Li, contact: bo@example.com}\nanswers: {customer_words: hello}\n")
    result = cli("forget", "--customer", "ana@example.com", "--yes")
    assert result.exit_code == 0, result.output
    assert settled.rescue_path is not None and not settled.rescue_path.exists() and other.exists()
    assert f"deleted 1 rescue file that held them: {settled.rescue_path}" in result.stderr


def test_discarding_a_draft_that_changed_minutes_ago_says_a_desk_may_be_on_it(store_path: Path) -> None:
    from tests.helpers import cli

    store = open_store(store_path)
    fresh, stale = _draft(store), _draft(store)
    store.execute("UPDATE cases SET updated_at = '2026-01-01T09:00:00+00:00' WHERE id = ?", (stale,))
    store.conn.commit()
    said = cli("discard", fresh, "--yes").stderr
    assert said == (
        f"{fresh} changed 0 min ago: a desk may still be answering it (that call would go on as a new draft)\n"
        f"discarded {fresh}\n"
    )
    assert cli("discard", stale, "--yes").stderr == f"discarded {stale}\n"


def test_a_store_that_refuses_every_save_from_the_first_answer_is_rescued_at_the_end(
    store_path: Path, isolated_home: Path
) -> None:
    """No draft ever reached the store (hostile pass 5, F1: a role that may not write a case row): the call went on
    with every answer held, and the final save, refused too, rescues them all to a file instead of failing."""
    store = open_store(store_path)
    with sqlite3.connect(store_path) as conn:
        conn.executescript(
            "CREATE TABLE doomed (x);"
            "CREATE TRIGGER refuse BEFORE INSERT ON cases BEGIN INSERT INTO doomed VALUES (1); END;"
            "DROP TABLE doomed;"
        )
    said: list[str] = []
    pb = Library([bundled_dir()]).get("other")
    outcome = live(Scripted(CALL_ANSWERS), store, Call(playbook=pb, staff="Dana Reyes", today=TODAY), warn=said.append)
    assert outcome.autosave.case_id is None and "every answer is held here" in said[0]
    settled = settle(outcome)
    assert settled.case is None and settled.draft_id is None and settled.unsaved is not None
    assert settled.rescue_path is not None and "Sam fixes it by 20:00" in settled.rescue_path.read_text()
    assert open_store(store_path).cases() == []
