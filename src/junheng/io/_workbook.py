"""Write the official input workbook: empty (the template) or filled with a dataset.

Row 1 holds the Chinese headers with their units (``在校生数（人）``, ``教学仪器设备值（元）``),
row 2 the English codes (the reader recognises and skips it), data starts on row 3. Every enum
column has a dropdown of its Chinese labels, counts and areas have number validation within
their declared bounds, id columns are formatted as text so leading zeros survive.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from junheng.errors import InputError, Problem
from junheng.io._atomic import atomic_path
from junheng.io._limits import EXCEL_MAX_STRING_CHARS
from junheng.model.dataset import Dataset
from junheng.model.schema import ENUMS, STAGES_BY_SCHOOL_TYPE, TABLES, Column, Table

_VALIDATED_ROWS = 20000  # dropdowns and checks reach this far below the header
# Excel keeps at most 32 767 characters in a cell and cuts the rest without a word (xlsxwriter
# too: it writes the first 32 767 and returns -2). A CSV or Parquet input can hold longer text.

INSTRUCTIONS = [
    ("填表说明", "本工作簿为 junheng（均衡）县域义务教育优质均衡评估的数据模板。"),
    ("", "必填三张表：学校、学段、教师；其余为选填表：县级指标、交流轮岗记录、专用教室、年级学生、出生人口、集团"
         "（没有可整表删除或留空）。"
         "第1行为中文表头，第2行为英文代码（请勿删除），从第3行起填写数据。"),
    ("", "深色表头为必填列，浅色表头为选填列。列的顺序可以调整，表头可用中文或英文。"
         "表头括号中是该列的单位（元、m²、人、间等），请按此单位填写，例如设备值填元而不是万元。"),
    ("学校", "每所学校一行。学校标识码按文本填写，保留前导零。教学点请填写所属中心校。"
             "「乡镇（街道）」填写学校所在乡镇或街道，集团化办学方案据此统计覆盖的乡镇数。"),
    ("学段", "每所学校的每个义务教育学段一行（小学/初中）。九年一贯制学校两行；完全中学只填初中一行。"),
    ("", "多学段学校的设施数据若无法分学段统计，可将学段行留空，在学校表填写全校合计，"
         "系统按加权学生数（小学:初中 = 1:1.1）拆分，并在报告中注明。"),
    ("教师", "每名在编在岗教师一行。多学段学校的教师必须填写任教学段。"),
    ("", "「专任教师」「是否」类列可填：是/否、true/false、1/0、Y/N。"),
    ("", "下拉列表中的选项即为允许的取值，也可填写对应的英文代码。"),
    ("县级指标", "每个县区一行，填写花名册无法得出的政府保障、教育质量、社会认可度指标和一票否决情况。"
             "比例填 0–1 的小数或百分数（如 96%）；一票否决列填「是」表示发生了该情形。未填的指标视为缺失，"
             "该部分评估结果为「不完整」。"),
    ("交流轮岗记录", "每名教师每学年一行：教师编号、调出学校、调入学校、学年（如 2025 或 2025-2026）、交流形式。"),
    ("专用教室", "每间音乐、美术专用教室一行，填写使用面积（m²）。未列出的学校按学段表的教室间数判断，面积视为未知。"),
    ("集团", "每所加入集团（学区）的学校一行：集团编号、学校标识码、角色（牵头学校/成员学校）。每个集团只有一所牵头学校，"
             "一所学校只能加入一个集团，同一集团的学校应在同一县区。集团类型（紧密型、领办型、联盟型、融合型、学区）"
             "和集团名称填一次即可（填在牵头学校一行）；类型不填时按标准的默认类型。"),
    ("隐私", "教师信息属于个人信息，请妥善保管本文件。"),
]


def _header_formats(book: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "required": book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                     "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "optional": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "vcenter"}),
        "code": book.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2",
                                 "border": 1}),
        "text": book.add_format({"num_format": "@"}),
        "int": book.add_format({"num_format": "0"}),
        "float": book.add_format({"num_format": "0.##"}),
        "ratio": book.add_format({"num_format": "0.0%"}),
        "school_year": book.add_format({"num_format": "0"}),
    }


def _validation(col: Column) -> dict | None:
    if col.kind == "enum":
        assert col.enum is not None
        return {"validate": "list", "source": list(ENUMS[col.enum].labels.values()),
                "error_title": col.zh, "error_message": "请从下拉列表中选择 / choose from the list"}
    if col.kind == "bool":
        return {"validate": "list", "source": ["是", "否"], "error_title": col.zh,
                "error_message": "请填写 是 或 否 / yes or no"}
    if col.kind == "ratio":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_title": col.zh,
                "error_message": "应为 0–1 之间的比例（如 96%） / a share between 0 and 1"}
    if col.kind in ("int", "float") and col.minimum is not None:
        kind = "integer" if col.kind == "int" else "decimal"
        if col.maximum is None:
            return {"validate": kind, "criteria": ">=", "value": col.minimum,
                    "error_title": col.zh,
                    "error_message": f"应为 ≥ {col.minimum:g} 的数 / a number ≥ {col.minimum:g}"}
        low, high = f"{col.minimum:,.15g}", f"{col.maximum:,.15g}"
        unit = f"（{col.unit}）" if col.unit else ""
        return {"validate": kind, "criteria": "between", "minimum": col.minimum,
                "maximum": col.maximum, "error_title": col.zh,
                "error_message": f"应为 {low}–{high} 之间的数{unit} / a number from {low} to "
                                 f"{high}"}
    return None


def _cell_values(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Convert codes to Chinese labels and booleans to 是/否 for people to read."""
    exprs = []
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        if col.kind == "enum":
            assert col.enum is not None
            exprs.append(pl.col(col.name).replace_strict(ENUMS[col.enum].labels, default=None))
        elif col.kind == "bool":
            exprs.append(pl.when(pl.col(col.name)).then(pl.lit("是"))
                         .when(pl.col(col.name).not_()).then(pl.lit("否")).alias(col.name))
        else:
            exprs.append(pl.col(col.name))
    return frame.select(exprs)


