"""A PostgreSQL password full of URL punctuation never appears: not in any command's output, not in any file written."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.store import open_store
from recoverycli.store.pgurl import redact
from tests.helpers import make_case
from tests.hostile import ANSWERS

runner = CliRunner()
PASSWORD = "Zq7#?/Kp4@:&=% Wv9;\\x"
PIECES = ("Zq7", "Kp4", "Wv9", quote(PASSWORD, safe=""), PASSWORD)


def leaks(text: str) -> list[str]:
    return [p for p in PIECES if p in text]


@pytest.fixture
def secret_url(pg_cluster, pg_url: str):
    """The test database, reached as a role that must give PASSWORD (scram), in a URL that percent-encodes it."""
    role = f"desk_pw_{uuid.uuid4().hex[:6]}"
    pg_cluster.sql(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
    if not pg_cluster.require_password(role):
        pg_cluster.sql(f"DROP ROLE {role}")
        pytest.skip("a reused server's authentication is not ours to change")
    host, port, db = re.match(r"postgresql://[^@]+@([^:/]+):(\d+)/(.+)$", pg_url).groups()
    yield {
        "user-part": f"postgresql://{role}:{quote(PASSWORD, safe='')}@{host}:{port}/{db}",
        "parameter": f"postgresql://{role}@{host}:{port}/{db}?password={quote(PASSWORD, safe='')}&sslmode=disable",
        "raw #?": f"postgresql://{role}:Zq7#?Kp4Wv9@{host}:{port}/{db}",
        "raw @ and /": f"postgresql://{role}:{PASSWORD}@{host}:{port}/{db}",
        "wrong port": f"postgresql://{role}:{quote(PASSWORD, safe='')}@{host}:1/{db}",
    }
    pg_cluster.drop_database(pg_url)
    pg_cluster.sql(f"DROP ROLE {role}")


def test_every_command_and_every_file_keeps_the_password_out(
    secret_url: dict[str, str], isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recoverycli.store.postgres import PgStore

    url = secret_url["user-part"]
    outputs: list[str] = []

    def cli(*args: str, store: str = url, code: int | None = 0) -> str:
        result = runner.invoke(app, [*args, "--store", store], env={"RECOVER_STAFF": "Lee Park"})
        text = result.stdout + result.stderr
        outputs.append(f"$ recover {' '.join(args)}\n{text}")
        if code is not None:
            assert result.exit_code == code, text
        return result.stdout

    cli("store", "migrate")
    case_id = cli("start", "other", "--answers", str(ANSWERS)).strip()
    desk = tmp_path / "desk.db"
    open_store(desk).add(make_case())
    monkeypatch.setattr(PgStore, "wait_for_change", lambda self, timeout: (_ for _ in ()).throw(KeyboardInterrupt))
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ["list"],
        ["list", "--format", "json"],
        ["list", "--format", "csv"],
        ["show", case_id],
        ["show", case_id, "--format", "json"],
        ["export"],
        ["export", "-o", str(out / "cases.csv")],
        ["report"],
        ["report", "--format", "html", "-o", str(out / "report.html")],
        ["followups", "--upcoming", "9"],
        ["followups", "--ics", str(out / "due.ics"), "--upcoming", "9"],
        ["note", case_id, "called back"],
        ["followup", case_id, "--done"],
        ["system-fix", case_id, "--owner", "Ben"],
        ["close", case_id, "--resolution", "ok"],
        ["reopen", case_id],
        ["check"],
        ["check", "--format", "json"],
        ["watch"],
        ["coach", "check", "sorry", "--case", case_id],
        ["forget", "--customer", "Jo Okafor", "--yes"],
    ):
        cli(*args)
    cli("backup", str(out / "copy.db"), code=1)  # points at pg_dump
    outputs.append(runner.invoke(app, ["store", "copy", "--from", str(desk), "--to", url]).output)
    for shape in ("parameter", "raw #?"):  # libpq takes '#' and '?' in a password as they are
        cli("list", store=secret_url[shape], code=None)
    for shape in ("raw @ and /", "wrong port"):
        for args in (
            ["list"],
            ["check"],
            ["watch"],
            ["start", "other", "--answers", str(ANSWERS)],
            ["store", "migrate"],
        ):
            cli(*args, store=secret_url[shape], code=1)

    from recoverycli.call.live import rescue
    from recoverycli.call.wizard import Call
    from recoverycli.playbooks.library import Library, bundled_dir

    rescued, _ = rescue(
        Call(playbook=Library([bundled_dir()]).get("other"), staff="Lee", today=date.today()),
        PgStore(url).label,
        "the connection to PostgreSQL failed",
    )
    assert rescued is not None and rescued.read_text().startswith("# Not saved to postgresql://")

    def crash(self):
        raise RuntimeError(f"boom {self.url}")

    monkeypatch.setattr(PgStore, "check", crash)
    assert "unexpected error (RuntimeError)" in cli("check", code=1) + outputs[-1]
    assert all(not leaks(o) for o in outputs), [o for o in outputs if leaks(o)]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "recover.log" for p in written) and any(p.suffix == ".yaml" for p in written)
    assert [p for p in written if leaks(p.read_bytes().decode("utf-8", "replace"))] == []
    assert "***" in "".join(outputs)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://desk:p%23%3F%2F%40x@db.example.org/recover", "postgresql://desk:***@db.example.org/recover"),
        (
            "postgresql://desk:p#?x@db.example.org:5433/recover?sslmode=require",
            "postgresql://desk:***@db.example.org:5433/recover?sslmode=require",
        ),
        ("postgresql://desk:pa/ss@db.example.org/recover", "postgresql://…"),
        ("postgresql://desk:p@ss@db.example.org/recover", "postgresql://…"),
        (
            "postgresql://db/recover?user=desk&password=a%26b&sslpassword=key",
            "postgresql://db/recover?user=desk&password=***&sslpassword=***",
        ),
        ("postgresql://h?password=a@b", "postgresql://…"),
    ],
)
def test_urls_are_shown_as_libpq_reads_them_without_any_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_an_unreadable_url_is_refused_before_connecting(pg_url: str) -> None:
    result = runner.invoke(app, ["list", "--store", "postgresql://desk:pa/ss@db.example.org/recover"])
    assert result.exit_code == 1
    assert result.stderr == (
        "postgresql://…: this URL cannot be read as PostgreSQL reads it (an '@' after the user part) — "
        "percent-encode '@' as %40 and '/' as %2F in the password, or keep the password in ~/.pgpass "
        "(docs/shared-store.md)\n"
    )
