"""Standard profiles: YAML data that can extend one another, checked against declared rules."""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from junheng.errors import StandardError
from junheng.model.schema import ENUMS, STAGES, TABLES
from junheng.standards._parts import Part, Veto, build_parts
from junheng.standards.group_types import GroupType, build_group_types
from junheng.standards.params import Rules
from junheng.standards.plan_rules import planner_rules

_PACKAGED = "junheng.standards.profiles"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~20× faster
UNITS = {"teachers": ("名", "teachers"), "m2": ("m²", "m²"), "yuan": ("元", "yuan"),
         "rooms": ("间", "rooms"), "computers": ("台", "computers"), "books": ("册", "books")}
# shortfalls in these units are whole numbers
INTEGER_UNITS = {"teachers", "rooms", "computers", "books"}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    name_en: str
    short: str  # what a school lacks, in gap phrases: 缺{short} 2 名
    short_en: str
    numerator: tuple[str, str]  # ("teachers", group) or ("column", stages column)
    per_students: float
    unit: str
    thresholds: dict[str, float] | None  # None: the indicator only enters the CVs (basic-2012)

    def value_unit(self, lang: str = "zh") -> str:
        """The unit of the indicator's value: 人/百生, m²/生, 元/生, 间/百生 (teachers per 100
        pupils, m² per pupil …)."""
        per = {100: ("百生", "100 pupils"), 1: ("生", "pupil")}.get(
            int(self.per_students), (f"{self.per_students:g}生", f"{self.per_students:g} pupils"))
        zh_unit, en_unit = {"teachers": ("人", "teachers"), "rooms": ("间", "rooms"),
                            "m2": ("m²", "m²"), "yuan": ("元", "yuan"),
                            "computers": ("台", "computers"), "books": ("册", "books")}[self.unit]
        return f"{zh_unit}/{per[0]}" if lang == "zh" else f"{en_unit} per {per[1]}"


@dataclass(frozen=True)
class Standard:
    """A resolved standard profile. Build with ``load_standard``.

    Examples
    --------
    >>> s = load_standard("quality-2017")
    >>> s.indicator("backbone_teachers_per100").thresholds["junior"]
    1.0
    >>> s.cv_limits["primary"]
    0.5
    >>> [p.key for p in s.parts], len(s.vetoes)
    (['government', 'quality', 'recognition'], 6)
    """

    id: str
    name: str
    name_en: str
    indicators: tuple[Indicator, ...]
    min_indicators_met: int | None  # None: no per-school rule (basic-2012)
    floor_ratio: float | None
    cv_limits: dict[str, float] | None  # each indicator's CV ≤ limit (quality-2017)
    cv_composite_limits: dict[str, float] | None  # mean of the CVs ≤ limit (basic-2012)
    parts: tuple[Part, ...]  # government, quality, recognition
    vetoes: tuple[Veto, ...]
    unmodelled_parts: tuple[str, ...]  # parts of the official standard junheng cannot judge
    full_time_only: bool
    teacher_groups: dict[str, dict[str, dict[str, list[str]]]]  # group -> column -> stage -> codes
    split_weights: dict[str, float]
    exclude_teaching_points_below: int | None
    merge_teaching_points_into_parent: bool
    tolerance: float
    chain: tuple[str, ...]  # this profile and the ones it extends, most specific first
    data: dict[str, Any]
    planning: dict[str, Rules] = field(default_factory=dict)  # each planner's section, checked
    retirement: Any = None  # the retirement: section over the packaged law (RetirementRules)
    # the group_types: section, by code (empty: the profile has none; quality-2017's apply)
    group_types: dict[str, GroupType] = field(default_factory=dict)

    def retirement_rules(self) -> Any:
        """The statutory retirement rules the projection uses: the packaged 2025 law
        (``junheng/projection/retirement.yaml``) with this profile's ``retirement:`` section
        laid over it (a province's different default group, a later reform's ages).

        >>> load_standard("quality-2017").retirement_rules().group("male").target_age
        63
        """
        from junheng.projection.retirement import load_retirement_rules

        return self.retirement or load_retirement_rules()

    def rules(self, planner: str) -> Any:
        """The planner's rules from this profile (the declared defaults when it has none).

        >>> load_standard("example-province-2017").rules("rotation").share
        0.15
        """
        return self.planning.get(planner) or planner_rules()[planner]()

    def indicator(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)

    @property
    def has_school_rule(self) -> bool:
        return self.min_indicators_met is not None

    def part(self, key: str) -> Part | None:
        return next((p for p in self.parts if p.key == key), None)


