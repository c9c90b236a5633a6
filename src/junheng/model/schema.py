"""The data contract as data: tables, columns, types, enums and their Chinese names.

Declared here, apart from the code that checks them (``junheng.io``), in the manner of pandera:
a change to the contract is a change to this file and to ``docs/DATA-CONTRACT.md``.

Examples
--------
>>> from junheng.model.schema import TABLES, ENUMS
>>> TABLES["schools"].zh
'学校'
>>> ENUMS["stage"].label("junior")
'初中'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# ``ratio``: a share, written as a fraction 0–1 (0.96, or an Excel percent cell) or as "96%".
# ``school_year``: a school year by its starting year: 2025, "2025-2026", "2025—2026学年".
ColumnKind = Literal["text", "int", "float", "bool", "enum", "ratio", "school_year"]


@dataclass(frozen=True)
class Enum:
    """A closed set of codes, each with its official Chinese label and accepted aliases."""

    name: str
    labels: dict[str, str]  # code -> Chinese label
    aliases: dict[str, str] = field(default_factory=dict)  # extra spelling -> code

    @property
    def codes(self) -> list[str]:
        return list(self.labels)

    def label(self, code: str) -> str:
        return self.labels[code]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (lower-cased code, label, alias) mapped to its code."""
        table = {code.lower(): code for code in self.labels}
        table.update({label: code for code, label in self.labels.items()})
        table.update({alias.lower(): code for alias, code in self.aliases.items()})
        return table

    def expected(self) -> str:
        return " · ".join(f"{code} {label}" for code, label in self.labels.items())


# Units a header may carry in brackets, and the spellings accepted for each (the first is the
# template's). A header's unit only confirms the column's; it never converts: a header naming
# another unit (教学仪器设备值（万元）) is an error, since its figures would be 10 000 times off.
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "元": ("元", "人民币元"),
    "m²": ("m²", "m2", "㎡", "平方米", "M²", "M2"),
    "人": ("人", "名"),
    "间": ("间", "个"),
    "个": ("个", "班"),
    "册": ("册", "本"),
    "台": ("台",),
    "所": ("所", "个"),
}
_BRACKETED = re.compile(r"^(.*?)\s*[（(]\s*([^（）()]*?)\s*[）)]$")


def split_unit(header: str) -> tuple[str, str] | None:
    """``在校生数（人）`` → ``("在校生数", "人")``; None when the header ends in no brackets."""
    match = _BRACKETED.match(header)
    return (match.group(1), match.group(2)) if match else None


