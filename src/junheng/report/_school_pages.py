"""Each school's page (学校达标情况表) as a printable HTML file: one file per school.

The page is the view of :mod:`junheng.report.views.school_page`, rendered as a self-contained
HTML file — no script, no font or image fetched — styled for A4 portrait, so that a bureau prints
each school's page (or saves it as PDF from the browser) for the principal to check, sign and
stamp. A typical school fits one page; a longer one (two stages and many problems) flows onto a
second with the table headings repeated, and the signature block is never split.
"""

from __future__ import annotations

import html
from pathlib import Path

import polars as pl

from junheng.evaluate import Evaluation
from junheng.io import write_text
from junheng.report._clean import file_part, one_line, plain
from junheng.report.catalogue import Lang, t
from junheng.report.views.school_page import (
    ListSection,
    SchoolPage,
    StageSection,
    build_school_pages,
)

__all__ = ["render_school_page", "school_page_names", "write_school_pages"]

FONTS = ('"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", '
         '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')
# English first for an English page: a CJK font's Latin letters and quotes are full-width.
FONTS_EN = ('Arial, "Helvetica Neue", "Liberation Sans", "DejaVu Sans", "Microsoft YaHei", '
            '"PingFang SC", "Noto Sans CJK SC", sans-serif')
NUMERALS = "一二三四五六七八九十"
# The indicator table's columns: amount, value, threshold and share are numbers; 达标 a mark.
CELL_CLASS = {1: " num", 3: " num", 4: " num", 5: " num", 6: " mark"}


def write_school_pages(evaluation: Evaluation, folder: str | Path, lang: Lang = "zh",
                       gaps: pl.DataFrame | None = None) -> list[Path]:
    """Write one printable HTML page per evaluated school into ``folder`` (made when missing)
    and return their paths, in the evaluation's order.

    A file is named from the school's name and 学校标识码 (``城关第一小学-2360000002.html``),
    made safe for every file system. ``gaps`` is ``gap_table(evaluation)`` when the caller
    already has it. Each file is written atomically.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> paths = write_school_pages(result, folder / "pages")
    >>> len(paths), paths[0].suffix
    (12, '.html')
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pages = build_school_pages(evaluation, lang, gaps)
    names = school_page_names(pages)
    paths = []
    for page, name in zip(pages, names, strict=True):
        paths.append(write_text(folder / name, render_school_page(page)))
    return paths


def school_page_names(pages: list[SchoolPage]) -> list[str]:
    """One file name per page: ``{name}-{学校标识码}.html``, safe on every system and distinct
    even when two cleaned names meet (also on a case-insensitive file system)."""
    used: set[str] = set()
    out = []
    for page in pages:
        base = f"{file_part(page.name, 90)}-{file_part(page.school_id, 60)}"
        name, n = f"{base}.html", 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}.html"
        used.add(name.lower())
        out.append(name)
    return out


def _e(value: object) -> str:
    return html.escape("" if value is None else plain(value), quote=True)


def render_school_page(page: SchoolPage) -> str:
    """The page as one self-contained HTML document."""
    from junheng import __version__

    lang = page.lang
    colon = "：" if lang == "zh" else ": "
    sections: list[str] = []
    for stage in page.stages:
        sections.append(_stage(stage, lang))
    if page.gaps is not None:
        sections.append(_list(page.gaps, "gaps"))
    if page.breaches is not None:
        sections.append(_list(page.breaches, "breaches"))
    if page.notes:
        sections.append(_notes(page, lang))
    body = "\n".join(_numbered(s, i, lang) for i, s in enumerate(sections))
    title = f"{page.title} · {one_line(page.name)}"
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="junheng {__version__}">
<title>{_e(title)}</title>
<style>{CSS.replace("FONTS", FONTS if lang == "zh" else FONTS_EN)}</style>
</head>
<body class="{lang}">
<article class="sheet">
<h1>{_e(page.title)}</h1>
{_header(page)}
<p class="result {page.result_state}"><b>{_e(t('sp_verdict', lang))}{colon}</b>{_e(page.result)}</p>
<p class="rule">{_e(page.rule) + "<br>" if page.rule else ""}{_e(page.ratio_note)}</p>
{body}
{_signatures(page, lang)}
<footer>{_e(t('sp_footer', lang, version=__version__))}</footer>
</article>
</body>
</html>
"""


