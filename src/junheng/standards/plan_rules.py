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
_GROUP_TYPES = tuple(ENUMS["group_type"].codes)


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
    scope: Literal["school", "county", "group"] = param(
        "school", "交流比例的考核范围：每所派出学校，全县，或集团（学区）内",
        "where the shares must be met: every sending school, the county, or within each "
        "group", "choice", choices=("school", "county", "group"),
        labels={"school": "每所派出学校", "county": "全县", "group": "集团（学区）内"})
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
    groups: str | None = param(
        None, "集团（学区）表文件：--scope group 按此文件的「集团」表，而不是县域数据中的集团表",
        "a file with a groups table (集团): --scope group uses it instead of the county "
        "workbook's own 集团 sheet", "file", nullable=True, of="groups")

    def _problems(self) -> list[str]:
        problems = []
        both = sorted(set(self.quality_schools) & set(self.weak_schools))
        if both:
            problems.append(f"quality_schools / weak_schools: 学校不能同时标为优质和薄弱 / a school "
                            f"cannot be both quality and weak: {', '.join(both)}")
        return problems


@dataclass(frozen=True)
class GroupRules(Rules):
    """The rules a school-group plan obeys (集团化办学, 1+X 结对帮扶; issue 17).

    Leaders (牵头学校) are schools meeting the per-school rule in every stage they teach, in a
    leading location, or marked by the user (名校); members (成员学校) are schools failing the
    rule, rural schools, teaching points' central schools, or marked ones. A school is in at
    most one group; a leader leads at most ``max_members`` (1+X).

    Examples
    --------
    >>> rules = GroupRules.build({"max_members": 4})
    >>> rules.max_members, rules.max_km, rules.coverage
    (4, None, None)
    >>> GroupRules.build({"must_not_pair": ["A"]})
    Traceback (most recent call last):
    ...
    junheng.errors.StandardError: groups.must_not_pair: 应写成 学校A:学校B / must be written A:B, got 'A'
    """

    SECTION = "groups"
    TITLE = ("集团化办学", "school groups")

    max_members: int = param(
        5, "每个集团最多成员学校数（1+X 中的 X）", "most member schools a leader leads (the X "
        "of 1+X)", "int", low=1, high=50, unit=("所", "schools"))
    max_km: float | None = param(
        None, "牵头学校与成员学校最远距离", "longest distance from a leader to a member",
        "number", low=0.0, low_open=True, nullable=True, unit=("km", "km"))
    coverage: float | None = param(
        None, "覆盖目标：在集团内的学生占全县学生比例（求解的第一目标，达不到时报告差距）",
        "coverage target: the share of the county's pupils in a group (the first objective; "
        "a shortfall is reported, never infeasible)", "share", low=0.0, low_open=True,
        nullable=True)
    km_weight: float = param(
        0.01, "距离的代价（每公里抵消的帮扶收益）", "the cost of distance (benefit given up per km)",
        "number", low=0.0)
    leader_min_met: int | None = param(
        None, "牵头学校每个学段至少达到的指标数（不限时：达到学校达标规则即可）",
        "indicators a leader meets in each of its stages (off: the per-school rule is enough)",
        "int", low=1, high=20, nullable=True)
    leader_locations: tuple[str, ...] = param(
        ("urban", "town"), "可牵头的学校（按城乡分类；另加指定的名校）",
        "schools that may lead, by location (plus the schools marked as leaders)", "choices",
        choices=_LOCATIONS, labels=ENUMS["location"].labels, cli=False)
    member_locations: tuple[str, ...] = param(
        ("rural",), "成员学校（按城乡分类；另加未达标学校、教学点的中心校、指定学校）",
        "member schools, by location (plus failing, central and marked schools)", "choices",
        choices=_LOCATIONS, labels=ENUMS["location"].labels, cli=False)
    members_failing: bool = param(
        True, "未达到学校达标规则的学校作为成员学校", "schools failing the per-school rule are "
        "members", "bool", cli=False)
    members_central: bool = param(
        True, "教学点的中心校作为成员学校", "central schools of teaching points are members",
        "bool", cli=False)
    leader_schools: tuple[str, ...] = param(
        (), "指定的牵头学校（名校）：学校标识码，或含「学校标识码」列的文件",
        "schools marked to lead (名校): school ids, or a file with a school_id column", "ids",
        flag="--leaders", of="school")
    member_schools: tuple[str, ...] = param(
        (), "指定的成员学校（新校、薄弱学校）：学校标识码，或含「学校标识码」列的文件",
        "schools marked as members (new or weak schools): school ids, or a file with a "
        "school_id column", "ids", flag="--members", of="school")
    must_pair: tuple[str, ...] = param(
        (), "必须结对：牵头学校:成员学校，逗号分隔", "pairs that must be made, leader:member, "
        "comma-separated", "ids", of="school")
    must_not_pair: tuple[str, ...] = param(
        (), "不得结对：学校A:学校B，逗号分隔", "pairs never made, A:B, comma-separated", "ids",
        of="school")
    group_type: str = param(
        "led", "方案新组建集团的类型：紧密型、领办型、融合型、联盟型或学区（各类型共享什么、能否集团内交流，"
        "见标准的集团类型）", "the type of the groups the plan proposes: close, led, merged, "
        "alliance or district (what each shares and whether teachers rotate within it: the "
        "standard's group types)",
        "choice", choices=_GROUP_TYPES, labels=ENUMS["group_type"].labels, flag="--type")
    keep: str | None = param(
        None, "保留并扩展现有集团：含「集团」表的文件（如县域数据本身或上次的方案）",
        "keep and extend today's groups: a file with a groups table (集团), such as the county "
        "workbook itself or an earlier plan", "file", nullable=True, of="groups")

    def _problems(self) -> list[str]:
        problems = []
        both = sorted(set(self.leader_schools) & set(self.member_schools))
        if both:
            problems.append(f"leader_schools / member_schools: 学校不能同时指定为牵头学校和成员学校 / "
                            f"a school cannot be marked both leader and member: {', '.join(both)}")
        for name in ("must_pair", "must_not_pair"):
            for pair in getattr(self, name):
                parts = pair.split(":")
                if len(parts) != 2 or not all(p.strip() for p in parts):
                    problems.append(f"{name}: 应写成 学校A:学校B / must be written A:B, got "
                                    f"{pair!r}")
        return problems

    def pairs(self, name: str) -> list[tuple[str, str]]:
        """``must_pair`` or ``must_not_pair`` as (first, second) school ids."""
        out = []
        for pair in getattr(self, name):
            a, b = pair.split(":")
            out.append((a.strip(), b.strip()))
        return out


