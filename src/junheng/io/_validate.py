"""Check raw tables against the schema and turn them into the typed tables of a ``Dataset``.

Every problem is collected before anything is returned: per cell (types, declared ranges,
enums, empty required cells), per table (missing or repeated columns, a header in another unit,
duplicate ids, no data rows) and across tables (unknown schools, stages a school type cannot
have, facility totals, teachers without a stage). Figures no real school has (a likely unit
slip, declared in ``schema.PLAUSIBILITY``) are warnings. All checks are vectorised; Python only
loops over the rows that are wrong.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import polars as pl

from junheng.errors import InputError, Problem
from junheng.io._groups import group_checks, group_frame
from junheng.io._read import RawTable, format_number
from junheng.model.dataset import OPTIONAL, Dataset
from junheng.model.lookup import one_of, rows_in
from junheng.model.runs import run_ids, run_rows, run_table
from junheng.model.schema import (
    BOOL_SPELLINGS,
    ENUMS,
    EXACT_LIMIT,
    FACILITY_COLUMNS,
    GRADES_PRIMARY,
    MULTI_STAGE_TYPES,
    PLAUSIBILITY,
    STAGES_BY_SCHOOL_TYPE,
    TABLES,
    YEARS,
    Column,
    Plausibility,
    Table,
    split_unit,
)

ROW = "_row"  # spreadsheet row number, kept while validating
_NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
            pl.Float32, pl.Float64)
_NUMBER_KINDS = ("int", "float", "ratio", "school_year")
_EXACT_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
_DTYPES = {"text": pl.String, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean,
           "enum": pl.String, "ratio": pl.Float64, "school_year": pl.Int64}
# 2025 · 2025-2026 · 2025—2026学年 · 2025~2026 · 2025至2026年度 (the starting year is kept)
_SCHOOL_YEAR = r"^(\d{4})(?:\.0+)?(?:\s*[-–—~～至/]\s*(\d{4}))?\s*(?:学年|年)?度?$"


# The readers rename a repeated header rather than refuse it: fastexcel (xlsx) makes the second
# 教师编号 into 教师编号_1 (and 教师编号_2 …), polars (CSV) into 教师编号_duplicated_0. The
# renamed column would then be ignored as unrecognised, and one of the two silently lost.
_RENAMED = re.compile(r"^(.*?)(?:_duplicated_(\d+)|_(\d+))$")
_UNIT_EN = {"元": "yuan", "m²": "m²", "人": "people", "间": "rooms", "个": "classes",
            "册": "volumes", "台": "computers", "所": "schools"}


def _col_label(col: Column) -> str:
    return f"{col.zh} {col.name}"


def _number(x: float) -> str:
    """A bound for people to read: 1,000,000 rather than 1e+06."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _shown(x: float | int) -> str:
    """A figure in a message, as the cell would show it (59.5, 8346.1, 1234567)."""
    return f"{x:.15g}" if isinstance(x, float) else str(x)


def _range(col: Column) -> tuple[str, str]:
    """' 0 到 1,000,000（人）' / ' from 0 to 1,000,000 (people)'; a year as years are written
    (1900, not 1,900)."""
    low = 0 if col.kind == "int" and col.minimum is None else col.minimum
    high = col.maximum
    number = (lambda x: f"{x:.0f}") if (low, high) == YEARS else _number
    if high is None:
        # Only exactness bounds the column: say so, or 2^53 + 1 would look accepted.
        high = EXACT_LIMIT
        zh_high, en_high = "2⁵³", "2⁵³"
    else:
        zh_high = en_high = number(high)
    unit_zh = f"（{col.unit}）" if col.unit else ""
    unit_en = f" ({_UNIT_EN.get(col.unit, col.unit)})" if col.unit else ""
    if low is None:
        return f"，绝对值小于 {zh_high}{unit_zh}", f" below {en_high} in size{unit_en}"
    return (f"，{number(low)} 到 {zh_high}{unit_zh}", f" from {number(low)} to {en_high}{unit_en}")


def _expected(col: Column) -> tuple[str, str]:
    if col.kind == "int":
        zh, en = _range(col)
        return f"整数{zh}", f"a whole number{en}"
    if col.kind == "float":
        zh, en = _range(col)
        return f"数值{zh}", f"a number{en}"
    if col.kind == "bool":
        return "是/否（true/false、1/0、yes/no、Y/N）", "a yes/no value (是/否, true/false, 1/0, Y/N)"
    if col.kind == "ratio":
        return ("0–1 之间的小数（如 0.96）或百分数（如 96%）",
                "a fraction between 0 and 1 (such as 0.96) or a percentage (such as 96%)")
    if col.kind == "school_year":
        return ("学年，如 2025 或 2025-2026（起始年份）",
                "a school year such as 2025 or 2025-2026 (its starting year)")
    if col.kind == "enum":
        assert col.enum is not None
        options = ENUMS[col.enum].expected()
        return f"以下之一：{options}", f"one of: {options}"
    return "文本", "text"


