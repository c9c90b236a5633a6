"""The rotation rules as data, and what they say about a county's teachers and schools.

``RotationRules`` comes from the standard profile's ``rotation:`` section, each value overridable
(the command line's ``--share``, ``--tenure``, ``--max-km`` …); its constraints are declared in
``_CONSTRAINTS`` and checked all at once. The functions here turn a dataset into the planner's
input tables: who may move, which schools send and which receive, and how far apart they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import polars as pl

from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset
from junheng.model.schema import ENUMS
from junheng.standards import Standard, StandardError

Scope = Literal["school", "county"]


@dataclass(frozen=True)
class RotationRules:
    """The rules a rotation plan obeys (STANDARDS.md §3). Defaults: the national profile."""

    tenure_years: int = 6
    share: float = 0.10
    backbone_share: float = 0.20
    scope: Scope = "school"
    max_share: float | None = None
    max_km: float | None = None
    exempt_from_age: dict[str, int] | None = None
    sending_locations: tuple[str, ...] = ("urban", "town")
    receiving_locations: tuple[str, ...] = ("rural",)
    receive_failing_schools: bool = True
    principal_terms: int = 2
    term_years: int = 3
    form: str = "regular_exchange"
    quality_schools: tuple[str, ...] = ()  # marked by the user: they send
    weak_schools: tuple[str, ...] = ()  # marked by the user: they receive
    exempt_teachers: tuple[str, ...] = field(default=())  # health, family …: never moved

    @classmethod
    def from_standard(cls, standard: Standard, **overrides: Any) -> RotationRules:
        """The profile's ``rotation:`` section with ``overrides`` (None values are ignored).

        Raises ``StandardError`` listing every value that breaks a declared constraint.

        Examples
        --------
        >>> import junheng
        >>> rules = RotationRules.from_standard(junheng.load_standard(), share=0.15)
        >>> rules.share, rules.tenure_years, rules.backbone_share
        (0.15, 6, 0.2)
        """
        data = dict(standard.data.get("rotation") or {})
        data.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        problems = [f"rotation.{k}: 未知参数 / unknown setting" for k in data if k not in known]
        for key, check in _CONSTRAINTS.items():
            if key in data and data[key] is not None and not check(data[key]):
                problems.append(f"rotation.{key}: {_EXPECTED[key]}, got {data[key]!r}")
        if problems:
            raise StandardError(problems)
        for key in ("sending_locations", "receiving_locations", "quality_schools",
                    "weak_schools", "exempt_teachers"):
            if key in data:
                data[key] = tuple(data[key])
        return replace(cls(), **{k: v for k, v in data.items() if k in known})


def _locations(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(v in ENUMS["location"].codes for v in value)


_CONSTRAINTS = {
    "tenure_years": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 40,
    "share": lambda v: isinstance(v, int | float) and 0 <= v <= 1,
    "backbone_share": lambda v: isinstance(v, int | float) and 0 <= v <= 1,
    "scope": lambda v: v in ("school", "county"),
    "max_share": lambda v: isinstance(v, int | float) and 0 < v <= 1,
    "max_km": lambda v: isinstance(v, int | float) and v > 0,
    "exempt_from_age": lambda v: isinstance(v, dict) and set(v) <= {"male", "female"}
    and all(isinstance(a, int) and 18 <= a <= 70 for a in v.values()),
    "sending_locations": _locations,
    "receiving_locations": _locations,
    "receive_failing_schools": lambda v: isinstance(v, bool),
    "principal_terms": lambda v: isinstance(v, int) and v >= 1,
    "term_years": lambda v: isinstance(v, int) and v >= 1,
    "form": lambda v: v in ENUMS["rotation_form"].codes,
    "quality_schools": lambda v: isinstance(v, list | tuple),
    "weak_schools": lambda v: isinstance(v, list | tuple),
    "exempt_teachers": lambda v: isinstance(v, list | tuple),
}
_EXPECTED = {
    "tenure_years": "应为 0–40 的整数 / must be a whole number of years, 0–40",
    "share": "应在 0–1 之间 / must be a share within 0–1",
    "backbone_share": "应在 0–1 之间 / must be a share within 0–1",
    "scope": "应为 school 或 county / must be school or county",
    "max_share": "应在 (0, 1] 之间 / must be a share within (0, 1]",
    "max_km": "应为正数 / must be a positive number of km",
    "exempt_from_age": "应为 {male: 年龄, female: 年龄} / must be {male: age, female: age}",
    "sending_locations": "应为 urban/town/rural 的列表 / must list urban, town or rural",
    "receiving_locations": "应为 urban/town/rural 的列表 / must list urban, town or rural",
    "receive_failing_schools": "应为 true 或 false / must be true or false",
    "principal_terms": "应为正整数 / must be a positive whole number",
    "term_years": "应为正整数 / must be a positive whole number",
    "form": f"应为 {ENUMS['rotation_form'].expected()} / must be a rotation form code",
    "quality_schools": "应为学校标识码列表 / must list school ids",
    "weak_schools": "应为学校标识码列表 / must list school ids",
    "exempt_teachers": "应为教师编号列表 / must list teacher ids",
}


def school_roles(dataset: Dataset, evaluation: Evaluation, rules: RotationRules) -> pl.DataFrame:
    """Each school's role: ``receive`` (rural, weak-marked, a teaching point's central school,
    or failing the per-school rule), ``send`` (urban or town, or quality-marked, and not
    receiving), or ``none``.

    Columns: county, school_id, name, location, role, latitude, longitude.
    """
    failing = (evaluation.schools.filter(pl.col("meets_rule").not_())
               .get_column("school_id").unique().implode())
    central = (dataset.schools.filter(pl.col("school_type") == "teaching_point")
               .get_column("parent_school_id").drop_nulls().unique().implode())
    receive = (pl.col("location").is_in(list(rules.receiving_locations))
               | pl.col("school_id").is_in(list(rules.weak_schools))
               | pl.col("school_id").is_in(central))
    if rules.receive_failing_schools:
        receive = receive | pl.col("school_id").is_in(failing)
    send = (pl.col("location").is_in(list(rules.sending_locations))
            | pl.col("school_id").is_in(list(rules.quality_schools)))
    return dataset.schools.select(
        "county", "school_id", "name", "location",
        pl.when(receive).then(pl.lit("receive")).when(send).then(pl.lit("send"))
        .otherwise(pl.lit("none")).alias("role"),
        "latitude", "longitude")


def eligible_teachers(dataset: Dataset, standard: Standard, rules: RotationRules,
                      year: int) -> pl.DataFrame:
    """The full-time teachers with a flag ``eligible`` and, when not, ``reason`` (why not).

    Eligible: at the current school for ≥ ``tenure_years`` (``school_since``), not a principal or
    vice-principal (they have their own list), younger than the exemption age of their gender,
    not exempted by name, not already moved this school year. Each row also carries the
    indicator groups the teacher counts in (``in_qualified``, ``in_backbone``, ``in_pe_art``).
    """
    from junheng.evaluate._units import _group_expr

    teachers = dataset.teachers
    if standard.full_time_only:
        teachers = teachers.filter(pl.col("full_time"))
    moved = (dataset.rotations.filter(pl.col("school_year") == year).get_column("teacher_id")
             .implode() if dataset.rotations is not None else pl.lit([], dtype=pl.List(pl.String)))
    groups = {name: _group_expr(spec).alias(f"in_{name}")
              for name, spec in standard.teacher_groups.items()}
    ages = rules.exempt_from_age or {}
    too_old = pl.lit(False)
    for gender, age in ages.items():
        too_old = too_old | ((pl.col("gender") == gender)
                             & (year - pl.col("birth_year") >= age)).fill_null(False)
    reason = (pl.when(pl.col("teacher_id").is_in(moved)).then(pl.lit("moved_this_year"))
              .when(pl.col("role").is_in(["principal", "vice_principal"]))
              .then(pl.lit("principal"))
              .when(pl.col("school_since").is_null()).then(pl.lit("tenure_unknown"))
              .when(year - pl.col("school_since") < rules.tenure_years)
              .then(pl.lit("tenure_short"))
              .when(too_old).then(pl.lit("age"))
              .when(pl.col("teacher_id").is_in(list(rules.exempt_teachers)))
              .then(pl.lit("exempt")))
    return teachers.with_columns(*groups.values(), reason.alias("reason")).with_columns(
        pl.col("reason").is_null().alias("eligible"))


def distances(roles: pl.DataFrame) -> dict[tuple[str, str], float | None]:
    """Great-circle distance (km) between every sending and receiving school of a county;
    None when either lacks coordinates."""
    senders = roles.filter(pl.col("role") == "send").iter_rows(named=True)
    receivers = list(roles.filter(pl.col("role") == "receive").iter_rows(named=True))
    out: dict[tuple[str, str], float | None] = {}
    for s in senders:
        for r in receivers:
            if s["county"] != r["county"]:
                continue
            out[(s["school_id"], r["school_id"])] = haversine_km(
                s["latitude"], s["longitude"], r["latitude"], r["longitude"])
    return out


def haversine_km(lat1: float | None, lon1: float | None, lat2: float | None,
                 lon2: float | None) -> float | None:
    """Great-circle distance in km (Earth radius 6371 km).

    >>> round(haversine_km(29.5, 106.5, 29.6, 106.5), 2)
    11.12
    """
    if None in (lat1, lon1, lat2, lon2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)  # type: ignore[arg-type]
    dp, dl = p2 - p1, math.radians(lon2 - lon1)  # type: ignore[operator]
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
