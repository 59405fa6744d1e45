"""`playbook new` as the core does it (playbooks.scaffold.scaffold): the file, its version, the schema beside it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from recoverycli.errors import NotFoundError, RecoverError, UsageError
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.playbooks.lint import lint
from recoverycli.playbooks.scaffold import SCHEMA_FILE, next_version, scaffold, schema_of
from recoverycli.playbooks.schema import Playbook


def test_a_new_playbook_starts_at_version_1_and_passes_lint(tmp_path: Path) -> None:
    made = scaffold("late-checkin", "four-step", tmp_path)
    assert made.playbook == tmp_path / "late-checkin.yaml" and made.schema == tmp_path / SCHEMA_FILE
    book = Library([bundled_dir(), tmp_path]).get("late-checkin")
    assert book.version == 1 and book.title == "Late checkin"
    checked, problems = lint([made.playbook])
    assert checked == [str(made.playbook)] and [p for p in problems if p.level == "error"] == []
    assert json.loads(made.schema.read_text()) == schema_of(Playbook)


def test_a_copy_of_a_bundled_playbook_starts_one_version_above_it(tmp_path: Path) -> None:
    bundled = Library([bundled_dir()]).get("room-failure").version
    assert next_version("room-failure") == bundled + 1 and next_version("late-checkin") == 1
    scaffold("room-failure", "four-step", tmp_path)
    assert Library([bundled_dir(), tmp_path]).get("room-failure").version == bundled + 1


def test_the_parent_may_sit_in_the_same_folder(tmp_path: Path) -> None:
    scaffold("late-checkin", "four-step", tmp_path)
    made = scaffold("late-checkin-vip", "late-checkin", tmp_path)
    assert "extends: late-checkin" in made.playbook.read_text()
    with pytest.raises(NotFoundError):
        scaffold("orphan", "no-such-parent", tmp_path)


def test_an_existing_playbook_is_never_replaced_and_a_bad_id_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "late-checkin.yaml").write_text("# the trainer's own work\n")
    with pytest.raises(RecoverError, match="late-checkin.yaml already exists — choose another id"):
        scaffold("late-checkin", "four-step", tmp_path)
    assert (tmp_path / "late-checkin.yaml").read_text() == "# the trainer's own work\n"
    with pytest.raises(UsageError, match="'Bad Id' is not a playbook id"):
        scaffold("Bad Id", "four-step", tmp_path)
    with pytest.raises(UsageError):
        scaffold("late-checkin\n", "four-step", tmp_path)


def test_shared_team_files_follow_the_umask_and_a_schema_link_is_left_alone(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / SCHEMA_FILE).symlink_to(elsewhere)
    old = os.umask(0o022)
    try:
        made = scaffold("late-checkin", "four-step", folder)
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.playbook.stat().st_mode) == 0o644
    assert made.schema is None and elsewhere.read_text() == "{}"
