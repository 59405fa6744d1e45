"""The report for people: rich tables with inline bars in the terminal, and one self-contained HTML page.

Charts are hand-written inline SVG: a few bar charts need no library, the page stays a few
kilobytes, works offline and prints cleanly.
"""

from __future__ import annotations

from html import escape as h
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoverycli.safety import safe_text


def charts(r: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """(id, title, [(label, value)]) for every chart, the same data for the terminal and the page."""
    return [
        ("cases-per-week", "Cases per week", [(w["week"], w["count"]) for w in r["cases"]["per_week"]]),
        ("cases-by-playbook", "Cases by playbook", list(r["cases"]["by_playbook"].items())),
        ("cases-by-status", "Cases by status", list(r["cases"]["by_status"].items())),
        ("root-causes", "Most frequent root causes", [(c["cause"], c["count"]) for c in r["root_causes"]]),
        ("promises", "Promises (follow-ups due)", [("on time", r["promises"]["on_time"]), ("late", r["promises"]["late"]),
                                                  ("still overdue", r["promises"]["overdue"])]),
        ("gestures", "Gestures given", [(g["label"], g["count"]) for g in r["gestures"]["by_gesture"]]),
        ("coaching", "Coach flags (training hints)", [(c["rule"], c["count"]) for c in r["coaching"]]),
    ]


def _num(v: Any, unit: str = "") -> str:
    return "—" if v is None else f"{v:g}{unit}"


def summary_lines(r: dict[str, Any]) -> list[tuple[str, str]]:
    s, rep, p, g = r["speed"], r["repeats"], r["promises"], r["gestures"]
    lines = [
        ("Cases", str(r["cases"]["total"])),
        ("Repeat complaints", f"{rep['cases']} ({_num(round(rep['share'] * 100, 1) if rep['share'] is not None else None, ' %')})"
                              f" from {rep['customer_count']} customer(s)"),
        ("Follow-ups due", f"{p['due']}: {p['on_time']} on time, {p['late']} late (median {_num(p['median_days_late'], ' d')}), "
                           f"{p['overdue']} overdue"),
        ("Incident → contact", f"median {_num(s['incident_to_contact_minutes']['median'], ' min')}, "
                               f"p90 {_num(s['incident_to_contact_minutes']['p90'], ' min')} (n={s['incident_to_contact_minutes']['n']})"),
        ("Contact → close", f"median {_num(s['contact_to_close_hours']['median'], ' h')}, "
                            f"p90 {_num(s['contact_to_close_hours']['p90'], ' h')} (n={s['contact_to_close_hours']['n']})"),
        ("Gestures", f"{g['total']}, {_num(round(g['consumable_share'] * 100, 1) if g['consumable_share'] is not None else None, ' %')}"
                     f" consumable, rough cost {g['rough_cost']:g}"),
    ]
    if rep["customers"]:
        lines.append(("Repeat customers", ", ".join(rep["customers"])))
    return lines


def terminal(r: dict[str, Any], width: int = 80) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    for k, v in summary_lines(r):
        head.add_row(k, safe_text(v))
    period = r["period"]
    parts: list[object] = [Panel(head, title=f"Report {period['since']} → {period['until']}", title_align="left")]
    bar_width = max(10, min(30, width - 40))
    for _, title, data in charts(r):
        if not data:
            continue
        top = max(v for _, v in data) or 1
        t = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        t.add_column(max_width=24, no_wrap=True, overflow="ellipsis")
        t.add_column(no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        for label, v in data:
            t.add_row(safe_text(label), Text("█" * max(1, round(v / top * bar_width)) if v else "", style="cyan"), f"{v:g}")
        parts.append(Panel(t, title=title, title_align="left"))
    return Group(*parts)


CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; }
body { margin: 0 auto; padding: 1rem; max-width: 960px; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } .sub { color: #5b6475; margin: 0 0 1rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: .5rem; margin-bottom: 1rem; }
.stat { border: 1px solid #d9dee7; border-radius: 8px; padding: .5rem .75rem; }
.stat b { display: block; font-size: .8rem; color: #5b6475; font-weight: 600; }
figure { margin: 0 0 1.25rem; border: 1px solid #d9dee7; border-radius: 8px; padding: .75rem; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .5rem; }
svg { width: 100%; height: auto; display: block; } svg text { font-size: 12px; fill: #1d2433; }
rect.bar { fill: #3b6fd8; } .empty { color: #5b6475; font-style: italic; }
table.data { border-collapse: collapse; font-size: .8rem; margin-top: .5rem; width: 100%; }
table.data td, table.data th { border-top: 1px solid #eef1f5; padding: .15rem .4rem; text-align: left; }
summary { font-size: .8rem; color: #5b6475; cursor: pointer; margin-top: .25rem; }
@media print { body { max-width: none; } figure { border-color: #999; } details > table { display: table; } }
"""


def _svg(chart_id: str, data: list[tuple[str, float]]) -> str:
    row, label_w, bar_w, width = 24, 190, 300, 560
    top = max((v for _, v in data), default=0) or 1
    bars = []
    for i, (label, v) in enumerate(data):
        y = i * row
        w = round(v / top * bar_w, 1)
        short = label if len(str(label)) <= 28 else str(label)[:27] + "…"
        bars.append(
            f'<g><text x="0" y="{y + 16}">{h(str(short))}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}" data-label="{h(str(label))}" data-value="{v:g}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 16}">{v:g}</text></g>')
    height = max(len(data) * row, row)
    return (f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{h(chart_id)}" xmlns="http://www.w3.org/2000/svg">'
            + "".join(bars) + "</svg>")


def html(r: dict[str, Any]) -> str:
    period = r["period"]
    stats = "".join(f'<div class="stat"><b>{h(k)}</b>{h(v)}</div>' for k, v in summary_lines(r))
    figures = []
    for chart_id, title, data in charts(r):
        body = _svg(chart_id, data) if data else '<p class="empty">Nothing in this period.</p>'
        table = "".join(f"<tr><td>{h(str(label))}</td><td>{v:g}</td></tr>" for label, v in data)
        figures.append(f'<figure class="chart" data-chart="{chart_id}"><figcaption>{h(title)}</figcaption>{body}'
                       f'<details><summary>Figures</summary><table class="data"><tbody>{table}</tbody></table></details></figure>')
    causes = "".join(
        f"<tr><td>{h(c['cause'])}</td><td>{c['count']}</td><td>{h(', '.join(c['playbooks']))}</td>"
        f"<td>{h(', '.join(c['places']))}</td></tr>" for c in r["root_causes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>recover report {h(period['since'])} to {h(period['until'])}</title><style>{CSS}</style></head>
<body><h1>Service recovery report</h1><p class="sub">{h(period['since'])} to {h(period['until'])}</p>
<section class="stats">{stats}</section>
{''.join(figures)}
<figure data-chart="root-cause-detail"><figcaption>Root causes: where they come from</figcaption>
<table class="data"><thead><tr><th>Cause</th><th>Cases</th><th>Playbooks</th><th>Places</th></tr></thead><tbody>{causes}</tbody></table></figure>
</body></html>
"""