# Declared upper bounds (README "Bounds"): far beyond any real school, so that only absurd
# values fail — a figure typed in the wrong field, an overflowing 1e308, an id pasted into a
# count — while every sum and CV stays finite. Plausibility (a likely unit slip) is a warning,
# declared apart in PLAUSIBILITY.
MAX_PUPILS = 1_000_000          # the largest real schools teach tens of thousands
MAX_ROOMS = 100_000             # classes and rooms: real schools have at most a few hundred
MAX_BOOKS = 100_000_000         # a school library of 10⁸ volumes would outsize any national one
MAX_COMPUTERS = 1_000_000
MAX_AREA_M2 = 100_000_000.0     # 100 km²: the largest campuses cover a few km²
MAX_YUAN = 100_000_000_000.0    # 10¹¹ 元: a thousand times a large school's equipment
MAX_BIRTHS = 10_000_000         # a county's births in a year: China's whole 2023 was 9.02 M
MAX_SCHOOLS_SERVED = 100        # rotating every year for a whole career is about 40
MAX_TRAINING_HOURS_5Y = 5 * 366 * 24  # 43 920: more hours than five years hold
YEARS = (1900, 2200)            # as for school years
# Integers are exact only below 2⁵³: 2⁵³ + 1 read as a float is 2⁵³. No value whose float could
# stand for two integers is accepted, in any numeric column.
EXACT_LIMIT = 2.0**53


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``required``: the header must be present. ``nullable``: a cell may be empty.
    ``minimum`` / ``maximum``: inclusive bounds of a number. ``unit``: the unit the template
    shows in the Chinese header (``在校生数（人）``); the bare Chinese name is accepted as well.
    """

    name: str
    zh: str
    kind: ColumnKind
    required: bool = True
    nullable: bool = False
    enum: str | None = None
    minimum: float | None = None
    unique: bool = False
    maximum: float | None = None
    unit: str | None = None

    @property
    def header(self) -> str:
        """The template's Chinese header: the contract's name, with the unit when there is one.

        >>> STAGES_TABLE.column("students").header
        '在校生数（人）'
        """
        return self.zh if self.unit is None else f"{self.zh}（{self.unit}）"

    def unit_of(self, header: str) -> str | None:
        """The unit a header written as the Chinese name plus brackets gives for this column,
        accepted or not (None when the header is not of that form)."""
        parts = split_unit(header.replace("\ufeff", "").strip())
        if parts is None or self.unit is None:
            return None
        if parts[0] != self.zh and parts[0].lower() != self.name.lower():
            return None
        return parts[1]

    def accepts_unit(self, unit: str) -> bool:
        assert self.unit is not None
        spellings = UNIT_SPELLINGS.get(self.unit, (self.unit,))
        return unit in spellings or unit.lower() in (s.lower() for s in spellings)

    def matches(self, header: str) -> bool:
        """Whether a source header names this column: the English name (any case), the Chinese
        one, or the Chinese one with its unit (``在校生数（人）``), surrounding spaces and a
        byte-order mark ignored."""
        key = header.replace("\ufeff", "").strip()
        if key.lower() == self.name.lower() or key == self.zh:
            return True
        unit = self.unit_of(key)
        return unit is not None and self.accepts_unit(unit)


@dataclass(frozen=True)
class Table:
    """An input table. ``optional`` tables may be absent; when present they are checked fully."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    optional: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


STAGES = ("primary", "junior")

ENUMS: dict[str, Enum] = {
    e.name: e
    for e in (
        Enum(
            "school_type",
            {
                "primary": "小学",
                "junior": "初级中学",
                "nine_year": "九年一贯制学校",
                "twelve_year": "十二年一贯制学校",
                "complete_secondary": "完全中学",
                "teaching_point": "教学点",
            },
            {"初中": "junior", "九年一贯制": "nine_year", "十二年一贯制": "twelve_year"},
        ),
        Enum("location", {"urban": "城区", "town": "镇区", "rural": "乡村"}),
        Enum("stage", {"primary": "小学", "junior": "初中"}),
        Enum(
            "subject",
            {
                "chinese": "语文",
                "math": "数学",
                "english": "英语",
                "pe": "体育",
                "music": "音乐",
                "art": "美术",
                "science": "科学",
                "physics": "物理",
                "chemistry": "化学",
                "biology": "生物",
                "history": "历史",
                "geography": "地理",
                "politics": "道德与法治",
                "it": "信息技术",
                "other": "其他",
            },
            {"体育与健康": "pe", "思想品德": "politics", "思品": "politics"},
        ),
        Enum(
            "education",
            {
                "below_secondary": "高中以下",
                "secondary": "高中/中专",
                "associate": "专科",
                "bachelor": "本科",
                "master": "硕士",
                "doctor": "博士",
            },
            {"高中": "secondary", "中专": "secondary", "中师": "secondary", "大专": "associate",
             "研究生": "master"},
        ),
        Enum(
            "backbone",
            {"none": "无", "county": "县级", "city": "市级", "province": "省级",
             "national": "国家级"},
        ),
        Enum("gender", {"male": "男", "female": "女"}),
        Enum(
            "title",
            {"none": "未定级", "third": "三级", "second": "二级", "first": "一级",
             "senior": "高级", "full_senior": "正高级"},
        ),
        Enum(
            "rotation_form",
            {"regular_exchange": "定期交流", "support_teaching": "支教", "itinerant": "走教",
             "group_exchange": "集团内交流", "district_exchange": "学区内交流",
             "paired_support": "结对帮扶", "post_competition": "跨校竞聘", "other": "其他"},
            {"交流轮岗": "regular_exchange", "轮岗": "regular_exchange", "集团化办学": "group_exchange",
             "学区": "district_exchange", "对口帮扶": "paired_support"},
        ),
        Enum("room_type", {"music": "音乐", "art": "美术"},
             {"音乐教室": "music", "音乐专用教室": "music", "美术教室": "art", "美术专用教室": "art"}),
        Enum(
            "role",
            {"teacher": "教师", "principal": "校长", "vice_principal": "副校长",
             "middle_manager": "中层"},
        ),
        # A school's place in its group (集团): the leading school, or a member.
        Enum("group_role", {"leader": "牵头学校", "member": "成员学校"},
             {"牵头": "leader", "牵头校": "leader", "龙头学校": "leader", "核心校": "leader",
              "成员": "member", "成员校": "member"}),
        # What kind of group: what its schools share is the profile's (``group_types:``).
        Enum("group_type", {"close": "紧密型", "led": "领办型", "alliance": "联盟型",
                            "merged": "融合型", "district": "学区"},
             {"紧密型集团": "close", "紧密": "close", "领办": "led", "委托管理": "led",
              "联盟": "alliance", "松散型": "alliance", "融合": "merged", "一体化": "merged",
              "学区制": "district"}),
    )
}

