"""The tree is the architecture: arrows only point down, and each outside library stays in its own layer.

Every module's imports are read with ast, including the lazy ones inside functions, so a heavy import moved
into a function to keep `recover --help` fast still counts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "recoverycli"

# Top to bottom: a module may import its own package, anything in a lower layer, and a peer in its own layer as
# long as the peers do not import each other in a circle.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__main__", "cli"}),
    frozenset({"ui"}),
    frozenset({"call"}),
    frozenset({"caselog", "playbooks", "coach", "notify"}),
    frozenset({"store"}),
    frozenset({"config", "dates", "errors", "files", "identity", "safety", "startup"}),
)
# Data definitions: importable from every layer below cli; they themselves import only each other and the leaves.
DATA = frozenset(
    {
        "recoverycli.caselog.record",
        "recoverycli.caselog.filters",
        "recoverycli.playbooks.schema",
        "recoverycli.playbooks.tips",
    }
)
# Upward arrows that exist today, each with where it should go. The lead shrinks this list; nothing may join it.
EXEMPT: frozenset[tuple[str, str]] = frozenset()
# Outside libraries and the packages (or modules) allowed to import them.
OWNERS: dict[str, tuple[str, ...]] = {
    "typer": ("cli",),
    "click": ("cli",),
    "sqlite3": ("store",),
    "psycopg": ("store",),
    "psycopg_pool": ("store",),
    "textual": ("ui",),
    "questionary": ("ui",),
    "prompt_toolkit": ("ui",),
    # the command layer prints tables and progress with rich; safety escapes rich markup in data
    "rich": ("ui", "cli", "safety"),
}
RICH_IN_SAFETY = ("rich.markup",)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a name imported from a package counts as its submodule)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Import]:
    """Every import in a file that runs, at any depth, with relative imports resolved."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[Import] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    # `if TYPE_CHECKING:` imports never run: a type named in an annotation is not an arrow between layers
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*target.split("."))).with_suffix(".py").exists() or (
                    PACKAGE.parent / Path(*target.split(".")) / "__init__.py"
                ).exists()
                found.append(Import(name, target if is_module else base, node.lineno))
    return found


def all_imports() -> list[Import]:
    return [i for path in sorted(PACKAGE.rglob("*.py")) for i in imports_of(path)]


def part(module: str) -> str:
    """The top-level package or leaf module under recoverycli: 'recoverycli.caselog.report' -> 'caselog'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    top = part(module)
    for depth, members in enumerate(LAYERS):
        if top in members:
            return depth
    raise AssertionError(f"{module}: in no layer — add its package to LAYERS in {__file__}")


def own(i: Import) -> list[Import]:
    return [i] if i.target.startswith("recoverycli.") and part(i.module) else []


def where(i: Import) -> str:
    return f"{i.module} (line {i.line}) imports {i.target}"


def test_every_package_sits_in_a_layer() -> None:
    for path in PACKAGE.iterdir():
        if path.name.startswith(("_", ".")) and path.name != "__main__.py":
            continue
        if path.suffix == ".py" or (path / "__init__.py").exists():
            layer(f"recoverycli.{path.stem}")


def test_imports_only_point_down_the_layers() -> None:
    upward = []
    for i in [x for imp in all_imports() for x in own(imp)]:
        if i.target in DATA or part(i.module) == part(i.target) or (i.module, i.target) in EXEMPT:
            continue
        if layer(i.target) < layer(i.module):
            upward.append(where(i))
    assert not upward, "imports pointing up (cli → ui → call → caselog/playbooks/coach/notify → store → leaves):\n" + (
        "\n".join(upward)
    )


def test_the_exemptions_still_exist() -> None:
    """An exemption whose import is gone is dropped from the list, so the list only shrinks."""
    seen = {(i.module, i.target) for i in all_imports()}
    assert not EXEMPT - seen, f"no longer imported, remove from EXEMPT: {sorted(EXEMPT - seen)}"


def test_peers_in_a_layer_do_not_import_each_other_in_a_circle() -> None:
    """coach may read YAML through playbooks.source while playbooks.lint asks the coach: no module comes back round."""
    arrows: dict[str, set[str]] = {}
    for i in [x for imp in all_imports() for x in own(imp)]:
        if i.module != i.target and i.target not in DATA and (i.module, i.target) not in EXEMPT:
            arrows.setdefault(i.module, set()).add(i.target)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for n in arrows.get(todo.pop(), ()):
                if n == goal:
                    return True
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False

    circles = sorted(
        f"{a} → {b} → … → {a}"
        for a, bs in arrows.items()
        for b in bs
        if part(a) != part(b) and layer(a) == layer(b) and reaches(b, a)
    )
    assert not circles, "peers importing each other in a circle:\n" + "\n".join(circles)


def test_data_definitions_import_only_data_and_leaves() -> None:
    leaves = LAYERS[-1]
    wrong = [
        where(i)
        for imp in all_imports()
        if imp.module in DATA
        for i in own(imp)
        if i.target not in DATA and part(i.target) not in leaves
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_outside_library_is_imported_only_by_its_layer(library: str) -> None:
    allowed = OWNERS[library]
    wrong = []
    for i in all_imports():
        if i.target != library and not i.target.startswith(library + "."):
            continue
        top = part(i.module)
        if top not in allowed or (top == "safety" and not i.target.startswith(RICH_IN_SAFETY)):
            wrong.append(where(i))
    assert not wrong, f"{library} belongs to {', '.join(allowed)}:\n" + "\n".join(wrong)


def test_the_rules_catch_typer_in_the_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: a copy of the tree with `import typer` in caselog/report.py breaks two rules."""
    import shutil

    copy = tmp_path / "recoverycli"
    shutil.copytree(PACKAGE, copy)
    report = copy / "caselog" / "report.py"
    report.write_text(report.read_text(encoding="utf-8") + "\n\ndef _late() -> None:\n    import typer\n")
    monkeypatch.setitem(globals(), "PACKAGE", copy)
    with pytest.raises(AssertionError, match=r"recoverycli\.caselog\.report \(line \d+\) imports typer"):
        test_each_outside_library_is_imported_only_by_its_layer("typer")
    (copy / "caselog" / "report.py").write_text(
        report.read_text(encoding="utf-8") + "\n\ndef _up() -> None:\n    from recoverycli.ui import panels\n"
    )
    with pytest.raises(AssertionError, match=r"recoverycli\.caselog\.report \(line \d+\) imports recoverycli\.ui"):
        test_imports_only_point_down_the_layers()


def test_no_test_module_imports_another_test_module() -> None:
    """Shared helpers live in tests/helpers.py (and tests/e2e/term.py, tests/hostile/__init__.py for their
    packages), fixtures in conftest.py: importing a test module runs its tests' module code twice and ties the two."""
    tests = Path(__file__).resolve().parent
    wrong = []
    for path in sorted(tests.rglob("*.py")):
        package = ["tests", *path.parent.relative_to(tests).parts]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            last = [n.rpartition(".")[2] for n in names if n.startswith("tests.") or n == "tests"]
            if any(n.startswith("test_") or n == "conftest" for n in last):
                wrong.append(f"{path.relative_to(tests.parent)}:{node.lineno}")
    assert not wrong, "test modules importing test modules or conftest (use tests/helpers.py):\n" + "\n".join(wrong)