def _letter(position: int) -> str:
    """A spreadsheet column letter: 0 → A, 26 → AA. The readers keep a sheet's columns in
    order from its first used column, so the letter is the sheet's when that is column A (as
    in the template and in every export we have seen)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _renamed_from(header: str, position: dict[str, int]) -> str | None:
    """The header a reader renamed into ``header`` because it repeats an earlier one, or None.

    The readers number repeats from 1 (fastexcel) or 0 (polars) upwards, so a suffix as large as
    the number of columns (备注_2024) is the user's own header, not a renamed repeat.
    """
    match = _RENAMED.match(header)
    if match is None or match.group(1) not in position:
        return None
    number = int(match.group(2) if match.group(2) is not None else match.group(3))
    return match.group(1) if number < len(position) else None


def _unnamed(header: str) -> bool:
    """A column without a header: fastexcel names it __UNNAMED__3, polars '' (or
    _duplicated_0, for a second one)."""
    return header.startswith("__UNNAMED__") or _RENAMED.sub(r"\1", header).strip() == ""


def _map_headers(raw: RawTable, table: Table) -> tuple[dict[str, str], list[Problem], list[Problem]]:
    """Map source headers to canonical names; return (mapping, problems, warnings).

    A header is the English name (any case), the Chinese name, or the Chinese name with its
    unit in brackets (``在校生数（人）``). A header naming another unit, or a column named
    twice (two spellings of one column, or the very same header that the reader renamed), is an
    error: the figures would be misread, or one of the two columns silently lost.
    """
    by_alias: dict[str, str] = {}
    for col in table.columns:
        by_alias[col.name.lower()] = col.name
        by_alias[col.zh] = col.name
    columns = raw.frame.columns
    position = {header: j for j, header in enumerate(columns)}
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def where(header: str) -> str:
        return _letter(position[header])

    for header in columns:
        key = header.replace("\ufeff", "").strip()
        canonical = by_alias.get(key.lower()) or by_alias.get(key)
        parts = split_unit(key) if canonical is None else None
        if parts is not None:
            named = by_alias.get(parts[0].lower()) or by_alias.get(parts[0])
            col = table.column(named) if named else None
            if col is not None and col.unit is not None:
                canonical = col.name
                if not col.accepts_unit(parts[1]):
                    # Still read as this column, so the header is the one problem reported,
                    # not also every cell of a column gone missing.
                    problems.append(Problem(
                        raw.source, 1, f"{where(header)}列 column {where(header)}", header,
                        f"表头的单位「{parts[1]}」不是本列的单位「{col.unit}」：请把数值换算为"
                        f"{col.unit}，表头写作「{col.header}」",
                        f"the header's unit '{parts[1]}' is not this column's unit "
                        f"'{col.unit}': convert the figures to {col.unit} and head the column "
                        f"'{col.header}' ({col.name})"))
        original = _renamed_from(header, position) if canonical is None else None
        if canonical is None and _unnamed(header):
            if raw.frame.get_column(header).null_count() == raw.frame.height:
                continue  # an empty, unnamed spreadsheet column
            warnings.append(Problem(raw.source, 1, f"{where(header)}列 column {where(header)}",
                                    None, "没有表头的列，已忽略",
                                    "a column without a header, ignored"))
            continue
        if canonical is None and original is not None:
            first, second = where(original), where(header)
            label = f"{original}（{first}列、{second}列 columns {first}, {second}）"
            zh = f"表头重复：{first}列和{second}列都是「{original}」"
            en = f"repeated header: columns {first} and {second} are both '{original}'"
            if original in mapping:
                problems.append(Problem(raw.source, 1, label, original,
                                        f"{zh}，无法确定用哪一列；请删除或改名其中一列",
                                        f"{en}; delete or rename one of them"))
            else:
                warnings.append(Problem(raw.source, 1, label, original,
                                        f"{zh}，均未识别，已忽略",
                                        f"{en}; neither is recognised, both ignored"))
            continue
        if canonical is None:
            warnings.append(Problem(raw.source, 1, header, None, "未识别的列，已保留但不参与计算",
                                    "unrecognised column, kept and ignored"))
            continue
        if canonical in mapping.values():
            first = next(h for h, c in mapping.items() if c == canonical)
            problems.append(Problem(raw.source, 1, f"{header}（{where(header)}列 column "
                                    f"{where(header)}）", header,
                                    f"与{where(first)}列「{first}」重复（同为 {canonical}）",
                                    f"duplicates column {where(first)} '{first}' (both are "
                                    f"{canonical})"))
            continue
        mapping[header] = canonical
    for col in table.columns:
        if col.required and col.name not in mapping.values():
            problems.append(Problem(raw.source, 1, _col_label(col), None,
                                    f"缺少必需的列「{col.header}」（{col.name}）",
                                    f"required column '{col.name}' ({col.header}) is missing"))
    return mapping, problems, warnings


def _has_code_row(frame: pl.DataFrame, mapping: dict[str, str]) -> bool:
    """The template's second header row holds the English codes; recognise and skip it."""
    if frame.height == 0:
        return False
    return _is_code_row(frame.row(0, named=True), mapping)


