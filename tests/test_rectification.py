"""The rectification list (整改清单, ``report/views/rectification.py``), checked against a checker
that did not make it.

Every county here is written by hand as plain tables (schools, stages, teachers, rooms,
rotations, the county row). ``Checker`` recomputes from those tables alone — with
``fractions.Fraction`` and the thresholds of STANDARDS.md §1, never through ``gap_table``, the
evaluation's shortfalls or the view — what the view must report: each indicator's amount to
pass (only the indicators each failing school–stage must fix, found by brute force over the
subsets of its missed indicators) and to reach every threshold, each school-level item's
amount, the CVs over their limit, and the order of the schools.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction as F
from itertools import combinations

import polars as pl
import pytest

import junheng
from conftest import school_row, stage_row, teachers, write_xlsx
from junheng.report.views import build_rectification

YEAR = 2025

# --- STANDARDS.md §1.1: the seven indicators (per school–stage, each ≥ its threshold) ---------


@dataclass(frozen=True)
class Ind:
    key: str
    name: str  # the standard's name (STANDARDS.md §1.1)
    per: int  # per 100 pupils or per pupil
    primary: F
    junior: F
    whole: bool  # counted in whole teachers or rooms


INDICATORS = (
    Ind("qualified_teachers_per100", "每百名学生拥有高于规定学历教师数", 100, F("4.2"), F("5.3"), True),
    Ind("backbone_teachers_per100", "每百名学生拥有县级及以上骨干教师数", 100, F(1), F(1), True),
    Ind("pe_art_teachers_per100", "每百名学生拥有体育、艺术（美术、音乐）专任教师数", 100, F("0.9"),
        F("0.9"), True),
    Ind("teaching_area_per_student", "生均教学及辅助用房面积", 1, F("4.5"), F("5.8"), False),
    Ind("sports_area_per_student", "生均体育运动场馆面积", 1, F("7.5"), F("10.2"), False),
    Ind("equipment_value_per_student", "生均教学仪器设备值", 1, F(2000), F(2500), False),
    Ind("multimedia_rooms_per100", "每百名学生拥有网络多媒体教室数", 100, F("2.3"), F("2.4"), True),
)
KEYS = [i.key for i in INDICATORS]
MIN_MET, FLOOR = 6, F("0.85")
CV_LIMIT = {"primary": F("0.50"), "junior": F("0.45")}
QUALIFIED = {"primary": {"associate", "bachelor", "master", "doctor"},
             "junior": {"bachelor", "master", "doctor"}}
MAX_CLASS = {"primary": 45, "junior": 50}
ROOM_MIN = {"music": F(96), "art": F(90)}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def ceil(x: F) -> int:
    return math.ceil(x)


# --- building a county by hand -----------------------------------------------------------------

@dataclass
class Unit:
    """One school–stage: its pupils, classes, teachers by kind and facilities."""

    school: str
    stage: str
    students: int
    qualified: int  # full-time teachers above the statutory qualification (not backbone, not PE)
    backbone: int  # county backbone teachers (secondary education: not qualified)
    pe_art: int  # PE teachers (secondary education: not qualified)
    teaching: float
    sports: float
    equipment: float
    multimedia: int
    classes: int | None = None
    largest_class: int | None = None


@dataclass
class County:
    name: str
    schools: list[dict] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    rooms: list[dict] = field(default_factory=list)
    extra_teachers: list[dict] = field(default_factory=list)
    rotations: list[dict] = field(default_factory=list)
    county_row: dict | None = None
    teacher_rows: list[dict] = field(default_factory=list)

    def school(self, sid: str, school_type: str = "primary", location: str = "urban",
               **extra) -> None:
        self.schools.append(school_row(sid, school_type, county=self.name, location=location,
                                       **extra))

    def unit(self, *args, **kwargs) -> Unit:
        u = Unit(*args, **kwargs)
        self.units.append(u)
        return u

    def stage_rows(self) -> list[dict]:
        rows = []
        for u in self.units:
            row = stage_row(u.school, u.stage, u.students, teaching_area_m2=u.teaching,
                            sports_area_m2=u.sports, equipment_value_yuan=u.equipment,
                            multimedia_rooms=u.multimedia)
            if u.classes is not None:
                row["classes"] = u.classes
            if u.largest_class is not None:
                row["largest_class"] = u.largest_class
            rows.append(row)
        return rows

    def build_teachers(self) -> list[dict]:
        """Every unit's teachers; each counts in one teacher indicator only. All trained,
        certified and new to their school unless a test changes them."""
        rows = []
        for u in self.units:
            rows += teachers(u.school, u.stage, u.qualified, education="bachelor")
            rows += teachers(u.school, u.stage, u.backbone, backbone="county")
            rows += teachers(u.school, u.stage, u.pe_art, subject="pe")
        rows += self.extra_teachers
        for t in rows:
            t.setdefault("career_start", 2010)
            t.setdefault("training_hours_5y", 400)
            t.setdefault("certified", "是")
            t.setdefault("school_since", 2023)
        self.teacher_rows = rows
        return rows

    def of_school(self, sid: str) -> list[dict]:
        return [t for t in self.teacher_rows if t["school_id"] == sid]

    def tables(self) -> dict[str, list[dict]]:
        if not self.teacher_rows:
            self.build_teachers()
        out = {"schools": self.schools, "stages": self.stage_rows(),
               "teachers": self.teacher_rows}
        if self.rooms:
            out["rooms"] = self.rooms
        if self.rotations:
            out["rotations"] = self.rotations
        if self.county_row:
            out["county"] = [self.county_row]
        return out


def rooms(sid: str, music: tuple[float, ...], art: tuple[float, ...]) -> list[dict]:
    return ([{"school_id": sid, "room_type": "music", "area_m2": a} for a in music]
            + [{"school_id": sid, "room_type": "art", "area_m2": a} for a in art])


def evaluate(tmp_path, *counties: County, name: str = "in.xlsx"):
    tables: dict[str, list[dict]] = {}
    for c in counties:
        for table, rows in c.tables().items():
            tables.setdefault(table, []).extend(rows)
    path = write_xlsx(tmp_path / name, tables)
    return junheng.evaluate(junheng.load(path), year=YEAR)


# --- the checker: from the tables above, never from the engine ---------------------------------

@dataclass
class UnitGap:
    school: str
    stage: str
    missed: dict[str, F]  # indicator → exact shortfall (numerator units)
    ratio: dict[str, F]  # indicator → value / threshold (missed ones)
    fix: frozenset[str]  # the indicators this school–stage must fix (empty: it passes)
    minimal: list[frozenset[str]]  # every smallest valid set

    @property
    def passes(self) -> bool:
        return not self.minimal[0]

    @property
    def distance(self) -> F:
        return sum((1 - self.ratio[k] for k in self.fix), F(0))


class Checker:
    """What the rectification list of ``county`` must say, from its tables alone."""

    def __init__(self, county: County):
        self.c = county
        if not county.teacher_rows:
            county.build_teachers()
        self.stype = {s["school_id"]: s["school_type"] for s in county.schools}
        self.location = {s["school_id"]: s["location"] for s in county.schools}
        self.gaps = [self._unit_gap(u) for u in county.units if u.students > 0]

    # -- indicators ------------------------------------------------------------------------------
    def counts(self, u: Unit) -> dict[str, F]:
        staff = [t for t in self.c.teacher_rows if t["school_id"] == u.school
                 and t["stage"] == u.stage and t.get("full_time", "是") == "是"]
        return {
            "qualified_teachers_per100": F(sum(t["education"] in QUALIFIED[u.stage]
                                               for t in staff)),
            "backbone_teachers_per100": F(sum(t["backbone"] != "none" for t in staff)),
            "pe_art_teachers_per100": F(sum(t["subject"] in ("pe", "music", "art")
                                            for t in staff)),
            "teaching_area_per_student": F(str(u.teaching)),
            "sports_area_per_student": F(str(u.sports)),
            "equipment_value_per_student": F(str(u.equipment)),
            "multimedia_rooms_per100": F(u.multimedia),
        }

    def values(self, u: Unit) -> dict[str, F]:
        have = self.counts(u)
        return {i.key: have[i.key] * i.per / u.students for i in INDICATORS}

    def _unit_gap(self, u: Unit) -> UnitGap:
        have = self.counts(u)
        missed: dict[str, F] = {}
        ratio: dict[str, F] = {}
        for i in INDICATORS:
            threshold = getattr(i, u.stage)
            need = threshold * u.students / i.per  # in teachers, m², 元, rooms
            if have[i.key] < need:
                missed[i.key] = (ceil(need) if i.whole else need) - have[i.key]
                ratio[i.key] = have[i.key] / need
        # Brute force: the smallest sets of missed indicators which, brought to threshold,
        # leave ≥ 6 met and every other missed one ≥ 85 % of its threshold.
        minimal: list[frozenset[str]] = []
        for size in range(len(missed) + 1):
            for fix in combinations(missed, size):
                kept = [k for k in missed if k not in fix]
                if len(INDICATORS) - len(kept) >= MIN_MET and all(ratio[k] >= FLOOR
                                                                  for k in kept):
                    minimal.append(frozenset(fix))
            if minimal:
                break
        # Among the smallest sets, the documented one (gap_table, the view's docstring): the
        # indicators left missed are those nearest their threshold.
        fix = max(minimal, key=lambda s: sorted((ratio[k] for k in missed if k not in s),
                                                reverse=True))
        return UnitGap(u.school, u.stage, missed, ratio, fix, minimal)

    def failing(self) -> list[UnitGap]:
        return [g for g in self.gaps if not g.passes]

    def to_pass(self) -> dict[str, tuple[int, int]]:
        """indicator → (amount to pass, school–stages), only indicators with an amount."""
        out = {}
        for key in KEYS:
            rows = [g for g in self.failing() if key in g.fix]
            amount = sum(ceil(g.missed[key]) for g in rows)
            if amount:
                out[key] = (amount, len(rows))
        return out

    def every_threshold(self) -> dict[str, int]:
        return {key: sum(ceil(g.missed[key]) for g in self.gaps if key in g.missed)
                for key in KEYS}

    def school_order(self) -> list[str]:
        """Failing schools, nearest to passing first: fewest indicators to fix (all stages),
        then the smallest relative distance, then the school id."""
        by_school: dict[str, list[UnitGap]] = {}
        for g in self.failing():
            by_school.setdefault(g.school, []).append(g)
        return sorted(by_school, key=lambda s: (sum(len(g.fix) for g in by_school[s]),
                                                sum(g.distance for g in by_school[s]), s))

    # -- the school-level items (STANDARDS.md §1.3) ----------------------------------------------
    def _school_units(self) -> dict[str, list[Unit]]:
        out: dict[str, list[Unit]] = {}
        for u in self.c.units:
            out.setdefault(u.school, []).append(u)
        return out

    def _classes(self, u: Unit) -> int:
        return u.classes if u.classes is not None else max(1, u.students // 45)

    def music_art_rooms(self) -> dict[str, int]:
        """School → rooms to add (music and art each up to ceil(classes / 12)); schools listed
        in the rooms table only."""
        out = {}
        for sid, units in self._school_units().items():
            listed = [r for r in self.c.rooms if r["school_id"] == sid]
            if not listed:
                continue
            need = ceil(F(sum(self._classes(u) for u in units), 12))
            short = 0
            for kind in ("music", "art"):
                ok = sum(r["room_type"] == kind and F(str(r["area_m2"])) >= ROOM_MIN[kind]
                         for r in listed)
                short += max(need - ok, 0)
            if short:
                out[sid] = short
        return out

    def school_size(self) -> dict[str, int]:
        out = {}
        for sid, units in self._school_units().items():
            limit = 2500 if self.stype[sid] in ("nine_year", "twelve_year") else 2000
            pupils = sum(u.students for u in units)
            if pupils > limit:
                out[sid] = pupils - limit
        return out

    def class_size(self) -> dict[tuple[str, str], int]:
        """School–stage → classes to add (0: re-dividing is enough)."""
        out = {}
        for u in self.c.units:
            if u.students == 0:
                continue
            limit, classes = MAX_CLASS[u.stage], self._classes(u)
            over = (u.largest_class > limit if u.largest_class is not None
                    else u.students > limit * classes)
            if over:
                out[(u.school, u.stage)] = max(ceil(F(u.students, limit)) - classes, 0)
        return out

    def training_hours(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.c.teacher_rows:
            service = YEAR - t["career_start"]
            required = 360 if service >= 5 else 72 * max(service, 0)
            if t.get("full_time", "是") == "是" and t["training_hours_5y"] < required:
                out[t["school_id"]] = out.get(t["school_id"], 0) + 1
        return out

    def certified(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.c.teacher_rows:
            if t.get("full_time", "是") == "是" and t["certified"] != "是":
                out[t["school_id"]] = out.get(t["school_id"], 0) + 1
        return out

    def rotation(self) -> dict[str, int]:
        """Urban and town schools → more teachers to rotate; empty when the county's rotated
        share (the item's first check) is met."""
        moved = {m["teacher_id"]: m["from_school_id"] for m in self.c.rotations
                 if m["school_year"] == YEAR}
        staying = [t for t in self.c.teacher_rows if t["teacher_id"] not in moved
                   and YEAR - t["school_since"] >= 6]
        if not moved and not self.c.rotations:
            return {}
        eligible = len(staying) + len(moved)
        if len(moved) * 10 >= eligible:  # ≥ 10 %: met county-wide, no school tasks
            return {}
        out = {}
        for sid, loc in self.location.items():
            if loc == "rural":
                continue
            went = sum(1 for s in moved.values() if s == sid)
            school_eligible = went + sum(t["school_id"] == sid for t in staying)
            if went * 10 < school_eligible:
                out[sid] = ceil(F(school_eligible, 10)) - went
        return out

    def items(self) -> dict[str, dict]:
        return {k: v for k, v in {
            "music_art_rooms": self.music_art_rooms(), "class_size": self.class_size(),
            "school_size": self.school_size(), "training_hours": self.training_hours(),
            "certified": self.certified(), "rotation": self.rotation()}.items() if v}

    # -- the CVs (STANDARDS.md §1.2) -------------------------------------------------------------
    def cvs_over(self) -> dict[tuple[str, str], float]:
        out = {}
        for stage in ("primary", "junior"):
            units = [u for u in self.c.units if u.stage == stage and u.students > 0]
            if not units:
                continue
            pupils = sum(u.students for u in units)
            rows = [(u.students, self.values(u)) for u in units]
            for i in INDICATORS:
                mean = sum(p * v[i.key] for p, v in rows) / pupils
                var = sum(F(p, pupils) * (v[i.key] - mean) ** 2 for p, v in rows)
                if mean == 0:
                    out[(stage, i.name)] = math.nan
                    continue
                cv = math.sqrt(var) / float(mean)
                if cv > CV_LIMIT[stage] * (1 + F(1, 10**9)):
                    out[(stage, i.name)] = cv
        return out


def english_texts(rect) -> list[str]:
    texts = [rect.headline()] + [n.text for n in rect.needs] + [n.label for n in rect.needs]
    texts += [c.text for c in rect.cvs] + [c.indicator for c in rect.cvs]
    texts += [x for i in rect.items for x in (i.name, i.detail, *i.checks)]
    texts += list(rect.vetoes)
    texts += [x for s in rect.schools for task in s.tasks
              for x in (task.problem, task.current, task.standard, task.task)]
    return texts


# --- the main county ---------------------------------------------------------------------------

def declared(county: str, **override) -> dict:
    """A county row declaring every figure met and no veto (as tests/test_parts.py)."""
    row = {"county": county, "layout_planned": "是", "unified_standards": "是",
           "small_school_funding": "是", "special_education_funds_per_pupil": 6000,
           "teacher_avg_pay": 100000, "civil_servant_avg_pay": 100000, "posts_allocated": "是",
           "zoned_admission_primary": 1, "zoned_admission_junior": 0.95,
           "quota_allocation_share": 0.5, "quota_tilted_rural": "是", "left_behind_care": "是",
           "migrant_children_public_share": 0.85, "junior_retention_rate": 0.95,
           "disabled_enrolment_rate": 0.95, "charters_digital": "是",
           "training_budget_share_min": 0.05, "ict_use": "是", "moral_education": "是",
           "curriculum": "是", "homework_reasonable": "是", "monitoring_level_iii": "是",
           "monitoring_difference_rate": 0.1, "recognition_score": 0.9,
           **{f"veto_{v}": "否" for v in ("exam_admission", "school_selection", "key_schools",
                                          "unfilled_posts", "major_incident", "falsified_data")}}
    row.update(override)
    return row


def main_county() -> County:
    """Six schools of 甲县 (thresholds: STANDARDS.md §1.1):

    - A, primary 400: 2 PE/art teachers (needs ceil(3.6) = 4; 2/3.6 = 56 % < 85 %) and equipment
      600 000 元 (needs 800 000; 75 %): both must be fixed (2 teachers, 200 000 元 = 20.00 万元).
      Its music room is 90 m² (< 96): one room to add. Three teachers short of training hours.
    - B, primary 200: misses only multimedia rooms (4 for 200 pupils: 2.0 of 2.3, 87 %): it
      passes, so its missing room counts in "every threshold" only.
    - C, nine-year, primary 300 + junior 250: the primary stage misses teaching area (1300 of
      1350 m², 96.3 %) and sports area (2000 of 2250, 88.9 %), both above the floor: one must be
      fixed, the one further from its threshold (sports, 250 m²); the junior stage has 11
      qualified teachers (needs ceil(13.25) = 14; 83 % < 85 %): 3 to add. Its junior classes:
      largest 52 > 50, but 5 × 50 ≥ 250 pupils: re-dividing is enough. One teacher in their
      third year with 200 of 216 hours.
    - D, teaching point, primary 30: no backbone teacher (needs 1): 1 to add.
    - E, primary 2100 (over 2000 by 100), 46 classes with a largest of 50: 47 classes are
      needed (2100 / 45 = 46.7), one to add; 46 classes need 4 art rooms, one of its 4 is 80 m².
      Sends none of its 10 eligible teachers, but the county rotates 3 of 30 (10 %): rotation
      is met county-wide, so no school task.
    - F, junior 500: equipment 2400 per pupil (96 %) and 11 multimedia rooms (needs 12; 91.7 %):
      fix the rooms, keep the equipment. One teacher without a certificate.

    B also has a music room of 95.9 m² (its art room of 90 m² and C's music room of 96 m²
    count) and a teacher without a certificate: a school with two item tasks only.
    """
    c = County("甲县")
    c.school("A")
    c.school("B", location="town")
    c.school("C", "nine_year")
    c.school("D", "teaching_point", location="rural", parent_school_id="C")
    c.school("E")
    c.school("F", "junior", location="town")
    c.unit("A", "primary", 400, 18, 5, 2, 2000, 3200, 600_000, 10, largest_class=44)
    c.unit("B", "primary", 200, 9, 2, 2, 900, 1600, 450_000, 4, classes=5)
    c.unit("C", "primary", 300, 13, 3, 3, 1300, 2000, 650_000, 7, classes=7)
    c.unit("C", "junior", 250, 11, 3, 3, 1500, 2600, 700_000, 6, classes=5, largest_class=52)
    c.unit("D", "primary", 30, 2, 0, 1, 300, 600, 150_000, 1, classes=1)
    c.unit("E", "primary", 2100, 90, 21, 19, 9500, 16000, 4_300_000, 49, classes=46,
           largest_class=50)
    c.unit("F", "junior", 500, 27, 5, 5, 3000, 5200, 1_200_000, 11, classes=10,
           largest_class=48)
    c.rooms = (rooms("A", (90,), (95,)) + rooms("B", (95.9,), (90,)) + rooms("C", (96,), (92,))
               + rooms("E", (96,) * 4, (90, 90, 90, 80)))
    c.build_teachers()
    for t in c.of_school("A")[:3]:
        t["training_hours_5y"] = 300
    late = c.of_school("C")[:2]
    late[0].update(career_start=2022, training_hours_5y=200)  # 3 years: needs 216
    late[1].update(career_start=2022, training_hours_5y=216)
    c.of_school("F")[0]["certified"] = "否"
    c.of_school("B")[-1]["certified"] = "否"
    # Rotation: 10 eligible teachers at each of A, B, E; A sends 2 (one backbone), B 1.
    for sid in ("A", "B", "E"):
        staff = sorted(c.of_school(sid), key=lambda t: t["backbone"] == "none")
        for t in staff[:10]:
            t["school_since"] = 2010
        went = {"A": 2, "B": 1, "E": 0}[sid]
        c.rotations += [{"teacher_id": t["teacher_id"], "from_school_id": sid,
                         "to_school_id": "D", "school_year": YEAR, "form": "定期交流"}
                        for t in staff[:went]]
    c.county_row = declared("甲县", junior_retention_rate=0.93)
    return c


def second_county() -> County:
    """乙县: three primary schools of 100 pupils, alike but for sports area (2, 20 and 8 m² per
    pupil: mean 10, weighted variance (64 + 100 + 4) / 3 = 56, CV √56 / 10 = 0.748 > 0.50).
    P1 (2 of 7.5 m², 27 %) is the only failing school–stage: 750 − 200 = 550 m² to add. Nobody
    rotated in 2025 of the 20 eligible teachers at urban P1 and P2: one more from each. A key
    school is declared (a veto)."""
    c = County("乙县")
    c.school("P1")
    c.school("P2")
    c.school("P3", location="rural")
    for sid, sports in (("P1", 200), ("P2", 2000), ("P3", 800)):
        c.unit(sid, "primary", 100, 5, 1, 1, 500, sports, 250_000, 3, classes=3,
               largest_class=40)
        c.rooms += rooms(sid, (96,), (90,))
    c.extra_teachers = teachers("P1", "primary", 5) + teachers("P2", "primary", 5)
    c.build_teachers()
    for sid in ("P1", "P2"):
        for t in c.of_school(sid)[:10]:
            t["school_since"] = 2010
    moved = c.of_school("P1")[0]  # a move of the year before does not count
    c.rotations = [{"teacher_id": moved["teacher_id"], "from_school_id": "P1",
                    "to_school_id": "P3", "school_year": YEAR - 1, "form": "定期交流"}]
    c.county_row = declared("乙县", veto_key_schools="是")
    return c


@pytest.fixture(scope="module")
def counties(tmp_path_factory):
    first, second = main_county(), second_county()
    ev = evaluate(tmp_path_factory.mktemp("rect"), first, second)
    return ev, {"甲县": first, "乙县": second}


def indicator_needs(rect) -> dict[str, tuple[float, int, float | None]]:
    return {n.key: (n.to_pass, n.places, n.every_threshold) for n in rect.needs
            if n.key in KEYS}


def beyond_needs(rect) -> dict[str, tuple[float, float | None]]:
    return {n.key: (n.to_pass, n.every_threshold) for n in rect.beyond}


def expected_beyond(check) -> dict[str, tuple[int, int]]:
    """Indicators missed only where the rule allows: 0 to pass, their every-threshold amount."""
    to_pass = check.to_pass()
    return {k: (0, v) for k, v in check.every_threshold().items() if k not in to_pass and v}


def item_needs(rect) -> dict[str, tuple[float, int]]:
    return {n.key: (n.to_pass, n.places) for n in rect.needs if n.key not in KEYS}


def fixes(rect) -> dict[tuple[str, str], set[str]]:
    """The indicators each failing school–stage is told to fix (its indicator tasks)."""
    out: dict[tuple[str, str], set[str]] = {}
    for s in rect.schools:
        for task in s.tasks:
            if task.key in KEYS:
                out.setdefault((s.school_id, task.stage), set()).add(task.key)
    return out


# --- the main county, against the checker and by hand ------------------------------------------

def test_checker_agrees_with_the_hand_worked_figures():
    """The checker itself, against the figures worked out in main_county's docstring."""
    check = Checker(main_county())
    assert check.to_pass() == {
        "qualified_teachers_per100": (3, 1), "backbone_teachers_per100": (1, 1),
        "pe_art_teachers_per100": (2, 1), "sports_area_per_student": (250, 1),
        "equipment_value_per_student": (200_000, 1), "multimedia_rooms_per100": (1, 1)}
    assert check.every_threshold() == {
        "qualified_teachers_per100": 3, "backbone_teachers_per100": 1,
        "pe_art_teachers_per100": 2, "teaching_area_per_student": 50,
        "sports_area_per_student": 250, "equipment_value_per_student": 250_000,
        "multimedia_rooms_per100": 2}
    c_primary = next(g for g in check.gaps if (g.school, g.stage) == ("C", "primary"))
    assert sorted(map(set, c_primary.minimal), key=sorted) == [
        {"sports_area_per_student"}, {"teaching_area_per_student"}]
    assert c_primary.fix == {"sports_area_per_student"}
    assert check.items() == {
        "music_art_rooms": {"A": 1, "B": 1, "E": 1}, "class_size": {("C", "junior"): 0,
                                                            ("E", "primary"): 1},
        "school_size": {"E": 100}, "training_hours": {"A": 3, "C": 1},
        "certified": {"B": 1, "F": 1}}
    assert check.school_order() == ["F", "D", "C", "A"]
    assert check.cvs_over() == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_totals_match_the_checker(counties, lang):
    ev, built = counties
    for name, county in built.items():
        rect = build_rectification(ev, name, lang)
        check = Checker(county)
        every = check.every_threshold()
        assert indicator_needs(rect) == {k: (amount, places, every[k])
                                         for k, (amount, places) in check.to_pass().items()}
        assert beyond_needs(rect) == expected_beyond(check)
        assert rect.failing_units == len(check.failing())
        assert rect.evaluated_units == len(check.gaps)
        assert fixes(rect) == {(g.school, g.stage): set(g.fix) for g in check.failing()}


def test_a_school_missing_one_indicator_above_the_floor_is_not_in_to_pass(counties):
    ev, _ = counties
    rect = build_rectification(ev, "甲县")
    rooms_need = next(n for n in rect.needs if n.key == "multimedia_rooms_per100")
    # F's room must be added to pass; B's (2.0 of 2.3, 87 %) only to reach every threshold.
    assert (rooms_need.to_pass, rooms_need.places, rooms_need.every_threshold) == (1, 1, 2)
    assert "B" not in {s.school_id for s in rect.schools if s.fails_rule}
    # Teaching area is missed only where the rule lets it stay (C primary keeps it, fixes
    # sports): nothing to add to pass, so no line.
    assert "teaching_area_per_student" not in {n.key for n in rect.needs}


def test_item_totals_match_the_checker(counties):
    ev, built = counties
    for name, county in built.items():
        rect = build_rectification(ev, name)
        expected = Checker(county).items()
        assert item_needs(rect) == {k: (sum(v.values()), len(v)) for k, v in expected.items()}
        tasks = {(s.school_id, t.key, t.stage if t.key == "class_size" else None): t.amount
                 for s in rect.schools for t in s.tasks if t.key not in KEYS}
        want = {}
        for key, per_place in expected.items():
            for place, amount in per_place.items():
                sid, stage = place if isinstance(place, tuple) else (place, None)
                want[(sid, key, stage)] = amount
        assert tasks == want


def test_an_item_met_county_wide_adds_no_school_task(counties):
    ev, _ = counties
    # E sends none of its 10 eligible teachers: the evaluation records it …
    rotation = ev.breaches.filter((pl.col("county") == "甲县") & (pl.col("item") == "rotation"))
    assert rotation.get_column("school_id").to_list() == ["E"]
    # … but the county rotates 3 of 30 (10 %): the item is met, and the list has no task.
    rect = build_rectification(ev, "甲县")
    assert "rotation" not in {n.key for n in rect.needs}
    assert all(t.key != "rotation" for s in rect.schools for t in s.tasks)
    assert all("交流" not in i.name for i in rect.items)


def test_schools_nearest_to_passing_first_then_item_only_schools(counties):
    ev, built = counties
    rect = build_rectification(ev, "甲县")
    order = [s.school_id for s in rect.schools]
    # F (1 indicator, 8 %), D (1, 100 %), C (2 over its two stages, 11 % + 17 %), A (2, 69 %);
    # then E (3 item tasks), B (2).
    assert order == [*Checker(built["甲县"]).school_order(), "E", "B"] == [
        "F", "D", "C", "A", "E", "B"]
    got = {s.school_id: (s.fails_rule, s.to_fix, s.distance) for s in rect.schools}
    assert got["C"][:2] == (True, 2)
    assert got["C"][2] == pytest.approx(float(F(1, 9) + F(9, 53)), rel=1e-12)
    assert got["A"][2] == pytest.approx(float(F(4, 9) + F(1, 4)), rel=1e-12)
    assert got["E"] == (False, 0, 0.0)
    keys = [(s.to_fix, s.distance) for s in rect.schools if s.fails_rule]
    assert keys == sorted(keys)


def test_school_tasks_in_chinese(counties):
    ev, _ = counties
    rect = build_rectification(ev, "甲县")
    tasks = {s.school_id: [(t.key, t.stage, t.task, t.amount) for t in s.tasks]
             for s in rect.schools}
    assert tasks["A"] == [
        ("pe_art_teachers_per100", "primary", "补充体育艺术教师 2 名", 2),
        ("equipment_value_per_student", "primary", "增加教学仪器设备 20.00 万元", 200_000),
        ("music_art_rooms", None, "增加音乐、美术专用教室 1 间", 1),
        ("training_hours", None, "组织 3 名教师补足培训学时", 3)]
    # C: the primary stage (nearer) first, then the junior stage, then its items.
    assert tasks["C"] == [
        ("sports_area_per_student", "primary", "增加体育运动场馆 250 m²", 250),
        ("qualified_teachers_per100", "junior", "补充高于规定学历教师 3 名", 3),
        ("class_size", "junior", "调整分班，化解大班额（无需增班）", 0),
        ("training_hours", None, "组织 1 名教师补足培训学时", 1)]
    assert tasks["E"] == [
        ("music_art_rooms", None, "增加音乐、美术专用教室 1 间", 1),
        ("class_size", "primary", "增设教学班 1 个，化解大班额", 1),
        ("school_size", None, "分流学生 100 人（扩建或新建学校）", 100)]
    a = next(s for s in rect.schools if s.school_id == "A")
    equipment = a.tasks[1]
    assert (equipment.current, equipment.standard) == ("1,500 元/生", "2,000 元/生")
    texts = {n.key: n.text for n in rect.needs}
    assert texts["equipment_value_per_student"] == "教学仪器设备 20.00 万元，涉及 1 个学校（学段）"
    assert texts["sports_area_per_student"] == "体育运动场馆 250 m²，涉及 1 个学校（学段）"
    assert texts["class_size"] == "增设教学班 1 个，化解大班额，涉及 2 个学校（学段）"
    assert texts["school_size"] == "超出规模上限的学生 100 人，涉及 1 所学校"
    assert texts["music_art_rooms"] == "音乐、美术专用教室 3 间，涉及 3 所学校"
    assert rect.headline() == ("5 个学校（学段）未达到学校达标要求；0 项差异系数超过限值；"
                               "6 项其他指标未达标或缺数据。")
    # The other items: five computed ones and the declared retention rate (93 % < 95 %).
    assert [(i.part, i.number, i.state) for i in rect.items] == [
        ("government", 3, "fail"), ("government", 4, "fail"), ("government", 5, "fail"),
        ("government", 9, "fail"), ("government", 12, "fail"), ("quality", 1, "fail")]
    assert rect.items[-1].checks == ("初中三年巩固率 93%（标准 ≥ 95%）",)
    assert rect.vetoes == () and rect.cvs == ()


# --- English ------------------------------------------------------------------------------------

SINGULAR_AFTER_MANY = re.compile(
    r"(?<![\d,.])(?:0|[2-9]|[1-9][\d,]+) (?:teacher|classroom|room|class|pupil|school–stage|"
    r"school)(?![\w–(])")  # "(s)": the evaluation's own details, number-neutral
PLURAL_AFTER_ONE = re.compile(
    r"(?<![\d,.])1 (?:teachers|classrooms|rooms|classes|pupils|school–stages|schools|CVs)\b")


def test_english_texts_agree_in_number_and_show_no_keys(counties):
    ev, _ = counties
    rect = build_rectification(ev, "甲县", "en")
    texts = {n.key: n.text for n in rect.needs}
    assert texts["backbone_teachers_per100"] == "1 backbone teacher at 1 school–stage"
    assert texts["pe_art_teachers_per100"] == "2 PE/art teachers at 1 school–stage"
    assert texts["multimedia_rooms_per100"] == "1 multimedia classroom at 1 school–stage"
    assert texts["equipment_value_per_student"] == \
        "200,000 yuan of teaching equipment at 1 school–stage"
    assert texts["training_hours"] == "4 teachers short of training hours at 2 schools"
    assert texts["school_size"] == "100 pupils over the school-size limit at 1 school"
    assert texts["class_size"] == "1 class to add against over-size classes at 2 school–stages"
    tasks = {(s.school_id, t.key): t.task for s in rect.schools for t in s.tasks}
    assert tasks[("F", "multimedia_rooms_per100")] == "add 1 multimedia classroom"
    assert tasks[("A", "pe_art_teachers_per100")] == "add 2 PE/art teachers"
    assert tasks[("C", "training_hours")] == "train 1 teacher to the required hours"
    assert tasks[("B", "certified")] == "certify 1 teacher or change their post"
    assert rect.headline() == ("5 school–stages fail the per-school rule; 0 CVs over the "
                               "limit; 6 other items failed or lacking data.")
    for name in ("甲县", "乙县"):
        for text in english_texts(build_rectification(ev, name, "en")):
            assert not SNAKE.search(text), text
            assert not SINGULAR_AFTER_MANY.search(text), text
            assert not PLURAL_AFTER_ONE.search(text), text


def test_one_of_each_reads_in_the_singular(counties):
    ev, _ = counties
    rect = build_rectification(ev, "乙县", "en")
    assert rect.headline() == ("1 school–stage fails the per-school rule; 1 CV over the limit; "
                               "1 other item failed or lacking data.")
    assert [n.text for n in rect.needs] == [
        "550 m² of sports ground area at 1 school–stage",
        "2 teachers more to rotate at 2 schools"]
    assert rect.vetoes == ("key schools or key classes",)
    assert [s.school_id for s in rect.schools] == ["P1", "P2"]
    assert [t.task for t in rect.schools[1].tasks] == ["rotate 1 teacher more"]


# --- the CVs over their limit -------------------------------------------------------------------

def test_cvs_over_their_limit_with_the_excess(counties):
    ev, built = counties
    expected = Checker(built["乙县"]).cvs_over()
    assert list(expected) == [("primary", "生均体育运动场馆面积")]
    cv = expected[("primary", "生均体育运动场馆面积")]
    assert cv == pytest.approx(math.sqrt(56) / 10, rel=1e-12)
    rect = build_rectification(ev, "乙县")
    assert [(c.stage, c.indicator) for c in rect.cvs] == list(expected)
    over = rect.cvs[0]
    assert over.cv == pytest.approx(cv, rel=1e-12)
    assert over.limit == 0.5
    assert over.text == "小学「生均体育运动场馆面积」差异系数 0.748，超过限值 0.50（高出 0.248）"
    en = build_rectification(ev, "乙县", "en").cvs[0].text
    assert en.endswith("Sports ground and hall area per pupil: CV 0.748 over the limit 0.50 "
                       "(by 0.248)")
    assert build_rectification(ev, "乙县").vetoes == ("设置重点学校或重点班",)


# --- random small counties against the checker -------------------------------------------------

RATIOS = [2.0, 1.3, 1.0, 1.0, 0.97, 0.9, 0.86, 0.85, 0.84, 0.6, 0.0]
STAGES_OF = {"primary": ["primary"], "junior": ["junior"], "nine_year": ["primary", "junior"],
             "teaching_point": ["primary"]}


def random_county(rng: random.Random, name: str, prefix: str) -> County:
    """3–6 schools whose indicators sit at, just above and just below their thresholds and
    the 85 % floor; classes, rooms, training, certificates and rotations drawn at random."""
    c = County(name)
    for k in range(rng.randint(3, 6)):
        sid = f"{prefix}{k}"
        stype = rng.choice(["primary", "primary", "junior", "nine_year", "teaching_point"])
        location = rng.choice(["urban", "town", "rural"])
        c.school(sid, stype, location=location)
        classes_total = 0
        for stage in STAGES_OF[stype]:
            students = rng.choice([23, 50, 97, 180, 333, 600] if stype == "teaching_point"
                                  else [0, 97, 180, 250, 333, 600, 1200, 2100])
            amounts = []
            for i in INDICATORS:
                need = getattr(i, stage) * students / i.per
                ratio = F(str(rng.choice(RATIOS)))
                amount = ratio * need
                amounts.append(round(amount) if i.whole else round(float(amount), 1))
            amounts[5] = round(amounts[5])  # yuan: whole
            limit = MAX_CLASS[stage]
            classes = max(1, ceil(F(students, limit)) + rng.choice([-1, 0, 0, 1]))
            classes_total += classes
            largest = rng.choice([None, limit - 3, limit, limit + 2])
            c.unit(sid, stage, students, *amounts, classes=classes, largest_class=largest)
        if rng.random() < 0.7:
            need = ceil(F(classes_total, 12))
            c.rooms += rooms(sid, tuple(rng.choice([96, 95.9, 120]) for _ in range(
                rng.randint(max(0, need - 1), need + 1))),
                tuple(rng.choice([90, 89.9, 100]) for _ in range(
                    rng.randint(max(0, need - 1), need + 1))))
    c.build_teachers()
    for t in c.teacher_rows:
        roll = rng.random()
        if roll < 0.03:
            t["training_hours_5y"] = 359
        elif roll < 0.05:
            t.update(career_start=YEAR - 2, training_hours_5y=143)
        if rng.random() < 0.03:
            t["certified"] = "否"
        if rng.random() < 0.5:
            t["school_since"] = 2012
    eligible = [t for t in c.teacher_rows if t["school_since"] == 2012]
    share = rng.choice([0.0, 0.06, 0.12])
    ids = [s["school_id"] for s in c.schools]

    def move(t: dict, year: int) -> dict:
        to = next(s for s in ids if s != t["school_id"])
        return {"teacher_id": t["teacher_id"], "from_school_id": t["school_id"],
                "to_school_id": to, "school_year": year, "form": "定期交流"}

    c.rotations = [move(t, YEAR) for t in eligible if rng.random() < share]
    if not c.rotations:  # keep the table, with a move of another year
        c.rotations = [move(c.teacher_rows[0], YEAR - 1)]
    return c


def test_random_counties_agree_with_the_checker(tmp_path):
    rng = random.Random(20250917)
    built = [random_county(rng, f"随机{n}县", f"R{n}-") for n in range(14)]
    ev = evaluate(tmp_path, *built)
    seen_failing = seen_choice = 0
    for county in built:
        check = Checker(county)
        rect = build_rectification(ev, county.name)
        every = check.every_threshold()
        assert indicator_needs(rect) == {k: (amount, places, every[k])
                                         for k, (amount, places) in check.to_pass().items()}, \
            county.name
        assert beyond_needs(rect) == expected_beyond(check), county.name
        assert rect.failing_units == len(check.failing())
        assert rect.evaluated_units == len(check.gaps)  # school–stages with pupils
        told = fixes(rect)
        for g in check.failing():
            got = told[(g.school, g.stage)]
            assert got in g.minimal, (county.name, g)  # a smallest set …
            assert got == g.fix, (county.name, g)  # … the one the docstring names
            seen_choice += len(g.minimal) > 1
        assert set(told) == {(g.school, g.stage) for g in check.failing()}
        seen_failing += len(check.failing())
        # Items: amounts and places, and no task for an item met county-wide.
        expected = check.items()
        assert item_needs(rect) == {k: (sum(v.values()), len(v)) for k, v in expected.items()}
        # Order: failing schools nearest to passing first (exact key), then the others, most
        # tasks first.
        failing = [s.school_id for s in rect.schools if s.fails_rule]
        assert sorted(failing) == sorted(check.school_order())
        gaps = {g.school: [] for g in check.failing()}
        for g in check.failing():
            gaps[g.school].append(g)
        keys = [(sum(len(g.fix) for g in gaps[s]), sum((g.distance for g in gaps[s]), F(0)))
                for s in failing]
        assert keys == sorted(keys), county.name
        rest = [s for s in rect.schools if not s.fails_rule]
        assert [(-len(s.tasks), s.school_id) for s in rest] == sorted(
            (-len(s.tasks), s.school_id) for s in rest)
        for text in english_texts(build_rectification(ev, county.name, "en")):
            assert not SNAKE.search(text), text
            assert not SINGULAR_AFTER_MANY.search(text), text
            assert not PLURAL_AFTER_ONE.search(text), text
    # The draw exercised what it is for.
    assert seen_failing >= 20 and seen_choice >= 3