# Facility columns: given per stage, or as school totals to be split between stages.
FACILITY_COLUMNS: tuple[tuple[str, str, ColumnKind], ...] = (
    ("teaching_area_m2", "教学及辅助用房面积", "float"),
    ("sports_area_m2", "体育运动场馆面积", "float"),
    ("equipment_value_yuan", "教学仪器设备值", "float"),
    ("multimedia_rooms", "网络多媒体教室数", "int"),
)
# Each facility column's unit and upper bound, on the stage rows and the school totals alike.
FACILITY_BOUNDS: dict[str, tuple[str, float]] = {
    "teaching_area_m2": ("m²", MAX_AREA_M2),
    "sports_area_m2": ("m²", MAX_AREA_M2),
    "equipment_value_yuan": ("元", MAX_YUAN),
    "multimedia_rooms": ("间", MAX_ROOMS),
}


def _facility(name: str, zh: str, kind: ColumnKind, required: bool) -> Column:
    unit, maximum = FACILITY_BOUNDS[name]
    return Column(name, zh, kind, required=required, nullable=True, minimum=0, maximum=maximum,
                  unit=unit)


SCHOOLS = Table(
    "schools",
    "学校",
    (
        Column("school_id", "学校标识码", "text", unique=True),
        Column("name", "学校名称", "text"),
        Column("county", "县区", "text"),
        Column("school_type", "办学类型", "enum", enum="school_type"),
        Column("location", "城乡分类", "enum", enum="location"),
        Column("parent_school_id", "所属中心校", "text", required=False, nullable=True),
        Column("latitude", "纬度", "float", required=False, nullable=True, minimum=-90,
               maximum=90),
        Column("longitude", "经度", "float", required=False, nullable=True, minimum=-180,
               maximum=180),
        Column("boarding", "寄宿制", "bool", required=False, nullable=True),
        # A primary school's catchment junior school: where its graduates go when the
        # projection allocates them by catchment (projection.allocation: catchment).
        Column("feeds_junior", "对口初中", "text", required=False, nullable=True),
        *(_facility(name, zh, kind, required=False) for name, zh, kind in FACILITY_COLUMNS),
        # The township (乡镇) or urban subdistrict (街道) the school is in: the groups plan
        # counts the towns its groups reach. Last, so no earlier column changes its letter.
        Column("township", "乡镇（街道）", "text", required=False, nullable=True),
    ),
)