def _is_code_row(first: dict[str, object], mapping: dict[str, str]) -> bool:
    """Whether the row ``first`` (header → cell) is the template's row of English codes.

    >>> _is_code_row({"学校名称": "name", "在校生数": "pupils"}, {"学校名称": "name", "在校生数": "pupils"})
    True
    >>> _is_code_row({"学校名称": "第一小学"}, {"学校名称": "name"})
    False
    """
    if not mapping:
        return False
    matches = 0
    for header, canonical in mapping.items():
        value = first[header]
        if value is None:
            continue
        if str(value).strip().lower() != canonical:
            return False
        matches += 1
    return matches >= max(1, len(mapping) // 2)


_BAD = "\x00bad"  # marks a non-empty cell that is not a valid code


def _normalised(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _code_map(values: pl.Series, col: Column) -> dict[str, str | None]:
    """Each distinct raw spelling of an enum/bool column mapped to its code (few distinct values,
    so parsing them in Python is cheaper than per-row string work)."""
    if col.kind == "bool":
        lookup = {k: str(v).lower() for k, v in BOOL_SPELLINGS.items()}
    else:
        assert col.enum is not None
        lookup = ENUMS[col.enum].lookup()
    mapping: dict[str, str | None] = {}
    for raw in values.drop_nulls().to_list():
        key = str(raw).strip()
        mapping[raw] = None if key == "" else lookup.get(key.lower(), lookup.get(key, _BAD))
    return mapping


def _stages(frame: pl.DataFrame, header: str, col: Column, spellings: pl.Series | None = None,
            dtype: pl.DataType | None = None,
            ) -> tuple[pl.Expr, pl.Expr | None, pl.Expr, pl.Expr]:
    """Parse one column in three steps so no intermediate is computed twice:
    (base from the source, number from base or None, typed value, ok). ``base``, ``number``
    are materialised as columns ``_b_<name>`` and ``_x_<name>`` before value and ok use them.
    ``dtype`` is the column's type when the caller has the schema already (``frame.schema``
    builds a new one at each call: a cost per column of a 35-column county sheet)."""
    if dtype is None:
        dtype = frame.schema[header]
    if col.kind not in ("enum", "bool") or dtype == pl.Boolean:
        return _figure_stages(dtype, header, col)
    return _coded_stages(frame, header, col, spellings)


@functools.lru_cache(maxsize=4096)
def _figure_stages(dtype: pl.DataType, header: str, col: Column,
                   ) -> tuple[pl.Expr, pl.Expr | None, pl.Expr, pl.Expr]:
    """``_stages`` of a column that needs no code map: a function of the column and its source
    alone, so built once (building them cost more than running them on a county's sheets).
    Expressions are immutable, so sharing them between workbooks is safe."""
    source = pl.col(header)
    b, x = pl.col(f"_b_{col.name}"), pl.col(f"_x_{col.name}")
    if col.kind == "int" and dtype in _EXACT_INTEGERS:
        # Integers already (Parquet): exact as they are, so only their range is checked — the
        # same answers as through a float, since below 2^53 in size the two are one number.
        limit = int(EXACT_LIMIT)
        ok = (b > -limit) & (b < limit)
        if col.minimum is not None:
            ok = ok & (b >= col.minimum)
        if col.maximum is not None:
            ok = ok & (b <= col.maximum)
        return source, None, pl.when(ok).then(b).cast(pl.Int64), b.is_null() | ok
    if col.kind in ("int", "float"):
        if dtype in _NUMERIC:
            base, number = source.cast(pl.Float64), b
        else:
            base, number = _normalised(source), b.cast(pl.Float64, strict=False)
        # Below 2^53 in size: every such float is one integer (2^53 + 1 reads as 2^53, so 2^53
        # itself is refused), and sums and CVs of bounded figures stay finite.
        ok = x.is_not_null() & x.is_finite() & (x.abs() < EXACT_LIMIT)
        if col.minimum is not None:
            ok = ok & (x >= col.minimum)
        if col.maximum is not None:
            ok = ok & (x <= col.maximum)
        if col.kind == "int":
            ok = ok & (x == x.round())
            value = pl.when(ok).then(x).otherwise(None).cast(pl.Int64)
        else:
            value = pl.when(ok).then(x).otherwise(None)
        return base, number, value, b.is_null() | ok
    if col.kind == "ratio":
        if dtype in _NUMERIC:
            base, number = source.cast(pl.Float64), b
        else:
            text = _normalised(source).str.replace_all("％", "%")
            base = text
            percent = b.str.ends_with("%")
            digits = b.str.strip_chars_end("%").str.strip_chars().cast(pl.Float64, strict=False)
            number = pl.when(percent).then(digits / 100).otherwise(
                b.cast(pl.Float64, strict=False))
        ok = x.is_not_null() & x.is_finite() & (x >= 0) & (x <= 1)
        return base, number, pl.when(ok).then(x), b.is_null() | ok
    if col.kind == "school_year":
        if dtype in _NUMERIC:
            base = source.cast(pl.Float64)
            number = pl.when(b == b.round()).then(b).cast(pl.Int64, strict=False)
        else:
            base = _normalised(source)
            groups = b.str.extract_groups(_SCHOOL_YEAR)
            start = groups.struct.field("1").cast(pl.Int64)
            end = groups.struct.field("2").cast(pl.Int64)
            number = pl.when(end.is_null() | (end == start + 1)).then(start)
        ok = x.is_not_null() & (x >= 1900) & (x <= 2200)
        return base, number, pl.when(ok).then(x), b.is_null() | ok
    if col.kind == "bool" and dtype == pl.Boolean:
        return source, None, b, pl.lit(True)
    if col.kind == "text":
        if dtype in (pl.Float32, pl.Float64):
            # A numeric id column (Parquet): 123.0 is the id "123", not "123.0".
            whole = pl.when(source == source.round()).then(
                source.cast(pl.Int64).cast(pl.String))
            return whole.otherwise(source.cast(pl.String)), None, b, pl.lit(True)
        # Stripped only: _coerce turns empty texts into nulls for the columns that have any
        # (a when/then over millions of ids copies every one of them).
        return source.cast(pl.String).str.strip_chars(), None, b, pl.lit(True)
    raise AssertionError(col.kind)  # coded columns go to _coded_stages


def _coded_stages(frame: pl.DataFrame, header: str, col: Column, spellings: pl.Series | None,
                  ) -> tuple[pl.Expr, pl.Expr | None, pl.Expr, pl.Expr]:
    """``_stages`` of an enum or a yes/no column read as text: its spellings mapped to codes."""
    source = pl.col(header)
    b = pl.col(f"_b_{col.name}")
    raw = source.cast(pl.String)
    if spellings is None:
        spellings = frame.get_column(header).cast(pl.String).unique()
    mapping = _code_map(spellings, col)
    if col.kind == "enum" and all(code == spelling for spelling, code in mapping.items()):
        # Every value is already its code (a Parquet or CSV export): nothing to map or refuse,
        # and no pass over the column (a province's teachers have millions of rows).
        return raw, None, b, pl.lit(True)
    base = raw.replace_strict(mapping, default=None, return_dtype=pl.String)
    valid = pl.when(b == _BAD).then(None).otherwise(b)
    # A yes/no code is "true" or "false" (or null): a comparison, not a second map.
    value = (valid == "true") if col.kind == "bool" else valid
    return base, None, value, (b != _BAD).fill_null(True)


def _coerce(raw: RawTable, table: Table) -> tuple[pl.DataFrame, list[Problem], list[Problem]]:
    mapping, problems, warnings = _map_headers(raw, table)
    frame = raw.frame
    first_row = 2
    if raw.code_row is not None:  # read typed past the second row (io/_read.py)
        second = dict(zip(frame.columns, raw.code_row, strict=False))
        # The row as text, checked in Python: a one-row frame for it cost more than the check.
        if _is_code_row({h: None if second.get(h) is None else str(second[h])
                         for h in frame.columns}, mapping):
            first_row = 3
        else:  # not the codes after all: the sheet as text, every row of it
            assert raw.reread is not None
            frame = raw.reread()
    if first_row == 2 and _has_code_row(frame, mapping):
        frame = frame.slice(1)
        first_row = 3
    source_of = {canonical: header for header, canonical in mapping.items()}
    schema = dict(frame.schema)  # once: frame.schema builds a new Schema at each call
    # Kept unrecognised columns; a second header of a column (reported by _map_headers) would
    # collide with the column's own name, so it is left out.
    names = {col.name for col in table.columns} | {ROW}
    extras = [h for h in frame.columns if h not in mapping and not _unnamed(h)
              and h not in names]
    bases: list[pl.Expr] = []
    numbers: list[pl.Expr] = []
    finals: list[pl.Expr] = [pl.col(ROW)]
    plain: list[pl.Expr] = [pl.col(ROW)]
    flags: list[pl.Expr] = [pl.col(ROW)]
    checks: list[tuple[Column, str]] = []
    # The distinct spellings of every coded column, found in one parallel pass.
    coded = {col.name: source_of[col.name] for col in table.columns if col.name in source_of
             and (col.kind == "enum" or (col.kind == "bool"
                                         and schema[source_of[col.name]] != pl.Boolean))}
    spellings = _codes_already(frame, coded, table)
    coded = {name: h for name, h in coded.items() if name not in spellings}
    spellings |= dict(zip(coded, frame.select(
        pl.col(h).cast(pl.String).unique().implode().alias(name) for name, h in coded.items()
    ).row(0), strict=True)) if coded else {}
    for col in table.columns:
        header = source_of.get(col.name)
        if header is None:
            finals.append(pl.lit(None, dtype=_DTYPES[col.kind]).alias(col.name))
            plain.append(finals[-1])
            continue
        found = spellings.get(col.name)
        base, number, value, ok = _stages(frame, header, col,
                                          None if found is None else pl.Series(found,
                                                                               dtype=pl.String),
                                          schema[header])
        if col.kind == "text" and schema[header] == pl.String and _already_stripped(
                frame.get_column(header)):
            base = pl.col(header)
        bases.append(base.alias(f"_b_{col.name}"))
        if number is not None:
            numbers.append(number.alias(f"_x_{col.name}"))
        bad = ~ok
        if not col.nullable:
            bad = bad | value.is_null()
        finals.append(value.alias(col.name))
        # Where no cell is bad, a figure's value is its number as it stands: no copy of a
        # province's column through when/then.
        number_col = pl.col(f"_b_{col.name}" if number is None else f"_x_{col.name}")
        plain.append(number_col.cast(pl.Int64 if col.kind in ("int", "school_year")
                                     else pl.Float64).alias(col.name)
                     if col.kind in _NUMBER_KINDS else value.alias(col.name))
        flags.append(bad.alias(f"_bad_{col.name}"))
        checks.append((col, header))
    # The row numbers added apart: in the same select as the texts' strip they kept Polars from
    # splitting that strip over the cores (a province's ids took twice as long).
    staged = pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64, eager=True,
                          ).alias(ROW).to_frame()
    if bases or extras:
        staged = staged.hstack(frame.select(*bases, *[pl.col(h) for h in extras]))
    # Texts stripped in _stages: an empty one is no value (as _normalised makes it).
    texts = [f"_b_{col.name}" for col, header in checks if col.kind == "text"
             and schema[header] not in (pl.Float32, pl.Float64)]
    if texts and staged.height:
        empty = staged.select((pl.col(texts) == "").any()).row(0)
        staged = staged.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c))
                                     .alias(c) for c, e in zip(texts, empty, strict=True) if e)
    staged = _without_blank_rows(staged, [f"_b_{col.name}" for col, _ in checks], extras)
    staged = staged.with_columns(numbers)
    bad_cols = [f"_bad_{col.name}" for col, _ in checks]
    # Whether any cell is bad, streamed: no flag column of a province's length is held.
    any_bad = bool(bad_cols) and bool(staged.lazy().select(flags).select(
        pl.any_horizontal(bad_cols).any()).collect(engine="streaming").item())
    typed = staged.select(*(finals if any_bad else plain), *[pl.col(h) for h in extras])
    if any_bad:
        bad = staged.select(flags)
        flagged = bad.filter(pl.any_horizontal(bad_cols))
        if flagged.height:
            originals = frame[(flagged.get_column(ROW) - first_row).to_list()]
            for rec, orig in zip(flagged.iter_rows(named=True),
                                 originals.iter_rows(named=True), strict=True):
                for col, header in checks:
                    if rec[f"_bad_{col.name}"]:
                        value = _cell_text(orig[header], col, raw.code_row is not None)
                        if value is None:
                            zh, en = "必填，不能为空", "required, must not be empty"
                        else:
                            zh, en = _expected(col)
                        problems.append(Problem(raw.source, rec[ROW], _col_label(col), value,
                                                zh, en))
    for col in table.columns:
        if col.unique and col.name in source_of:
            problems.extend(_duplicates(typed, col, raw.source))
    return typed, problems, warnings


