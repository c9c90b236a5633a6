"""Every report at once: ``junheng evaluate … --report out/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.markup import escape

from junheng.evaluate import Evaluation
from junheng.io._atomic import output_folder, output_run
from junheng.report._clean import file_part, one_line
from junheng.report._excel import write_excel
from junheng.report._html import write_html
from junheng.report._school_pages import write_school_pages
from junheng.report._tables import gap_table
from junheng.report._text import Lang, t
from junheng.report._word import write_word

JSON_NAME = "evaluation.json"  # the data contract's output keeps one name in every language
FILE_NAMES = {"zh": ("评估结果.xlsx", "评估报告.html", "自评报告-{county}.docx"),
              "en": ("evaluation.xlsx", "report.html", "self-assessment-{county}.docx")}
# One printable page per school (学校达标情况表), in a folder of their own.
PAGES_FOLDER = {"zh": "学校达标情况表", "en": "school-pages"}


def county_file_names(counties: list[str], pattern: str) -> dict[str, str]:
    """One file name per county: safe on every system, and distinct even when two names clean
    to the same text (``A/B`` and ``A_B``)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for county in counties:
        base = file_part(county)
        name, n = pattern.format(county=base), 1
        while name.lower() in used:  # case-insensitive file systems too
            n += 1
            name = pattern.format(county=f"{base}-{n}")
        used.add(name.lower())
        names[county] = name
    return names


def write_reports(evaluation: Evaluation, folder: str | Path, lang: Lang = "zh",
                  on_step: Callable[[str], None] | None = None) -> list[Path]:
    """Write the JSON, the Excel workbook, the HTML report, one Word draft per county and one
    printable page per school (in the folder ``学校达标情况表/``) into ``folder`` and return
    their paths (the school pages last).

    The files appear together or not at all (:func:`junheng.io.output_run`); the files of an
    earlier run into the same folder that this run does not write (another county's draft) are
    removed.

    ``on_step`` is called with a bilingual description before each file (for a progress bar).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> paths = write_reports(result, folder / "out")
    >>> [p.name for p in paths[:4]], len(paths[4:]), paths[4].parent.name
    (['evaluation.json', '评估结果.xlsx', '评估报告.html', '自评报告-示例县.docx'], 12, '学校达标情况表')
    """
    xlsx, html, docx = FILE_NAMES[lang]
    step = on_step or (lambda _: None)
    counties = evaluation.counties.get_column("county").to_list()
    drafts = county_file_names(counties, docx)
    with output_run():
        folder = output_folder(folder, f"evaluate-{lang}")
        step(t("writing", "zh", what="JSON") + " " + t("writing", "en", what="JSON"))
        paths = [evaluation.write_json(folder / JSON_NAME)]
        gaps = gap_table(evaluation)  # once, for every report
        step(t("writing", "zh", what="Excel") + " " + t("writing", "en", what="Excel"))
        paths.append(write_excel(evaluation, folder / xlsx, lang, gaps))
        step(t("writing", "zh", what="HTML") + " " + t("writing", "en", what="HTML"))
        paths.append(write_html(evaluation, folder / html, lang, gaps))
        for county in counties:
            shown = escape(one_line(county))  # the progress bar reads markup
            step(t("writing", "zh", what=f"Word（{shown}）") + " "
                 + t("writing", "en", what=f"Word ({shown})"))
            paths.append(write_word(evaluation, county, folder / drafts[county], lang, gaps))
        pages = output_folder(folder / PAGES_FOLDER[lang], f"school-pages-{lang}")
        step(t("writing", "zh", what="学校达标情况表") + " "
             + t("writing", "en", what="school pages"))
        paths += write_school_pages(evaluation, pages, lang, gaps)
    return paths
