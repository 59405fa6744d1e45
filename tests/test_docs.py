"""The README a newcomer reads first stays short, its Quick start stays what CI runs, and no doc link is dead."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted([README, *(ROOT / "docs").glob("*.md")])
INSTALL_AND_CALL = "python3 -m venv .venv && . .venv/bin/activate && pip install . && recover start"
INSTALL_AND_TEST = "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && pytest"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} +(.+?) *$", text, re.M)}


def relative_links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def dead_links(docs: list[Path], root: Path) -> list[str]:
    dead = []
    for doc in docs:
        for target in relative_links(doc):
            file_part, _, anchor = target.partition("#")
            where = (doc.parent / file_part).resolve() if file_part else doc
            if not where.exists():
                dead.append(f"{doc.relative_to(root)}: {target} (no such file)")
            elif anchor and where.suffix == ".md" and anchor not in anchors(where):
                dead.append(f"{doc.relative_to(root)}: {target} (no such heading)")
    return dead


def test_readme_is_under_ten_kilobytes() -> None:
    assert len(README.read_bytes()) < 10_240


def test_quick_start_holds_the_two_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start") :]
    section = section[: section.index("\n## ", 3)]
    blocks = re.findall(r"^```sh\n(.*?)\n```$", section, re.S | re.M)
    assert blocks == [INSTALL_AND_CALL, INSTALL_AND_TEST]


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    assert len(relative_links(README)) > 10  # the checker reads the links at all
    assert dead_links(DOCS, ROOT) == []


def test_a_dead_link_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n[gone](missing.md) [here](#top) [not here](#nowhere)\n", encoding="utf-8")
    assert dead_links([page], tmp_path) == [
        "page.md: missing.md (no such file)",
        "page.md: #nowhere (no such heading)",
    ]


def test_the_architecture_page_names_every_module_of_the_tree() -> None:
    package = ROOT / "src" / "recoverycli"
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w/]+\.py)`", page))
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    assert sorted(modules - named) == [], "add a line for each new module to docs/architecture.md"
