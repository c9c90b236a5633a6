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


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``required``: the header must be present. ``nullable``: a cell may be empty.
    """

    name: str
    zh: str
    kind: ColumnKind
    required: bool = True
    nullable: bool = False
    enum: str | None = None
    minimum: float | None = None
    unique: bool = False

    def matches(self, header: str) -> bool:
        """Whether a source header names this column: the English name (any case) or the
        Chinese one, surrounding spaces and a byte-order mark ignored."""
        key = header.replace("\ufeff", "").strip()
        return key.lower() == self.name.lower() or key == self.zh


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
    )
}

# Facility columns: given per stage, or as school totals to be split between stages.
FACILITY_COLUMNS: tuple[tuple[str, str, ColumnKind], ...] = (
    ("teaching_area_m2", "教学及辅助用房面积", "float"),
    ("sports_area_m2", "体育运动场馆面积", "float"),
    ("equipment_value_yuan", "教学仪器设备值", "float"),
    ("multimedia_rooms", "网络多媒体教室数", "int"),
)

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
        Column("latitude", "纬度", "float", required=False, nullable=True),
        Column("longitude", "经度", "float", required=False, nullable=True),
        Column("boarding", "寄宿制", "bool", required=False, nullable=True),
        *(
            Column(name, zh, kind, required=False, nullable=True, minimum=0)
            for name, zh, kind in FACILITY_COLUMNS
        ),
    ),
)

STAGES_TABLE = Table(
    "stages",
    "学段",
    (
        Column("school_id", "学校标识码", "text"),
        Column("stage", "学段", "enum", enum="stage"),
        Column("students", "在校生数", "int", minimum=0),
        Column("classes", "班级数", "int", minimum=0),
        # Required headers whose cells may be empty when the school row carries the total.
        *(Column(name, zh, kind, nullable=True, minimum=0) for name, zh, kind in FACILITY_COLUMNS),
        Column("largest_class", "最大班额", "int", required=False, nullable=True, minimum=0),
        Column("music_rooms", "音乐专用教室数", "int", required=False, nullable=True, minimum=0),
        Column("art_rooms", "美术专用教室数", "int", required=False, nullable=True, minimum=0),
        Column("books", "图书册数", "int", required=False, nullable=True, minimum=0),
        Column("computers", "计算机台数", "int", required=False, nullable=True, minimum=0),
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
        Column("birth_year", "出生年份", "int", required=False, nullable=True, minimum=1900),
        Column("school_since", "到本校年份", "int", required=False, nullable=True, minimum=1900),
        Column("schools_served", "任教学校数", "int", required=False, nullable=True, minimum=1),
        Column("title", "职称", "enum", enum="title", required=False, nullable=True),
        Column("certified", "教师资格证", "bool", required=False, nullable=True),
        Column("role", "职务", "enum", enum="role", required=False, nullable=True),
        Column("career_start", "从教年份", "int", required=False, nullable=True, minimum=1900),
        Column("training_hours_5y", "近五年培训学时", "float", required=False, nullable=True,
               minimum=0),
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

COUNTY = Table(
    "county",
    "县级指标",
    (
        Column("county", "县区", "text", unique=True),
        *(Column(name, zh, kind, required=False, nullable=True,
                 minimum=0 if kind == "float" else None)
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
        Column("area_m2", "使用面积", "float", minimum=0),
        Column("older_building", "老旧校舍", "bool", required=False, nullable=True),
        Column("room_name", "教室名称", "text", required=False, nullable=True),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {t.name: t for t in (SCHOOLS, STAGES_TABLE, TEACHERS, COUNTY,
                                                 ROTATIONS, ROOMS)}

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