def _codes_already(frame: pl.DataFrame, coded: dict[str, str], table: Table,
                   ) -> dict[str, list[str]]:
    """The enum columns of a long table whose every value is already one of their few codes
    (a Parquet or CSV export), each with its codes as its spellings: comparing a column with
    up to four codes costs less than finding its distinct values (issue 18; with six, the two
    measured the same). Columns not so, or of more codes, are left to the caller."""
    if frame.height < 100_000:
        return {}
    few = {name: ENUMS[col.enum].codes for col in table.columns
           if (name := col.name) in coded and col.kind == "enum" and col.enum is not None
           and len(ENUMS[col.enum].codes) <= 4}
    if not few:
        return {}
    found = frame.select((pl.col(coded[name]).is_null()
                          | one_of(pl.col(coded[name]).cast(pl.String), codes)).all().alias(name)
                         for name, codes in few.items()).row(0, named=True)
    return {name: few[name] for name, ok in found.items() if ok}


def _already_stripped(values: pl.Series) -> bool:
    """Whether no text of a long column has spaces to strip, so the column is kept as it is
    instead of copied through ``strip_chars`` (issue 18). Found from its runs when it has few
    (a roster's school ids, one run per school); otherwise by comparing each text's length
    with its stripped length, streamed (a province's teacher ids: half the time of the strip,
    and no stripped copy of millions of ids held). A short column: False, the caller strips."""
    if values.len() < 100_000:
        return False
    if values.head(10_000).rle_id().max() <= 2_500:
        runs = values.rle().struct.field("value")
        if runs.len() * 4 <= values.len():
            return bool((runs.str.strip_chars() == runs).all())
    text = pl.first()
    return bool(values.to_frame().lazy().select(
        (text.str.strip_chars().str.len_bytes() == text.str.len_bytes()).all(),
    ).collect(engine="streaming").item())


def _cell_text(original: object, col: Column, typed_sheet: bool = False) -> str | None:
    """A rejected cell as the problem shows it: its text, but a number of hundreds of digits
    (fastexcel writes every integer digit of 1e308) in short scientific form. A number of a
    sheet read typed is shown as the sheet read as text shows it (``format_number``)."""
    if original is None or str(original).strip() == "":
        return None
    text = format_number(original) if typed_sheet and isinstance(original, float) else str(
        original)
    if len(text) > 24 and col.kind in ("int", "float", "ratio"):
        try:
            return f"{float(text):.6g}"
        except ValueError:
            pass
    return text


def _without_blank_rows(staged: pl.DataFrame, bases: list[str], extras: list[str]
                        ) -> pl.DataFrame:
    """Drop rows with nothing in any cell: not data, but what Excel leaves of a row whose
    contents were deleted, or of formatting reaching below the data. They would otherwise be
    reported as rows of empty required cells, and keep an unfilled sheet from counting as
    empty. Row numbers are kept, so every later problem still names the row the user sees.
    ``bases`` are already normalised (an all-space cell is null); extras are raw."""
    empty = [pl.col(b).is_null() for b in bases]
    empty += [pl.col(h).is_null() | (pl.col(h).cast(pl.String).str.strip_chars() == "")
              for h in extras]
    if not empty or staged.height == 0:
        return staged
    blank = staged.select(pl.all_horizontal(empty)).to_series()
    return staged.filter(~blank) if blank.any() else staged


def _duplicates(frame: pl.DataFrame, col: Column, source: str) -> list[Problem]:
    values = frame.get_column(col.name).drop_nulls()
    # Distinct 64-bit hashes prove distinct values, ten times faster than an exact check on a
    # province's million ids; only a collision (or a real duplicate) needs the exact check.
    # (As an expression: Polars counts distinct numbers in parallel there, not in a Series.)
    if values.hash().to_frame().select(pl.first().n_unique()).item() == values.len():
        return []
    candidates = frame.filter(pl.col(col.name).is_duplicated() & pl.col(col.name).is_not_null())
    if candidates.height == 0:
        return []
    dup = (candidates.with_columns(pl.col(ROW).first().over(col.name).alias("_first"))
           .filter(pl.col(ROW) != pl.col("_first")))
    return [Problem(source, r[ROW], _col_label(col), r[col.name],
                    f"重复：与第{r['_first']}行相同，应唯一",
                    f"duplicate of row {r['_first']}; must be unique")
            for r in dup.iter_rows(named=True)]


