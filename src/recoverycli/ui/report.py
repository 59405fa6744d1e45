"""The report for people: rich tables with inline bars in the terminal, and one self-contained HTML page.

Charts are hand-written: each bar row is HTML text (labels wrap and stay legible on a phone) beside a tiny inline SVG
bar (prints, unlike CSS backgrounds). No library, no network; the page is a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape as h
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoverycli.dates import spoken_days, spoken_duration
from recoverycli.safety import safe_text


@dataclass
class Chart:
    """One bar chart, the same for the terminal and the page; `alert` names the bars that must stand out."""

    id: str
    title: str
    data: list[tuple[str, float]]
    alert: set[str] = field(default_factory=set)


def week_label(w: dict[str, Any]) -> str:
    return f"{w['week']}, partial ({w['days']} of 7 days)" if w.get("partial") else w["week"]


def charts(r: dict[str, Any]) -> list[Chart]:
    """Every chart, labelled as a manager reads it: playbook titles, partial weeks marked, overdue promises flagged."""
    titles = r["cases"].get("playbook_titles", {})
    p = r["promises"]
    return [
        Chart(
            "cases-per-week",
            "Cases per week (weeks start on Monday)",
            [(week_label(w), w["count"]) for w in r["cases"]["per_week"]],
        ),
        Chart(
            "cases-by-playbook",
            "Cases by playbook",
            [(titles.get(k, k), v) for k, v in r["cases"]["by_playbook"].items()],
        ),
        Chart("cases-by-status", "Cases by status", list(r["cases"]["by_status"].items())),
        Chart("root-causes", "Most frequent root causes", [(c["cause"], c["count"]) for c in r["root_causes"]]),
        Chart(
            "promises",
            "Promises (follow-ups due)",
            [
                ("on time", p["on_time"]),
                ("late", p["late"]),
                ("still overdue", p["overdue"]),
                ("due today", p.get("due_today", 0)),
                ("closed without one", p.get("closed_undone", 0)),
            ],
            alert={"still overdue"} if p["overdue"] else set(),
        ),
        Chart("gestures", "Gestures given", [(g["label"], g["count"]) for g in r["gestures"]["by_gesture"]]),
        Chart("coaching", "Coach flags (training hints)", [(c["rule"], c["count"]) for c in r["coaching"]]),
    ]


def number(v: float) -> str:
    """A count as a manager reads it: 50,240 (never 5.024e+04); a fraction keeps one decimal."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100, 1):g} %"


def money(amount: float, currency: str | None) -> str:
    figure = f"{amount:,.2f}" if amount % 1 else f"{amount:,.0f}"
    return f"{figure} {currency}" if currency else f'{figure} (no currency set: add currency = "EUR" to the config)'


def _speed(s: dict[str, Any], minutes_per_unit: float) -> str:
    if not s["n"]:
        return "no cases yet"
    cases = "1 case" if s["n"] == 1 else f"{number(s['n'])} cases"
    return (
        f"median {spoken_duration(s['median'] * minutes_per_unit)}, "
        f"90th percentile {spoken_duration(s['p90'] * minutes_per_unit)} ({cases})"
    )


