"""Never lose a word: drafts, many writers, migrations, backups, erasure, hostile input."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from recoverycli.call.live import Autosave
from recoverycli.call.wizard import Call, call_from_case, run_call
from recoverycli.cli import app
from recoverycli.errors import PlaybookError, StoreError
from recoverycli.playbooks.library import Library, bundled_dir, parse_playbook
from recoverycli.store import ERASED, MIGRATIONS, SCHEMA_VERSION, SqliteStore, open_store
from tests.helpers import CALL_ANSWERS, Scripted, make_case

runner = CliRunner()
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_every_answer_is_in_the_store_the_moment_it_is_given(store_url: str) -> None:
    store = open_store(store_url)
    pb = Library([bundled_dir()]).get("other")
    autosave = Autosave(store, via="wizard")
    call = Call(playbook=pb, staff="Dana", today=TODAY, on_answer=autosave)
    with pytest.raises(KeyboardInterrupt):
        run_call(Scripted(CALL_ANSWERS, stop_at="commitment"), call)
    draft = open_store(store_url).get(autosave.case_id)  # a second connection sees it: it is committed
    assert draft.status == "draft"
    assert draft.customer.name == "Ana Souza" and draft.answers["desired_outcome"] == "A warm room tonight"
    assert "commitment" not in draft.answers

    resumed = call_from_case(draft, pb, TODAY)
    asker = Scripted(CALL_ANSWERS)
    resumed.on_answer = again = Autosave(store, via="wizard", draft=draft)
    run_call(asker, resumed, skip_answered=True)
    assert asker.asked == [
        "incident_at",
        "customer_chased",
        "apology",
        "commitment",
        "gesture",
        "follow_up_date",
        "root_cause",
    ]
    case = again.finish(resumed)
    stored = open_store(store_url).get(case.id)
    assert stored.status == "open" and stored.answers["commitment"] == CALL_ANSWERS["commitment"]
    assert [e.kind for e in stored.events] == ["created", "saved"]


def test_resume_on_a_changed_playbook_asks_the_new_required_prompt(store_url: str, tmp_path: Path) -> None:
    store = open_store(store_url)
    old = Library([bundled_dir()]).get("other")
    autosave = Autosave(store, via="wizard")
    with pytest.raises(KeyboardInterrupt):
        run_call(
            Scripted(CALL_ANSWERS, stop_at="follow_up_date"),
            Call(playbook=old, staff="Dana", today=TODAY, on_answer=autosave),
        )
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
    new = Library([bundled_dir(), tmp_path / "pb"]).get("other")
    draft = store.get(autosave.case_id)
    assert draft.playbook.hash == old.content_hash() != new.content_hash()
    asker = Scripted({**CALL_ANSWERS, "booking_ref": "BK-1"})
    call = call_from_case(draft, new, TODAY)
    call.on_answer = finish = Autosave(store, via="wizard", draft=draft)
    run_call(asker, call, skip_answered=True)
    assert "booking_ref" in asker.asked and "customer_words" not in asker.asked
    case = finish.finish(call)
    assert store.get(case.id).playbook.version == 2 and store.get(case.id).answers["booking_ref"] == "BK-1"


def test_discard_drops_drafts_only(store_url: str) -> None:
    store = open_store(store_url)
    draft = store.add(make_case().model_copy(update={"status": "draft"}))
    kept = store.add(make_case())
    result = runner.invoke(app, ["discard", kept.id, "--yes"])
    assert result.exit_code == 1 and "only drafts can be discarded" in result.stderr
    result = runner.invoke(app, ["discard", draft.id], input="n\n")
    assert result.exit_code == 1  # no terminal: it will not guess
    assert runner.invoke(app, ["discard", draft.id, "--yes"]).exit_code == 0
    assert [c.id for c in store.recent()] == [kept.id]


WRITER = textwrap.dedent("""
    import sys
    from tests.helpers import make_case
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    for i in range(int(sys.argv[2])):
        store.add(make_case(customer_words=f"writer {sys.argv[3]} case {i}", n=i))