STAGES_TABLE = Table(
    "stages",
    "学段",
    (
        Column("school_id", "学校标识码", "text"),
        Column("stage", "学段", "enum", enum="stage"),
        Column("students", "在校生数", "int", minimum=0, maximum=MAX_PUPILS, unit="人"),
        Column("classes", "班级数", "int", minimum=0, maximum=MAX_ROOMS, unit="个"),
        # Required headers whose cells may be empty when the school row carries the total.
        *(_facility(name, zh, kind, required=True) for name, zh, kind in FACILITY_COLUMNS),
        Column("largest_class", "最大班额", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_PUPILS, unit="人"),
        Column("music_rooms", "音乐专用教室数", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_ROOMS, unit="间"),
        Column("art_rooms", "美术专用教室数", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_ROOMS, unit="间"),
        Column("books", "图书册数", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_BOOKS, unit="册"),
        Column("computers", "计算机台数", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_COMPUTERS, unit="台"),
    ),
)

TEACHERS = Table(
    "teachers",
    "教师",
    (
        Column("teacher_id", "教师编号", "text", unique=True),
        Column("school_id", "学校标识码", "text"),
        Column("stage", "任教学段", "enum", enum="stage", nullable=True),
        Column("subject", "任教学科", "enum", enum="subject"),
        Column("full_time", "专任教师", "bool"),
        Column("education", "最高学历", "enum", enum="education"),
        Column("backbone", "骨干教师级别", "enum", enum="backbone"),
        Column("gender", "性别", "enum", enum="gender", required=False, nullable=True),
        Column("birth_year", "出生年份", "int", required=False, nullable=True, minimum=YEARS[0],
               maximum=YEARS[1]),
        # With the birth year, the month a teacher reaches the statutory retirement age
        # (the projection); unknown: the retirement rules' assumed month.
        Column("birth_month", "出生月份", "int", required=False, nullable=True, minimum=1,
               maximum=12),
        Column("school_since", "到本校年份", "int", required=False, nullable=True,
               minimum=YEARS[0], maximum=YEARS[1]),
        Column("schools_served", "任教学校数", "int", required=False, nullable=True, minimum=1,
               maximum=MAX_SCHOOLS_SERVED, unit="所"),
        Column("title", "职称", "enum", enum="title", required=False, nullable=True),
        Column("certified", "教师资格证", "bool", required=False, nullable=True),
        Column("role", "职务", "enum", enum="role", required=False, nullable=True),
        Column("career_start", "从教年份", "int", required=False, nullable=True,
               minimum=YEARS[0], maximum=YEARS[1]),
        # The Chinese name already says 学时: no unit in brackets.
        Column("training_hours_5y", "近五年培训学时", "float", required=False, nullable=True,
               minimum=0, maximum=MAX_TRAINING_HOURS_5Y),
    ),
)