@dataclass(frozen=True)
class DistrictRules(Rules):
    """The rules a school-district plan obeys (学区划分; issue 17): each county's schools cut
    into ``districts`` contiguous districts, each anchored on a school that may lead.

    Who may anchor means what it means for school groups (``GroupRules``): a school meeting the
    per-school rule in every stage it teaches (and ``leader_min_met`` indicators in each, when
    set) in one of ``leader_locations``, or marked with ``leader_schools`` (名校). The number of
    districts has no national default: each run gives it (``--districts``).

    Examples
    --------
    >>> rules = DistrictRules.build({"districts": 10, "balance": 0.2})
    >>> rules.districts, rules.balance, rules.max_km, rules.leader_locations
    (10, 0.2, None, ('urban', 'town'))
    >>> DistrictRules.build({"districts": 0})
    Traceback (most recent call last):
    ...
    junheng.errors.StandardError: districts.districts: 应为 ≥ 1 的整数 / must be a whole number ≥ 1, got 0
    """

    SECTION = "districts"
    TITLE = ("学区划分", "school districts")

    districts: int | None = param(
        None, "学区数（标准不设默认值：每次运行用 --districts 给出）", "the number of districts "
        "(no default in the standard: each run gives it with --districts)", "int", low=1,
        nullable=True, required=True, unit=("个", "districts"))
    balance: float | None = param(
        None, "学区学生数均衡幅度：每个学区的学生数在全县每学区平均数的 ±该比例之内（0.2 即 80%–120%）",
        "the pupils' balance: each district's pupils within ± this share of the county's mean "
        "per district (0.2: 80–120 %)", "share", nullable=True)
    max_km: float | None = param(
        None, "学区中心学校到学区内学校的最远距离", "longest distance from a district's anchor "
        "school to its schools", "number", low=0.0, low_open=True, nullable=True,
        unit=("km", "km"))
    leader_min_met: int | None = param(
        None, "学区中心学校每个学段至少达到的指标数（不限时：达到学校达标规则即可）",
        "indicators an anchor school meets in each of its stages (off: the per-school rule is "
        "enough)", "int", low=1, high=20, nullable=True)
    leader_locations: tuple[str, ...] = param(
        ("urban", "town"), "可作学区中心的学校（按城乡分类；另加指定的名校）",
        "schools that may anchor a district, by location (plus the schools marked as leaders)",
        "choices", choices=_LOCATIONS, labels=ENUMS["location"].labels, cli=False)
    leader_schools: tuple[str, ...] = param(
        (), "指定可作学区中心的学校（名校）：学校标识码，或含「学校标识码」列的文件",
        "schools marked to anchor a district (名校): school ids, or a file with a school_id "
        "column", "ids", flag="--leaders", of="school")


def planner_rules() -> dict[str, type[Rules]]:
    """Each model's section of a profile, by the section's name: the planners' rules and the
    projection's assumptions (declared beside the pupil model, its one home; imported here
    late because that model itself reads this package)."""
    from junheng.projection.cohort import CohortAssumptions

    return {"rotation": RotationRules, "groups": GroupRules, "districts": DistrictRules,
            "projection": CohortAssumptions}
