"""The planners' rules, as profile sections: each planner declares its settings here, once
(the projection's assumptions, a ``projection:`` section, beside the pupil model).

A profile's ``rotation:`` section is read into ``RotationRules`` when the profile is loaded (so
a wrong value is reported with every other problem of the profile), shown by ``junheng
standards``, and offered as command-line options by ``junheng plan rotation``. A province changes
a value in its own profile (``rotation: {share: 0.15}``), never in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from junheng.model.schema import ENUMS
from junheng.standards.params import Rules, param

_LOCATIONS = tuple(ENUMS["location"].codes)
_FORMS = tuple(ENUMS["rotation_form"].codes)


@dataclass(frozen=True)
class RotationRules(Rules):
    """The rules a teacher rotation plan obeys (STANDARDS.md §3, 教师〔2014〕4号).

    Examples
    --------
    >>> rules = RotationRules.build({"share": 0.15})
    >>> rules.share, rules.tenure_years, rules.backbone_share
    (0.15, 6, 0.2)
    >>> RotationRules.build({"share": 2})
    Traceback (most recent call last):
    ...
    junheng.errors.StandardError: rotation.share: 应在 0–1 之间 / must be within 0–1, got 2
    """

    SECTION = "rotation"
    TITLE = ("教师交流轮岗", "teacher rotation")

    tenure_years: int = param(
        6, "在本校任教满几年可交流", "years at the current school before a teacher may rotate",
        "int", low=0, high=40, unit=("年", "years"), flag="--tenure")
    share: float = param(
        0.10, "每年交流比例（占符合交流条件教师）",
        "share of the eligible teachers rotated each year", "share")
    backbone_share: float = param(
        0.20, "骨干教师占交流教师比例", "backbone teachers' share of the rotated", "share")
    scope: Literal["school", "county"] = param(
        "school", "交流比例的考核范围：每所派出学校，或全县",
        "where the shares must be met: every sending school, or the county", "choice",
        choices=("school", "county"), labels={"school": "每所派出学校", "county": "全县"})
    max_share: float | None = param(
        0.20, "每校每年调出教师上限（占本校专任教师，向上取整）",
        "most teachers a school sends away in a year, as a share of its full-time teachers "
        "(rounded up)", "share", low=0.0, low_open=True, nullable=True)
    max_km: float | None = param(
        None, "最远交流距离", "longest move", "number", low=0.0, low_open=True, nullable=True,
        unit=("km", "km"))
    exempt_from_age: dict[str, int] | None = param(
        {"female": 50, "male": 55}, "达到此年龄不再交流（按性别；性别不详按较低者）",
        "teachers this old are not rotated, by gender (unknown gender: the lower age)", "ages",
        nullable=True, cli=False)
    sending_locations: tuple[str, ...] = param(
        ("urban", "town"), "派出学校（按城乡分类）", "sending schools, by location", "choices",
        choices=_LOCATIONS, labels=ENUMS["location"].labels, cli=False)
    receiving_locations: tuple[str, ...] = param(
        ("rural",), "接收学校（按城乡分类）", "receiving schools, by location", "choices",
        choices=_LOCATIONS, labels=ENUMS["location"].labels, cli=False)
    receive_failing_schools: bool = param(
        True, "未达到学校达标规则的学校作为接收学校",
        "schools failing the per-school rule receive teachers", "bool", cli=False)
    central_to_teaching_points: bool = param(
        True, "中心校可向所属教学点交流", "central schools may send to their own teaching points",
        "bool", cli=False)
    rural_backbone_to_towns: bool = param(
        False, "允许乡村学校骨干教师对调到城镇学校",
        "rural schools' backbone teachers may go to urban and town schools in an exchange",
        "bool")
    principal_terms: int = param(
        2, "校长、副校长在同一学校满几个任期后交流",
        "full terms at one school after which principals rotate", "int", low=1, high=10,
        cli=False)
    term_years: int = param(
        3, "每个任期年数", "years in a term", "int", low=1, high=10, unit=("年", "years"),
        cli=False)
    form: str = param(
        "regular_exchange", "交流形式（写入交流轮岗记录）", "the form recorded in rotations",
        "choice", choices=_FORMS, labels=ENUMS["rotation_form"].labels, cli=False)
    quality_schools: tuple[str, ...] = param(
        (), "优质学校（派出）：学校标识码，或含「学校标识码」列的文件",
        "quality schools (they send): school ids, or a file with a school_id column", "ids",
        of="school")
    weak_schools: tuple[str, ...] = param(
        (), "薄弱学校（接收）：学校标识码，或含「学校标识码」列的文件",
        "weak schools (they receive): school ids, or a file with a school_id column", "ids",
        of="school")
    exempt_teachers: tuple[str, ...] = param(
        (), "不参加交流的教师（健康、家庭等）：教师编号，或含「教师编号」列的文件",
        "teachers exempted (health, family …): teacher ids, or a file with a teacher_id column",
        "ids", flag="--exempt", of="teacher")

    def _problems(self) -> list[str]:
        problems = []
        both = sorted(set(self.quality_schools) & set(self.weak_schools))
        if both:
            problems.append(f"quality_schools / weak_schools: 学校不能同时标为优质和薄弱 / a school "
                            f"cannot be both quality and weak: {', '.join(both)}")
        return problems


def planner_rules() -> dict[str, type[Rules]]:
    """Each model's section of a profile, by the section's name: the planners' rules and the
    projection's assumptions (declared beside the pupil model, its one home; imported here
    late because that model itself reads this package)."""
    from junheng.projection.cohort import CohortAssumptions

    return {"rotation": RotationRules, "projection": CohortAssumptions}