def _header(page: SchoolPage) -> str:
    """The header as a form: two label–value pairs a row, the standard (and the merged
    teaching points) on a row of their own."""
    pairs = list(page.header)
    wide = pairs[6:]  # the standard, the merged teaching points
    rows = []
    for i in range(0, min(len(pairs), 6), 2):
        cells = "".join(f'<th scope="row">{_e(k)}</th><td>{_e(v)}</td>' for k, v in pairs[i:i + 2])
        rows.append(f"<tr>{cells}</tr>")
    rows += [f'<tr><th scope="row">{_e(k)}</th><td colspan="3">{_e(v)}</td></tr>' for k, v in wide]
    return f'<table class="head">{"".join(rows)}</table>'


def _numbered(section: str, index: int, lang: Lang) -> str:
    mark = f"{NUMERALS[index]}、" if lang == "zh" and index < len(NUMERALS) else f"{index + 1}. "
    return section.replace("<h2>", f"<h2>{mark}", 1)


def _stage(stage: StageSection, lang: Lang) -> str:
    head = "".join(f'<th scope="col" class="c{i}">{_e(h)}</th>'
                   for i, h in enumerate(stage.headings))
    rows = []
    for r in stage.rows:
        tds = [f'<td class="c{i}{CELL_CLASS.get(i, "")}">{_e(c)}</td>'
               for i, c in enumerate(r.cells()[:len(stage.headings)])]
        rows.append(f'<tr class="{r.state}">{"".join(tds)}</tr>')
    state = {True: "pass", False: "fail", None: "unknown"}[stage.meets_rule]
    table = (f'<table class="ind"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
             f'</tbody></table>') if rows else ""
    return (f'<section class="stage"><h2>{_e(stage.heading)}</h2>{table}'
            f'<p class="verdict {state}">{_e(stage.result)}</p></section>')


def _list(section: ListSection, css: str) -> str:
    parts = [f"<section><h2>{_e(section.title)}</h2>"]
    if section.rows:
        if section.note:
            parts.append(f'<p class="note">{_e(section.note)}</p>')
        head = "".join(f'<th scope="col" class="c{i}">{_e(h)}</th>'
                       for i, h in enumerate(section.headings))
        body = "".join("<tr>" + "".join(f'<td class="c{i}">{_e(c)}</td>'
                                        for i, c in enumerate(r.cells)) + "</tr>"
                       for r in section.rows)
        parts.append(f'<table class="list {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
                     "</table>")
    else:
        parts.append(f'<p class="none">{_e(section.empty)}</p>')
    parts += [f'<p class="after">{_e(s)}</p>' for s in section.after]
    return "".join(parts) + "</section>"


def _notes(page: SchoolPage, lang: Lang) -> str:
    items = "".join(f"<li>{_e(n)}</li>" for n in page.notes)
    return (f'<section class="notes"><h2>{_e(t("sp_notes", lang))}</h2><ul>{items}</ul>'
            "</section>")


def _signatures(page: SchoolPage, lang: Lang) -> str:
    principal, seal, date, review, reviewer, bureau = (_e(s) for s in page.signatures)
    blank_date = _e(t("sp_date_blank", lang))
    return f"""<section class="sign">
<p class="confirm">{_e(t('sp_confirm', lang))}</p>
<table class="sign">
<colgroup><col class="l"><col><col class="l"><col><col class="l"><col></colgroup>
<tr class="signline"><th>{principal}</th><td class="blank"></td><th>{seal}</th><td class="seal"></td>
<th>{date}</th><td class="date">{blank_date}</td></tr>
<tr class="opinion"><th>{review}</th><td colspan="5"></td></tr>
<tr class="signline"><th>{reviewer}</th><td class="blank"></td><th>{bureau}</th><td class="seal"></td>
<th>{date}</th><td class="date">{blank_date}</td></tr>
</table>
</section>"""


