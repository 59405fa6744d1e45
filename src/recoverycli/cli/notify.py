"""Paging the duty manager: try the channels, send the day's digest, list what is set up (never a URL)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from recoverycli.cli.common import StoreOpt, echo, fail, guarded, print_json, store_at
from recoverycli.cli.formats import Format
from recoverycli.errors import ExitCode, UsageError

app = typer.Typer(
    help="Alerts through Apprise: emergencies, overdue promises, crises, a daily digest.", no_args_is_help=True
)

KIND_HELP = "emergency, overdue, crisis or digest; omit to try every channel once."


@guarded
def test(
    kind: Annotated[str | None, typer.Argument(metavar="[KIND]", help=KIND_HELP, show_default=False)] = None,
) -> None:
    """Send a test message to the channels for KIND, and say which got it."""
    from recoverycli import notify

    if kind is not None and kind not in notify.KINDS:
        raise UsageError(f"no kind '{kind}' — use one of {', '.join(notify.KINDS)}")
    settings = notify.load_settings()
    channels = settings.for_kind(kind) if kind else settings.channels
    if not channels:
        fail(f"no channel receives {kind or 'any'} notices — {_where()}")
    outcomes = notify.deliver(notify.test_message(k for c in channels for k in c.kinds), channels, settings.timeout)
    for o in outcomes:
        if o.ok:
            echo(f"{o.channel.label}: delivered", fg="green", err=True)
        else:
            echo(f"{o.channel.label}: not delivered ({o.reason})", fg="red", err=True)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(ExitCode.ERROR)


@guarded
def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the message instead of sending it.")] = False,
    store: StoreOpt = None,
) -> None:
    """Send the day's summary to the digest channels: follow-ups due today, overdue, emergencies (for cron)."""
    from datetime import date

    from recoverycli import notify

    settings = notify.load_settings()
    message = notify.digest_message(store_at(store, create=False), date.today(), settings.include_name)
    if dry_run:
        sys.stdout.write(f"{message.title}\n\n{message.body}\n")
        return
    channels = settings.for_kind("digest")
    if not channels:
        fail(f"no channel receives the digest — {_where()}")
    outcomes = notify.deliver(message, channels, settings.timeout)
    if not all(o.ok for o in outcomes):
        fail(f"digest not delivered ({notify.summary(outcomes)}) — run it again when the service answers")
    echo(f"digest sent to {', '.join(o.channel.label for o in outcomes)}", err=True)


@guarded
def list_channels(
    format: Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")] = Format.table,
) -> None:
    """Which channels receive which kinds, from where (URLs are never shown: their secrets stay in the config)."""
    from recoverycli import notify

    settings = notify.load_settings()
    rows: list[dict[str, Any]] = [
        {"channel": c.number, "label": c.label, "kinds": [k for k in notify.KINDS if k in c.kinds], "from": c.source}
        for c in settings.channels
    ]
    if format is Format.json:
        print_json(
            {
                "channels": rows,
                "include_name": settings.include_name,
                "timeout": settings.timeout,
                "retry": settings.retry,
                "crisis_pace": settings.crisis_pace,
            }
        )
        return
    if not rows:
        echo(f"No notification channels — {_where()}", err=True)
        return
    for r in rows:
        echo(f"{r['label']:<40} {', '.join(r['kinds']):<32} ({r['from']})")
    name = "yes" if settings.include_name else "no"
    echo(
        f"customer's name in messages: {name} · timeout {settings.timeout:g} s"
        + (f" · crisis pace {settings.crisis_pace:g}/h" if settings.crisis_pace else ""),
        err=True,
    )


def _where() -> str:
    from recoverycli.config import config_file

    return f"add a [notify] table to {config_file()} or set RECOVER_NOTIFY (docs/notifications.md)"