""")


def test_four_writers_at_once_lose_nothing(store_url: str) -> None:
    open_store(store_url).close()
    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, "250", str(w)], cwd=root, stderr=subprocess.PIPE, text=True
        )
        for w in range(4)
    ]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert not any("locked" in e for e in errors)
    cases = open_store(store_url).cases(events=True)
    assert len(cases) == 1000
    assert len({c.id for c in cases}) == 1000
    assert all([e.kind for e in c.events] == ["created"] for c in cases)
    words = {c.answers["customer_words"] for c in cases}
    assert words == {f"writer {w} case {i}" for w in range(4) for i in range(250)}
    assert open_store(store_url).check()["ok"]


def test_store_from_the_first_schema_is_migrated_with_its_cases(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store_path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO cases (id, status, created_at, updated_at, staff, customer_name, customer_contact, segment,"
        " playbook_id, playbook_version, playbook_hash, answers) VALUES ('RC-AAAAA', 'open', ?, ?, 'Old Desk',"
        " 'Ana', 'ana@x', 'family', 'other', 1, 'h', '{\"customer_words\": \"from v1\"}')",
        (NOW.isoformat(), NOW.isoformat()),
    )
    conn.commit()
    conn.close()
    store = open_store(store_path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"cases_status", "cases_contact", "cases_name"} <= indexes
    assert store.get("RC-AAAAA").answers == {"customer_words": "from v1"}


def test_backup_is_a_consistent_private_copy_and_check_reports(store_path: Path, tmp_path: Path) -> None:
    store = open_store(store_path)
    ids = [store.add(make_case()).id for _ in range(5)]
    result = runner.invoke(app, ["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
    copy = SqliteStore(tmp_path / "copy.db")
    assert sorted(c.id for c in copy.recent(limit=10)) == sorted(ids)
    assert runner.invoke(app, ["backup", str(tmp_path / "copy.db")]).exit_code == 1  # never overwrites


def test_check_reports_the_store(store_url: str) -> None:
    store = open_store(store_url)
    for _ in range(5):
        store.add(make_case())
    report = runner.invoke(app, ["check", "--format", "json"])
    assert report.exit_code == 0
    assert json.loads(report.stdout)["cases"] == {"open": 5} and json.loads(report.stdout)["ok"] is True
    text = runner.invoke(app, ["check"]).stdout
    assert f": ok · schema v{SCHEMA_VERSION} · 5 open · 5 events" in text


def test_check_finds_damage(store_path: Path) -> None:
    store = open_store(store_path)
    store.add(make_case())
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute("INSERT INTO events (case_id, at, staff, kind, data) VALUES ('RC-GHOST', 'x', 'y', 'z', '{}')")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1 and "DAMAGED" in result.stdout and "missing case" in result.stdout


def test_forget_erases_personal_data_and_keeps_the_anonymised_case(store_url: str) -> None:
    store = open_store(store_url)
    theirs = store.add(
        make_case(
            customer_words="My name is Ana Souza and I'm furious",
            apology="Sorry Ana",
            commitment="Refund by Friday",
            follow_up_date="2026-11-27",
        )
    )
    other = store.add(
        make_case().model_copy(
            update={"customer": make_case().customer.model_copy(update={"name": "Bo", "contact": "bo@x"})}
        )
    )
    result = runner.invoke(app, ["forget", "--customer", "ana souza", "--yes", "--staff", "Privacy Officer"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [theirs.id]
    case = store.get(theirs.id)
    assert case.customer.name == ERASED and case.customer.contact == ERASED
    assert case.answers["customer_words"] == ERASED and case.answers["apology"] == ERASED
    assert case.answers["commitment"] == "Refund by Friday" and case.answers["follow_up_date"] == "2026-11-27"
    assert case.customer.segment == "business" and case.playbook.id == "other"
    assert case.events[-1].kind == "forgotten" and case.events[-1].staff == "Privacy Officer"
    assert "Ana" not in json.dumps(case.events[-1].data)
    assert store.get(other.id).customer.name == "Bo"
    if not store_url.startswith("postgresql://"):
        path = Path(store_url)
        raw = path.read_bytes() + (
            path.with_name(path.name + "-wal").read_bytes() if path.with_name(path.name + "-wal").exists() else b""
        )
        assert b"furious" not in raw  # not lingering in free pages or the WAL
    assert runner.invoke(app, ["forget", "--customer", "+1 555 0100", "--yes"]).exit_code == 1  # already gone
    assert runner.invoke(app, ["forget", "--customer", "bo@x"]).exit_code == 1  # no terminal, no --yes: refuses


def test_full_disk_is_a_clear_error_and_keeps_what_was_saved(store_path: Path) -> None:
    store = open_store(store_path)
    saved = store.add(make_case())
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: as good as a full disk
    with pytest.raises(StoreError, match="disk is full; nothing new was saved"):
        for _ in range(200):
            store.add(make_case(customer_words="x" * 3000))
    assert open_store(store_path).get(saved.id) == saved
    assert open_store(store_path).check()["ok"]


def test_a_real_full_filesystem(tmp_path: Path) -> None:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("needs root and tmpfs to make a real full filesystem; the max_page_count test covers the logic")
    try:
        path = mnt / "cases.db"
        store = open_store(path)
        saved = store.add(make_case())
        with pytest.raises(StoreError, match="disk is full"):
            for _ in range(500):
                store.add(make_case(customer_words="y" * 4000))
        store.close()
        assert open_store(path).get(saved.id) == saved
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def make_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        if (
            shutil.which("chattr") is None
            or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode
        ):
            pytest.skip("root, and no chattr to make a file read-only")
    else:
        path.chmod(0o400)
        path.parent.chmod(0o500)


def test_read_only_store_is_a_clear_error(store_path: Path, tmp_path: Path) -> None:
    store = open_store(store_path)
    saved = store.add(make_case())
    store.close()
    make_read_only(store_path)
    try:
        answers = tmp_path / "a.yaml"
        shutil.copy(Path(__file__).parents[1] / "playbooks" / "examples" / "other.answers.yaml", answers)
        result = runner.invoke(app, ["start", "other", "--answers", str(answers)])
        assert result.exit_code == 1
        assert "read-only" in result.stderr or "cannot open" in result.stderr
        assert "Traceback" not in result.output
    finally:
        subprocess.run(["chattr", "-i", str(store_path)], capture_output=True)
        store_path.parent.chmod(0o700)
        store_path.chmod(0o600)
    assert open_store(store_path).get(saved.id) == saved


@pytest.mark.parametrize("bad", ["dir", "under-a-file"])
def test_unusable_store_path_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    target = tmp_path / "somedir"
    target.mkdir()
    if bad == "under-a-file":
        (tmp_path / "afile").write_text("x")
        target = tmp_path / "afile" / "cases.db"
    result = runner.invoke(app, ["list", "--store", str(target)])
    result2 = runner.invoke(app, ["start", "other", "--answers", "nowhere.yaml", "--store", str(target)])
    for r in (result, result2):
        assert r.exit_code == 1 and "Traceback" not in r.output and r.stderr.count("\n") == 1


def test_unexpected_crash_logs_no_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import recoverycli.store as store_mod

    secret = " ".join(["customer", "Ana", "Souza", "said", "something", "private"])

    def boom(self: object, case: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(store_mod.SqliteStore, "add", boom)
    answers = tmp_path / "a.yaml"
    shutil.copy(Path(__file__).parents[1] / "playbooks" / "examples" / "other.answers.yaml", answers)
    result = runner.invoke(app, ["start", "other", "--answers", str(answers)])
    assert result.exit_code == 1 and "unexpected error (RuntimeError) — details in" in result.stderr
    log = Path(result.stderr.split("details in ")[1].strip()).read_text()
    assert "RuntimeError" in log and "boom" in log and "Ana" not in log and "private" not in log
    from recoverycli import __version__

    assert f" recover {__version__} (Python " in log.splitlines()[0]  # which release crashed, for the bug report


yaml_fragments = st.sampled_from(
    [
        "id: x\n",
        "title: T\n",
        "extends: four-step\n",
        "extends: x\n",
        "steps:\n",
        "  - id: review\n",
        "    prompts:\n",
        "      - {id: a, label: A}\n",
        "      - {id: a, label: B}\n",
        "gestures: [{id: g, label: G}]\n",
        "version: two\n",
        "x: &a [1, 2]\n",
        "y: [*a, *a]\n",
        "  guidance: |\n    text\n",
        "\t- tab\n",
        "id: x\n",
        "{",
        "- [\n",
        "'",
        "!!python/none\n",
    ]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(yaml_fragments, max_size=12), st.text(max_size=30))
def test_playbook_loader_never_crashes(tmp_path: Path, parts: list[str], noise: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text("".join(parts) + noise, encoding="utf-8")
    try:
        entry = parse_playbook(path)
        Library([bundled_dir(), tmp_path]).get(entry.playbook.id)
    except PlaybookError as e:
        assert e.message.startswith(f"{path}:") and "\n" not in e.message and " — " in e.message
    except Exception as e:  # anything else is a bug: the trainer would see a traceback
        if type(e).__name__ != "NotFoundError":
            raise
    from recoverycli.playbooks.lint import lint

    checked, problems = lint([path])  # lint sets broken parts aside and runs every other check: never a crash either
    assert checked == [str(path)] and all(p.file == str(path) and "\n" not in p.message for p in problems)


class Flaky:
    """A store that stops answering for a while, as a shared server can in the middle of a call."""

    def __init__(self, store: Any, down: set[int]) -> None:
        self.store, self.down, self.calls = store, down, 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.store, name)
        if name not in ("add", "save_draft", "finish_draft"):
            return real

        def maybe(*args: Any, **kw: Any) -> Any:
            self.calls += 1
            if self.calls in self.down:
                raise StoreError("the connection to PostgreSQL failed (server closed the connection) — try again")
            return real(*args, **kw)

        return maybe


def test_a_store_that_stops_answering_mid_call_costs_no_answer(store_url: str) -> None:
    flaky = Flaky(open_store(store_url), down={1, 4, 5})  # the first save and two in the middle fail
    shown: list[str] = []
    autosave = Autosave(flaky, via="wizard", warn=shown.append)
    call = Call(playbook=Library([bundled_dir()]).get("other"), staff="Dana", today=TODAY, on_answer=autosave)
    run_call(Scripted(CALL_ANSWERS), call)
    case = autosave.finish(call)
    assert [m.split(" (")[0] for m in shown] == [
        "not saved just now",
        "the store answers again: every answer so far is saved",
        "not saved just now",
        "the store answers again: every answer so far is saved",
    ]
    stored = open_store(store_url).get(case.id)
    assert stored.status == "open" and stored.answers == call.answers and stored.customer.name == "Ana Souza"
    assert len(open_store(store_url).cases()) == 1


def test_a_call_the_store_will_not_take_is_kept_in_a_file_that_replays(store_url: str, isolated_home: Path) -> None:
    from recoverycli.call.live import rescue

    call = Call(playbook=Library([bundled_dir()]).get("other"), staff="Dana", today=date.today())
    run_call(Scripted({**CALL_ANSWERS, "follow_up_date": "2026-12-24"}), call)
    path, text = rescue(call, "postgresql://desk:***@db/recover", "the connection to PostgreSQL failed")
    assert path is not None and path.parent == isolated_home / "share" / "recover" / "unsaved"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == text
    assert text.startswith("# Not saved to postgresql://desk:***@db/recover (the connection to PostgreSQL failed)")
    result = runner.invoke(app, ["start", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    saved = open_store(store_url).get(result.stdout.strip())
    assert saved.answers == call.answers and saved.customer == call.to_customer() and saved.staff == "Dana"


def test_store_migrate_reports_the_upgrade_of_a_desk_file(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store_path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    result = runner.invoke(app, ["store", "migrate"])
    assert result.exit_code == 0 and f"{store_path}: schema v1 → v{SCHEMA_VERSION}" in result.stderr
    again = runner.invoke(app, ["store", "migrate"])
    assert f"schema v{SCHEMA_VERSION}, already up to date" in again.stderr