def validate(raw: dict[str, RawTable], warnings: list[Problem] | None = None,
             source: str | None = None) -> Dataset:
    """Validate raw tables into a ``Dataset``; raise ``InputError`` with every problem."""
    problems: list[Problem] = []
    warnings = list(warnings or [])
    typed: dict[str, pl.DataFrame] = {}
    sources: dict[str, str] = {}
    rotated_rows = None
    for name, table in TABLES.items():
        if name not in raw and table.optional:
            continue
        if name not in raw:
            problems.append(Problem(f"{table.zh} {table.name}", None, None, None,
                                    f"缺少表「{table.zh}」（工作表或文件名为 {table.zh} 或 {table.name}）",
                                    f"table '{name}' is missing (a sheet or file named "
                                    f"{name} or {table.zh})"))
            continue
        frame, more_problems, more_warnings = _coerce(raw[name], table)
        typed[name] = frame
        sources[name] = raw[name].source
        problems.extend(more_problems)
        warnings.extend(more_warnings)
    problems.extend(_empty_tables(typed, sources))
    if all(name in typed for name, table in TABLES.items() if not table.optional):
        schools, stages, teachers, counts, more_problems, more_warnings = _cross_checks(
            typed["schools"], typed["stages"], typed["teachers"], sources)
        problems.extend(more_problems)
        warnings.extend(more_warnings)
        more_problems, rotated_rows = _optional_checks(typed, sources, warnings)
        problems.extend(more_problems)
        warnings.extend(_implausible(schools, stages, counts, sources))
    if problems:
        problems = _first_per_cell(problems)
        problems.sort(key=lambda p: (p.table, p.row or 0))
        raise InputError(problems, warnings)
    # An optional sheet with no data rows counts as absent: the template always has the sheet.
    optional = {name: typed[name].drop(ROW) if name in typed and typed[name].height else None
                for name in OPTIONAL}
    if optional["groups"] is not None:  # exactly the contract's columns, each group's type
        optional["groups"] = group_frame(typed["groups"])
    dataset = Dataset(schools.drop(ROW), stages.drop(ROW), teachers.drop(ROW), warnings, source,
                      **optional)
    if dataset.rotations is not None and rotated_rows is not None:
        # The same roster rows in the same order: the stages resolved, the row numbers dropped.
        dataset.keep_rotated_rows(rotated_rows)
    return dataset


def _first_per_cell(problems: list[Problem]) -> list[Problem]:
    """One problem per cell: the first found is the cause (a rejected figure), the later ones
    its echo (the same figure then missing from the facility check)."""
    seen: set[tuple[str, int, str | None]] = set()
    kept: list[Problem] = []
    for p in problems:
        if p.row is not None:
            key = (p.table, p.row, p.column)
            if key in seen:
                continue
            seen.add(key)
        kept.append(p)
    return kept


def _empty_tables(typed: dict[str, pl.DataFrame], sources: dict[str, str]) -> list[Problem]:
    """An unfilled input (the blank template, header rows only) has nothing to evaluate: say
    so, instead of evaluating no school and reporting nothing. With schools given, an empty
    stages or teachers table is reported on its own (every school would lack its figures)."""
    schools = typed.get("schools")
    if schools is None:
        return []
    if schools.height == 0:
        return [Problem(sources["schools"], None, None, None,
                        "没有可评估的学校：学校表在表头以下没有任何数据行（请从表头下方逐行填写学校）",
                        "nothing to evaluate: the schools sheet has no data rows below its "
                        "headers (fill in one row per school)")]
    problems: list[Problem] = []
    for name, zh, en in (("stages", "学段表没有任何数据行：每所学校的每个学段应有一行（在校生数、班级数、设施）",
                          "the stages sheet has no data rows: each school needs one row per "
                          "stage (pupils, classes, facilities)"),
                         ("teachers", "教师表没有任何数据行：每名教师应有一行",
                          "the teachers sheet has no data rows: one row per teacher")):
        if name in typed and typed[name].height == 0:
            problems.append(Problem(sources[name], None, None, None, zh, en))
    return problems


def _implausible(schools: pl.DataFrame, stages: pl.DataFrame, counts: pl.DataFrame,
                 sources: dict[str, str]) -> list[Problem]:
    """Warnings for the figures no real school has (``schema.PLAUSIBILITY``), each at the
    cell that holds the figure: the stage row, or the school total it is split from.
    ``counts``: the teachers of each school and stage (``_figure``; ``_teacher_stages``)."""
    if stages.height == 0:
        return []
    pupils = (stages.filter(pl.col("school_id").is_not_null())
              .group_by("school_id")
              .agg(pl.col("students").sum().alias("_pupils"),
                   pl.col("students").is_null().any().alias("_pupils_unknown"),
                   *[pl.col(name).is_null().all().alias(f"_none_{name}")
                     for name, _, _ in FACILITY_COLUMNS]))
    warnings: list[Problem] = []
    for rule in PLAUSIBILITY:
        if rule.figure == "teachers":
            rows = stages.join(counts, on=["school_id", "stage"], how="inner").select(
                ROW, pl.col("students").alias("_pupils"), "_figure",
                pl.col("students").alias("_cell"))
            located = [(sources["stages"], rows, TABLES["stages"].column("students"))]
        else:
            col = TABLES["stages"].column(rule.figure)
            on_stages = stages.select(ROW, pl.col("students").alias("_pupils"),
                                      pl.col(rule.figure).alias("_figure"),
                                      pl.col(rule.figure).alias("_cell"))
            # A school total counts only where the stage rows leave the figure to it.
            totals = (schools.join(pupils, on="school_id", how="inner")
                      .filter(pl.col(f"_none_{rule.figure}") & ~pl.col("_pupils_unknown"))
                      .select(ROW, "_pupils", pl.col(rule.figure).alias("_figure"),
                              pl.col(rule.figure).alias("_cell")))
            located = [(sources["stages"], on_stages, col), (sources["schools"], totals, col)]
        for source, rows, col in located:
            for r in rows.filter(_breaks(rule)).iter_rows(named=True):
                warnings.append(_plausibility_warning(rule, source, col, r))
    return warnings


def _breaks(rule: Plausibility) -> pl.Expr:
    figure, pupils = pl.col("_figure").cast(pl.Float64), pl.col("_pupils").cast(pl.Float64)
    known = figure.is_not_null() & pupils.is_not_null() & (figure > 0)
    low = figure < rule.below * pupils if rule.below is not None else pl.lit(False)
    high = figure > rule.above * pupils if rule.above is not None else pl.lit(False)
    return known & (low | high)


