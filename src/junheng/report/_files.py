"""Every report at once: ``junheng evaluate … --report out/``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from junheng.evaluate import Evaluation
from junheng.report._excel import write_excel
from junheng.report._html import write_html
from junheng.report._tables import gap_table
from junheng.report._text import Lang, t
from junheng.report._word import write_word

JSON_NAME = "evaluation.json"  # the data contract's output keeps one name in every language
FILE_NAMES = {"zh": ("评估结果.xlsx", "评估报告.html", "自评报告-{county}.docx"),
              "en": ("evaluation.xlsx", "report.html", "self-assessment-{county}.docx")}


def safe_file_name(text: str) -> str:
    """A county name as part of a file name on Windows, macOS and Linux."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .") or "_"


def write_reports(evaluation: Evaluation, folder: str | Path, lang: Lang = "zh",
                  on_step: Callable[[str], None] | None = None) -> list[Path]:
    """Write the JSON, the Excel workbook, the HTML report and one Word draft per county into
    ``folder`` (each file atomically) and return their paths.

    ``on_step`` is called with a bilingual description before each file (for a progress bar).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> [p.name for p in write_reports(result, folder / "out")]
    ['evaluation.json', '评估结果.xlsx', '评估报告.html', '自评报告-示例县.docx']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, html, docx = FILE_NAMES[lang]
    step = on_step or (lambda _: None)
    step(t("writing", "zh", what="JSON") + " " + t("writing", "en", what="JSON"))
    paths = [evaluation.write_json(folder / JSON_NAME)]
    gaps = gap_table(evaluation)  # once, for every report
    step(t("writing", "zh", what="Excel") + " " + t("writing", "en", what="Excel"))
    paths.append(write_excel(evaluation, folder / xlsx, lang, gaps))
    step(t("writing", "zh", what="HTML") + " " + t("writing", "en", what="HTML"))
    paths.append(write_html(evaluation, folder / html, lang, gaps))
    for county in evaluation.counties.get_column("county"):
        step(t("writing", "zh", what=f"Word（{county}）") + " "
             + t("writing", "en", what=f"Word ({county})"))
        paths.append(write_word(evaluation, county,
                                folder / docx.format(county=safe_file_name(county)), lang,
                                gaps))
    return paths
