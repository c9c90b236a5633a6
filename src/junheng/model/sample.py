"""A realistic synthetic county, seeded and reproducible, for demos, tests and benchmarks.

Urban schools of 1 500–3 000 pupils short of sports ground, town central schools, small village
schools and teaching points with their central school, nine-year schools (some giving facility
figures only as school totals), a complete secondary school; teachers with plausible education,
backbone and subject mixes. Some schools fail the standard, as in real counties.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES

_PLACES = [
    "石坝", "青龙", "白马", "柳溪", "河口", "桃园", "新华", "双河", "金山", "龙泉", "长乐", "永兴",
    "太平", "高峰", "清水", "马鞍", "兴隆", "东岳", "南华", "西山", "北坪", "三江", "大田", "红岩",
    "松林", "花桥", "黄土", "杨柳", "凤凰", "观音", "宝塔", "梨园", "竹林", "铜鼓", "云台", "鹤鸣",
    "安居", "复兴", "广福", "林口", "水口", "沙坪", "回龙", "天池", "碧泉", "李家", "陈家", "王家",
]
_DIGITS = "一二三四五六七八九十"

# (kind, school_type, location, stages, share of schools)
_KINDS = (
    ("urban_primary", "primary", "urban", ("primary",), 0.14),
    ("urban_junior", "junior", "urban", ("junior",), 0.07),
    ("town_primary", "primary", "town", ("primary",), 0.15),
    ("town_junior", "junior", "town", ("junior",), 0.09),
    ("nine_year", "nine_year", None, ("primary", "junior"), 0.13),
    ("village", "primary", "rural", ("primary",), 0.24),
    ("teaching_point", "teaching_point", "rural", ("primary",), 0.18),
)
_PUPILS = {  # per stage, by kind: (low, high)
    "urban_primary": (1500, 3000), "urban_junior": (1200, 2600), "town_primary": (400, 1300),
    "town_junior": (500, 1500), "nine_year": (150, 900), "village": (60, 420),
    "teaching_point": (6, 90), "complete_secondary": (900, 1800),
}
# Facility per pupil as a multiple of the threshold, (low, high) by location.
_FACILITY = {
    "urban": {"teaching": (0.92, 1.35), "sports": (0.60, 1.25), "equipment": (1.0, 1.9),
              "multimedia": (1.0, 1.6)},
    "town": {"teaching": (0.97, 1.50), "sports": (0.92, 1.70), "equipment": (0.92, 1.6),
             "multimedia": (0.97, 1.5)},
    "rural": {"teaching": (1.00, 2.40), "sports": (1.00, 3.00), "equipment": (0.85, 1.5),
              "multimedia": (0.95, 2.0)},
}
_THRESHOLDS = {  # the quality-2017 thresholds, to place schools around them
    "primary": {"teaching": 4.5, "sports": 7.5, "equipment": 2000, "multimedia": 2.3},
    "junior": {"teaching": 5.8, "sports": 10.2, "equipment": 2500, "multimedia": 2.4},
}
_CORE = {"primary": ["chinese", "math", "english", "science", "politics", "it", "other"],
         "junior": ["chinese", "math", "english", "physics", "chemistry", "biology", "history",
                    "geography", "politics", "it", "other"]}
_EDU = ["below_secondary", "secondary", "associate", "bachelor", "master", "doctor"]
_BACKBONE = ["county", "city", "province", "national"]
_TITLES = ["none", "third", "second", "first", "senior", "full_senior"]


def _kind_counts(schools: int) -> list[str]:
    """Kinds of the county's schools: one complete secondary school, the rest by share."""
    kinds = ["complete_secondary"] if schools >= 8 else []
    rest = schools - len(kinds)
    counts = {k: math.floor(share * rest) for k, _, _, _, share in _KINDS}
    order = [k for k, *_ in _KINDS]
    i = 0
    while sum(counts.values()) < rest:  # hand out what flooring left, town and village first
        counts[("village", "town_primary", "teaching_point", "nine_year", "urban_primary",
                "town_junior", "urban_junior")[i % 7]] += 1
        i += 1
    for k in order:
        kinds += [k] * counts[k]
    return kinds