# 县级指标: one row per county, the figures and judgements the rosters cannot give
# (STANDARDS.md §1.3–1.5 and the veto list). Every column is optional: an item whose column is
# absent or empty is "missing", and its part cannot pass. Vetoes are true when the condition
# occurred.
COUNTY_COLUMNS: tuple[tuple[str, str, ColumnKind], ...] = (
    # government guarantee (政府保障程度)
    ("layout_planned", "学校规划布局合理", "bool"),
    ("unified_standards", "城乡学校统一建设编制经费装备标准", "bool"),
    ("small_school_funding", "不足100人学校按100人核定公用经费", "bool"),
    ("special_education_funds_per_pupil", "特殊教育学校生均公用经费", "float"),
    ("teacher_avg_pay", "教师平均工资收入", "float"),
    ("civil_servant_avg_pay", "当地公务员平均工资收入", "float"),
    ("posts_allocated", "教职工编制岗位统筹配置", "bool"),
    ("zoned_admission_primary", "城镇公办小学就近划片入学比例", "ratio"),
    ("zoned_admission_junior", "城镇公办初中就近划片入学比例", "ratio"),
    ("quota_allocation_share", "优质高中招生名额分配比例", "ratio"),
    ("quota_tilted_rural", "名额分配向农村初中倾斜", "bool"),
    ("left_behind_care", "留守儿童关爱体系健全", "bool"),
    ("migrant_children_public_share", "随迁子女在公办学校和政府购买学位就读比例", "ratio"),
    # declared fallbacks for items computed from the rosters when the rosters lack the data
    ("rotation_share", "交流轮岗教师占符合条件教师比例", "ratio"),
    ("rotation_backbone_share", "骨干教师占交流轮岗教师比例", "ratio"),
    ("training_completion", "五年360学时培训完成率", "ratio"),
    ("certified_share", "专任教师持证上岗率", "ratio"),
    # education quality (教育质量)
    ("junior_retention_rate", "初中三年巩固率", "ratio"),
    ("disabled_enrolment_rate", "残疾儿童少年入学率", "ratio"),
    ("charters_digital", "学校章程健全与管理信息化", "bool"),
    ("training_budget_share_min", "学校教师培训经费占公用经费比例（最低）", "ratio"),
    ("ict_use", "教师信息技术应用与设备使用", "bool"),
    ("moral_education", "德育与校园文化建设良好", "bool"),
    ("curriculum", "课程开齐开足与教学秩序规范", "bool"),
    ("homework_reasonable", "学生课业负担合理", "bool"),
    ("monitoring_level_iii", "质量监测学业水平达到III级以上", "bool"),
    ("monitoring_difference_rate", "质量监测校际差异率", "float"),
    # social recognition (社会认可度)
    ("recognition_score", "社会认可度", "ratio"),
    # veto conditions (一票否决), true when the condition occurred
    ("veto_exam_admission", "以考试方式招生", "bool"),
    ("veto_school_selection", "违规择校", "bool"),
    ("veto_key_schools", "设置重点学校或重点班", "bool"),
    ("veto_unfilled_posts", "有空编不补或长期聘用编外教师", "bool"),
    ("veto_major_incident", "重大安全责任事故或严重违纪违规", "bool"),
    ("veto_falsified_data", "教育管理弄虚作假", "bool"),
)
# English names of the county figures, for English reports (the column names are keys).
COUNTY_LABELS_EN: dict[str, str] = {
    "layout_planned": "School layout planned", "unified_standards": "Unified urban-rural standards",
    "small_school_funding": "Schools under 100 pupils funded as 100",
    "special_education_funds_per_pupil": "Special-education public funds per pupil",
    "teacher_avg_pay": "Teachers' average pay",
    "civil_servant_avg_pay": "local civil servants' average pay",
    "posts_allocated": "Posts allocated across the county",
    "zoned_admission_primary": "Zoned admission, urban and town primary schools",
    "zoned_admission_junior": "Zoned admission, urban and town junior schools",
    "quota_allocation_share": "Senior-high places allocated to junior schools",
    "quota_tilted_rural": "Allocation favours rural junior schools",
    "left_behind_care": "Care for left-behind children",
    "migrant_children_public_share": "Migrant children in public or funded places",
    "rotation_share": "Rotated share of the eligible teachers",
    "rotation_backbone_share": "Backbone share of the rotated",
    "training_completion": "5-year 360-hour training completion",
    "certified_share": "Certified share of full-time teachers",
    "junior_retention_rate": "Junior three-year retention", "disabled_enrolment_rate":
    "Enrolment of children with disabilities", "charters_digital":
    "School charters and digital management",
    "training_budget_share_min": "Training share of public funds (lowest school)",
    "ict_use": "Teachers' use of ICT", "moral_education": "Moral education and school culture",
    "curriculum": "Full curriculum and orderly teaching", "homework_reasonable":
    "Reasonable homework burden", "monitoring_level_iii": "Monitoring at level III or above",
    "monitoring_difference_rate": "Monitoring: difference rate between schools",
    "recognition_score": "Social recognition", "veto_exam_admission": "Admission by examination",
    "veto_school_selection": "School choice against the rules",
    "veto_key_schools": "Key schools or key classes", "veto_unfilled_posts":
    "Posts left unfilled or long-term staff outside the establishment",
    "veto_major_incident": "Major safety incident or serious breach",
    "veto_falsified_data": "Falsified data",
}

