"""The parts of a standard beyond resource allocation, as profile data, and their checks.

A part (government guarantee, education quality, social recognition) is a list of items. An item
is either *computed* from the rosters by a named rule with declared parameters, or *declared*: a
set of conditions on columns of the input's ``county`` table. A computed item may also carry
conditions to fall back on when the rosters lack its data. Veto conditions are ``county`` columns
that must be declared false.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from junheng.model.schema import COUNTY_COLUMNS, STAGES

PART_KEYS = ("government", "quality", "recognition")

# Condition operators on a declared figure: (kind of value, symbol shown in reports).
OPERATORS: dict[str, tuple[str, str]] = {
    "is": ("bool", "="),
    "at_least": ("number", "≥"),
    "at_most": ("number", "≤"),
    "below": ("number", "<"),  # strictly below: 低于 excludes the number
    "at_least_column": ("column", "≥"),
}

_COUNTY_KINDS = {name: kind for name, _, kind in COUNTY_COLUMNS}

# Each computed rule's parameters and what they must be (the declared constraints).
RULE_PARAMS: dict[str, dict[str, str]] = {
    "music_art_rooms": {"classes_per_room": "positive_int", "min_area_m2": "per_room",
                        "older_building_area_m2": "per_room_or_null"},
    "school_size": {"max_students": "positive_int", "max_students_multi_stage": "positive_int"},
    "class_size": {"max_class": "per_stage_int"},
    "training_hours": {"hours_5y": "non_negative", "hours_per_year": "non_negative",
                       "service_years": "positive_int"},
    "rotation": {"share": "fraction", "backbone_share": "fraction", "tenure_years": "positive_int",
                 "backbone_group": "group"},
    "certified": {"share": "fraction"},
}


@dataclass(frozen=True)
class Condition:
    """``column op value``, e.g. ``special_education_funds_per_pupil at_least 6000``."""

    column: str
    op: str
    value: float | bool | str  # a number, a boolean, or (at_least_column) another column

    @property
    def symbol(self) -> str:
        return OPERATORS[self.op][1]


@dataclass(frozen=True)
class Item:
    key: str
    number: int
    name: str
    name_en: str
    compute: str | None  # a rule of RULE_PARAMS, or None for a declared item
    params: dict[str, Any]
    conditions: tuple[Condition, ...]  # declared figures (a computed item's fallback)


@dataclass(frozen=True)
class Part:
    key: str
    name: str
    name_en: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Veto:
    key: str
    name: str
    name_en: str
    column: str


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)


def _per_room(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"music", "art"} \
        and all(_number(v) and v >= 0 for v in value.values())


# Each kind of rule parameter: the test it must pass and what to say when it does not.
_PARAM_KINDS: dict[str, tuple[Callable[[Any, set[str]], bool], str]] = {
    "positive_int": (lambda v, _: _whole(v) and v > 0, "正整数 / a whole number > 0"),
    "non_negative": (lambda v, _: _number(v) and v >= 0, "非负数 / a number ≥ 0"),
    "fraction": (lambda v, _: _number(v) and 0 <= v <= 1,
                 "0–1 之间的比例 / a share between 0 and 1"),
    "group": (lambda v, groups: isinstance(v, str) and v in groups,
              "教师组名 / a teacher group of teachers.groups"),
    "per_stage_int": (lambda v, _: isinstance(v, dict) and set(v) == set(STAGES)
                      and all(_whole(x) and x > 0 for x in v.values()),
                      "{primary: 整数, junior: 整数} / whole numbers per stage"),
    "per_room": (lambda v, _: _per_room(v), "{music: 面积, art: 面积} / an area per room type"),
    "per_room_or_null": (lambda v, _: v is None or _per_room(v),
                         "null 或 {music: 面积, art: 面积} / null or an area per room type"),
}


def _check_param(problems: list[str], where: str, kind: str, value: Any,
                 groups: set[str]) -> None:
    test, expected = _PARAM_KINDS[kind]
    if not test(value, groups):
        if kind == "group":
            expected += f" ({', '.join(sorted(groups))})"
        problems.append(f"{where}: 应为 {expected}, got {value!r}")


def _conditions(problems: list[str], where: str, spec: Any) -> tuple[Condition, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        problems.append(f"{where}: 应为 列: {{条件: 值}} 映射 / must map county columns to "
                        "conditions")
        return ()
    out: list[Condition] = []
    for column, cond in spec.items():
        here = f"{where}.{column}"
        if isinstance(cond, dict):
            # `null` removes an operator inherited through `extends:` ({below: null, at_most: x}).
            cond = {op: value for op, value in cond.items() if value is not None}
            if not cond:
                continue  # the whole condition removed
        if column not in _COUNTY_KINDS:
            problems.append(f"{here}: 县级指标表没有此列 / not a column of the county table")
            continue
        if not isinstance(cond, dict) or len(cond) != 1 or next(iter(cond)) not in OPERATORS:
            problems.append(f"{here}: 应为 {{{' | '.join(OPERATORS)}: 值}} 之一 / must be one "
                            f"condition of {', '.join(OPERATORS)}, got {cond!r}")
            continue
        op, value = next(iter(cond.items()))
        kind = OPERATORS[op][0]
        column_kind = _COUNTY_KINDS[column]
        if kind == "bool" and (column_kind != "bool" or not isinstance(value, bool)):
            problems.append(f"{here}.{op}: 应为是否列且值为 true/false / needs a yes/no column "
                            f"and true or false, got {value!r} on a {column_kind} column")
            continue
        if kind == "number" and (column_kind == "bool" or not _number(value)):
            problems.append(f"{here}.{op}: 应为数值列且值为数 / needs a numeric column and a "
                            f"number, got {value!r} on a {column_kind} column")
            continue
        if kind == "column" and (value not in _COUNTY_KINDS or column_kind == "bool"
                                 or _COUNTY_KINDS[value] == "bool"):
            problems.append(f"{here}.{op}: 应为县级指标表的另一数值列 / must name another numeric "
                            f"county column, got {value!r}")
            continue
        out.append(Condition(column, op, value if kind != "number" else float(value)))
    return tuple(out)


def build_parts(problems: list[str], data: dict[str, Any], groups: set[str]
                ) -> tuple[tuple[Part, ...], tuple[Veto, ...]]:
    """Parse ``parts:`` and ``vetoes:`` of a resolved profile, adding every problem found."""
    parts: list[Part] = []
    spec_parts = data.get("parts") or {}
    if not isinstance(spec_parts, dict):
        problems.append("parts: 应为映射 / must be a mapping")
        spec_parts = {}
    for key, spec in spec_parts.items():
        if key not in PART_KEYS:
            problems.append(f"parts.{key}: 应为 {', '.join(PART_KEYS)} 之一 / must be one of them")
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("items"), dict) \
                or not spec["items"]:
            problems.append(f"parts.{key}.items: 至少需要一个指标 / at least one item is required")
            continue
        items: list[Item] = []
        for item_key, item in spec["items"].items():
            where = f"parts.{key}.items.{item_key}"
            if not isinstance(item, dict):
                problems.append(f"{where}: 应为映射 / must be a mapping")
                continue
            number = item.get("number")
            if not _whole(number) or number < 1:
                problems.append(f"{where}.number: 应为正整数（官方序号）/ must be the official "
                                f"item number, got {number!r}")
                number = 0
            compute = item.get("compute")
            params = item.get("params") or {}
            if compute is not None:
                if compute not in RULE_PARAMS:
                    problems.append(f"{where}.compute: 应为 {', '.join(RULE_PARAMS)} 之一 / must "
                                    f"be one of them, got {compute!r}")
                else:
                    declared = RULE_PARAMS[compute]
                    if not isinstance(params, dict) or set(params) != set(declared):
                        problems.append(f"{where}.params: 应恰好给出 {', '.join(declared)} / must "
                                        f"give exactly these, got {params!r}")
                    else:
                        for name, kind in declared.items():
                            _check_param(problems, f"{where}.params.{name}", kind, params[name],
                                         groups)
            conditions = _conditions(problems, f"{where}.checks", item.get("checks"))
            if compute is None and not conditions:
                problems.append(f"{where}: 需要 compute 或 checks / needs compute or checks")
            items.append(Item(item_key, number, str(item.get("name", item_key)),
                              str(item.get("name_en", item_key)), compute, dict(params),
                              conditions))
        items.sort(key=lambda i: i.number)
        parts.append(Part(key, str(spec.get("name", key)), str(spec.get("name_en", key)),
                          tuple(items)))
    parts.sort(key=lambda p: PART_KEYS.index(p.key))

    vetoes: list[Veto] = []
    spec_vetoes = data.get("vetoes") or {}
    if not isinstance(spec_vetoes, dict):
        problems.append("vetoes: 应为映射 / must be a mapping")
        spec_vetoes = {}
    for key, spec in spec_vetoes.items():
        column = spec.get("column") if isinstance(spec, dict) else None
        if _COUNTY_KINDS.get(str(column)) != "bool":
            problems.append(f"vetoes.{key}.column: 应为县级指标表的是否列 / must be a yes/no column "
                            f"of the county table, got {column!r}")
            continue
        vetoes.append(Veto(key, str(spec.get("name", key)), str(spec.get("name_en", key)),
                           str(column)))
    return tuple(parts), tuple(vetoes)
