from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from recoverycli.errors import NotFoundError, PlaybookError
from recoverycli.playbooks.library import Library, bundled_dir, search_dirs
from recoverycli.playbooks.schema import BASE_PROMPTS
from recoverycli.playbooks.tips import TIPS

BROKEN = Path(__file__).parent / "broken_playbooks"
INCIDENTS = ["room-failure", "wrong-booking", "theft-or-loss", "trip-disruption", "flight-disruption", "other"]


@pytest.fixture
def library() -> Library:
    return Library([bundled_dir()])


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_set_has_the_base_and_every_incident(library: Library) -> None:
    assert sorted(library.ids()) == sorted(["four-step", "crisis-outreach", *INCIDENTS])
    assert [pb.id for pb in library.catalogue()][-1] == "other"
    assert "four-step" not in [pb.id for pb in library.catalogue()]
    assert "crisis-outreach" not in [pb.id for pb in library.catalogue()]  # the crisis queue calls it, not the picker


@pytest.mark.parametrize("playbook_id", ["four-step", *INCIDENTS])
def test_every_bundled_playbook_asks_the_base_prompts(library: Library, playbook_id: str) -> None:
    pb = library.get(playbook_id)
    ids = [p.id for p in pb.prompts()]
    assert set(BASE_PROMPTS) <= set(ids)
    assert [s.id for s in pb.steps] == ["apologise", "review", "fix", "document"]
    assert pb.prompt("customer_words").type == "multiline" and pb.prompt("customer_words").required
    assert pb.prompt("desired_outcome").required
    assert pb.prompt("gesture").choices_from == "gestures" and pb.gestures
    assert pb.prompt("follow_up_date").type == "date"
    assert not pb.prompt("apology").required and not pb.prompt("root_cause").required
    assert all(s.title and s.guidance for s in pb.steps)
    assert any(g.consumable for g in pb.gestures)


def test_every_domain_tag_is_used_somewhere(library: Library) -> None:
    used = {t for pid in library.ids() for s in library.get(pid).steps for t in s.tips}
    # the 'why it matters' background is for trainers, not a step
    assert set(TIPS) - used <= {"kaufman-inevitable", "trust-gain", "kuzmeski-second-complaint"}


def test_kuzmeski_tips_sit_at_the_step_where_they_matter(library: Library) -> None:
    base = {s.id: s.tips for s in library.get("four-step").steps}
    assert "kuzmeski-verify" in base["fix"] and "kuzmeski-specific" in base["fix"]
    assert "kuzmeski-individual" in base["review"]
    assert "kuzmeski-culture" in base["document"]
    assert "kuzmeski-no-second-chance" in base["apologise"]


def test_incident_adds_prompts_and_gestures_on_top_of_the_base(library: Library) -> None:
    room = library.get("room-failure")
    base = library.get("four-step")
    review = next(s for s in room.steps if s.id == "review")
    assert [p.id for p in review.prompts] == ["customer_words", "desired_outcome", "room_number", "what_failed"]
    assert {g.id for g in base.gestures} < {g.id for g in room.gestures}
    assert "hair" not in (review.guidance or "")  # incident guidance replaced the base text
    assert review.guidance != next(s for s in base.steps if s.id == "review").guidance


def test_incident_playbooks_ask_nothing_twice(library: Library) -> None:
    """What they need and by when is the outcome; who was sent and when is the commitment: one question each."""
    room = library.get("room-failure")
    labels = {p.id: p.label for p in room.prompts()}
    assert labels["desired_outcome"] == "What do they need, and by when?"
    assert "needed_by" not in labels and "technician" not in labels
    assert room.prompt("commitment").verify and room.prompt("commitment").coach == "strict"
    assert room.prompt("what_failed").choices == ["power", "water", "heating or cooling", "noise"]
    booking, theft = library.get("wrong-booking"), library.get("theft-or-loss")
    assert "need_now" not in {p.id for p in booking.prompts()}
    assert {"noticed_at", "replacement"}.isdisjoint(p.id for p in theft.prompts())
    assert theft.prompt("incident_at").label.startswith("When did they notice")
    for pb in library.catalogue():  # no step title carries its own number: the screen numbers steps once
        assert not any(s.title and s.title[0].isdigit() for s in pb.steps), pb.id


