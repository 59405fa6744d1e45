"""Many desks, one store: roles, migrations, copying a desk's log in, passwords kept out of sight, locks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from recoverycli.caselog.record import Event
from recoverycli.store import SCHEMA_VERSION, content_hash, open_store
from recoverycli.store.columns import ANSWER_COLUMNS
from tests.helpers import NOW, ROOT, as_role, cli, make_case

EXAMPLE = ROOT / "playbooks" / "examples" / "other.answers.yaml"


def test_desks_take_calls_managers_also_export_and_forget(guide_roles: dict[str, str]) -> None:
    desk, manager = guide_roles["desk_lobby"], guide_roles["mgr_lena"]
    saved = cli("start", "other", "--answers", str(EXAMPLE), "--store", desk)
    assert saved.exit_code == 0, saved.output
    case_id = saved.stdout.strip()
    assert cli("note", case_id, "Called back, all fine", "--store", desk).exit_code == 0
    assert cli("followup", case_id, "--done", "--note", "Refund seen", "--store", desk).exit_code == 0
    assert json.loads(cli("show", case_id, "--format", "json", "--store", desk).stdout)["status"] == "open"
    assert cli("report", "--format", "json", "--store", desk).exit_code == 0
    draft = open_store(desk).add(make_case().model_copy(update={"status": "draft"}))
    assert cli("discard", draft.id, "--yes", "--store", desk).exit_code == 0  # its events go with it (cascade)

    denied = cli("export", "--store", desk)
    assert denied.exit_code == 1 and denied.stdout == ""
    line = denied.stderr.strip()
    assert "may not export the case log" in line and "recover_manager role" in line and "docs/shared-store.md" in line
    assert "\n" not in line and "Traceback" not in denied.output and "change-me" not in line
    erase = cli("forget", "--customer", "Jo Okafor", "--yes", "--store", desk)
    assert erase.exit_code == 1 and "may not erase a customer's data" in erase.stderr
    assert (
        json.loads(cli("show", case_id, "--format", "json", "--store", desk).stdout)["customer"]["name"] == "Jo Okafor"
    )

    exported = cli("export", "--store", manager)
    assert exported.exit_code == 0 and case_id in exported.stdout and "Jo Okafor" in exported.stdout
    assert cli("forget", "--customer", "Jo Okafor", "--yes", "--store", manager).stdout.split() == [case_id]
    migrate = cli("store", "migrate", "--store", desk)  # nothing to do: no right needed
    assert migrate.exit_code == 0 and "already up to date" in migrate.stderr


def test_desks_save_and_close_on_a_store_that_grants_no_function_to_everyone(
    guide_roles: dict[str, str], pg_cluster, pg_url: str
) -> None:
    """Revoking the default EXECUTE on functions is common hardening: the durations PostgreSQL keeps for the report
    (schema v9) come from a trigger, which needs no grant for the desks that write (hostile pass 5, F1)."""
    pg_cluster.sql("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC", pg_url)
    desk = guide_roles["desk_lobby"]
    saved = cli("start", "other", "--answers", str(EXAMPLE), "--store", desk)
    assert saved.exit_code == 0, saved.output
    case_id = saved.stdout.strip()
    closed = cli("close", case_id, "--resolution", "Refunded", "--store", desk)
    assert closed.exit_code == 0, closed.output
    kept = open_store(pg_url).execute("SELECT hours_to_close FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
    assert kept is not None and kept >= 0


def test_a_desk_cannot_create_the_store_and_says_who_can(pg_cluster, pg_url: str) -> None:
    tag = uuid.uuid4().hex[:6]
    pg_cluster.sql(f"CREATE ROLE desk_{tag} LOGIN")
    pg_cluster.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", pg_url)
    try:
        result = cli("start", "other", "--answers", str(EXAMPLE), "--store", as_role(pg_url, f"desk_{tag}"))
        assert result.exit_code == 1
        assert "may not create or upgrade the store's tables" in result.stderr
        assert "as the store's owner" in result.stderr and "change-me" not in result.stderr
    finally:
        pg_cluster.drop_database(pg_url)
        pg_cluster.sql(f"DROP ROLE desk_{tag}")


def test_an_older_shared_schema_is_refused_until_migrated(pg_url: str) -> None:
    case_id = open_store(pg_url).add(make_case()).id
    rich = make_case(customer_words="Cold.", gesture=5, root_cause="Boiler", incident_at="2026-11-25T08:00:00+00:00")
    rich_id = open_store(pg_url).add(rich).id
    store = open_store(pg_url)
    # back to v5 exactly as v5 left it: nothing of v8 and v9, no crisis tables, no cases.crisis_id, no answer columns,
    # no events_kind, the export view over v5's columns
    for stmt in (
        "DROP TRIGGER cases_durations ON cases",
        "DROP FUNCTION recover_durations",
        "ALTER TABLE cases DROP COLUMN minutes_to_contact, DROP COLUMN hours_to_close",
        "DROP INDEX cases_period",
        "DROP VIEW recover_export",
        "ALTER TABLE cases DROP COLUMN name_in_text",
        "DROP FUNCTION recover_coached() CASCADE",
        "ALTER TABLE cases DROP COLUMN coached",
        "DROP VIEW recover_crisis_list",
        "DROP FUNCTION recover_crisis_notify() CASCADE",
        "DROP TABLE crisis_events, crisis_attempts, crisis_supplier, crisis_customers, crises",
        "ALTER TABLE cases DROP COLUMN crisis_id",
        "ALTER TABLE cases " + ", ".join(f"DROP COLUMN {k}" for k in ANSWER_COLUMNS),
        "DROP INDEX events_kind",
        "CREATE VIEW recover_export AS SELECT * FROM cases",
        "UPDATE recover_schema SET version = 5",
    ):
        store.execute(stmt)
    refused = cli("list")
    assert refused.exit_code == 1
    assert f"schema v5, this recover needs v{SCHEMA_VERSION}" in refused.stderr
    assert "recover store migrate" in refused.stderr
    assert cli("start", "other", "--answers", str(EXAMPLE)).exit_code == 1  # no silent upgrade by a desk either
    migrated = cli("store", "migrate")
    assert migrated.exit_code == 0 and f"schema v5 → v{SCHEMA_VERSION}" in migrated.stderr
    # the base answers kept as columns are filled for the cases already there, as ->> reads them
    filled = open_store(pg_url).execute(f"SELECT {', '.join(ANSWER_COLUMNS)} FROM cases WHERE id = ?", (rich_id,))
    assert tuple(filled.fetchone()) == (None, None, None, "5", "Boiler", "2026-11-25T08:00:00+00:00", None, None)
    assert open_store(pg_url).get(case_id).answers == make_case().answers
    assert "already up to date" in cli("store", "migrate").stderr


def test_an_empty_database_is_created_on_first_save_but_not_by_a_reader(pg_url: str) -> None:
    listed = cli("list", "--format", "json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    missing = cli("export")
    assert (
        missing.exit_code == 1 and "no recover store in" in missing.stderr and "recover store migrate" in missing.stderr
    )
    assert cli("start", "other", "--answers", str(EXAMPLE)).exit_code == 0
    assert len(json.loads(cli("list", "--format", "json").stdout)) == 1


@pytest.mark.parametrize("shape", ["user-part", "parameter"])
def test_a_password_never_appears_in_output_or_errors(pg_url: str, shape: str, isolated_home: Path) -> None:
    secret = "s3cret-Pa55"
    open_store(pg_url).close()
    good = (
        re.sub(r"^postgresql://([^@/]*)@", rf"postgresql://\1:{secret}@", pg_url)
        if shape == "user-part"
        else f"{pg_url}?password={secret}"
    )
    bad = re.sub(r":\d+/", ":1/", good)  # nothing listens on port 1
    checked = cli("check", "--store", good)
    assert checked.exit_code == 0 and "***" in checked.stdout
    failed = cli("list", "--store", bad)
    assert failed.exit_code == 1 and "cannot connect to PostgreSQL" in failed.stderr and "***" in failed.stderr
    watched = cli("watch", "--store", bad)
    for result in (checked, failed, watched):
        assert secret not in result.output
    logs = list(isolated_home.rglob("*.log"))
    assert all(secret not in p.read_text() for p in logs)


def test_lookup_is_index_backed_on_postgresql(pg_url: str) -> None:
    store = open_store(pg_url)
    store.add(make_case())
    store.execute("SET enable_seqscan = off")  # may the planner use the indexes at all? then it would at scale
    plan = " ".join(
        r[0]
        for r in store.execute(
            "EXPLAIN SELECT count(*) FROM cases WHERE status != 'draft' AND id != 'x' AND ((contact_key = '+15550100'"
            " AND contact_key != '') OR (name_key = 'ana souza' AND name_key != '')) AND (status = 'open' OR "
            "created_at >= '2026')"
        ).fetchall()
    )
    assert "cases_contact_key" in plan and "cases_name_key" in plan, plan


NOTER = textwrap.dedent("""
    import sys
    from recoverycli.caselog import changes
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    for i in range(int(sys.argv[3])):
        changes.add_note(store, sys.argv[2], f"Desk {sys.argv[4]}", f"desk {sys.argv[4]} note {i}")