def generate_sample(schools: int = 60, seed: int = 7, counties: int = 1) -> Dataset:
    """Generate ``counties`` counties of ``schools`` schools each.

    Examples
    --------
    >>> ds = generate_sample(schools=30, seed=1)
    >>> ds.schools.height, sorted(ds.schools.get_column("school_type").unique())[:2]
    (30, ['complete_secondary', 'junior'])
    """
    if schools < 1 or counties < 1:
        raise ValueError("schools and counties must be at least 1")
    rng = np.random.default_rng(seed)
    school_rows: list[dict] = []
    stage_rows: list[dict] = []
    teacher_parts: list[dict[str, np.ndarray]] = []
    next_teacher = 0
    for c in range(counties):
        county = "示例县" if counties == 1 else f"示例{c + 1:03d}县"
        county_code = f"{36 + c // 100:02d}{c % 100:02d}"
        kinds = _kind_counts(schools)
        places = rng.permutation(len(_PLACES))
        central: list[str] = []
        serial: dict[str, int] = {}
        for i, kind in enumerate(kinds):
            school_id = f"2{county_code}{i + 1:05d}"
            place = _PLACES[places[i % len(_PLACES)]] + ("" if i < len(_PLACES) else
                                                          _DIGITS[(i // len(_PLACES)) % 10])
            serial[kind] = serial.get(kind, 0) + 1
            spec = next((s for s in _KINDS if s[0] == kind), None)
            if kind == "complete_secondary":
                school_type, location, stages = "complete_secondary", "urban", ("junior",)
            else:
                assert spec is not None
                _, school_type, location, stages, _ = spec
                if location is None:
                    location = "town" if rng.random() < 0.5 else "rural"
            name = _school_name(kind, place, serial[kind], location)
            parent = None
            if kind == "town_primary":
                central.append(school_id)
            if kind == "teaching_point" and central:
                parent = central[int(rng.integers(len(central)))]
            school = {"school_id": school_id, "name": name, "county": county,
                      "school_type": school_type, "location": location,
                      "parent_school_id": parent,
                      "latitude": round(29.5 + c * 0.01 + float(rng.normal(0, 0.15)), 6),
                      "longitude": round(106.5 + float(rng.normal(0, 0.15)), 6),
                      "boarding": bool(location == "rural" and rng.random() < 0.4)}
            totals_only = school_type == "nine_year" and rng.random() < 0.5
            facility_sums: dict[str, float] = {}
            for stage in stages:
                low, high = _PUPILS[kind]
                if kind == "nine_year" and stage == "junior":
                    low, high = int(low * 0.7), int(high * 0.7)
                pupils = int(rng.integers(low, high + 1))
                row, facilities = _stage_row(rng, school_id, stage, pupils, location)
                if totals_only:
                    for key, value in facilities.items():
                        facility_sums[key] = facility_sums.get(key, 0) + value
                        row[key] = None
                stage_rows.append(row)
                part = _teachers(rng, school_id, stage, pupils, location, kind, next_teacher)
                next_teacher += len(part["teacher_id"])
                teacher_parts.append(part)
            for key in ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan",
                        "multimedia_rooms"):
                total = facility_sums.get(key)
                # Summed floats (8346.099999999999) would not survive a round trip through Excel.
                school[key] = None if total is None else round(total, 2)
            school_rows.append(school)
        _townships([r for r in school_rows if r["county"] == county], kinds)
    schools_frame = _frame(school_rows, "schools")
    stages_frame = _frame(stage_rows, "stages")
    teachers_frame = _teacher_frame(teacher_parts)
    return Dataset(
        schools=schools_frame,
        stages=stages_frame,
        teachers=teachers_frame,
        source=f"sample(schools={schools}, seed={seed}, counties={counties})",
        county=_county_rows(rng, schools_frame),
        rotations=_rotations(rng, schools_frame, teachers_frame),
        rooms=_rooms(rng, stages_frame),
    )


def _townships(schools: list[dict], kinds: list[str]) -> None:
    """Each school's township (乡镇（街道）), drawing nothing from the generator (so the rest
    of the sample is the same as before the column existed): urban schools are in the county
    seat's subdistrict (城关街道); each town central school (镇中心小学) is its town's centre, and
    every other school is in the town of the nearest centre — teaching points in their central
    school's. A county without a town school has one township, 城关镇."""
    centres = [(s["latitude"], s["longitude"], s["name"].removesuffix("中心小学"))
               for s, kind in zip(schools, kinds, strict=True) if kind == "town_primary"]
    by_id = {s["school_id"]: s for s in schools}
    for s in schools:
        if s["location"] == "urban":
            s["township"] = "城关街道"
        elif not centres:
            s["township"] = "城关镇"
        else:
            at = by_id[s["parent_school_id"]] if s["parent_school_id"] else s
            s["township"] = min(centres, key=lambda c: (c[0] - at["latitude"]) ** 2
                                + (c[1] - at["longitude"]) ** 2)[2]


def _county_rows(rng: np.random.Generator, schools: pl.DataFrame) -> pl.DataFrame:
    """Declared county figures: most items met, a few short, as in a county preparing to apply."""
    rows = []
    for county in schools.get_column("county").unique(maintain_order=True).to_list():
        pay = round(float(rng.uniform(88_000, 110_000)), -2)
        rows.append({
            "county": county, "layout_planned": True, "unified_standards": True,
            "small_school_funding": True,
            "special_education_funds_per_pupil": float(rng.choice([6000.0, 6500.0, 5800.0])),
            "teacher_avg_pay": pay, "civil_servant_avg_pay": round(pay * rng.uniform(0.96, 1.03), -2),
            "posts_allocated": True, "zoned_admission_primary": 1.0,
            "zoned_admission_junior": round(float(rng.uniform(0.93, 0.99)), 3),
            "quota_allocation_share": round(float(rng.uniform(0.5, 0.6)), 3),
            "quota_tilted_rural": True, "left_behind_care": True,
            "migrant_children_public_share": round(float(rng.uniform(0.82, 0.95)), 3),
            "junior_retention_rate": round(float(rng.uniform(0.95, 0.99)), 3),
            "disabled_enrolment_rate": round(float(rng.uniform(0.94, 0.99)), 3),
            "charters_digital": True, "training_budget_share_min": 0.05, "ict_use": True,
            "moral_education": True, "curriculum": True, "homework_reasonable": True,
            "monitoring_level_iii": True,
            "monitoring_difference_rate": round(float(rng.uniform(0.08, 0.16)), 3),
            "recognition_score": round(float(rng.uniform(0.86, 0.95)), 3),
            **{f"veto_{v}": False for v in ("exam_admission", "school_selection", "key_schools",
                                            "unfilled_posts", "major_incident", "falsified_data")},
        })
    return _frame(rows, "county")


def _rotations(rng: np.random.Generator, schools: pl.DataFrame,
               teachers: pl.DataFrame) -> pl.DataFrame:
    """School year 2025: urban and town teachers of six years' tenure go to rural schools
    (支教, so they stay on their own school's roster), about the 10 % the rule asks."""
    rows = []
    located = teachers.filter(pl.col("full_time")).join(
        schools.select("school_id", "county", "location"), on="school_id")
    for county, frame in located.group_by("county", maintain_order=True):
        rural = schools.filter((pl.col("county") == county[0])
                               & (pl.col("location") == "rural")).get_column("school_id")
        eligible = frame.filter((pl.col("location") != "rural")
                                & (2025 - pl.col("school_since") >= 6))
        if rural.len() == 0 or eligible.height == 0:
            continue
        share = rng.uniform(0.085, 0.13)
        backbone = eligible.filter(pl.col("backbone") != "none")
        others = eligible.filter(pl.col("backbone") == "none")
        n = round(share * (frame.filter(2025 - pl.col("school_since") >= 6).height))
        n_backbone = min(backbone.height, math.ceil(n * rng.uniform(0.18, 0.3)))
        picked = [*rng.choice(backbone.get_column("teacher_id").to_list(), n_backbone,
                              replace=False),
                  *rng.choice(others.get_column("teacher_id").to_list(),
                              min(others.height, n - n_backbone), replace=False)]
        school_of = dict(eligible.select("teacher_id", "school_id").iter_rows())
        for teacher in sorted(picked):
            rows.append({"teacher_id": teacher, "from_school_id": school_of[teacher],
                         "to_school_id": str(rng.choice(rural.to_list())), "school_year": 2025,
                         "form": str(rng.choice(["support_teaching", "regular_exchange",
                                                 "itinerant"], p=[0.6, 0.3, 0.1]))})
    return _frame(rows, "rotations")


def _rooms(rng: np.random.Generator, stages: pl.DataFrame) -> pl.DataFrame:
    """Each school's music and art rooms with their areas; some older ones are too small."""
    rows = []
    per_school = stages.group_by("school_id", maintain_order=True).agg(
        pl.col("music_rooms").sum(), pl.col("art_rooms").sum())
    for r in per_school.iter_rows(named=True):
        for kind, minimum in (("music", 96), ("art", 90)):
            for k in range(r[f"{kind}_rooms"]):
                area = round(float(rng.normal(minimum + 10, 8)), 1)
                rows.append({"school_id": r["school_id"], "room_type": kind,
                             "area_m2": max(40.0, area),
                             "older_building": bool(area < minimum and rng.random() < 0.5),
                             "room_name": f"{'音乐' if kind == 'music' else '美术'}教室{k + 1}"})
    return _frame(rows, "rooms")


def _school_name(kind: str, place: str, n: int, location: str) -> str:
    digit = _DIGITS[(n - 1) % 10]
    return {
        "urban_primary": f"城关第{digit}小学" if n <= 10 else f"城关{place}小学",
        "urban_junior": f"城关第{digit}初级中学" if n <= 10 else f"城关{place}初级中学",
        "town_primary": f"{place}镇中心小学",
        "town_junior": f"{place}镇初级中学",
        "nine_year": f"{place}{'镇' if location == 'town' else '乡'}九年一贯制学校",
        "village": f"{place}村小学",
        "teaching_point": f"{place}村教学点",
        "complete_secondary": "县第一中学" if n == 1 else f"县第{digit}中学",
    }[kind]


def _stage_row(rng: np.random.Generator, school_id: str, stage: str, pupils: int,
               location: str) -> tuple[dict, dict]:
    size = {"urban": 48, "town": 42, "rural": 28}[location]
    classes = max(1, math.ceil(pupils / size))
    f = _FACILITY[location]
    t = _THRESHOLDS[stage]
    facilities = {
        "teaching_area_m2": round(pupils * t["teaching"] * rng.uniform(*f["teaching"]), 1),
        "sports_area_m2": round(pupils * t["sports"] * rng.uniform(*f["sports"]), 1),
        "equipment_value_yuan": round(pupils * t["equipment"] * rng.uniform(*f["equipment"]), -2),
        "multimedia_rooms": max(1, round(pupils * t["multimedia"] / 100
                                         * rng.uniform(*f["multimedia"]))),
    }
    rooms = max(1, math.ceil(classes / 12))
    row = {"school_id": school_id, "stage": stage, "students": pupils, "classes": classes,
           **facilities,
           "largest_class": min(pupils, size + int(rng.integers(-4, 12))),
           "music_rooms": rooms if rng.random() < 0.8 else rooms - 1,
           "art_rooms": rooms if rng.random() < 0.8 else rooms - 1,
           "books": int(pupils * rng.uniform(20, 45)),
           "computers": int(pupils * rng.uniform(0.08, 0.2))}
    return row, facilities


def _teachers(rng: np.random.Generator, school_id: str, stage: str, pupils: int, location: str,
              kind: str, start: int) -> dict[str, np.ndarray]:
    rate = {"primary": 0.062, "junior": 0.082}[stage] * rng.uniform(0.85, 1.25)
    if location == "rural":
        rate *= 1.25  # small rural schools need more teachers per pupil
    n = max(1 if kind == "teaching_point" else 3, round(pupils * rate))
    quality = {"urban": 0.9, "town": 0.75, "rural": 0.6}[location] * rng.uniform(0.8, 1.15)
    # Education: chance of a degree above the stage's statutory minimum grows with quality.
    edu_p = np.array([0.01, 0.12 * (1.3 - quality), 0.35, 0.45 * quality, 0.03 * quality, 0.002])
    if stage == "junior":
        edu_p = np.array([0.0, 0.02, 0.25 * (1.3 - quality), 0.6 * quality, 0.06 * quality, 0.003])
    education = rng.choice(_EDU, size=n, p=edu_p / edu_p.sum())
    backbone_rate = rng.uniform(0.17, 0.36) * min(1.0, quality / 0.75)
    is_backbone = rng.random(n) < backbone_rate
    level = rng.choice(_BACKBONE, size=n, p=[0.6, 0.28, 0.1, 0.02])
    backbone = np.where(is_backbone, level, "none")
    pe_art_rate = rng.uniform(0.13, 0.24) * (0.8 if location == "rural" else 1.0)
    is_pe_art = rng.random(n) < pe_art_rate
    pe_art = rng.choice(["pe", "music", "art"], size=n, p=[0.45, 0.3, 0.25])
    core = rng.choice(_CORE[stage], size=n)
    subject = np.where(is_pe_art, pe_art, core)
    # The draws in their historical order (the same seed gives the same county); the values
    # that depend on a teacher's gender are computed after it is drawn.
    birth = rng.integers(1965, 2003, size=n)
    to_career = rng.integers(0, 3, size=n)
    to_since = rng.integers(0, 20, size=n)
    extra_hours = rng.integers(0, 120, size=n)
    short = rng.random(n) < 0.03
    missing_hours = rng.integers(10, 100, size=n)
    role = np.full(n, "teacher", dtype=object)
    role[0] = "principal"
    if n > 4:
        role[1] = "vice_principal"
        role[2:min(n, 2 + n // 15)] = "middle_manager"
    full_time = rng.random(n) < 0.96
    gender = np.where(rng.random(n) < (0.75 if stage == "primary" else 0.6), "female", "male")
    # Nobody on a 2025 roster is past the statutory retirement age (women 55, men 60 with the
    # 2025 increase): women born before 1971 are six years younger, men born in 1965 one.
    birth = np.where((gender == "female") & (birth < 1971), birth + 6,
                     np.where((gender == "male") & (birth == 1965), birth + 1, birth))
    career = np.minimum(2025, birth + 22 + to_career)
    since = np.minimum(2025, career + to_since)
    # 360 hours in five years for most; newer teachers 72 a year; a few fall short.
    service = 2025 - career
    needed = np.where(service >= 5, 360, 72 * service)
    hours = np.where(short, np.maximum(0, needed - missing_hours), needed + extra_hours)
    return {
        "teacher_id": np.array([f"T{start + i + 1:08d}" for i in range(n)]),
        "school_id": np.full(n, school_id),
        "stage": np.full(n, stage),
        "subject": subject,
        "full_time": full_time,
        "education": education,
        "backbone": backbone,
        "gender": gender,
        "birth_year": birth,
        # Spread over the year without drawing from rng, so the rest of the sample is unchanged.
        "birth_month": (birth * 5 + np.arange(n) * 7 + start) % 12 + 1,
        "school_since": since,
        "schools_served": 1 + rng.poisson(0.8, size=n),
        "title": rng.choice(_TITLES, size=n, p=[0.08, 0.12, 0.35, 0.33, 0.115, 0.005]),
        "certified": rng.random(n) < 0.985,
        "role": role.astype(str),
        "career_start": career,
        "training_hours_5y": hours.astype(float),
    }


def _dtype(kind: str) -> pl.DataType:
    return {"text": pl.String(), "int": pl.Int64(), "float": pl.Float64(),
            "bool": pl.Boolean(), "enum": pl.String(), "ratio": pl.Float64(),
            "school_year": pl.Int64()}[kind]


def _frame(rows: list[dict], table: str) -> pl.DataFrame:
    schema = {c.name: _dtype(c.kind) for c in TABLES[table].columns}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _teacher_frame(parts: list[dict[str, np.ndarray]]) -> pl.DataFrame:
    columns = TABLES["teachers"].columns
    data = {c.name: np.concatenate([p[c.name] for p in parts]) for c in columns}
    frame = pl.DataFrame({k: pl.Series(k, v) for k, v in data.items()})
    return frame.select(pl.col(c.name).cast(_dtype(c.kind)) for c in columns)