def test_segment_guidance_only_for_that_segment(library: Library) -> None:
    review = next(s for s in library.get("other").steps if s.id == "review")
    family = review.guidance_for("family")
    business = review.guidance_for("business")
    assert any("children" in g for g in family) and not any("children" in g for g in business)


def test_merge_inserts_steps_and_overrides_gestures(tmp_path: Path) -> None:
    write(
        tmp_path,
        "x.yaml",
        """
id: supplier-call
title: With a supplier step
extends: four-step
steps:
  - id: supplier
    title: Call the supplier
    after: review
    prompts:
      - {id: supplier_name, label: Supplier name}
  - id: intro
    title: Before anything
    before: apologise
gestures:
  - {id: meal, label: Dinner for two, consumable: true, cost: 90}
""",
    )
    pb = Library([bundled_dir(), tmp_path]).get("supplier-call")
    assert [s.id for s in pb.steps] == ["intro", "apologise", "review", "supplier", "fix", "document"]
    assert pb.gesture("meal").label == "Dinner for two"
    assert [g.id for g in pb.gestures].count("meal") == 1


def test_user_playbook_overrides_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "mine",
        "room.yaml",
        """
id: room-failure
title: Our own room playbook
version: 7
extends: four-step
""",
    )
    monkeypatch.setenv("RECOVER_PLAYBOOKS", str(tmp_path / "mine"))
    lib = Library(search_dirs())
    assert lib.get("room-failure").title == "Our own room playbook"
    assert lib.get("room-failure").version == 7
    assert "room-failure" in lib.overridden
    # --playbooks comes after the environment, so it wins
    write(tmp_path / "cli", "room.yaml", "id: room-failure\ntitle: From the flag\nextends: four-step\n")
    assert Library(search_dirs([tmp_path / "cli"])).get("room-failure").title == "From the flag"


def test_content_hash_changes_with_content(tmp_path: Path, library: Library) -> None:
    before = library.get("other").content_hash()
    write(
        tmp_path,
        "other.yaml",
        "id: other\ntitle: Something else went wrong\nextends: four-step\ndescription: changed\n",
    )
    after = Library([bundled_dir(), tmp_path]).get("other").content_hash()
    assert before != after and len(before) == 16
    assert Library([bundled_dir()]).get("other").content_hash() == before


def test_unknown_playbook_id_lists_the_ones_a_clerk_can_pick(library: Library) -> None:
    """The hidden base (four-step) and the crisis queue's own playbook are not offered (hostile pass 2, F13)."""
    with pytest.raises(NotFoundError) as refused:
        library.get("nope")
    assert str(refused.value) == (
        "no playbook 'nope' — choose one of: " + ", ".join(sorted(b.id for b in library.catalogue()))
    )
    assert "four-step" not in str(refused.value) and "flight-disruption, other" in str(refused.value)