""")


def test_four_desks_writing_to_one_case_lose_no_event(store_url: str) -> None:
    case_id = open_store(store_url).add(make_case()).id
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", NOTER, store_url, case_id, "40", str(d)], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for d in range(4)
    ]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    notes = [e.data["text"] for e in open_store(store_url).get(case_id).events if e.kind == "note"]
    assert sorted(notes) == sorted(f"desk {d} note {i}" for d in range(4) for i in range(40))
    for d in range(4):  # each desk's notes in the order it wrote them
        mine = [n for n in notes if n.startswith(f"desk {d} ")]
        assert mine == [f"desk {d} note {i}" for i in range(40)]


def desk_log(tmp_path: Path) -> tuple[str, list[str]]:
    """A desk's SQLite log: open cases, one followed up and closed, one with notes, and a draft."""
    path = str(tmp_path / "desk.db")
    store = open_store(path)
    ids = [store.add(make_case(customer_words=f"case {i}", follow_up_date="2026-11-27")).id for i in range(6)]
    store.add(make_case().model_copy(update={"status": "draft"}))
    env = {"RECOVER_STORE": path}
    assert cli("followup", ids[0], "--done", "--note", "Called", env=env).exit_code == 0
    assert cli("close", ids[0], "--resolution", "Refunded", env=env).exit_code == 0
    assert cli("note", ids[1], "Guest was kind about it", env=env).exit_code == 0
    return path, ids


