"""Statutory retirement dates under the gradual increase of 2025 (渐进式延迟法定退休年龄).

The law (全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定, 2024-09-13, 附件
《国务院关于渐进式延迟职工法定退休年龄的办法》第二条 and its 对照表) is held as data in
``retirement.yaml`` beside this module; a province or a later reform changes the data, not the
code. For one group (ages in whole years; months counted as ``12 × year + month − 1``)::

    original month  o = birth month + 12 × original_age
    delay (months)  d = 0                                                  if o < start
                    d = min(step × (⌊(o − start) / every⌋ + 1), 12 × (target_age − original_age))
    age at retirement (months)  a = 12 × original_age + d
    retirement month            r = birth month + a

with start = 2025-01; men 60 → 63 and women of original age 55 → 58 by 1 month every 4 months,
women of original age 50 → 55 by 1 month every 2 months.

Conventions
-----------
* The retirement month is the month in which the person reaches the retirement age (the birthday
  month, the age counted in whole months). They work through that month and are gone from the
  first day of the next (they are no longer counted in any later month).
* A birth month that is unknown is taken as ``assumed_birth_month`` from the data: July, the
  middle of the year. This is an assumption, not the law; it moves a date by at most six months.
* Teachers are mostly 专业技术人员, whose women had the original age 55: a woman's default group
  is ``female_cadre`` (55 → 58), men's ``male`` (60 → 63). Pass ``group="female_worker"`` (50 →
  55) for a woman on a worker's post, or build rules with other defaults
  (:meth:`RetirementRules.with_default_group`).
* A teacher whose birth year or gender is unknown is never assumed to retire: null.

Examples
--------
>>> rules = load_retirement_rules()
>>> retirement_month(1964, 12, "male", rules)    # reached 60 before 2025-01: not delayed
(2024, 12)
>>> retirement_month(1965, 1, "male", rules)     # 60 years 1 month
(2025, 2)
>>> retirement_age_months(1970, 1, "female", rules)  # 55 years 1 month
661
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl
import yaml

from junheng.errors import StandardError
from junheng.standards.params import Param

GENDERS = ("male", "female")
_PACKAGED = "retirement.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The declared shape of one group, checked through the one settings vocabulary.
_GROUP_PARAMS = {
    p.name: p
    for p in (
        Param("original_age", "原法定退休年龄（周岁）", "original retirement age (years)", "int",
              low=16, high=70),
        Param("target_age", "延迟后的目标年龄（周岁）", "target retirement age (years)", "int",
              low=16, high=70),
        Param("step_months", "每次延迟的月数", "months of delay per step", "int", low=1, high=12),
        Param("every_months", "每隔几个出生月延迟一次", "birth months per step", "int", low=1,
              high=120),
    )
}
_GROUP_TEXT = ("zh", "en")
_GROUP_KEYS = (*_GROUP_PARAMS, *_GROUP_TEXT, "start")
_TOP_KEYS = ("start", "default_group", "assumed_birth_month", "groups")
_BIRTH_MONTH = Param("assumed_birth_month", "出生月份未知时假定的月份",
                     "birth month assumed when unknown", "int", low=1, high=12)


def _index(year: int, month: int) -> int:
    """Months counted from year 0: ``12 × year + month − 1``."""
    return 12 * year + month - 1


def _from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class RetirementGroup:
    """One group of the law: its original age, the start and pace of the delay, the target.

    >>> g = load_retirement_rules().groups["female_worker"]
    >>> g.age_months(_index(1975, 3))   # original 2025-03: ⌊2 / 2⌋ + 1 = 2 months → 50 y 2 m
    602
    """

    name: str
    zh: str
    en: str
    original_age: int  # years
    target_age: int  # years
    start: tuple[int, int]  # (year, month): the first original retirement month delayed
    step_months: int  # the age rises by this many months …
    every_months: int  # … for every this many original retirement months (birth months)

    @property
    def max_delay(self) -> int:
        """The delay at the target, in months: ``12 × (target_age − original_age)``."""
        return 12 * (self.target_age - self.original_age)

    def age_months(self, birth: int) -> int:
        """The age at retirement in months for the birth month ``birth`` (``12 × y + m − 1``)."""
        original = birth + 12 * self.original_age
        start = _index(*self.start)
        if original < start:
            return 12 * self.original_age
        steps = (original - start) // self.every_months + 1
        return 12 * self.original_age + min(self.step_months * steps, self.max_delay)


@dataclass(frozen=True)
class RetirementRules:
    """The retirement groups, the default group by gender and the assumed birth month.

    Load with :func:`load_retirement_rules`, or build from a profile's section with
    :meth:`from_mapping`; both check every value and raise ``StandardError`` listing every
    problem in Chinese and English.
    """

    groups: Mapping[str, RetirementGroup]
    default_group: Mapping[str, str]  # gender → group name
    assumed_birth_month: int
    origin: str = _PACKAGED

    @classmethod
    def from_mapping(cls, data: Any, origin: str = "retirement") -> RetirementRules:
        """Rules from plain data of the shape of ``retirement.yaml``; every problem at once."""
        problems: list[str] = []

        def say(where: str, zh: str, en: str, value: Any) -> None:
            problems.append(f"{origin}: {where}: {zh} / {en}, got {value!r}")

        if not isinstance(data, Mapping):
            raise StandardError([f"{origin}: 应为键值映射 / must be a mapping, got {data!r}"])
        for key in data:
            if key not in _TOP_KEYS:
                say(key, "未知参数", "unknown setting", data[key])
        start = _month(data.get("start"))
        if start is None:
            say("start", "应为 YYYY-MM 形式的年月", "must be a month written YYYY-MM",
                data.get("start"))
        assumed = data.get("assumed_birth_month")
        if (problem := _BIRTH_MONTH.problem(assumed)) is not None:
            problems.append(f"{origin}: {problem}")
        groups: dict[str, RetirementGroup] = {}
        raw_groups = data.get("groups")
        if not isinstance(raw_groups, Mapping) or not raw_groups:
            say("groups", "应为至少一个分组的映射", "must map at least one group", raw_groups)
            raw_groups = {}
        for name, spec in raw_groups.items():
            group = _group(str(name), spec, start, origin, problems)
            if group is not None:
                groups[str(name)] = group
        defaults = data.get("default_group")
        if not isinstance(defaults, Mapping) or set(defaults) != set(GENDERS):
            say("default_group", "应为 {male: 分组, female: 分组}",
                "must be {male: group, female: group}", defaults)
            defaults = {}
        for gender, name in defaults.items():
            if not isinstance(name, str) or name not in raw_groups:
                say(f"default_group.{gender}", f"应为已定义的分组之一（{'、'.join(map(str, raw_groups))}）",
                    f"must name a defined group ({', '.join(map(str, raw_groups))})", name)
        if problems:
            raise StandardError(problems)
        return cls(MappingProxyType(groups), MappingProxyType(dict(defaults)), int(assumed),
                   origin)

    def group(self, gender: str | None = None, group: str | None = None) -> RetirementGroup:
        """The group named ``group``, else the default group for ``gender``.

        >>> load_retirement_rules().group("female").name
        'female_cadre'
        """
        if group is None:
            if gender not in GENDERS:
                raise ValueError(f"性别应为 male 或 female / gender must be male or female, "
                                 f"got {gender!r}")
            group = self.default_group[gender]
        if group not in self.groups:
            raise ValueError(f"未知的退休分组 / unknown retirement group {group!r} "
                             f"（已定义 defined: {', '.join(self.groups)}）")
        return self.groups[group]

    def with_default_group(self, **by_gender: str) -> RetirementRules:
        """These rules with other default groups, e.g. ``female="female_worker"``.

        >>> load_retirement_rules().with_default_group(female="female_worker").group("female").name
        'female_worker'
        """
        for gender, name in by_gender.items():
            if gender not in GENDERS or name not in self.groups:
                raise ValueError(f"default_group.{gender}: 应为已定义的分组 / must name a "
                                 f"defined group ({', '.join(self.groups)}), got {name!r}")
        return dataclasses.replace(
            self, default_group=MappingProxyType({**self.default_group, **by_gender}))


def _month(value: Any) -> tuple[int, int] | None:
    """``"2025-01"`` (or a date) as (year, month); None when it is not one."""
    if isinstance(value, datetime.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    parts = value.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return (year, month) if 1900 <= year <= 2200 and 1 <= month <= 12 else None


def _group(name: str, spec: Any, start: tuple[int, int] | None, origin: str,
           problems: list[str]) -> RetirementGroup | None:
    where = f"{origin}: groups.{name}"
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: 应为键值映射 / must be a mapping, got {spec!r}")
        return None
    count = len(problems)
    for key in spec:
        if key not in _GROUP_KEYS:
            problems.append(f"{where}.{key}: 未知参数 / unknown setting")
    values: dict[str, int] = {}
    for key, param in _GROUP_PARAMS.items():
        if key not in spec:
            problems.append(f"{where}.{key}: 缺少 / missing ({param.zh} / {param.en})")
        elif (problem := param.problem(spec[key])) is not None:
            problems.append(f"{where}.{problem}")
        else:
            values[key] = param.coerce(spec[key])
    if "start" in spec:
        start = _month(spec["start"])
        if start is None:
            problems.append(f"{where}.start: 应为 YYYY-MM 形式的年月 / must be a month written "
                            f"YYYY-MM, got {spec['start']!r}")
    text = {}
    for key in _GROUP_TEXT:
        value = spec.get(key, name)
        if not isinstance(value, str):
            problems.append(f"{where}.{key}: 应为文字 / must be text, got {value!r}")
        text[key] = str(value)
    if len(values) == len(_GROUP_PARAMS) and values["target_age"] < values["original_age"]:
        problems.append(f"{where}.target_age: 不应低于 original_age / must not be below "
                        f"original_age ({values['original_age']}), got {values['target_age']}")
    if len(problems) > count or start is None:
        return None
    return RetirementGroup(name=name, start=start, **text, **values)


@functools.cache
def _packaged() -> RetirementRules:
    text = (resources.files(__package__) / _PACKAGED).read_text(encoding="utf-8")
    return RetirementRules.from_mapping(_parse(text, _PACKAGED), _PACKAGED)


def _parse(text: str, origin: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise StandardError([f"{origin}: YAML 格式错误 / invalid YAML: {exc}"]) from exc


def load_retirement_rules(path: str | Path | None = None) -> RetirementRules:
    """The retirement rules in the YAML file ``path``; None → the packaged ``retirement.yaml``.

    Raises ``StandardError`` (every problem, in Chinese and English) for a missing or malformed
    file.

    >>> rules = load_retirement_rules()
    >>> sorted(rules.groups), dict(rules.default_group), rules.assumed_birth_month
    (['female_cadre', 'female_worker', 'male'], {'male': 'male', 'female': 'female_cadre'}, 7)
    """
    if path is None:
        return _packaged()
    path = Path(path)
    if not path.is_file():
        raise StandardError([f"找不到退休规则文件 {path} / retirement rules file not found: {path}"])
    return RetirementRules.from_mapping(_parse(path.read_text(encoding="utf-8"), str(path)),
                                        str(path))


def rules_over_packaged(section: Any, origin: str = "retirement") -> RetirementRules:
    """A profile's ``retirement:`` section laid over the packaged law, key by key (a group
    given in part keeps the packaged values of the rest); every problem at once.

    >>> rules_over_packaged({"default_group": {"female": "female_worker"}}).group("female").name
    'female_worker'
    >>> rules_over_packaged({"groups": {"male": {"target_age": 65}}}).group("male").target_age
    65
    """
    if not isinstance(section, Mapping):
        raise StandardError([f"{origin}: 应为键值映射 / must be a mapping, got {section!r}"])
    text = (resources.files(__package__) / _PACKAGED).read_text(encoding="utf-8")

    def merge(base: Any, over: Any) -> Any:
        if isinstance(base, Mapping) and isinstance(over, Mapping):
            return {**base, **{k: merge(base.get(k), v) for k, v in over.items()}}
        return over

    return RetirementRules.from_mapping(merge(_parse(text, _PACKAGED), section), origin)


def _birth(birth_year: int, birth_month: int | None, rules: RetirementRules) -> int:
    month = rules.assumed_birth_month if birth_month is None else birth_month
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"出生月份应为 1–12 / birth month must be 1–12, got {birth_month!r}")
    return _index(birth_year, month)


def retirement_age_months(birth_year: int, birth_month: int | None, gender: str | None,
                          rules: RetirementRules | None = None, group: str | None = None) -> int:
    """The statutory age at retirement, in months (60 years 1 month = 721).

    ``a = 12 × original_age + min(step × (⌊(o − start) / every⌋ + 1), 12 × (target − original))``
    for an original retirement month ``o`` (birth month + original age) from ``start`` on, else
    ``12 × original_age``. ``group`` overrides the default group for ``gender``; an unknown
    ``birth_month`` (None) is the rules' assumed month (July).

    >>> retirement_age_months(1965, 5, "male")        # ⌊4 / 4⌋ + 1 = 2 → 60 y 2 m
    722
    >>> retirement_age_months(1975, 1, "female", group="female_worker")   # 50 y 1 m
    601
    >>> retirement_age_months(1990, None, "male")     # long past the target: 63 y
    756
    """
    rules = rules or _packaged()
    return rules.group(gender, group).age_months(_birth(birth_year, birth_month, rules))


def retirement_month(birth_year: int, birth_month: int | None, gender: str | None,
                     rules: RetirementRules | None = None,
                     group: str | None = None) -> tuple[int, int]:
    """The (year, month) in which the person reaches the retirement age: birth month + ``a``
    months (:func:`retirement_age_months`). They work through that month and are gone from the
    next. An unknown ``birth_month`` (None) is the rules' assumed month (July).

    >>> retirement_month(1965, 5, "male")      # 1965-05 + 60 y 2 m
    (2025, 7)
    >>> retirement_month(1976, 9, "male")      # the first birth month at the target, 63 y
    (2039, 9)
    >>> retirement_month(1970, None, "female")  # July 1970 assumed: ⌊6 / 4⌋ + 1 → 55 y 2 m
    (2025, 9)
    """
    rules = rules or _packaged()
    birth = _birth(birth_year, birth_month, rules)
    return _from_index(birth + rules.group(gender, group).age_months(birth))


def retirement_dates(teachers: pl.DataFrame, rules: RetirementRules | None = None, *,
                     group_column: str | None = None) -> pl.DataFrame:
    """Retirement year, month and age (months) for every row of a teacher table, vectorised.

    ``teachers`` has ``birth_year`` (int), ``gender`` ('male' / 'female') and optionally
    ``birth_month`` (1–12; null or absent → the assumed month) and ``group_column`` (a group's
    name per teacher; null → the default for the gender). The formula is
    :func:`retirement_age_months`'s; a row with an unknown birth year or gender is null in every
    column (never assumed to retire). Columns: ``retirement_year``, ``retirement_month``,
    ``retirement_age_months`` (Int32), one row per teacher in order.

    >>> frame = pl.DataFrame({"birth_year": [1964, 1965, None, 1975],
    ...                       "birth_month": [12, 5, 1, None],
    ...                       "gender": ["male", "male", "female", None]})
    >>> retirement_dates(frame).rows()
    [(2024, 12, 720), (2025, 7, 722), (None, None, None), (None, None, None)]
    """
    rules = rules or _packaged()
    # An absent column is an unknown value for every teacher (both are optional in the contract).
    teachers = teachers.with_columns(
        pl.lit(None, dtype).alias(column) for column, dtype in
        (("birth_year", pl.Int64), ("gender", pl.String)) if column not in teachers.columns)
    problems = []
    genders = teachers["gender"].cast(pl.String).drop_nulls().unique().to_list()
    if bad := sorted(str(g) for g in genders if g not in GENDERS):
        problems.append(f"gender: 应为 male 或 female / must be male or female, got {bad}")
    if "birth_month" in teachers.columns:
        months = teachers["birth_month"].drop_nulls()
        if len(months) and not months.is_between(1, 12).all():
            bad = sorted(set(months.filter(~months.is_between(1, 12)).to_list()))
            problems.append(f"birth_month: 应为 1–12 / must be 1–12, got {bad}")
        month = pl.col("birth_month").cast(pl.Int64).fill_null(rules.assumed_birth_month)
    else:
        month = pl.lit(rules.assumed_birth_month, pl.Int64)
    gender = pl.col("gender").cast(pl.String)
    name = pl.when(gender == "male").then(pl.lit(rules.default_group["male"])).when(
        gender == "female").then(pl.lit(rules.default_group["female"])).otherwise(None)
    if group_column is not None:
        named = teachers[group_column].drop_nulls().unique().to_list()
        if bad := sorted(str(g) for g in named if g not in rules.groups):
            problems.append(f"{group_column}: 未知的退休分组 / unknown retirement group {bad} "
                            f"(defined: {', '.join(rules.groups)})")
        name = pl.when(gender.is_not_null()).then(
            pl.coalesce(pl.col(group_column).cast(pl.String), name))
    if problems:
        raise ValueError("; ".join(problems))
    birth = pl.col("birth_year").cast(pl.Int64) * 12 + month - 1
    age: Any = None  # when(group 1).then(…).when(group 2).then(…) … otherwise null
    for group in rules.groups.values():
        original = birth + 12 * group.original_age
        delayed = 12 * group.original_age + pl.min_horizontal(
            group.step_months * ((original - _index(*group.start)) // group.every_months + 1),
            pl.lit(group.max_delay, pl.Int64))
        undelayed = pl.lit(12 * group.original_age, pl.Int64)
        expr = pl.when(original < _index(*group.start)).then(undelayed).otherwise(delayed)
        age = (pl.when if age is None else age.when)(name == group.name).then(expr)
    # min_horizontal skips nulls: without this guard an unknown birth year would get the target.
    age = pl.when(birth.is_not_null()).then(age.otherwise(None))
    index = birth + age
    return teachers.select(
        retirement_year=(index // 12).cast(pl.Int32),
        retirement_month=(index % 12 + 1).cast(pl.Int32),
        retirement_age_months=age.cast(pl.Int32),
    )


def retirement_year(teachers: pl.DataFrame, rules: RetirementRules | None = None, *,
                    group_column: str | None = None) -> pl.Series:
    """The calendar year of each teacher's retirement month (:func:`retirement_dates`); null
    for an unknown birth year or gender.

    >>> frame = pl.DataFrame({"birth_year": [1965, 1981], "gender": ["male", "female"]})
    >>> retirement_year(frame).to_list()  # July assumed: 60 y 2 m → 2025-09; 57 y 11 m → 2039-06
    [2025, 2039]
    """
    return retirement_dates(teachers, rules, group_column=group_column)["retirement_year"]