def summary_lines(r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(what, figure, stands out) for the head of the report."""
    s, rep, p, g = r["speed"], r["repeats"], r["promises"], r["gestures"]
    late = f" (median {spoken_days(p['median_days_late'])} late)" if p["median_days_late"] is not None else ""
    lines = [
        ("Cases", number(r["cases"]["total"]), False),
        (
            "Repeat complaints",
            f"{number(rep['cases'])} ({percent(rep['share'])}) from {number(rep['customer_count'])} customer(s)",
            False,
        ),
        (
            "Follow-ups due",
            f"{number(p['due'])}: {number(p['on_time'])} on time, {number(p['late'])} late{late}, "
            f"{number(p['overdue'])} still overdue, {number(p.get('due_today', 0))} due today"
            + (f", {number(p['closed_undone'])} closed without one" if p.get("closed_undone") else ""),
            False,
        ),
    ]
    if p["overdue"]:
        lines.append(
            (
                "Overdue promises",
                f"{number(p['overdue'])} follow-up(s) past their date and not done — recover followups lists them",
                True,
            )
        )
    lines += [
        ("Incident → contact", _speed(s["incident_to_contact_minutes"], 1), False),
        ("Contact → close", _speed(s["contact_to_close_hours"], 60), False),
        (
            "Gestures",
            f"{number(g['total'])}, {percent(g['consumable_share'])} consumable, rough cost "
            f"{money(g['rough_cost'], g.get('currency'))}"
            + (f" ({number(g['unpriced'])} without a price)" if g["unpriced"] else ""),
            False,
        ),
    ]
    partial = [w for w in r["cases"]["per_week"] if w.get("partial")]
    if partial:
        lines.append(
            ("Partial weeks", ", ".join(week_label(w) for w in partial) + " — compare whole weeks only", False)
        )
    if rep["customers"]:
        lines.append(("Repeat customers", ", ".join(rep["customers"]), False))
    return lines


def terminal(r: dict[str, Any], width: int = 80) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    for k, shown, alert in summary_lines(r):
        head.add_row(
            Text(k, style="bold red" if alert else "bold"),
            Text(safe_text(shown, markup=False), style="bold red" if alert else ""),
        )
    period = r["period"]
    parts: list[RenderableType] = [
        Panel(head, title=f"Report {period['since']} → {period['until']}", title_align="left")
    ]
    label_width = max(12, min(32, (width - 20) // 2))
    bar_width = max(10, min(30, width - label_width - 16))
    for chart in charts(r):
        if not chart.data:
            continue
        top = max(v for _, v in chart.data) or 1
        t = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        t.add_column(
            width=min(label_width, max(len(str(label)) for label, _ in chart.data)), overflow="fold"
        )  # wraps, never cut
        t.add_column(no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        for label, v in chart.data:
            alert = label in chart.alert
            style = "bold red" if alert else "cyan"
            t.add_row(
                Text(safe_text(label, markup=False), style="bold red" if alert else ""),
                Text("█" * max(1, round(v / top * bar_width)) if v else "", style=style),
                number(v),
            )
        parts.append(Panel(t, title=chart.title, title_align="left"))
    for c in r.get("crises", []):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for k, said in crisis_lines(c):
            grid.add_row(k, safe_text(said))
        parts.append(Panel(grid, title=safe_text(f"Crisis {c['id']}"), title_align="left"))
    return Group(*parts)


def crisis_lines(c: dict[str, Any]) -> list[tuple[str, str]]:
    """One crisis in the report: reach times, outcomes, gestures, the supplier's commitments."""
    reach = c["reached_within"]
    m = c["minutes_to_reach"]
    lines = [
        ("What", c["title"] + (f" · {c['supplier']}" if c["supplier"] else "")),
        (
            "When",
            f"opened {c['opened_at'][:16].replace('T', ' ')} UTC · "
            + (
                f"closed {c['closed_at'][:16].replace('T', ' ')}: {c['close_reason']}"
                if c["closed_at"]
                else "still open"
            ),
        ),
        (
            "Customers",
            f"{c['customers']}: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c["by_state"].items() if n),
        ),
        ("Reached", " · ".join(f"{v['count']} within {h}" for h, v in reach.items()) + "; " + _speed(m, 1)),
        (
            "Calls",
            f"{c['attempts']}: "
            + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c["outcomes"].items())
            + f"; {c['cases']} case(s)",
        ),
        ("Gestures", ", ".join(f"{g['label']} ×{g['count']}" for g in c["gestures"]["by_gesture"]) or "—"),
    ]
    for e in c["supplier_track"]:
        if e.get("commitment") or e.get("deal"):
            lines.append(
                (
                    "Supplier",
                    "; ".join(
                        filter(
                            None,
                            (
                                e.get("commitment"),
                                e.get("due") and f"by {e['due'][:16]}",
                                e.get("deal") and f"deal: {e['deal']}",
                            ),
                        )
                    ),
                )
            )
    return lines


CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; font-size: 16px; }
body { margin: 0 auto; padding: 1rem; max-width: 960px; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } .sub { color: #4a5364; margin: 0 0 1rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 240px), 1fr)); gap: .5rem; \
margin-bottom: 1rem; }
.stat { border: 1px solid #d9dee7; border-radius: 8px; padding: .5rem .75rem; overflow-wrap: anywhere; }
.stat b { display: block; font-size: .8125rem; color: #4a5364; font-weight: 600; }
.stat.alert { border: 2px solid #b3261e; background: #fdeceb; color: #8c1d18; font-weight: 600; }
.stat.alert b { color: #8c1d18; }
figure { margin: 0 0 1.25rem; border: 1px solid #d9dee7; border-radius: 8px; padding: .75rem; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .5rem; }
.bars { display: grid; grid-template-columns: minmax(0, 2fr) minmax(3rem, 3fr) auto; gap: .35rem .5rem; \
align-items: center; }
.bars .label { font-size: .875rem; overflow-wrap: anywhere; }
.bars .value { font-size: .875rem; font-variant-numeric: tabular-nums; text-align: right; }
.bars svg { width: 100%; height: 1rem; display: block; }
rect.bar { fill: #3b6fd8; } .alert rect.bar { fill: #b3261e; } .bars .alert { color: #8c1d18; font-weight: 700; }
.empty { color: #4a5364; font-style: italic; }
table.data { border-collapse: collapse; font-size: .8125rem; margin-top: .5rem; width: 100%; }
table.data td, table.data th { border-top: 1px solid #eef1f5; padding: .15rem .4rem; text-align: left; \
overflow-wrap: break-word; }
summary { font-size: .8125rem; color: #4a5364; cursor: pointer; margin-top: .5rem; }
@media print { body { max-width: none; } figure { border-color: #999; } rect.bar { print-color-adjust: exact; } }
"""


def _bars(chart: Chart) -> str:
    top = max((v for _, v in chart.data), default=0) or 1
    rows = []
    for label, v in chart.data:
        alert = ' class="alert"' if label in chart.alert else ""
        width = round(v / top * 100, 2)
        rows.append(
            f'<span class="label{" alert" if alert else ""}">{h(str(label))}</span>'
            f'<span{alert}><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            f'<rect class="bar" x="0" y="0" width="{width:g}" height="10" data-label="{h(str(label))}" '
            f'data-value="{v}"/></svg></span>'
            f'<span class="value{" alert" if alert else ""}">{number(v)}</span>'
        )
    return f'<div class="bars">{"".join(rows)}</div>'


def html(r: dict[str, Any]) -> str:
    period = r["period"]
    stats = "".join(
        f'<div class="stat{" alert" if alert else ""}"><b>{h(k)}</b>{h(v)}</div>' for k, v, alert in summary_lines(r)
    )
    figures = []
    for chart in charts(r):
        body = _bars(chart) if chart.data else '<p class="empty">Nothing in this period.</p>'
        table = "".join(f"<tr><td>{h(str(label))}</td><td>{number(v)}</td></tr>" for label, v in chart.data)
        figures.append(
            f'<figure class="chart" data-chart="{chart.id}" aria-labelledby="{chart.id}-title">'
            f'<figcaption id="{chart.id}-title">{h(chart.title)}</figcaption>{body}'
            f'<details><summary>Figures</summary><table class="data"><tbody>{table}</tbody></table></details></figure>'
        )
    titles = r["cases"].get("playbook_titles", {})
    crises = "".join(
        f'<figure data-crisis="{h(c["id"])}"><figcaption>Crisis {h(c["id"])}</figcaption><table class="data"><tbody>'
        + "".join(f"<tr><th>{h(k)}</th><td>{h(v)}</td></tr>" for k, v in crisis_lines(c))
        + "</tbody></table></figure>"
        for c in r.get("crises", [])
    )
    causes = "".join(
        f"<tr><td>{h(c['cause'])}</td><td>{c['count']}</td>"
        f"<td>{h(', '.join(titles.get(p, p) for p in c['playbooks']))}</td>"
        f"<td>{h(', '.join(c['places']))}</td></tr>"
        for c in r["root_causes"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>recover report {h(period["since"])} to {h(period["until"])}</title><style>{CSS}</style></head>
<body><h1>Service recovery report</h1><p class="sub">{h(period["since"])} to {h(period["until"])}</p>
<section class="stats" aria-label="Summary">{stats}</section>
{"".join(figures)}
<figure data-chart="root-cause-detail" aria-labelledby="root-cause-detail-title">\
<figcaption id="root-cause-detail-title">Root causes: where they come from</figcaption>
<table class="data"><thead><tr><th>Cause</th><th>Cases</th><th>Playbooks</th><th>Places</th></tr></thead>\
<tbody>{causes}</tbody></table></figure>
{crises}
</body></html>
"""