# The county figures in yuan: their unit and upper bound (per pupil or per person and year).
COUNTY_BOUNDS: dict[str, tuple[str, float]] = {
    "special_education_funds_per_pupil": ("元", MAX_YUAN),
    "teacher_avg_pay": ("元", MAX_YUAN),
    "civil_servant_avg_pay": ("元", MAX_YUAN),
}

COUNTY = Table(
    "county",
    "县级指标",
    (
        Column("county", "县区", "text", unique=True),
        *(Column(name, zh, kind, required=False, nullable=True,
                 minimum=0 if kind == "float" else None,
                 unit=COUNTY_BOUNDS.get(name, (None, None))[0],
                 maximum=COUNTY_BOUNDS.get(name, (None, None))[1])
          for name, zh, kind in COUNTY_COLUMNS),
    ),
    optional=True,
)

ROTATIONS = Table(
    "rotations",
    "交流轮岗记录",
    (
        Column("teacher_id", "教师编号", "text"),
        Column("from_school_id", "调出学校标识码", "text"),
        Column("to_school_id", "调入学校标识码", "text"),
        Column("school_year", "学年", "school_year"),
        Column("form", "交流形式", "enum", enum="rotation_form"),
    ),
    optional=True,
)

# 专用教室: one row per music or art room, for the room-area rule (STANDARDS.md §1.3 item 3).
# A school listed here is judged on these rows; other schools on the stage columns
# music_rooms / art_rooms, whose areas are then unknown.
ROOMS = Table(
    "rooms",
    "专用教室",
    (
        Column("school_id", "学校标识码", "text"),
        Column("room_type", "教室类型", "enum", enum="room_type"),
        Column("area_m2", "使用面积", "float", minimum=0, maximum=MAX_AREA_M2, unit="m²"),
        Column("older_building", "老旧校舍", "bool", required=False, nullable=True),
        Column("room_name", "教室名称", "text", required=False, nullable=True),
    ),
    optional=True,
)

# Grades 1..GRADES_PRIMARY are primary, the rest to 9 junior (China's 6 + 3).
GRADES_PRIMARY = 6

# 年级学生: pupils (and classes) by grade per school, for the projection (issue 14). Grades 1–6
# are primary and 7–9 junior; a row may carry its school year (学年) to give history, from
# which the projection calibrates its ratios. Without it, a stage's pupils are spread evenly.
GRADES = Table(
    "grades",
    "年级学生",
    (
        Column("school_id", "学校标识码", "text"),
        Column("grade", "年级", "int", minimum=1, maximum=9),
        Column("students", "学生数", "int", minimum=0, maximum=MAX_PUPILS, unit="人"),
        Column("classes", "班级数", "int", required=False, nullable=True, minimum=0,
               maximum=MAX_ROOMS, unit="个"),
        Column("school_year", "学年", "school_year", required=False, nullable=True),
    ),
    optional=True,
)

# 出生人口: births by calendar year in each county; grade-1 entrants six years later follow
# them (the projection's entry ratio).
BIRTHS = Table(
    "births",
    "出生人口",
    (
        Column("county", "县区", "text"),
        Column("year", "出生年份", "int", minimum=YEARS[0], maximum=YEARS[1]),
        Column("births", "出生人口", "int", minimum=0, maximum=MAX_BIRTHS, unit="人"),
    ),
    optional=True,
)