EXPECTED = {
    "alias-bomb.yaml": (
        "alias-bomb.yaml:3:36: more than 20000 values through aliases — remove repeated anchors and aliases"
    ),
    "bad-insert.yaml": (
        "bad-insert.yaml:7:13: no step 'negotiate' to insert before — use one of: apologise, review, fix, document"
    ),
    "choice-without-choices.yaml": (
        "choice-without-choices.yaml:7:9: choice prompt 'channel' has nothing to choose — add `choices:` or "
        "`choices_from: gestures`"
    ),
    "cycle-a.yaml": (
        "cycle-b.yaml:3:10: 'extends' makes a loop (cycle-a -> cycle-b -> cycle-a) — extend 'four-step' instead"
    ),
    "duplicate-key.yaml": "duplicate-key.yaml:3:1: duplicate key 'title' (first on line 2) — keep only one",
    "duplicate-prompt.yaml": "duplicate-prompt.yaml:9:13: duplicate prompt id 'room' — give each prompt its own id",
    "duplicate-step.yaml": ("duplicate-step.yaml:7:9: duplicate step id 'extra' — give each step its own id"),
    "missing-id.yaml": "missing-id.yaml:1:1: missing 'id' — add `id:` here",
    "no-base.yaml": "no-base.yaml:1:5: playbook 'no-base' does not extend 'four-step' — add `extends: four-step`",
    "not-a-mapping.yaml": (
        "not-a-mapping.yaml:1:1: a playbook must be a mapping with id, title and steps — start with `id: my-playbook`"
    ),
    "python-tag.yaml": (
        "python-tag.yaml:3:14: unsupported tag '!!python/object/apply:os.system' — remove it; playbooks are plain YAML"
    ),
    "syntax.yaml": (
        "syntax.yaml:6:11: YAML syntax error: mapping values are not allowed here — check indentation, colons and "
        "quotes here"
    ),
    "unknown-key.yaml": (
        "unknown-key.yaml:6:5: unknown key 'guidence' — check the spelling; allowed here: id, title, guidance, say, "
        "avoid, tips, adapt, prompts, remove_tips, remove_say, before, after"
    ),
    "unknown-parent.yaml": (
        "unknown-parent.yaml:3:10: extends 'five-step', which no playbook has — use one of: crisis-outreach, "
        "flight-disruption, four-step, other, room-failure, theft-or-loss, trip-disruption, unknown-parent, "
        "wrong-booking"
    ),
    "unknown-tip.yaml": "unknown-tip.yaml:6:11: 'tips': unknown tip tag 'be-nice' — use a tag from docs/practices.md: "
    + ", ".join(sorted(TIPS)),
    "wrong-type.yaml": (
        "wrong-type.yaml:3:10: 'version': 'first' is not a whole number — write digits without quotes, e.g. "
        "`version: 2`"
    ),
}


def load_all(directory: Path) -> None:
    """Ask for every playbook in `directory` by its file name, as a clerk would; the bundled ones still load."""
    lib = Library([bundled_dir(), directory])
    try:
        for path in sorted(directory.glob("*.yaml")):
            lib.get(path.stem)
    finally:
        assert lib.get("other").id == "other"  # one broken file never stops the others


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_playbook_gives_exact_one_line_error(tmp_path: Path, name: str) -> None:
    shutil.copy(BROKEN / name, tmp_path / name)
    if name.startswith("cycle-"):
        shutil.copy(BROKEN / "cycle-b.yaml", tmp_path / "cycle-b.yaml")
    with pytest.raises(PlaybookError) as info:
        load_all(tmp_path)
    message = info.value.message.replace(f"{tmp_path}/", "")
    assert message == EXPECTED[name]
    assert "\n" not in message


def test_every_broken_file_has_an_expectation() -> None:
    names = {p.name for p in BROKEN.glob("*.yaml")} - {"cycle-b.yaml"}
    assert names == set(EXPECTED)


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    write(tmp_path, "huge.yaml", "id: huge\ndescription: " + "x" * 600_000 + "\n")
    with pytest.raises(PlaybookError, match=r"huge.yaml:1:1: file is 600023 bytes, over the 524288 limit — split it"):
        load_all(tmp_path)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "latin.yaml").write_bytes(b"id: latin\ntitle: caf\xe9\n")
    with pytest.raises(PlaybookError, match=r"latin.yaml:2:1: not UTF-8 text — save the file as UTF-8"):
        load_all(tmp_path)