def write_workbook(path: str | Path, dataset: Dataset | None = None) -> Path:
    """Write the official workbook to ``path`` (empty when ``dataset`` is None); return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_workbook(pathlib.Path(tempfile.mkdtemp()) / "template.xlsx")
    >>> out.name
    'template.xlsx'
    """
    path = Path(path)
    if dataset is not None:
        _check_cell_lengths(dataset)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                              "strings_to_numbers": False,
                                              "strings_to_urls": False})
        fmt = _header_formats(book)
        _write_instructions(book)
        for table in TABLES.values():
            sheet = book.add_worksheet(table.zh)
            for j, col in enumerate(table.columns):
                sheet.write_string(0, j, col.header,
                                   fmt["required" if col.required else "optional"])
                sheet.write_string(1, j, col.name, fmt["code"])
                width = max(len(col.header) * 2 + 2, len(col.name) + 2, 10)
                sheet.set_column(j, j, width, fmt.get(col.kind))
                rule = _validation(col)
                if rule:
                    sheet.data_validation(2, j, _VALIDATED_ROWS, j, rule)
            sheet.set_row(0, 30)
            sheet.freeze_panes(2, 0)
            frame = None if dataset is None else getattr(dataset, table.name)
            if frame is not None:
                values = _cell_values(frame, table)
                for i, row in enumerate(values.iter_rows(), start=2):
                    for j, value in enumerate(row):
                        if value is None:
                            continue
                        if isinstance(value, str):
                            sheet.write_string(i, j, value)
                        else:
                            sheet.write_number(i, j, value)
        book.close()
    return path


def _write_instructions(book: xlsxwriter.Workbook) -> None:
    sheet = book.add_worksheet("填表说明")
    bold = book.add_format({"bold": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 100)
    row = 0
    for head, text in INSTRUCTIONS:
        sheet.write_string(row, 0, head, bold)
        sheet.write_string(row, 1, text, wrap)
        row += 1
    row += 1
    sheet.write_string(row, 0, "允许的学段", bold)
    for school_type, stages in STAGES_BY_SCHOOL_TYPE.items():
        row += 1
        labels = "、".join(ENUMS["stage"].label(s) for s in stages)
        sheet.write_string(row, 1, f"{ENUMS['school_type'].label(school_type)}：{labels}", wrap)
    for table in TABLES.values():
        row += 2
        sheet.write_string(row, 0, table.zh, bold)
        for col in table.columns:
            row += 1
            need = "必填" if col.required else "选填"
            allowed = f"；取值：{'、'.join(ENUMS[col.enum].labels.values())}" if col.enum else ""
            sheet.write_string(row, 1, f"{col.header}（{col.name}）— {need}{allowed}", wrap)


def _check_cell_lengths(dataset: Dataset) -> None:
    """Refuse, before anything is written, text that Excel would cut: a roster written back
    (``plan rotation --apply``) must hold what was read, or say why it cannot."""
    problems: list[Problem] = []
    for name, frame in dataset.tables().items():
        table = TABLES[name]
        for col in table.columns:
            if col.name not in frame.columns or frame.schema[col.name] != pl.String:
                continue
            lengths = frame.get_column(col.name).str.len_chars()
            if not (lengths > EXCEL_MAX_STRING_CHARS).any():
                continue
            for i in (lengths > EXCEL_MAX_STRING_CHARS).arg_true().to_list():
                value = frame.item(i, col.name)
                # The dataset no longer knows the input's row: name the record and its start.
                problems.append(Problem(
                    table.zh, None, f"{col.zh} {col.name}", f"{value[:40]}…",
                    f"第 {i + 1} 条记录的文本长 {len(value)} 个字符，超过 Excel 单元格上限 "
                    f"{EXCEL_MAX_STRING_CHARS}，写入工作簿会被截断；请缩短后再写",
                    f"record {i + 1}: the text is {len(value)} characters long, over Excel's "
                    f"cell limit of {EXCEL_MAX_STRING_CHARS}; a workbook would cut it, so shorten it "
                    "first"))
    if problems:
        raise InputError(problems)
