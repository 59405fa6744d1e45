"""How `recover coach test` shows its figures: one table of halves, one of moves, the mistakes if asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from recoverycli.safety import CONTROL, safe_text

if TYPE_CHECKING:
    from recoverycli.coach.corpus import Scorecard, Tally


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _plain(text: str) -> str:
    return CONTROL.sub("", " ".join(text.split()))


def halves_table(cards: list[Scorecard], totals: list[Scorecard]) -> Table:
    title = "Bad replies caught; sincere ones flagged, or blocked in a strict prompt"
    table = Table(
        show_header=True,
        header_style="bold",
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    for col in ("corpus", "bad", "caught", "recall", "sincere", "flagged", "rate", "precision", "blocked"):
        table.add_column(col, justify="left" if col == "corpus" else "right", no_wrap=True)
    for c in [*cards, *totals]:
        t = c.overall
        table.add_row(
            Text(safe_text(c.name, markup=False), style="bold" if c in totals else ""),
            str(t.bad),
            str(t.caught),
            _pct(t.recall),
            str(t.sincere),
            str(t.false_flags),
            _pct(t.false_flag_rate),
            _pct(t.precision),
            Text(str(t.false_blocks), style="bold red" if t.false_blocks else ""),
        )
    return table


def moves_table(cards: list[Scorecard]) -> Table:
    table = Table(
        show_header=True,
        header_style="bold",
        title="Per move: bad replies caught; sincere ones flagged",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("move", no_wrap=True)
    for c in cards:
        table.add_column(Text(safe_text(c.name, markup=False)), justify="right", no_wrap=True)
    moves = list(dict.fromkeys(m for c in cards for m in c.by_move))

    def cell(t: Tally | None, move: str) -> str:
        if t is None:
            return "—"
        if move == "none":
            return f"{t.false_flags}/{t.sincere} flagged"
        return f"{t.caught}/{t.bad} {_pct(t.recall)}"

    for move in moves:
        table.add_row("sincere" if move == "none" else move, *(cell(c.by_move.get(move), move) for c in cards))
    table.add_row(
        "tricky", *(f"{c.tricky.caught}/{c.tricky.bad} · {c.tricky.false_flags}/{c.tricky.sincere}" for c in cards)
    )
    return table


def mistakes_lines(card: Scorecard) -> list[str]:
    """One line per reply the coach got wrong, like a linter's: file:line: what: the reply  <- rules."""
    out = []
    for o in card.mistakes:
        r = o.reply
        if r.verdict == "bad":
            what = f"missed {r.move}"
        else:
            what = "BLOCKED sincere" if o.blocked else "flagged sincere"
        rules = f"  <- {', '.join(sorted({f.rule for f in o.flags}))}" if o.flags else ""
        out.append(f"{r.where}: {what} ({r.field}): {_plain(r.text)[:200]}{rules}")
    return out


def coach_scorecards(cards: list[Scorecard], totals: list[Scorecard] | None = None) -> list[object]:
    """The halves table (each file, then each half's total), and the moves table (a column per half when a half
    spans several files, so it still fits 80 columns)."""
    totals = totals or []
    spanned = {c.path for t in totals for c in cards if c.path in t.path.split(", ")}
    columns = [*(c for c in cards if c.path not in spanned), *totals] if totals else cards
    return [halves_table(cards, totals), moves_table(columns)] if cards else []