def available_standards() -> list[str]:
    """Names of the profiles shipped with junheng."""
    folder = resources.files(_PACKAGED)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_profile(ref: str, base_dir: Path | None) -> tuple[dict[str, Any], str, Path | None]:
    candidate = Path(ref)
    if ref.endswith((".yaml", ".yml")):
        if not candidate.is_absolute() and base_dir is not None:
            candidate = base_dir / candidate
        if not candidate.exists():
            raise StandardError([f"找不到标准文件 {candidate} / standard file not found: {candidate}"])
        text, origin, folder = candidate.read_text(encoding="utf-8"), str(candidate), \
            candidate.parent
    else:
        packaged = resources.files(_PACKAGED) / f"{ref}.yaml"
        if not packaged.is_file():
            names = "、".join(available_standards())
            raise StandardError([f"没有名为 {ref} 的标准（可用：{names}） / no standard named {ref} "
                                 f"(available: {', '.join(available_standards())})"])
        # Packaged profiles never change while running: parse each once.
        return copy.deepcopy(_packaged_profile(ref)), ref, None
    return _parse_yaml(text, origin), origin, folder


@functools.cache
def _packaged_profile(name: str) -> dict[str, Any]:
    text = (resources.files(_PACKAGED) / f"{name}.yaml").read_text(encoding="utf-8")
    return _parse_yaml(text, name)


