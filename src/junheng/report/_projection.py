"""The projection in the terminal: one table per county, a row per school year."""

from __future__ import annotations

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.report._format import number
from junheng.report.catalogue import Lang, t

VERDICT_STYLE = {"pass": "green", "fail": "red", "incomplete": "yellow"}


LABEL_WIDTH = 16  # the measure's name
YEAR_WIDTH = 10  # one year's column: "34,188" and the borders, or "未达标"


def print_projection(summary: pl.DataFrame, console: Console, lang: Lang = "zh",
                     band: str = "central", spread: bool = False,
                     note: tuple[str, str] | None = None) -> None:
    """``Projection.summary()`` per county: a measure per row, a school year per column — as
    many years side by side as the terminal holds (the rest follow in another table), so no
    figure is ever cut. Then the assumptions in one sentence: ``note`` (zh, en), from
    ``Projection.note``, else the default assumptions'."""
    per_table = max(1, (console.width - LABEL_WIDTH) // YEAR_WIDTH)
    for (county,), rows in summary.group_by("county", maintain_order=True):
        title = t("proj_title", lang, county=escape(str(county)),
                  band=t(f"proj_band_{band}", lang))
        records = rows.to_dicts()
        for start in range(0, len(records), per_table):
            chunk = records[start:start + per_table]
            table = Table(title=title if start == 0 else None, title_justify="left")
            table.add_column("", no_wrap=True)
            for r in chunk:
                table.add_column(str(r["year"]), justify="right", no_wrap=True)
            for key, cell in _MEASURES:
                table.add_row(t(key, lang), *(cell(r, lang) for r in chunk))
            console.print(table)
    if spread and note is None:
        console.print(f"[yellow]{t('proj_spread', lang)}[/]")
    text = t("proj_assumptions", lang) if note is None else note[0 if lang == "zh" else 1]
    console.print(f"[dim]{escape(text)}[/]")


def _verdict(r: dict, lang: Lang) -> str:
    verdict = r["resources_verdict"]
    return f"[{VERDICT_STYLE.get(verdict, 'white')}]{t(verdict, lang)}[/]"


_MEASURES = (
    ("proj_primary", lambda r, lang: number(r["primary_students"], "count")),
    ("proj_junior", lambda r, lang: number(r["junior_students"], "count")),
    ("proj_classes", lambda r, lang: number(r["classes"], "count")),
    ("proj_teachers", lambda r, lang: number(r["teachers"], "count")),
    ("proj_meeting", lambda r, lang: f"{r['schools_meeting_rule']}/{r['schools_evaluated']}"),
    ("proj_cvs_over", lambda r, lang: f"[red]{r['cvs_over']}[/]" if r["cvs_over"] else "0"),
    ("proj_over_size", lambda r, lang: number(r["schools_over_size"], "count")),
    ("proj_resources", _verdict),
)