def _plausibility_warning(rule: Plausibility, source: str, col: Column, r: dict) -> Problem:
    figure, pupils = r["_figure"], r["_pupils"]
    ratio = figure / pupils if pupils else float("inf")
    fields = {"ratio": f"{ratio:.3g}" if ratio < 100 else f"{ratio:,.0f}",
              "limit": f"{rule.below if rule.below is not None else rule.above:g}",
              "figure": _shown(figure), "pupils": _shown(pupils)}
    return Problem(source, r[ROW], _col_label(col), _shown(r["_cell"]),
                   rule.message_zh.format(**fields), rule.message_en.format(**fields))


def _optional_checks(typed: dict[str, pl.DataFrame], sources: dict[str, str],
                     warnings: list[Problem]) -> tuple[list[Problem], pl.DataFrame | None]:
    """References from the optional tables: counties, schools and teachers must exist (and
    the groups make sense as groups, ``_groups``). Also the roster's rows of the teachers the
    rotations name (``Dataset.rotated_rows``), found for the check and kept for the
    evaluation."""
    problems: list[Problem] = []
    rotated_rows = None
    schools = typed["schools"]
    school_ids = schools.get_column("school_id").drop_nulls().implode()
    if "county" in typed:
        counties = schools.get_column("county").drop_nulls().implode()
        unknown = typed["county"].filter(pl.col("county").is_not_null()
                                         & ~pl.col("county").is_in(counties))
        problems += [Problem(sources["county"], r[ROW], "县区 county", r["county"],
                             "学校表中没有这个县区", "no school of the schools table is in this county")
                     for r in unknown.iter_rows(named=True)]
    if "rotations" in typed:
        rotations = typed["rotations"]
        # The rotated ids looked up among the teachers, not the other way round: hashing the
        # few rotated ids and probing the roster costs a tenth of hashing a province's roster
        # (a semi join: the roster's rows that rotated, without a flag for every teacher).
        rotated_rows = rows_in(typed["teachers"].get_column("teacher_id"),
                               rotations.get_column("teacher_id"))
        for column, zh in (("from_school_id", "调出学校标识码"), ("to_school_id", "调入学校标识码")):
            bad = rotations.filter(pl.col(column).is_not_null()
                                   & ~pl.col(column).is_in(school_ids))
            problems += [_unknown_school(sources["rotations"], r[ROW], f"{zh} {column}",
                                         r[column]) for r in bad.iter_rows(named=True)]
        same = rotations.filter(pl.col("from_school_id") == pl.col("to_school_id"))
        problems += [Problem(sources["rotations"], r[ROW], "调入学校标识码 to_school_id",
                             r["to_school_id"], "调入学校与调出学校相同",
                             "the same school as the school moved from")
                     for r in same.iter_rows(named=True)]
        # The records whose id is not among those rows: an anti join, not a set of them built.
        missing = rotations.filter(pl.col("teacher_id").is_not_null()).join(
            rotated_rows.select("teacher_id"), on="teacher_id", how="anti",
            maintain_order="left")
        problems += [Problem(sources["rotations"], r[ROW], "教师编号 teacher_id", r["teacher_id"],
                             "教师表中没有这个教师编号", "no teacher with this id in the teachers table")
                     for r in missing.iter_rows(named=True)]
        twice = (rotations.filter(pl.col("teacher_id").is_not_null()
                                  & pl.col("school_year").is_not_null())
                 .with_columns(pl.col(ROW).first().over("teacher_id", "school_year")
                               .alias("_first"))
                 .filter(pl.col(ROW) != pl.col("_first")))
        warnings += [Problem(sources["rotations"], r[ROW], "教师编号 teacher_id", r["teacher_id"],
                             f"同一学年已在第{r['_first']}行记录交流，只计一次",
                             f"already rotated that school year (row {r['_first']}); counted once")
                     for r in twice.iter_rows(named=True)]
    if "rooms" in typed:
        bad = typed["rooms"].filter(pl.col("school_id").is_not_null()
                                    & ~pl.col("school_id").is_in(school_ids))
        problems += [_unknown_school(sources["rooms"], r[ROW], "学校标识码 school_id",
                                     r["school_id"]) for r in bad.iter_rows(named=True)]
    if "grades" in typed:
        problems += _grade_checks(typed["grades"], typed["stages"], school_ids, sources["grades"])
    if "groups" in typed:
        problems += group_checks(typed["groups"], schools, sources["groups"])
    if "births" in typed:
        counties = schools.get_column("county").drop_nulls().implode()
        births = typed["births"]
        unknown = births.filter(pl.col("county").is_not_null()
                                & ~pl.col("county").is_in(counties))
        problems += [Problem(sources["births"], r[ROW], "县区 county", r["county"],
                             "学校表中没有这个县区", "no school of the schools table is in this county")
                     for r in unknown.iter_rows(named=True)]
        twice = (births.filter(pl.col("county").is_not_null() & pl.col("year").is_not_null())
                 .with_columns(pl.col(ROW).first().over("county", "year").alias("_first"))
                 .filter(pl.col(ROW) != pl.col("_first")))
        problems += [Problem(sources["births"], r[ROW], "出生年份 year", str(r["year"]),
                             f"该县区这一年已在第{r['_first']}行填写",
                             f"this county's year is already on row {r['_first']}")
                     for r in twice.iter_rows(named=True)]
    return problems, rotated_rows


def _grade_checks(grades: pl.DataFrame, stages: pl.DataFrame, school_ids: pl.Series,
                  source: str) -> list[Problem]:
    """A grade row names a school of the schools table, a grade of a stage the school has
    (1–6 primary, 7–9 junior), once per school year."""
    problems = [_unknown_school(source, r[ROW], "学校标识码 school_id", r["school_id"])
                for r in grades.filter(pl.col("school_id").is_not_null()
                                       & ~pl.col("school_id").is_in(school_ids))
                .iter_rows(named=True)]
    stage = pl.when(pl.col("grade") <= GRADES_PRIMARY).then(pl.lit("primary")).otherwise(
        pl.lit("junior"))
    has = stages.select("school_id", "stage").unique().with_columns(pl.lit(True).alias("_has"))
    orphan = (grades.filter(pl.col("school_id").is_in(school_ids) & pl.col("grade").is_not_null())
              .with_columns(stage.alias("stage"))
              .join(has, on=["school_id", "stage"], how="left")
              .filter(pl.col("_has").is_null()))
    problems += [Problem(source, r[ROW], "年级 grade", str(r["grade"]),
                         f"学段表中这所学校没有{'小学' if r['stage'] == 'primary' else '初中'}学段",
                         f"the stages table gives this school no {r['stage']} stage")
                 for r in orphan.iter_rows(named=True)]
    keys = ["school_id", "grade", "school_year"]
    twice = (grades.filter(pl.col("school_id").is_not_null() & pl.col("grade").is_not_null())
             .with_columns(pl.col(ROW).first().over(keys).alias("_first"))
             .filter(pl.col(ROW) != pl.col("_first")))
    problems += [Problem(source, r[ROW], "年级 grade", str(r["grade"]),
                         f"这所学校这个年级已在第{r['_first']}行填写",
                         f"this school's grade is already on row {r['_first']}")
                 for r in twice.iter_rows(named=True)]
    return problems