def _parse_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise StandardError([f"{origin}: YAML 格式错误 / invalid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise StandardError([f"{origin}: 应为键值映射 / must be a mapping"])
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(ref: str, base_dir: Path | None, seen: tuple[str, ...]) -> tuple[dict, tuple]:
    data, origin, folder = _read_profile(ref, base_dir)
    if origin in seen:
        raise StandardError([f"标准继承成环 / circular extends: {' → '.join((*seen, origin))}"])
    parent = data.pop("extends", None)
    if parent is None:
        return data, (origin,)
    base, chain = _resolve(str(parent), folder, (*seen, origin))
    return _merge(base, data), (origin, *chain)


def load_standard(ref: str | Path = "quality-2017") -> Standard:
    """Load a packaged profile by name, or a user's YAML file by path, resolving ``extends:``.

    Raises ``StandardError`` listing every problem with the profile.
    """
    data, chain = _resolve(str(ref), None, ())
    return _build(data, chain)


# ---------------------------------------------------------------------------------------------
# Declared parameter constraints: each check adds a bilingual message, all are reported at once.

def _number(problems: list[str], where: str, value: Any, low: float | None = None,
            high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: 应为数值 / must be a number, got {value!r}")
        return math.nan
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(f"{where}: 应在 [{low}, {high}] 之间 / must be within [{low}, {high}], "
                        f"got {value!r}")
    return float(value)


def _per_stage(problems: list[str], where: str, value: Any, low: float | None = 0,
               high: float | None = None) -> dict[str, float]:
    if not isinstance(value, dict) or set(value) != set(STAGES):
        problems.append(f"{where}: 应为 {{primary: …, junior: …}} / must give primary and junior, "
                        f"got {value!r}")
        return {}
    return {s: _number(problems, f"{where}.{s}", value[s], low, high) for s in STAGES}


def _get(problems: list[str], data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            problems.append(f"{path}: 缺少 / missing")
            return None
        node = node[part]
    return node


def _build(data: dict[str, Any], chain: tuple[str, ...]) -> Standard:
    problems: list[str] = []
    teacher_columns = {c.name: c for c in TABLES["teachers"].columns if c.kind == "enum"}
    stage_columns = {c.name for c in TABLES["stages"].columns if c.kind in ("int", "float")}

    groups: dict[str, dict[str, dict[str, list[str]]]] = {}
    for gname, spec in (_get(problems, data, "teachers.groups") or {}).items():
        if not isinstance(spec, dict) or not spec:
            problems.append(f"teachers.groups.{gname}: 应为 列: 取值 映射 / must map columns to codes")
            continue
        groups[gname] = {}
        for column, codes in spec.items():
            where = f"teachers.groups.{gname}.{column}"
            if column not in teacher_columns:
                problems.append(f"{where}: 不是教师表的枚举列 / not an enum column of teachers "
                                f"({', '.join(teacher_columns)})")
                continue
            by_stage = codes if isinstance(codes, dict) else {s: codes for s in STAGES}
            enum = ENUMS[teacher_columns[column].enum or ""]
            groups[gname][column] = {}
            for stage in STAGES:
                values = by_stage.get(stage)
                if not isinstance(values, list) or not all(v in enum.labels for v in values):
                    problems.append(f"{where}.{stage}: 应为 {enum.name} 代码列表 / must be a list "
                                    f"of {enum.name} codes ({', '.join(enum.codes)}), got "
                                    f"{values!r}")
                    continue
                groups[gname][column][stage] = list(values)

    indicators: list[Indicator] = []
    for key, spec in (_get(problems, data, "resources.indicators") or {}).items():
        where = f"resources.indicators.{key}"
        if not isinstance(spec, dict):
            problems.append(f"{where}: 应为映射 / must be a mapping")
            continue
        numerator = spec.get("numerator")
        num: tuple[str, str] = ("", "")
        if isinstance(numerator, dict) and len(numerator) == 1:
            kind, ref = next(iter(numerator.items()))
            num = (str(kind), str(ref))
            if kind == "teachers" and ref not in groups and ref != "all":
                problems.append(f"{where}.numerator: 未定义的教师组 / undefined teacher group {ref!r}")
            elif kind == "column" and ref not in stage_columns:
                problems.append(f"{where}.numerator: 学段表没有数值列 / no numeric stages column "
                                f"{ref!r}")
            elif kind not in ("teachers", "column"):
                problems.append(f"{where}.numerator: 应为 teachers 或 column / must be teachers "
                                "or column")
        else:
            problems.append(f"{where}.numerator: 应为 {{teachers: 组}} 或 {{column: 列}} / must be "
                            "{teachers: group} or {column: name}")
        unit = spec.get("unit")
        if unit not in UNITS:
            problems.append(f"{where}.unit: 应为 {', '.join(UNITS)} 之一 / must be one of them, "
                            f"got {unit!r}")
        indicators.append(Indicator(
            key=key, name=str(spec.get("name", key)), name_en=str(spec.get("name_en", key)),
            short=str(spec.get("short", spec.get("name", key))),
            short_en=str(spec.get("short_en", spec.get("name_en", key))),
            numerator=num,
            per_students=_number(problems, f"{where}.per_students", spec.get("per_students"), 1e-9),
            unit=str(unit),
            thresholds=None if spec.get("thresholds") is None else
            _per_stage(problems, f"{where}.thresholds", spec.get("thresholds"), 0),
        ))
    if not indicators:
        problems.append("resources.indicators: 至少需要一个指标 / at least one indicator is required")

    resources_spec = data.get("resources") if isinstance(data.get("resources"), dict) else {}
    min_met: int | None = None
    floor: float | None = None
    if resources_spec.get("school_rule") is not None:
        min_met = _get(problems, data, "resources.school_rule.min_indicators_met")
        if not isinstance(min_met, int) or isinstance(min_met, bool) or \
                not 0 <= min_met <= len(indicators):
            problems.append(f"resources.school_rule.min_indicators_met: 应为 0–{len(indicators)} "
                            f"的整数 / must be a whole number 0–{len(indicators)}, got {min_met!r}")
            min_met = 0
        floor = _number(problems, "resources.school_rule.floor_ratio",
                        _get(problems, data, "resources.school_rule.floor_ratio"), 0, 1)
        unthresholded = [i.key for i in indicators if i.thresholds is None]
        if unthresholded:
            problems.append(f"resources.school_rule: 指标缺少 thresholds / a per-school rule needs "
                            f"every indicator's thresholds (missing: {', '.join(unthresholded)})")
    cv_limits = None if resources_spec.get("cv_limits") is None else _per_stage(
        problems, "resources.cv_limits", resources_spec["cv_limits"], 0)
    composite = None if resources_spec.get("cv_composite_limits") is None else _per_stage(
        problems, "resources.cv_composite_limits", resources_spec["cv_composite_limits"], 0)
    if (cv_limits is None) == (composite is None):
        problems.append("resources: 应给出 cv_limits（逐项）或 cv_composite_limits（综合）之一 / "
                        "give exactly one of cv_limits (each indicator) and cv_composite_limits "
                        "(the mean of the CVs)")
    parts, vetoes = build_parts(problems, data, set(groups) | {"all"})
    unmodelled = data.get("unmodelled_parts") or []
    if not isinstance(unmodelled, list) or not all(isinstance(u, str) for u in unmodelled):
        problems.append(f"unmodelled_parts: 应为文字列表 / must be a list of names, got "
                        f"{unmodelled!r}")
        unmodelled = []
    full_time_only = _get(problems, data, "teachers.full_time_only")
    if not isinstance(full_time_only, bool):
        problems.append(f"teachers.full_time_only: 应为 true/false / must be true or false, got "
                        f"{full_time_only!r}")
    weights = _per_stage(problems, "units.split_weights", _get(problems, data,
                                                                "units.split_weights"), 1e-9)
    below = _get(problems, data, "units.exclude_teaching_points_below")
    if below is not None and (not isinstance(below, int) or isinstance(below, bool) or below < 0):
        problems.append(f"units.exclude_teaching_points_below: 应为非负整数或 null / must be a "
                        f"whole number ≥ 0 or null, got {below!r}")
    merge = _get(problems, data, "units.merge_teaching_points_into_parent")
    if not isinstance(merge, bool):
        problems.append("units.merge_teaching_points_into_parent: 应为 true/false / must be true "
                        f"or false, got {merge!r}")
    tolerance = _number(problems, "tolerance", data.get("tolerance", 1e-9), 0, 1e-3)
    planning: dict[str, Rules] = {}
    for planner, rules in planner_rules().items():
        section = data.get(planner)
        if section is None:
            continue
        if not isinstance(section, dict):
            problems.append(f"{planner}: 应为映射 / must be a mapping")
            continue
        try:
            planning[planner] = rules.build(section)
        except StandardError as exc:
            problems += exc.problems
    group_types: dict[str, GroupType] = {}
    if data.get("group_types") is not None:
        group_types, more = build_group_types(data["group_types"])
        problems += more
        groups_rules = planning.get("groups")
        chosen = groups_rules.group_type if groups_rules is not None else None
        if not more and chosen is not None and chosen not in group_types:
            problems.append(f"groups.group_type: group_types 中没有类型 {chosen} / group_types "
                            f"declares no type {chosen} ({', '.join(group_types)})")
    retirement = None
    if data.get("retirement") is not None:
        from junheng.projection.retirement import rules_over_packaged

        try:
            retirement = rules_over_packaged(data["retirement"])
        except StandardError as exc:
            problems += exc.problems
    if problems:
        raise StandardError([f"标准 {chain[0]} 有误 / standard {chain[0]} is invalid:",
                             *problems])
    return Standard(
        id=str(data.get("id", chain[0])), name=str(data.get("name", chain[0])),
        name_en=str(data.get("name_en", chain[0])), indicators=tuple(indicators),
        min_indicators_met=min_met, floor_ratio=floor, cv_limits=cv_limits,
        cv_composite_limits=composite, parts=parts, vetoes=vetoes,
        unmodelled_parts=tuple(unmodelled),
        full_time_only=bool(full_time_only), teacher_groups=groups, split_weights=weights,
        exclude_teaching_points_below=below, merge_teaching_points_into_parent=bool(merge),
        tolerance=tolerance, chain=chain, data=data, planning=planning, retirement=retirement,
        group_types=group_types,
    )