def copy(src: str, dst: str):
    result = cli("store", "copy", "--from", src, "--to", dst, "--format", "json")
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_store_copy_is_idempotent_verified_and_keeps_every_field(store_url: str, tmp_path: Path) -> None:
    src, ids = desk_log(tmp_path)
    shared = open_store(store_url)
    taken = shared.add(make_case(customer_words="someone else's case at another desk"))
    # another desk already holds the id of our case 5: it must be copied under a new id, not overwrite theirs
    collide = make_case(customer_words="their own case").model_copy(
        update={"id": ids[5], "created_at": NOW.replace(hour=8)}
    )
    shared.add(collide, keep_id=True)

    result, report = copy(src, store_url)
    assert result.exit_code == 0, result.output
    assert report["source_cases"] == 6 and report["drafts_left"] == 1
    assert sorted(report["copied"]) == sorted(ids[:5]) and list(report["renumbered"]) == [ids[5]]
    assert report["verified"] == 6 and report["ok"] is True
    source = open_store(src)
    for case_id in ids[:5]:
        mine, theirs = source.get(case_id), shared.get(case_id)
        assert theirs == mine and content_hash(*shared.snapshot(case_id)) == content_hash(*source.snapshot(case_id))
    assert shared.snapshot(ids[0])[1]["closed_at"] == source.snapshot(ids[0])[1]["closed_at"] is not None
    moved = shared.get(report["renumbered"][ids[5]])
    assert moved.answers == source.get(ids[5]).answers and moved.events[-1].kind == "copied"
    assert moved.events[-1].data == {"from_id": ids[5]}
    assert shared.get(ids[5]).answers["customer_words"] == "their own case"  # theirs untouched
    assert shared.get(taken.id).answers["customer_words"] == "someone else's case at another desk"

    again, report2 = copy(src, store_url)
    assert again.exit_code == 0 and sorted(report2["unchanged"]) == sorted(ids) and not report2["copied"]
    assert not report2["renumbered"] and report2["verified"] == 6
    assert shared.count(_all()) == 8  # 6 copied + 2 that were there: nothing twice

    assert cli("note", ids[2], "A later note at the desk", env={"RECOVER_STORE": src}).exit_code == 0
    third, report3 = copy(src, store_url)
    assert third.exit_code == 0 and report3["updated"] == [ids[2]] and report3["verified"] == 6
    assert shared.get(ids[2]) == source.get(ids[2])

    # changed on both sides since: reported and left alone, exit 1
    assert cli("note", ids[3], "at the desk", env={"RECOVER_STORE": src}).exit_code == 0
    assert cli("note", ids[3], "in the shared store", env={"RECOVER_STORE": store_url}).exit_code == 0
    fourth, report4 = copy(src, store_url)
    assert fourth.exit_code == 1 and report4["conflicts"] == [ids[3]]
    assert [e.data.get("text") for e in shared.get(ids[3]).events][-1] == "in the shared store"
    text = cli("store", "copy", "--from", src, "--to", store_url)
    assert f"{ids[3]} changed in both stores since the last copy" in text.stderr
    assert "verified: 5 of 5 case(s) read back with the same content hash" in text.stderr