def _unknown_school(source: str, row: int, column: str, value: str) -> Problem:
    return Problem(source, row, column, value, "学校表中没有这个学校标识码",
                   "no school with this id in the schools table")


def _cross_checks(schools: pl.DataFrame, stages: pl.DataFrame, teachers: pl.DataFrame,
                  sources: dict[str, str]):
    problems: list[Problem] = []
    warnings: list[Problem] = []
    school_col = _col_label(TABLES["schools"].column("school_id"))
    # One row per id (duplicate ids are reported on their own), so joins never multiply rows.
    known = (schools.select("school_id", "school_type").filter(pl.col("school_id").is_not_null())
             .unique("school_id", keep="first", maintain_order=True))
    known_ids = known.get_column("school_id").implode()

    # Teaching points' central schools must exist.
    parent = schools.filter(pl.col("parent_school_id").is_not_null()
                            & ~pl.col("parent_school_id").is_in(known_ids))
    problems += [_unknown_school(sources["schools"], r[ROW], "所属中心校 parent_school_id",
                                 r["parent_school_id"]) for r in parent.iter_rows(named=True)]

    # A catchment junior school must exist and teach the junior stage.
    if "feeds_junior" in schools.columns:
        juniors = (stages.filter(pl.col("stage") == "junior").select("school_id").unique()
                   .join(schools.select("school_id", _county=pl.col("county"))
                         .unique("school_id"), on="school_id")
                   .select(feeds_junior="school_id", _junior_county="_county"))
        feeds = (schools.filter(pl.col("feeds_junior").is_not_null())
                 .join(juniors, on="feeds_junior", how="left")
                 .filter(pl.col("_junior_county").is_null()
                         | (pl.col("_junior_county") != pl.col("county"))))
        problems += [Problem(sources["schools"], r[ROW], "对口初中 feeds_junior",
                             r["feeds_junior"], "应为本县区学段表中有初中学段的学校标识码",
                             "must be the id of a school of the same county with a junior stage "
                             "in the stages table") for r in feeds.iter_rows(named=True)]

    # A school without stage rows has no pupils and no figures: it would vanish from the
    # evaluation without a word. Its teachers are errors below; the school itself a warning,
    # since the contract does not make it an error.
    staged_ids = stages.get_column("school_id").drop_nulls().implode()
    alone = schools.filter(pl.col("school_id").is_not_null()
                           & ~pl.col("school_id").is_in(staged_ids))
    warnings += [Problem(sources["schools"], r[ROW], school_col, r["school_id"],
                         "该学校在学段表中没有任何学段行，不参与评估",
                         "the school has no rows in the stages table; it is not evaluated")
                 for r in alone.iter_rows(named=True)]

    # Stage rows: known school, a stage its type can have, once per school.
    allowed = pl.DataFrame(
        [(t, s) for t, ss in STAGES_BY_SCHOOL_TYPE.items() for s in ss],
        schema={"school_type": pl.String, "stage": pl.String}, orient="row",
    ).with_columns(pl.lit(True).alias("_allowed"))
    st = (stages.join(known, on="school_id", how="left")
          .join(allowed, on=["school_type", "stage"], how="left"))
    unknown = st.filter(pl.col("school_id").is_not_null() & pl.col("school_type").is_null())
    problems += [_unknown_school(sources["stages"], r[ROW], school_col, r["school_id"])
                 for r in unknown.iter_rows(named=True)]
    wrong = st.filter(pl.col("school_type").is_not_null() & pl.col("stage").is_not_null()
                      & pl.col("_allowed").is_null())
    problems += [Problem(sources["stages"], r[ROW], "学段 stage", r["stage"],
                         f"{ENUMS['school_type'].label(r['school_type'])}不能有"
                         f"{ENUMS['stage'].label(r['stage'])}学段",
                         f"a {r['school_type']} school cannot have a {r['stage']} stage")
                 for r in wrong.iter_rows(named=True)]
    dup = (stages.filter(pl.col("school_id").is_not_null() & pl.col("stage").is_not_null())
           .with_columns(pl.col(ROW).first().over("school_id", "stage").alias("_first"))
           .filter(pl.col(ROW) != pl.col("_first")))
    problems += [Problem(sources["stages"], r[ROW], "学段 stage", r["stage"],
                         f"同一学校同一学段重复：与第{r['_first']}行相同",
                         f"the same school and stage as row {r['_first']}")
                 for r in dup.iter_rows(named=True)]

    problems += _facility_checks(schools, stages, sources, warnings)
    teachers, more, counts = _teacher_stages(teachers, stages, known, sources, warnings)
    problems += more
    return schools, stages, teachers, counts, problems, warnings


def _facility_checks(schools: pl.DataFrame, stages: pl.DataFrame, sources: dict[str, str],
                     warnings: list[Problem]) -> list[Problem]:
    """Each facility figure comes from every stage row, or from the school total (then split).

    One windowed pass computes, per school and figure, how many stage rows are empty and their
    sum; Python only visits the (usually no) rows that break the rule.
    """
    problems: list[Problem] = []
    names = [name for name, _, _ in FACILITY_COLUMNS]
    totals = schools.select("school_id", pl.col(ROW).alias("_school_row"),
                            *[pl.col(c).alias(f"_total_{c}") for c in names])
    flags = stages.filter(pl.col("school_id").is_not_null()).join(
        totals, on="school_id", how="inner").with_columns(
        pl.len().over("school_id").alias("_rows"),
        *[pl.col(c).is_null().sum().over("school_id").alias(f"_empty_{c}") for c in names],
        *[pl.col(c).sum().over("school_id").alias(f"_sum_{c}") for c in names])
    missing = {c: pl.col(c).is_null() & ((pl.col(f"_empty_{c}") < pl.col("_rows"))
                                         | pl.col(f"_total_{c}").is_null()) for c in names}
    total = {c: pl.col(f"_total_{c}") for c in names}
    mismatch = {c: (pl.col(f"_empty_{c}") == 0) & total[c].is_not_null()
                & ((pl.col(f"_sum_{c}") - total[c]).abs()
                   > 1e-9 * pl.max_horizontal(total[c].abs(), 1.0)) for c in names}
    flagged = flags.with_columns(*[e.alias(f"_missing_{c}") for c, e in missing.items()],
                                 *[e.alias(f"_mismatch_{c}") for c, e in mismatch.items()]
                                 ).filter(pl.any_horizontal(
                                     [f"_missing_{c}" for c in names]
                                     + [f"_mismatch_{c}" for c in names]))
    warned: set[tuple[str, str]] = set()
    for r in flagged.iter_rows(named=True):
        for name, zh, _ in FACILITY_COLUMNS:
            if r[f"_missing_{name}"]:
                if r[f"_empty_{name}"] < r["_rows"]:
                    zh_msg = "同一学校的学段行应全部填写，或全部留空并在学校表填写全校合计"
                    en_msg = ("fill this figure on every stage row of the school, or leave all "
                              "empty and give the school total on the schools sheet")
                else:
                    zh_msg = "为空，且学校表未给出全校合计"
                    en_msg = "empty, and the schools sheet gives no school total"
                problems.append(Problem(sources["stages"], r[ROW], f"{zh} {name}", None, zh_msg,
                                        en_msg))
            if r[f"_mismatch_{name}"] and (r["school_id"], name) not in warned:
                warned.add((r["school_id"], name))
                given, added = r[f"_total_{name}"], r[f"_sum_{name}"]
                warnings.append(Problem(sources["schools"], r["_school_row"], f"{zh} {name}",
                                        f"{given:g}", f"与各学段合计 {added:g} 不一致，以学段行为准",
                                        f"differs from the stage rows' sum {added:g}; the stage "
                                        "rows are used"))
    return problems