# 集团: one row per school in a school group (集团化办学, 学区; issue 17). A school is in at
# most one group; each group has exactly one leader, one type and one county (checked in
# ``junheng.io``). An empty type is the profile's default (``groups.group_type``).
GROUPS = Table(
    "groups",
    "集团",
    (
        Column("group_id", "集团编号", "text"),
        Column("school_id", "学校标识码", "text"),
        Column("role", "角色", "enum", enum="group_role"),
        Column("group_type", "集团类型", "enum", enum="group_type", required=False,
               nullable=True),
        Column("group_name", "集团名称", "text", required=False, nullable=True),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {t.name: t for t in (SCHOOLS, STAGES_TABLE, TEACHERS, COUNTY,
                                                 ROTATIONS, ROOMS, GRADES, BIRTHS, GROUPS)}

# Which compulsory stages each school type can have (DATA-CONTRACT.md, `stages`).
STAGES_BY_SCHOOL_TYPE: dict[str, tuple[str, ...]] = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "twelve_year": ("primary", "junior"),
    "complete_secondary": ("junior",),
    "teaching_point": ("primary",),
}
# Nine- and twelve-year schools: a teacher's stage is required, and the size limit differs.
MULTI_STAGE_TYPES: tuple[str, ...] = tuple(
    t for t, stages in STAGES_BY_SCHOOL_TYPE.items() if len(stages) > 1)

BOOL_SPELLINGS: dict[str, bool] = {
    "true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False,
    "yes": True, "no": False, "是": True, "否": False, "y": True, "n": False,
}


@dataclass(frozen=True)
class Plausibility:
    """A figure per pupil that no real school has: a warning naming the likely unit mistake,
    never an error (the figure may be true; the evaluation then shows it as it is).

    ``figure`` is a facility column — judged on each stage row that gives it, or on the school
    total when the stage rows leave it to the schools sheet — or ``"teachers"``: the teachers
    of a school–stage. A row is warned when its figure is above zero and below ``below`` × its
    pupils, or above ``above`` × its pupils. A unit slip scales a figure, it never makes it
    zero, so a zero is not warned; and the products need no division, so a school–stage of
    0 pupils with teachers is warned too. The messages take ``{ratio}`` (the figure per pupil),
    ``{limit}``, ``{figure}`` and ``{pupils}``.
    """

    figure: str
    message_zh: str
    message_en: str
    below: float | None = None
    above: float | None = None


_AREA_SLIP_ZH = "是否按万平方米、公顷或亩填写？应以平方米为单位"
_AREA_SLIP_EN = "entered in 10 000 m², hectares or mu? the unit is m²"

# Limits far outside the standard's thresholds (STANDARDS.md §1.2: equipment 2000 / 2500 元,
# teaching area 4.5 / 5.8 m², sports area 7.5 / 10.2 m² per pupil), so a real school is almost
# never warned while a slip of unit — 万元 for 元 divides by 10 000, hectares or 万平方米 for m²
# by 10 000, 亩 by 667 — always is.
PLAUSIBILITY: tuple[Plausibility, ...] = (
    Plausibility(
        "equipment_value_yuan",
        "生均 {ratio} 元，远低于任何实际学校（低于 {limit} 元）；是否按万元填写？应以元为单位",
        "{ratio} yuan per pupil, far below any real school (under {limit}); entered in 万元 "
        "(10 000 yuan)? the unit is yuan",
        below=100),
    Plausibility(
        "teaching_area_m2",
        "生均 {ratio} m²，远低于任何实际学校（低于 {limit} m²）；" + _AREA_SLIP_ZH,
        "{ratio} m² per pupil, far below any real school (under {limit} m²); " + _AREA_SLIP_EN,
        below=0.5),
    Plausibility(
        "sports_area_m2",
        "生均 {ratio} m²，远低于任何实际学校（低于 {limit} m²）；" + _AREA_SLIP_ZH,
        "{ratio} m² per pupil, far below any real school (under {limit} m²); " + _AREA_SLIP_EN,
        below=0.5),
    Plausibility(
        "teachers",
        "教师 {figure} 名，多于在校生 {pupils} 人；在校生数是否填错（如填成班级数），"
        "或教师表混入了其他学校的教职工？",
        "{figure} teachers but {pupils} pupils; are the pupils wrong (classes entered instead?), "
        "or does the teachers sheet list another school's staff?",
        above=1),
)