CSS = """
@page { size: A4 portrait; margin: 10mm 12mm 9mm 12mm; }
* { box-sizing: border-box; }
html { background: #e8e8e8; }
body { margin: 0; font-family: FONTS; font-size: 9pt; line-height: 1.3; color: #000; }
.sheet { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 10mm 12mm 9mm;
         background: #fff; box-shadow: 0 1px 6px rgba(0,0,0,.25); }
h1 { font-size: 15pt; text-align: center; margin: 0 0 2mm; letter-spacing: .15em; }
h2 { font-size: 10pt; margin: 2.4mm 0 1mm; break-after: avoid; }
table { border-collapse: collapse; width: 100%; }
th, td { border: .6pt solid #000; padding: .45mm 1.2mm; vertical-align: middle; }
th { background: #eee; font-weight: bold; text-align: center; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
table.head { table-layout: fixed; }
table.head th { width: 24mm; }
p { margin: 1mm 0; }
.result { margin-top: 2mm; padding: 1mm 2mm; border: .8pt solid #000; }
.result.fail, .verdict.fail { font-weight: bold; }
.rule, .note, .after, .ratio, footer { font-size: 8pt; color: #333; }
table.ind { table-layout: fixed; font-size: 8.5pt; }
table.ind .c0 { text-align: left; width: 42%; }
table.ind .c1 { width: 12.5%; }
table.ind .c2 { width: 8.5%; text-align: center; }
table.ind .c3, table.ind .c4, table.ind .c5 { width: 8%; }
table.ind .c6 { width: 13%; }
.zh table.ind th { white-space: nowrap; }
.en h1 { letter-spacing: 0; }
.en table.ind { font-size: 8pt; }
.en table.ind .c0 { width: 39%; }
.en table.ind .c1 { width: 13%; }
.en table.ind .c2 { width: 13%; }
.en table.ind .c3, .en table.ind .c4, .en table.ind .c5 { width: 8.5%; }
.en table.ind .c6 { width: 9.5%; }
.en table.ind .mark { white-space: normal; }
table.ind .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.ind td.c2 { text-align: center; }
table.ind .mark { text-align: center; white-space: nowrap; }
table.ind tr.missed .mark, table.ind tr.below .mark, table.ind tr.unknown .mark {
  font-weight: bold; }
table.ind tr.below .mark, table.ind tr.below .c5 { color: #b00; }
table.ind tr.missed .mark { color: #8a5a00; }
.verdict { margin: .8mm 0 0; }
.verdict.fail { color: #b00; }
table.list td { font-size: 8.5pt; }
table.list.breaches { table-layout: fixed; }
table.list.breaches .c0 { width: 22%; }
table.list.breaches .c1 { width: 36%; }
table.list.breaches .c2 { width: 19%; }
table.list.breaches .c3 { width: 23%; }
.none { color: #333; }
.notes ul { margin: 0; padding-left: 5mm; font-size: 8pt; }
section.sign { break-inside: avoid; margin-top: 2mm; }
table.sign { table-layout: fixed; }
table.sign col.l { width: 30mm; }
.en table.sign col.l { width: 33mm; }
table.sign th { font-weight: normal; background: #fff;
                text-align: left; }
table.sign tr.signline td { height: 11mm; }
table.sign tr.opinion td { height: 14mm; }
table.sign td.date { text-align: right; white-space: nowrap; }
footer { margin-top: 1.5mm; }
th, .result, .verdict, tr { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  html { background: #fff; }
  .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"""
