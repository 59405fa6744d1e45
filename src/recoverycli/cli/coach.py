"""The apology and reply coach, outside a call: check a draft, test the rules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from recoverycli.cli.common import (
    PlaybooksOpt,
    StoreOpt,
    echo,
    fail,
    guarded,
    make_console,
    print_json,
    store_at,
)
from recoverycli.cli.formats import Format
from recoverycli.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from recoverycli.coach import Compiled

app = typer.Typer(
    help="Check what you say or send, and test the coaching rules.", no_args_is_help=True, rich_markup_mode=None
)


def _model(rules_file: Path | None, rules_only: bool) -> Any:
    """The trained second opinion goes with the usual rules; a rules file alone, or --rules-only, is scored without
    it."""
    from recoverycli import coach

    return None if rules_file is not None or rules_only else coach.second_opinion()


def _rules(rules_file: Path | None, playbooks: list[Path] | None) -> list[Compiled]:
    from recoverycli import coach
    from recoverycli.playbooks.library import search_dirs

    if rules_file is not None:
        return coach.compile_rules(coach.load_rules(rules_file))
    return coach.rules_for(search_dirs(playbooks))


MAX_DRAFT = 64 * 1024


@guarded
def check(
    text: Annotated[
        str | None, typer.Argument(help="The sentence or reply to check (or use --file).", show_default=False)
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="An e-mail or reply draft to check (- reads standard input).", show_default=False),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="The customer's name, to catch another customer's name.", show_default=False),
    ] = None,
    case_id: Annotated[
        str | None,
        typer.Option(
            "--case", help="Take the customer and the promised follow-up date from this case.", show_default=False
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", help="table: one line a flag; json for scripts.")
    ] = Format.table,
    rules_file: Annotated[
        Path | None,
        typer.Option("--rules", help="A coach.yaml to use instead of the usual rules.", show_default=False),
    ] = None,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Leave out the trained second opinion: the rules alone.")
    ] = False,
    store: StoreOpt = None,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Flag excuses, blame, deflection, vague promises, wrong names and unfilled placeholders; exit 1 if any."""
    from datetime import date

    from recoverycli import coach

    if (text is None) == (file is None):
        raise UsageError("give the text to check, or --file FILE (not both)")
    if file is not None:
        from recoverycli.files import read_limited

        try:  # never a FIFO or /dev/zero read forever; `-` is a draft piped in, read as far as the same limit
            raw = sys.stdin.buffer.read((1 << 20) + 1) if str(file) == "-" else read_limited(file, 1 << 20, "draft")
            if len(raw) > 1 << 20:
                fail("-: the draft piped in is over 1 MB — check a reply, not a mailbox")
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            fail(f"{file}: cannot read it (not UTF-8 text) — save it as UTF-8")
    else:
        body = text or ""
    if not body.strip():
        raise UsageError("nothing to check: the reply is empty — give the words you are about to send")
    if len(body) > MAX_DRAFT:  # the rules read every hit's sentence: a whole mailbox would take minutes
        fail(
            f"{file or 'the text'}: {len(body):,} characters, over {MAX_DRAFT:,} — check the reply you are writing,"
            " not the thread it quotes"
        )
    follow_up = None
    if case_id is not None:
        case = store_at(store, create=False).get(case_id)
        customer = customer or case.customer.name
        if case.answers.get("follow_up_date"):
            follow_up = date.fromisoformat(case.answers["follow_up_date"])
    ctx = coach.Context(customer_name=customer, follow_up_date=follow_up, today=date.today())
    flags = coach.check(body, _rules(rules_file, playbooks), ctx, _model(rules_file, rules_only))
    if format is Format.json:
        print_json(
            [
                {**f.as_dict(), "line": coach.position(body, f.start)[0], "col": coach.position(body, f.start)[1]}
                for f in flags
            ]
        )
    else:
        prefix = f"{file}:" if file else ""
        for f in flags:
            line, col = coach.position(body, f.start)
            _, end = coach.position(body, f.end)
            echo(f"{prefix}{line}:{col}-{end}: {f.level}: {f.rule}: “{f.match}” — {f.reason} Try: {f.suggestion}")
        echo(f"{len(flags)} flag(s)" if flags else "no flags: sounds sincere", err=True)
    if flags:
        raise typer.Exit(ExitCode.ERROR)


@guarded
def test(
    rules_arg: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]",
            help="A coach.yaml to score instead of the usual rules (same as --rules).",
            show_default=False,
        ),
    ] = None,
    rules_file: Annotated[
        Path | None,
        typer.Option("--rules", help="A trainer's coach.yaml to score instead of the usual rules.", show_default=False),
    ] = None,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--corpus",
            help=(
                "A labelled corpus file to score on; repeatable (default: the bundled development and held-out halves)."
            ),
            show_default=False,
        ),
    ] = None,
    mistakes: Annotated[
        bool, typer.Option("--mistakes", help="List every reply the coach got wrong, with file:line.")
    ] = False,
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Leave out the trained second opinion: the rules alone.")
    ] = False,
    playbooks: PlaybooksOpt = None,
) -> None:
    """Score the coach: each rule on its own examples, then precision, recall, false flags and false blocks
    on each labelled corpus, per move. Exit 1 if a rule fails one of its own examples."""
    from recoverycli.coach.corpus import score_coach

    if rules_arg is not None and rules_file is not None:
        raise UsageError("give the rules file once: as the argument or as --rules")
    result = score_coach(
        _rules(rules_arg or rules_file, playbooks), _model(rules_arg or rules_file, rules_only), corpus
    )
    scores, misses, files, cards, totals = result.rules, result.failures, result.corpora, result.cards, result.totals
    if format is Format.json:
        print_json(
            {
                "rules": [
                    {
                        "rule": s.rule,
                        "precision": round(s.precision, 3),
                        "recall": round(s.recall, 3),
                        "caught": s.flagged,
                        "missed": s.missed,
                        "wrongly_flagged": s.wrongly,
                        "passed": s.passed,
                    }
                    for s in scores
                ],
                "failures": [{"rule": r, "example": ex, "problem": p} for r, ex, p in misses],
                "corpus": [c.as_dict(with_mistakes=mistakes) for c in cards],
                "halves": [c.as_dict(with_mistakes=False) for c in totals],
            }
        )
    else:
        from rich.table import Table

        from recoverycli.ui.coach import coach_scorecards

        table = Table(
            show_header=True, header_style="bold", title="Each rule on its own examples", title_justify="left"
        )
        for col in ("Rule", "Caught", "Missed", "Wrongly flagged", "Precision", "Recall"):
            table.add_column(col, justify="left" if col == "Rule" else "right", no_wrap=col == "Rule")
        for s in scores:
            table.add_row(
                s.rule, str(s.flagged), str(s.missed), str(s.wrongly), f"{s.precision:.0%}", f"{s.recall:.0%}"
            )
        console = make_console()
        console.print(table)
        for rule, ex, problem in misses:
            sys.stdout.write(f"{rule}: {problem}: {ex}\n")
        if not files:
            echo("no labelled corpus found: give one with --corpus FILE (docs/coach.md gives the format)", err=True)
        for renderable in coach_scorecards(cards, totals):
            console.print(renderable)
        if mistakes:
            from recoverycli.ui.coach import mistakes_lines

            for card in cards:
                sys.stdout.write("".join(line + "\n" for line in mistakes_lines(card)))
    if misses:
        raise typer.Exit(ExitCode.ERROR)