def _all():
    from recoverycli.caselog.filters import CaseFilter

    return CaseFilter()


def test_store_copy_refuses_the_same_store_and_a_missing_source(store_url: str, tmp_path: Path) -> None:
    open_store(store_url).add(make_case())
    missing = cli("store", "copy", "--from", str(tmp_path / "nope.db"), "--to", store_url)
    assert missing.exit_code == 1 and "no case store at" in missing.stderr
    if not store_url.startswith("postgresql://"):
        same = cli("store", "copy", "--from", store_url, "--to", store_url)
        assert same.exit_code == 1 and "the same store" in same.stderr


def test_copied_events_keep_their_staff_and_time(store_url: str, tmp_path: Path) -> None:
    src = str(tmp_path / "desk.db")
    case = make_case().model_copy(
        update={"events": [Event(at=NOW, staff="Night Desk", kind="created", data={"via": "wizard"})]}
    )
    case_id = open_store(src).add(case).id
    result, report = copy(src, store_url)
    assert result.exit_code == 0 and report["copied"] == [case_id]
    assert open_store(store_url).get(case_id).events == open_store(src).get(case_id).events


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://desk:pa:ss@db.example.org:5433/recover", "postgresql://desk:***@db.example.org:5433/recover"),
        ("postgres://desk:secret@db/recover?sslmode=require", "postgres://desk:***@db/recover?sslmode=require"),
        (
            "postgresql://db/recover?user=desk&password=secret&sslmode=require",
            "postgresql://db/recover?user=desk&password=***&sslmode=require",
        ),
        ("postgresql://desk@db/recover", "postgresql://desk@db/recover"),
    ],
)
def test_urls_are_shown_without_their_password(url: str, shown: str) -> None:
    from recoverycli.store.postgres import redact

    assert redact(url) == shown


def test_without_the_driver_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    result = cli("list", "--store", "postgresql://desk@db.example.org/recover")
    assert result.exit_code == 1
    assert "pip install 'recoverycli[postgresql]'" in result.stderr and "Traceback" not in result.output


