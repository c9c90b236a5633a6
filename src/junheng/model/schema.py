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

ColumnKind = Literal["text", "int", "float", "bool", "enum"]


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


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]

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
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (SCHOOLS, STAGES_TABLE, TEACHERS)}

# Which compulsory stages each school type can have (DATA-CONTRACT.md, `stages`).
STAGES_BY_SCHOOL_TYPE: dict[str, tuple[str, ...]] = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "twelve_year": ("primary", "junior"),
    "complete_secondary": ("junior",),
    "teaching_point": ("primary",),
}

BOOL_SPELLINGS: dict[str, bool] = {
    "true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False,
    "yes": True, "no": False, "是": True, "否": False, "y": True, "n": False,
}