def test_same_id_twice_in_one_directory(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: twin\ntitle: A\nextends: four-step\n")
    write(tmp_path, "b.yaml", "id: twin\ntitle: B\nextends: four-step\n")
    with pytest.raises(
        PlaybookError, match=r"b.yaml:1:5: playbook id 'twin' is also used by .*a.yaml — give each playbook its own id"
    ):
        Library([bundled_dir(), tmp_path]).get("twin")


def test_a_playbook_extending_the_base_is_offered_even_without_a_category(tmp_path: Path) -> None:
    write(tmp_path, "late.yaml", "id: late-checkin\ntitle: Room not ready at a late check-in\nextends: four-step\n")
    lib = Library([bundled_dir(), tmp_path])
    assert "late-checkin" in [pb.id for pb in lib.catalogue()] and lib.get("late-checkin").category == "general"
    assert "four-step" not in [pb.id for pb in lib.catalogue()]


def test_every_segment_is_offered_with_a_label_and_read_from_a_customer_list() -> None:
    """The segments are the schema's `Segment`: the call's choices and the crisis import follow it."""
    from recoverycli.call.wizard import CUSTOMER_PROMPTS
    from recoverycli.caselog.crisis_import import SEGMENT_WORDS
    from recoverycli.playbooks.schema import SEGMENT_LABELS, SEGMENTS

    assert list(SEGMENT_LABELS) == list(SEGMENTS) and set(SEGMENT_WORDS) == set(SEGMENTS)
    offered = next(p for p in CUSTOMER_PROMPTS if p.id == "customer.segment")
    assert [o.value for o in offered.choices] == list(SEGMENTS)


def test_a_second_complaint_is_an_emergency_by_one_rule() -> None:
    from recoverycli.caselog.record import severity_of

    assert [severity_of(n) for n in (1, 2, 3)] == ["normal", "emergency", "emergency"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # parses and passes the schema, but is no usable base
        (
            "id: four-step\ntitle: Hacked\nversion: 1\ncategory: base\ndescription: d\n",
            "four-step.yaml:1:1: playbook 'four-step' lacks base prompt(s)",
        ),
        # parses, fails the schema
        ("id: four-step\ntitle: Hacked\nsteps: 5\n", "four-step.yaml:3:8: 'steps'"),
    ],
)
def test_an_unusable_override_of_the_base_is_skipped_and_its_children_use_the_bundled_one(
    tmp_path: Path, store_path: Path, text: str, said: str
) -> None:
    """F2: one bad four-step.yaml on the path was 'skipped' yet still the parent of every bundled playbook, so every
    call was refused with errors blaming bundled files the trainer never touched."""
    from typer.testing import CliRunner

    from recoverycli.cli import app

    books = tmp_path / "override4"
    write(books, "four-step.yaml", text)
    answers = Path(__file__).parents[1] / "playbooks" / "examples" / "other.answers.yaml"
    result = CliRunner().invoke(app, ["start", "other", "--answers", str(answers), "--playbooks", str(books)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and f"{books}/{said}" in warnings[0], result.stderr
    lib = Library(search_dirs([books]))
    books_ok, problems = lib.usable()
    assert sorted(books_ok) == sorted(["crisis-outreach", *INCIDENTS])  # every bundled incident still loads
    assert [p.file for p in problems] == [str(books / "four-step.yaml")]
    with pytest.raises(PlaybookError, match="four-step.yaml"):  # the override itself is never used
        lib.get("four-step")


def test_a_large_plain_file_is_no_alias_bomb(tmp_path: Path) -> None:
    """Hostile pass 4: a corpus of 2,300 replies (no anchor, no alias) was refused as 'aliases expanding?'."""
    from recoverycli.playbooks.source import parse_yaml

    text = "replies:\n" + "".join(
        f"  - {{text: reply {i}, verdict: bad, move: excuse, field: reply}}\n" for i in range(6000)
    )
    assert len(parse_yaml(text, "big.yaml").data["replies"]) == 6000