def test_backup_of_a_shared_store_points_at_pg_dump(pg_url: str, tmp_path: Path) -> None:
    open_store(pg_url).close()
    result = cli("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 1 and "pg_dump" in result.stderr and not (tmp_path / "copy.db").exists()


def test_both_stores_export_the_same_bytes(pg_url: str, tmp_path: Path) -> None:
    """The PostgreSQL export is built in Python, SQLite's in SQL: the same cases must give the same files."""
    odd = {
        "customer_words": 'She said "no"\nthen left 🧳',
        "desired_outcome": "-5 euros back",
        "apology": "=SUM(A1)",
        "gesture": "meal",
        "follow_up_date": "2026-11-27",
        "room_number": 412,
        "checked": True,
        "dry": False,
        "parts": ["valve", "seal"],
        "where": {"floor": 4, "wing": "Nord"},
        "score": -3,
        "ratio": 0.5,
        "none": None,
    }
    sqlite_url = str(tmp_path / "desk.db")
    for url in (sqlite_url, pg_url):
        store = open_store(url)
        for i, answers in enumerate((odd, {"customer_words": "plain", "follow_up_date": "2026-11-28"})):
            store.add(make_case(**answers).model_copy(update={"id": f"RC-SAME{i}"}), keep_id=True)
        store.close()
    for args in (
        ["--format", "csv"],
        ["--format", "csv", "--raw", "--excel"],
        ["--format", "jsonl"],
        ["--format", "json"],
        ["--format", "csv", "--columns", "extra,customer_words,complaint_number"],
    ):
        mine = cli("export", *args, "--store", sqlite_url)
        shared = cli("export", *args, "--store", pg_url)
        assert mine.exit_code == shared.exit_code == 0, shared.output
        assert shared.stdout == mine.stdout, args
    assert (
        cli("list", "--format", "csv", "--store", pg_url).stdout
        == cli("list", "--format", "csv", "--store", sqlite_url).stdout
    )


def test_without_a_server_the_postgresql_tests_say_why_they_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import pgserver

    monkeypatch.delenv(pgserver.ENV_URL, raising=False)
    monkeypatch.setattr(pgserver, "find_bin", lambda name: None)
    reason = pgserver.why_unavailable()
    assert (
        reason
        and "initdb/pg_ctl not found" in reason
        and "apt install postgresql" in reason
        and pgserver.ENV_URL in reason
    )
    monkeypatch.setenv(pgserver.ENV_URL, "postgresql://someone@db/recover")
    assert pgserver.why_unavailable() is None


def test_libpq_environment_fills_in_what_the_url_leaves_out(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    m = re.match(r"postgresql://([^@:/]+)@([^:/]+):(\d+)/(.+)$", pg_url)
    assert m, pg_url
    user, host, port, db = m.groups()
    for var, value in (("PGUSER", user), ("PGHOST", host), ("PGPORT", port), ("PGCONNECT_TIMEOUT", "5")):
        monkeypatch.setenv(var, value)
    saved = cli("start", "other", "--answers", str(EXAMPLE), "--store", f"postgresql:///{db}")
    assert saved.exit_code == 0, saved.output
    assert saved.stdout.strip() in cli("list", "--format", "csv").stdout  # RECOVER_STORE: the same database


def test_a_dropped_connection_is_reopened_between_saves(pg_cluster, pg_url: str) -> None:
    """An idle connection cut during a long call (server restart, idle timeout) must not cost the next save."""
    store = open_store(pg_url)
    first = store.add(make_case())
    for again in ("add", "get"):
        pg_cluster.sql(f"SELECT pg_terminate_backend({store.conn.info.backend_pid})")
        if again == "add":
            second = store.add(make_case(customer_words="after the drop"))
        else:
            assert store.get(second.id).answers["customer_words"] == "after the drop"
    assert {c.id for c in store.cases()} == {first.id, second.id}


def test_pgpass_supplies_the_password_and_a_wrong_one_is_never_echoed(
    pg_cluster, pg_url: str, isolated_home: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    role, secret = f"desk_pw_{tag}", f"Corr3ct-{tag}"
    pg_cluster.sql(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{secret}'")
    try:
        if not pg_cluster.require_password(role):
            pytest.skip("a reused server's authentication is not ours to change")
        m = re.match(r"postgresql://[^@]+@([^:/]+):(\d+)/(.+)$", pg_url)
        host, port, db = m.groups()
        url = f"postgresql://{role}@{host}:{port}/{db}"
        no_password = cli("list", "--store", url)
        assert no_password.exit_code == 1 and "no password supplied" in no_password.stderr
        wrong = f"Wr0ng-{tag}"
        refused = cli("list", "--store", f"postgresql://{role}:{wrong}@{host}:{port}/{db}")
        assert refused.exit_code == 1 and "password authentication failed" in refused.stderr
        assert wrong not in refused.output and "***" in refused.stderr
        home = isolated_home / "home"
        home.mkdir(exist_ok=True)
        (home / ".pgpass").write_text(f"{host}:{port}:{db}:{role}:{secret}\n")
        (home / ".pgpass").chmod(0o600)
        saved = cli("start", "other", "--answers", str(EXAMPLE), "--store", url)
        assert saved.exit_code == 0, saved.output
        assert secret not in cli("check", "--store", url).output
    finally:
        pg_cluster.sql(f"DROP OWNED BY {role}", pg_url)
        pg_cluster.sql(f"DROP ROLE {role}")


def test_desks_work_a_crisis_and_managers_run_it(guide_roles: dict[str, str], tmp_path: Path) -> None:
    desk, manager = guide_roles["desk_lobby"], guide_roles["mgr_lena"]
    customers = tmp_path / "list.csv"
    customers.write_text(
        "name,phone\nHannah Ruiz,+1 415 555 0199\nKai Nakamura,+1 303 555 0101\nAna Souza,+1 212 555 0100\n"
    )
    denied = cli("crisis", "open", "--title", "Aurora", "--customers", str(customers), "--store", desk)
    assert (
        denied.exit_code == 1 and "may not open a crisis" in denied.stderr and "recover_manager role" in denied.stderr
    )
    opened = cli("crisis", "open", "--title", "Aurora", "--customers", str(customers), "--store", manager)
    assert opened.exit_code == 0, opened.output
    crisis_id = opened.stdout.strip()
    reached = ROOT / "playbooks" / "examples" / "crisis-outreach.answers.yaml"
    called = cli("crisis", "call", crisis_id, "--answers", str(reached), "--store", desk)
    assert called.exit_code == 0 and called.stdout.startswith("RC-"), called.output
    voicemail = ROOT / "playbooks" / "examples" / "crisis" / "voicemail.answers.yaml"
    assert cli("crisis", "call", "--answers", str(voicemail), "--store", desk).exit_code == 0
    assert cli("crisis", "supplier", crisis_id, "--note", "Maria at Blue Line", "--store", desk).exit_code == 0
    named = cli("crisis", "supplier", crisis_id, "--note", "Blue Line rebooked Kai Nakamura", "--store", desk)
    assert named.exit_code == 0, named.output
    assert json.loads(cli("crisis", "board", crisis_id, "--format", "json", "--store", desk).stdout)["attempts"] == 2
    saved = cli("start", "other", "--answers", str(EXAMPLE), "--store", desk)  # the repeat lookup reads the attempts
    assert saved.exit_code == 0, saved.output
    more = tmp_path / "more.csv"
    more.write_text("name,phone\nBo Li,+1 212 555 0101\n")
    assert (
        "may not add customers to a crisis"
        in cli("crisis", "add", crisis_id, "--customers", str(more), "--store", desk).stderr
    )
    assert cli("crisis", "add", crisis_id, "--customers", str(more), "--store", manager).exit_code == 0
    message = tmp_path / "update.txt"
    message.write_text("Dear {customer.first_name}, an update on {crisis.title} from {staff.name}.\n")
    bulk = cli("crisis", "update", crisis_id, "--message", str(message), "--store", desk)
    assert bulk.exit_code == 1 and "may not prepare a bulk update" in bulk.stderr and bulk.stdout == ""
    merged = cli("crisis", "update", crisis_id, "--message", str(message), "--store", manager)
    assert merged.exit_code == 0 and "Dear Hannah, an update on Aurora from Lee Park." in merged.stdout
    assert (
        "may not close a crisis"
        in cli("crisis", "close", crisis_id, "--reason", "x", "--give-up", "--store", desk).stderr
    )
    assert cli("crisis", "close", crisis_id, "--reason", "refunds paid", "--give-up", "--store", manager).exit_code == 0
    forgot = cli("forget", "--customer", "+1 303 555 0101", "--yes", "--store", manager)
    assert forgot.exit_code == 0, forgot.output
    board = cli("crisis", "board", crisis_id, "--format", "json", "--store", manager).stdout
    assert "Kai" not in board and "Nakamura" not in board and "Blue Line rebooked [erased]" in board
