"""The bureau's price table and limits for the least-cost "path to pass" planner (issue 15).

A workbook (or a folder of CSV files) the bureau fills in with its *own* local figures:

- ``单价`` / ``prices`` (required): one row per kind of action (``KINDS``) — the kind (its code
  or Chinese label), its unit (``元/m²`` …), the unit cost in 元 and where the figure came from.
  A kind left without a price is not a lever the planner may use.
- ``地区系数`` / ``multipliers``: a regional multiplier per county (absent: 1.0).
- ``学校限制`` / ``limits``: per school, the m² of sports ground that can still be added (0: no
  land), the teacher posts (编制) available, and whether it is marked for closure (拟撤并: no
  investment, no hires).
- ``县级编制`` / ``county_posts``: the posts available in a county.

junheng ships no prices: the template's price rows are empty and an unfilled table is an error.
The reading rules are the data reader's (``junheng.io._validate``): Chinese or English headers,
the template's row of English codes skipped, blank rows skipped, every problem at once, located
at its sheet, spreadsheet row and column, in Chinese and English; a header in another unit
(``单价（万元）``) is an error, never a conversion.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "单价.csv").write_text("项目,单价（元）\\n教学及辅助用房（元/m²）,3000\\n",
...                                     encoding="utf-8")
>>> _ = (folder / "地区系数.csv").write_text("县区,地区系数\\n甲县,1.25\\n", encoding="utf-8")
>>> prices = read_prices(folder)
>>> prices.cost("teaching_area_m2", "甲县"), prices.cost("teaching_area_m2", "乙县")
(3750.0, 3000.0)
>>> prices.cost("sports_area_m2", "甲县") is None
True
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from junheng.errors import InputError, Problem
from junheng.io import atomic_path
from junheng.io._limits import ReadError, ReadLimits
from junheng.io._read import INSTRUCTION_SHEETS, RawTable, read_named_tables
from junheng.io._validate import ROW, _coerce, _col_label, _first_per_cell
from junheng.model.dataset import Dataset
from junheng.model.schema import MAX_AREA_M2, MAX_PUPILS, MAX_YUAN, Column, Table, split_unit

__all__ = ["KINDS", "KIND_LABELS", "KIND_NAMES", "KIND_UNITS", "MAX_MULTIPLIER", "SHEETS",
           "Prices", "read_prices", "write_prices_template"]

KINDS = ("teaching_area_m2", "sports_area_m2", "equipment_yuan", "multimedia_rooms", "music_rooms",
         "art_rooms", "hire_qualified", "hire_pe_art", "appoint_backbone")

# The kind's Chinese name, and the unit its price is given in (元 per …).
KIND_NAMES: dict[str, str] = {
    "teaching_area_m2": "教学及辅助用房",
    "sports_area_m2": "体育运动场馆",
    "equipment_yuan": "教学仪器设备",
    "multimedia_rooms": "网络多媒体教室",
    "music_rooms": "音乐专用教室",
    "art_rooms": "美术专用教室",
    "hire_qualified": "新聘高于规定学历教师",
    "hire_pe_art": "新聘体育艺术教师",
    "appoint_backbone": "骨干教师培养认定",
}
KIND_UNITS: dict[str, str] = {
    "teaching_area_m2": "元/m²", "sports_area_m2": "元/m²", "equipment_yuan": "元/元",
    "multimedia_rooms": "元/间", "music_rooms": "元/间", "art_rooms": "元/间",
    "hire_qualified": "元/人·年", "hire_pe_art": "元/人·年", "appoint_backbone": "元/人",
}
KIND_LABELS: dict[str, str] = {k: f"{KIND_NAMES[k]}（{KIND_UNITS[k]}）" for k in KINDS}
_KIND_EN: dict[str, str] = {
    "teaching_area_m2": "teaching and auxiliary space, per m²",
    "sports_area_m2": "sports ground and halls, per m²",
    "equipment_yuan": "teaching equipment, per 元 of equipment value (usually 1.0)",
    "multimedia_rooms": "networked multimedia classroom, per room",
    "music_rooms": "music room, per room",
    "art_rooms": "art room, per room",
    "hire_qualified": "new teacher above the statutory qualification, per teacher-year",
    "hire_pe_art": "new PE / music / art teacher, per teacher-year",
    "appoint_backbone": "training and appointing a county backbone teacher, per teacher",
}
# Other names a bureau may use for a kind: the data contract's column names.
_KIND_ALIASES: dict[str, str] = {
    "教学及辅助用房面积": "teaching_area_m2", "体育运动场馆面积": "sports_area_m2",
    "体育场地": "sports_area_m2", "教学仪器设备值": "equipment_yuan",
    "网络多媒体教室数": "multimedia_rooms", "音乐专用教室数": "music_rooms",
    "美术专用教室数": "art_rooms",
}
# Spellings of each unit, after ``_unit_key``; a bare 元 is accepted for any kind.
_UNIT_KEYS: dict[str, frozenset[str]] = {
    "元/m²": frozenset({"元/m²", "元/平方米", "元"}),
    "元/元": frozenset({"元/元", "元"}),
    "元/间": frozenset({"元/间", "元/个", "元"}),
    "元/人·年": frozenset({"元/人年", "元/人/年", "元/人每年", "元"}),
    "元/人": frozenset({"元/人", "元/名", "元"}),
}

# A regional multiplier above this is a percentage or a price typed in the wrong column.
MAX_MULTIPLIER = 10.0


def _notes(name: str) -> Column:
    return Column(name, "来源或说明", "text", required=False, nullable=True)


PRICES = Table("prices", "单价", (
    Column("kind", "项目", "text"),
    Column("unit", "单位", "text", required=False, nullable=True),
    Column("unit_cost", "单价", "float", nullable=True, minimum=0.0, maximum=MAX_YUAN, unit="元"),
    _notes("source"),
))
MULTIPLIERS = Table("multipliers", "地区系数", (
    Column("county", "县区", "text", unique=True),
    Column("multiplier", "地区系数", "float", maximum=MAX_MULTIPLIER),
    _notes("source"),
), optional=True)
LIMITS = Table("limits", "学校限制", (
    Column("school_id", "学校标识码", "text", unique=True),
    Column("name", "学校名称", "text", required=False, nullable=True),
    Column("land_m2", "可增加体育场地面积", "float", required=False, nullable=True, minimum=0.0,
           maximum=MAX_AREA_M2, unit="m²"),
    Column("posts", "可用编制", "int", required=False, nullable=True, minimum=0,
           maximum=MAX_PUPILS, unit="人"),
    Column("closing", "拟撤并", "bool", required=False, nullable=True),
    _notes("source"),
), optional=True)
COUNTY_POSTS = Table("county_posts", "县级编制", (
    Column("county", "县区", "text", unique=True),
    Column("posts", "可用编制", "int", minimum=0, maximum=MAX_PUPILS, unit="人"),
    _notes("source"),
), optional=True)
SHEETS: dict[str, Table] = {t.name: t for t in (PRICES, MULTIPLIERS, LIMITS, COUNTY_POSTS)}
EXAMPLE_SHEET = "示例（非官方价格）"
_EXAMPLE_PREFIXES = ("示例", "example")

_EMPTY_ZH = "单价表为空：请填写本地单价"
_EMPTY_EN = "the price table is empty: enter your local prices"


@dataclass(frozen=True)
class Prices:
    """The bureau's unit costs and limits, as read by ``read_prices``.

    - ``unit_costs``: kind (``KINDS``) → 元 per unit: per m² (teaching, sports), per 元 of
      equipment (usually 1.0), per room, per teacher-year (``hire_*``), per teacher appointed
      or trained (``appoint_backbone``). A kind with no price is not a lever.
    - ``multipliers``: county → regional multiplier, applied to every kind (absent: 1.0).
    - ``land_m2``: school id → m² of sports ground that can still be added (absent: no limit;
      0: none).
    - ``posts``: school id → teacher posts (编制) available (absent: no limit).
    - ``county_posts``: county → posts available in the county (absent: no limit).
    - ``closing``: school ids marked for closure: no investment, no hires.
    - ``warnings``: what was read but ignored (unrecognised sheets and columns); not compared.
    """

    unit_costs: Mapping[str, float]
    multipliers: Mapping[str, float] = field(default_factory=dict)
    land_m2: Mapping[str, float] = field(default_factory=dict)
    posts: Mapping[str, int] = field(default_factory=dict)
    county_posts: Mapping[str, int] = field(default_factory=dict)
    closing: frozenset[str] = frozenset()
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    def cost(self, kind: str, county: str) -> float | None:
        """The unit cost of ``kind`` in ``county`` (× its multiplier); None when not priced.

        >>> p = Prices({"sports_area_m2": 400.0}, multipliers={"甲县": 1.25})
        >>> p.cost("sports_area_m2", "甲县"), p.cost("sports_area_m2", "乙县")
        (500.0, 400.0)
        >>> p.cost("music_rooms", "甲县") is None
        True
        """
        if kind not in KIND_NAMES:
            raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        price = self.unit_costs.get(kind)
        if price is None:
            return None
        return price * self.multipliers.get(county, 1.0)

    @property
    def priced(self) -> tuple[str, ...]:
        """The kinds with a price (the planner's levers), in ``KINDS`` order."""
        return tuple(k for k in KINDS if k in self.unit_costs)


# -- reading ----------------------------------------------------------------------------------

def _sheet_for(label: str) -> str | None:
    """The table a sheet or file name stands for: its Chinese name, its English name, or both
    (``单价 prices``, as the template's documentation writes them)."""
    key = " ".join(label.replace("\ufeff", "").split()).lower()
    for table in SHEETS.values():
        if key in (table.zh, table.name, f"{table.zh} {table.name}"):
            return table.name
    return None


def _ignored_silently(label: str) -> bool:
    key = label.strip().lower()
    return key in INSTRUCTION_SHEETS or key.startswith(_EXAMPLE_PREFIXES)


def _read_raw(path: Path, limits: ReadLimits) -> tuple[dict[str, RawTable], list[Problem], bool]:
    """The price sheets (the data reader's own guarded reading, with this table's sheet names),
    warnings for the sheets ignored, and whether the workbook has an example sheet."""
    tables, warnings, skipped = read_named_tables(
        path, limits, _sheet_for, _ignored_silently,
        ("单价表应为 .xlsx 工作簿或 CSV 文件夹",
         "the price table must be an .xlsx workbook or a folder of .csv files"))
    example = any(name.strip().lower().startswith(_EXAMPLE_PREFIXES) for name in skipped)
    return tables, warnings, example


def _unit_key(text: str) -> str:
    """A unit as compared: spaces, brackets and the dot of 人·年 dropped, ／ as /, m2 ㎡ as m²."""
    key = re.sub(r"[\s()（）·・•.．]", "", text).replace("／", "/").replace("每", "/")
    key = key.replace("㎡", "m²").replace("M", "m").replace("m2", "m²")
    return key.replace("//", "/")


def _kind_lookup() -> dict[str, str]:
    lookup = {k: k for k in KINDS}
    lookup.update({name: k for k, name in KIND_NAMES.items()})
    lookup.update(_KIND_ALIASES)
    return lookup


_KIND_LOOKUP = _kind_lookup()


def _kind_of(text: str) -> tuple[str | None, str | None]:
    """(kind, None), or (kind, the unit the label names) when that unit is not the kind's, or
    (None, None) for an unknown kind."""
    key = text.strip()
    kind = _KIND_LOOKUP.get(key.lower()) or _KIND_LOOKUP.get(key)
    if kind is not None:
        return kind, None
    parts = split_unit(key)
    if parts is None:
        return None, None
    kind = _KIND_LOOKUP.get(parts[0].lower()) or _KIND_LOOKUP.get(parts[0])
    if kind is None:
        return None, None
    return kind, None if _unit_key(parts[1]) in _UNIT_KEYS[KIND_UNITS[kind]] else parts[1]


def _kinds_expected() -> str:
    return " · ".join(f"{k} {KIND_LABELS[k]}" for k in KINDS)


def _unit_problem(source: str, row: int, column: str, value: str, kind: str) -> Problem:
    unit = KIND_UNITS[kind]
    return Problem(source, row, column, value,
                   f"「{KIND_NAMES[kind]}」的单位是「{unit}」：单价按元填写（不是万元），"
                   f"请换算后填写，单位写作「{unit}」",
                   f"the unit of {kind} is '{unit}' (yuan per unit): enter the price in yuan, "
                   f"not 万元 (10 000 yuan) or another unit, and write the unit as '{unit}'")


def _price_checks(frame: pl.DataFrame, source: str, problems: list[Problem]
                  ) -> dict[str, float]:
    """Kinds known and in their unit, each priced once; return the prices given."""
    kind_col, unit_col = (_col_label(PRICES.column(c)) for c in ("kind", "unit"))
    costs: dict[str, float] = {}
    first: dict[str, int] = {}
    for r in frame.iter_rows(named=True):
        if r["kind"] is None:
            continue
        kind, wrong_unit = _kind_of(r["kind"])
        if kind is None:
            problems.append(Problem(source, r[ROW], kind_col, r["kind"],
                                    f"未知的项目；应为以下之一（代码或中文名称）：{_kinds_expected()}",
                                    f"unknown kind; one of (code or Chinese label): "
                                    f"{_kinds_expected()}"))
            continue
        if wrong_unit is not None:
            problems.append(_unit_problem(source, r[ROW], kind_col, r["kind"], kind))
        if r["unit"] is not None and _unit_key(r["unit"]) not in _UNIT_KEYS[KIND_UNITS[kind]]:
            problems.append(_unit_problem(source, r[ROW], unit_col, r["unit"], kind))
        if r["unit_cost"] is None:
            continue
        if kind in first:
            problems.append(Problem(source, r[ROW], kind_col, r["kind"],
                                    f"「{KIND_NAMES[kind]}」的单价已在第{first[kind]}行填写；"
                                    "每个项目只填一个单价",
                                    f"the price of {kind} is already given on row "
                                    f"{first[kind]}; give each kind one price"))
            continue
        first[kind] = r[ROW]
        costs[kind] = float(r["unit_cost"])
    return costs


def _multiplier_expected() -> tuple[str, str]:
    return (f"大于 0、不超过 {MAX_MULTIPLIER:g} 的数（如 1.15）；没有地区差异的县区不必填写",
            f"a number above 0 and at most {MAX_MULTIPLIER:g} (such as 1.15); a county without "
            "a regional difference needs no row")


def _multiplier_checks(frame: pl.DataFrame, source: str, problems: list[Problem]
                       ) -> dict[str, float]:
    column = _col_label(MULTIPLIERS.column("multiplier"))
    zh, en = _multiplier_expected()
    # The reader's own message for this column ("below 10 in size") is said as the rule is.
    problems[:] = [dataclasses.replace(p, expected_zh=zh, expected_en=en)
                   if p.table == source and p.column == column and p.value is not None else p
                   for p in problems]
    out: dict[str, float] = {}
    for r in frame.iter_rows(named=True):
        value = r["multiplier"]
        if value is None:
            continue
        if value <= 0 or not math.isfinite(value):
            problems.append(Problem(source, r[ROW], column, f"{value:.15g}", zh, en))
        elif r["county"] is not None and r["county"] not in out:
            out[r["county"]] = float(value)
    return out


def _unknown(source: str, rows: pl.DataFrame, column: str, known: set[str],
             zh: str, en: str, label: str) -> list[Problem]:
    return [Problem(source, r[ROW], label, r[column], zh, en)
            for r in rows.iter_rows(named=True)
            if r[column] is not None and r[column] not in known]


def read_prices(path: str | Path, dataset: Dataset | None = None, *,
                limits: ReadLimits | None = None) -> Prices:
    """Read and check the bureau's price table: an .xlsx workbook or a folder of .csv files.

    With ``dataset``, every school id and county must be one of the dataset's. Raises
    ``InputError`` listing every problem (each at its sheet, spreadsheet row and column), among
    them an unfilled price table (the template as shipped). Nothing is guessed or converted.
    """
    path = Path(path)
    try:
        raw, warnings, example = _read_raw(path, limits or ReadLimits())
    except ReadError as exc:
        raise InputError(exc.problems) from exc
    problems: list[Problem] = []
    typed: dict[str, pl.DataFrame] = {}
    sources: dict[str, str] = {}
    for name, table in SHEETS.items():
        if name not in raw:
            if not table.optional:
                problems.append(Problem(f"{table.zh} {table.name}", None, None, None,
                                        f"缺少工作表「{table.zh}」（工作表或文件名为 {table.zh} 或 "
                                        f"{table.name}）；{_EMPTY_ZH}",
                                        f"the sheet '{table.name}' is missing (a sheet or file "
                                        f"named {table.zh} or {table.name}); {_EMPTY_EN}"))
            continue
        frame, more_problems, more_warnings = _coerce(raw[name], table)
        typed[name] = frame
        sources[name] = raw[name].source
        problems += more_problems
        warnings += more_warnings

    costs: dict[str, float] = {}
    if "prices" in typed:
        costs = _price_checks(typed["prices"], sources["prices"], problems)
        price_label = _col_label(PRICES.column("unit_cost"))
        refused = any(p.table == sources["prices"] and p.column == price_label and p.row
                      for p in problems)
        if not costs and not refused:
            hint_zh = "（示例工作表中的数字不会被读取）" if example else ""
            hint_en = " (the example sheet's figures are not read)" if example else ""
            problems.append(Problem(
                sources["prices"], None, None, None,
                f"{_EMPTY_ZH}。每个项目一行，按元填写本地单价（如本地建设标准、工程造价资料、"
                f"工资标准）；不使用的项目可留空{hint_zh}",
                f"{_EMPTY_EN}. One row per kind, the local price in yuan (from the bureau's "
                f"building standards, construction cost data and payroll); leave a kind empty "
                f"to keep it out of the plan{hint_en}"))

    multipliers: dict[str, float] = {}
    if "multipliers" in typed:
        multipliers = _multiplier_checks(typed["multipliers"], sources["multipliers"], problems)

    land: dict[str, float] = {}
    posts: dict[str, int] = {}
    closing: set[str] = set()
    if "limits" in typed:
        frame, source = typed["limits"], sources["limits"]
        labels = [_col_label(LIMITS.column(c)) for c in ("land_m2", "posts", "closing")]
        refused = any(p.table == source and p.column in labels for p in problems)
        if (frame.height and not refused
                and frame.select(pl.col("land_m2", "posts", "closing").is_null().all()).row(0)
                == (True, True, True)):
            # A sheet of schools without a single limit: most likely misspelled headers.
            cols = " · ".join(labels)
            problems.append(Problem(source, 1, None, None,
                                    f"没有任何限制：应至少有一列填写 {cols}",
                                    f"no limit given: fill in at least one of the columns {cols}"))
        for r in frame.filter(pl.col("school_id").is_not_null()).iter_rows(named=True):
            school = r["school_id"]
            if r["land_m2"] is not None:
                land.setdefault(school, float(r["land_m2"]))
            if r["posts"] is not None:
                posts.setdefault(school, int(r["posts"]))
            if r["closing"]:
                closing.add(school)

    county_posts: dict[str, int] = {}
    if "county_posts" in typed:
        for r in typed["county_posts"].iter_rows(named=True):
            if r["county"] is not None and r["posts"] is not None:
                county_posts.setdefault(r["county"], int(r["posts"]))

    if dataset is not None:
        problems += _dataset_checks(dataset, typed, sources)

    if problems:
        order = {sources.get(name, name): i for i, name in enumerate(SHEETS)}
        problems = _first_per_cell(problems)
        problems.sort(key=lambda p: (order.get(p.table, len(order)), p.row or 0))
        raise InputError(problems, warnings)
    return Prices(costs, multipliers, land, posts, county_posts, frozenset(closing),
                  tuple(warnings))


def _dataset_checks(dataset: Dataset, typed: dict[str, pl.DataFrame], sources: dict[str, str]
                    ) -> list[Problem]:
    schools = set(dataset.schools.get_column("school_id").drop_nulls().to_list())
    counties = set(dataset.schools.get_column("county").drop_nulls().to_list())
    problems: list[Problem] = []
    for name in ("multipliers", "county_posts"):
        if name in typed:
            problems += _unknown(sources[name], typed[name], "county", counties,
                                 "数据中没有这个县区（学校表的县区列）",
                                 "no school of the data is in this county (the schools "
                                 "table's county column)",
                                 _col_label(SHEETS[name].column("county")))
    if "limits" in typed:
        problems += _unknown(sources["limits"], typed["limits"], "school_id", schools,
                             "数据的学校表中没有这个学校标识码",
                             "no school with this id in the data's schools table",
                             _col_label(LIMITS.column("school_id")))
    return problems


# -- the template -----------------------------------------------------------------------------

INSTRUCTIONS: list[tuple[str, str]] = [
    ("填表说明", "本工作簿是 junheng「达标路径」规划（最低成本补齐短板）的单价与限制表。"
             "junheng 不提供任何单价：请教育局填写本地单价，例如依据本地的学校建设标准、工程造价资料、"
             "设备采购价格和教师工资标准。所填数字及来源由教育局负责。"),
    ("", "This workbook holds the unit prices and limits for junheng's least-cost \"path to pass\" "
         "plan. junheng ships no prices: the bureau enters its own local prices, e.g. from its "
         "school building standards, construction cost data, procurement prices and payroll. "
         "The figures and their sources are the bureau's."),
    ("单价", "必填。每个项目一行（项目可填代码或中文名称），单价以元为单位（不是万元），单位见「单位」列；"
           "留空的项目规划时不使用。新聘教师按每人每年计，骨干教师培养认定按每人计。"
           "「来源或说明」请写明数字的出处。"),
    ("", "Required. One row per kind (its code or Chinese label); the price in yuan (not 万元), in "
         "the unit of the 单位 column; a kind left empty is not used by the plan. New teachers "
         "are priced per teacher-year, backbone training per teacher. Say where each figure comes "
         "from in 来源或说明."),
    ("地区系数", "选填。每个县区一行：地区系数（大于 0，如 1.15）乘以全部单价；未列出的县区为 1。"),
    ("", "Optional. One row per county: the multiplier (above 0, such as 1.15) applied to every "
         "price; a county not listed has 1."),
    ("学校限制", "选填。每所学校一行：可增加体育场地面积（m²，没有可用土地的学校填 0，留空表示不限）、"
             "可用编制（人，留空表示不限）、拟撤并（是/否；拟撤并的学校不安排投入和新聘）。"),
    ("", "Optional. One row per school: the m² of sports ground that can still be added (0 for a "
         "school without land, empty for no limit), the teacher posts available (empty for no "
         "limit), and 拟撤并 closing (yes/no: a school marked for closure gets no investment and "
         "no new teachers)."),
    ("县级编制", "选填。每个县区一行：全县可用编制（人）。"),
    ("", "Optional. One row per county: the teacher posts available in the county."),
    ("示例", f"工作表「{EXAMPLE_SHEET}」中的数字是虚构的，只演示填写格式，不是任何地区的实际价格或官方标准，"
           "不会被读取。"),
    ("", f"The sheet '{EXAMPLE_SHEET}' holds made-up figures showing the format only; they are not "
         "any region's actual or official prices, and are not read."),
]

# Made-up figures for the example sheet: they show the units and the magnitudes' form, nothing
# else. Never defaults, never read.
EXAMPLE_PRICES: dict[str, float] = {
    "teaching_area_m2": 3000, "sports_area_m2": 300, "equipment_yuan": 1,
    "multimedia_rooms": 150000,
    "music_rooms": 200000, "art_rooms": 200000, "hire_qualified": 120000, "hire_pe_art": 120000,
    "appoint_backbone": 10000,
}
DEMO_NOTE = "虚构的演示单价，仅供示例县使用 / made-up demo price for the sample county"
_PRICE_NOTE = ("请填写本地单价（元）。junheng 不提供任何默认价格。/ Enter your local price in "
               "yuan; junheng has no default prices.")


def write_prices_template(path: str | Path, demo: bool = False) -> Path:
    """Write the empty price table to ``path`` (atomically); return the path. ``demo``: the
    单价 sheet filled with the made-up example prices, each row saying so (for the sample
    county of ``junheng sample --prices``; never a bureau's prices).

    >>> import tempfile, pathlib
    >>> out = write_prices_template(pathlib.Path(tempfile.mkdtemp()) / "单价.xlsx")
    >>> try:
    ...     read_prices(out)
    ... except InputError as exc:
    ...     print(exc.problems[0].expected_en.split(".")[0])
    the price table is empty: enter your local prices
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                              "strings_to_numbers": False,
                                              "strings_to_urls": False})
        fmt = {
            "required": book.add_format({"bold": True, "bg_color": "#1F4E78",
                                         "font_color": "#FFFFFF", "border": 1,
                                         "text_wrap": True, "valign": "vcenter"}),
            "optional": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                         "text_wrap": True, "valign": "vcenter"}),
            "code": book.add_format({"italic": True, "font_color": "#808080",
                                     "bg_color": "#F2F2F2", "border": 1}),
            "text": book.add_format({"num_format": "@"}),
            "bold": book.add_format({"bold": True, "valign": "top"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
            "warn": book.add_format({"bold": True, "font_color": "#C00000", "text_wrap": True,
                                     "valign": "top"}),
        }
        _write_instructions(book, fmt)
        for table in SHEETS.values():
            sheet = book.add_worksheet(table.zh)
            _write_headers(sheet, table, fmt)
            if table is PRICES:
                _write_price_rows(sheet, fmt, demo)
            else:
                _write_validations(sheet, table)
        _write_example(book, fmt)
        book.close()
    return path


def _write_instructions(book: xlsxwriter.Workbook, fmt: dict) -> None:
    sheet = book.add_worksheet("填表说明")
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 110)
    for row, (head, text) in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, head, fmt["bold"])
        sheet.write_string(row, 1, text, fmt["warn"] if row < 2 else fmt["wrap"])


def _write_headers(sheet, table: Table, fmt: dict) -> None:
    for j, col in enumerate(table.columns):
        required = col.required and not col.nullable
        sheet.write_string(0, j, col.header, fmt["required" if required else "optional"])
        sheet.write_string(1, j, col.name, fmt["code"])
        width = 36 if col.name in ("kind", "source") else max(len(col.header) * 2 + 2, 12)
        sheet.set_column(j, j, width, fmt["text"] if col.kind == "text" else None)
    sheet.set_row(0, 30)
    sheet.freeze_panes(2, 0)


_ROWS = 2000  # validated rows below the headers


def _write_validations(sheet, table: Table) -> None:
    for j, col in enumerate(table.columns):
        rule = None
        if col.kind == "bool":
            rule = {"validate": "list", "source": ["是", "否"],
                    "error_message": "请填写 是 或 否 / yes or no"}
        elif col.name == "multiplier":
            rule = {"validate": "decimal", "criteria": "between", "minimum": 1e-9,
                    "maximum": MAX_MULTIPLIER,
                    "error_message": f"应为大于 0、不超过 {MAX_MULTIPLIER:g} 的数 / a number above 0 "
                                     f"and at most {MAX_MULTIPLIER:g}"}
        elif col.kind in ("int", "float"):
            rule = {"validate": "integer" if col.kind == "int" else "decimal", "criteria": ">=",
                    "value": 0, "error_message": "应为 ≥ 0 的数 / a number ≥ 0"}
        if rule:
            sheet.data_validation(2, j, _ROWS, j, {**rule, "error_title": col.zh})


def _write_price_rows(sheet, fmt: dict, demo: bool = False) -> None:
    for i, kind in enumerate(KINDS, start=2):
        sheet.write_string(i, 0, KIND_LABELS[kind])
        sheet.write_string(i, 1, KIND_UNITS[kind])
        if demo:
            sheet.write_number(i, 2, EXAMPLE_PRICES[kind])
            sheet.write_string(i, 3, DEMO_NOTE)
    sheet.data_validation(2, 0, _ROWS, 0, {"validate": "list",
                                           "source": [KIND_LABELS[k] for k in KINDS],
                                           "error_title": "项目",
                                           "error_message": "请从下拉列表中选择 / choose from the list"})
    sheet.data_validation(2, 2, _ROWS, 2, {"validate": "decimal", "criteria": ">=", "value": 0,
                                           "input_title": "本地单价（元）",
                                           "input_message": "按元填写，不是万元 / in yuan, not 万元",
                                           "error_title": "单价",
                                           "error_message": "应为 ≥ 0 的数（元） / a number ≥ 0 (yuan)"})
    sheet.write_comment(0, 2, _PRICE_NOTE, {"visible": True, "x_scale": 2.2, "y_scale": 1.2})


def _write_example(book: xlsxwriter.Workbook, fmt: dict) -> None:
    sheet = book.add_worksheet(EXAMPLE_SHEET)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, 3, 60)
    sheet.merge_range(0, 0, 0, 3, "示例（非官方价格）：以下数字是虚构的，只演示格式，不是任何地区的实际价格或"
                      "官方标准，不会被读取；请在「单价」工作表填写本地单价。/ example (not official "
                      "prices): made-up figures showing the format only, not any region's "
                      "actual or official prices, and not read; enter your local prices on the 单价 sheet.",
                      fmt["warn"])
    sheet.set_row(0, 48)
    for j, col in enumerate(PRICES.columns):
        sheet.write_string(2, j, col.header, fmt["optional"])
    for i, kind in enumerate(KINDS, start=3):
        sheet.write_string(i, 0, KIND_LABELS[kind])
        sheet.write_string(i, 1, KIND_UNITS[kind])
        sheet.write_number(i, 2, EXAMPLE_PRICES[kind])
        sheet.write_string(i, 3, "虚构示例，请勿照抄 / made up, do not copy")