def _teacher_stages(teachers: pl.DataFrame, stages: pl.DataFrame, known: pl.DataFrame,
                    sources: dict[str, str], warnings: list[Problem],
                    ) -> tuple[pl.DataFrame, list[Problem], pl.DataFrame]:
    """Place every teacher in a stage of their school, or report why that is impossible; and
    count the teachers of each school and stage (``_figure``, for ``_implausible``).

    Every rule here depends on the teacher's school and stage only, so it is judged once per
    run of a school's teachers of one stage (model/runs.py: a province's roster lists them
    together), and only the runs that break a rule are spread back to their rows: a province's
    million teachers cost a few hundred thousand runs.
    """
    problems: list[Problem] = []
    src = sources["teachers"]
    # "Multi-stage" is the school type's (nine-year, twelve-year): a nine-year school missing a
    # stage row still rejects teachers of that stage instead of silently moving them.
    per_school = (stages.filter(pl.col("school_id").is_not_null() & pl.col("stage").is_not_null())
                  .group_by("school_id")
                  .agg((pl.col("stage") == "primary").any().alias("_has_primary"),
                       (pl.col("stage") == "junior").any().alias("_has_junior"),
                       pl.col("stage").n_unique().cast(pl.Int64).alias("_n"),
                       pl.col("stage").first().alias("_only")))
    schools = known.select(
        "school_id", pl.lit(True).alias("_known"),
        pl.col("school_type").is_in(MULTI_STAGE_TYPES).alias("_multi_type"),
    ).join(per_school, on="school_id", how="left")
    t = (run_table(teachers, ["school_id", "stage"], (ROW,))
         .join(schools, on="school_id", how="left", maintain_order="left")
         .with_columns(pl.col("_n").fill_null(0)))
    row_of = teachers.get_column(ROW)

    def rows(runs: pl.DataFrame) -> Iterator[dict]:
        """The rows of the runs that break a rule, with their run's columns, in row order."""
        if runs.height == 0:
            return iter(())
        spread = run_rows(runs)
        return spread.with_columns(row_of.gather(spread.get_column("_i")).alias(ROW)).iter_rows(
            named=True)

    has_school = pl.col("school_id").is_not_null()
    problems += [_unknown_school(src, r[ROW], "学校标识码 school_id", r["school_id"])
                 for r in rows(t.filter(has_school & pl.col("_known").is_null()))]
    problems += [Problem(src, r[ROW], "学校标识码 school_id", r["school_id"],
                         "该学校在学段表中没有任何学段行",
                         "the school has no rows in the stages table")
                 for r in rows(t.filter(has_school & pl.col("_known").is_not_null()
                                        & (pl.col("_n") == 0)))]
    in_stage = pl.when(pl.col("stage") == "primary").then(pl.col("_has_primary")).otherwise(
        pl.col("_has_junior")).fill_null(False)
    multi = pl.col("_multi_type").fill_null(False) & (pl.col("_n") > 0)
    problems += [Problem(src, r[ROW], "任教学段 stage", None,
                         "多学段学校（九年一贯制、十二年一贯制）的教师必须填写任教学段",
                         "required for a teacher of a multi-stage (nine- or twelve-year) school")
                 for r in rows(t.filter(multi & pl.col("stage").is_null()))]
    for r in rows(t.filter(multi & pl.col("stage").is_not_null() & ~in_stage)):
        has = [s for s in ("primary", "junior") if r[f"_has_{s}"]]
        problems.append(Problem(src, r[ROW], "任教学段 stage", r["stage"],
                                f"该学校没有此学段（有：{'、'.join(ENUMS['stage'].label(s) for s in has)}）",
                                f"the school has no such stage (it has: {', '.join(has)})"))
    single = ~pl.col("_multi_type").fill_null(True) & (pl.col("_n") == 1)
    moved = (t.filter(single & pl.col("stage").is_not_null() & ~in_stage)
             .group_by("school_id", maintain_order=True)
             .agg(pl.col("_len").sum().alias("n"), pl.col(ROW).first().alias("first"),
                  pl.col("stage").first(), pl.col("_only").first()))
    warnings += [Problem(src, r["first"], "任教学段 stage", r["stage"],
                         f"学校 {r['school_id']} 只有{ENUMS['stage'].label(r['_only'])}学段，"
                         f"{r['n']} 名教师计入该学段",
                         f"school {r['school_id']} has only the {r['_only']} stage; {r['n']} "
                         "teacher(s) counted there")
                 for r in moved.iter_rows(named=True)]
    # Only a teacher of a single-stage school whose stage is not that school's moves: when
    # none does (a roster exported with every stage filled in), the column stays as it is.
    resolved = pl.when(single).then(pl.col("_only")).otherwise(pl.col("stage")).alias("stage")
    counts = (t.with_columns(resolved)
              .filter(pl.col("school_id").is_not_null() & pl.col("stage").is_not_null())
              .group_by("school_id", "stage", maintain_order=True)
              .agg(pl.col("_len").sum().cast(pl.UInt32).alias("_figure")))
    if not t.select((single & pl.col("stage").ne_missing(pl.col("_only"))).any()).item():
        return teachers, problems, counts
    # Each run's stage, spread back to its rows by the run's number.
    stage_of_run = t.select(resolved).to_series()
    run = teachers.select(run_ids(["school_id", "stage"])).to_series()
    return teachers.with_columns(stage_of_run.gather(run)), problems, counts
