"""Held-out counties for the rotation planner: small, plausible, and shaped unlike the project's
own sample generator (which this module does not use).

``make_county(seed, schools=12, **quirks)`` returns the rows of each table, ready for
``conftest.write_xlsx``; every county it makes passes ``junheng.load``. Quirks (all optional):

- ``year`` (2026): the school year to be planned; ``rotations=True`` records moves already made
  in it (and a few in the year before, which do not count); ``rotations="many"`` also has every
  village school send its whole yearly cap (20 %) before the plan;
- ``coords``: ``"all"`` (default), ``"some"`` (a few rural schools without coordinates) or
  ``"none"`` (no latitude / longitude columns at all); ``far=True`` puts one village school
  about 70 km from the county town;
- ``no_gender`` / ``no_birth_year``: the share of teachers without that field (0.05 / 0.03);
- ``old``: the share of teachers drawn past the exemption ages, men 55+ and women 50+ (0.12);
- ``teaching_point`` (True): a teaching point (教学点) under the town's central primary school;
- ``nine_year_totals`` (True): the rural nine-year school gives its facility figures only as
  school totals (stage cells empty), to be split primary 1 : junior 1.1;
- ``heads`` (True): principals and vice-principals; ``single_subject`` (True): village schools
  with a single PE teacher and a single music teacher;
- ``boundary`` (False): the first urban primary and junior schools have 1000 pupils and every
  figure exactly at its threshold (42 / 53 qualified, 10 backbone, 9 PE/art teachers…), and the
  split of the nine-year school's totals lands exactly on 4.5 m² (primary teaching area) and
  2500 yuan (junior equipment);
- ``urban_failing`` (False): one urban primary school fails the per-school rule (too little
  sports ground), so it receives teachers;
- ``urban_only`` (False): a district of urban schools only (no rural school, no teaching point),
  two of them failing the rule;
- ``counties`` (1): that many counties in one workbook, ``schools`` schools each.

Examples
--------
>>> tables = make_county(3)
>>> sorted(tables)
['rotations', 'schools', 'stages', 'teachers']
>>> len(tables["schools"])
12
>>> len(make_county(3, counties=2)["schools"])
24
"""

from __future__ import annotations

import math
import random
from typing import Any

YEAR = 2026
PRIMARY_SUBJECTS = ("chinese", "chinese", "chinese", "math", "math", "math", "english",
                    "science", "it", "other")
JUNIOR_SUBJECTS = ("chinese", "chinese", "math", "math", "english", "english", "physics",
                   "chemistry", "biology", "history", "geography", "politics", "it")
THRESHOLDS = {  # STANDARDS.md §1.1 (quality-2017)
    "qualified": {"primary": 4.2, "junior": 5.3},
    "teaching_area_m2": {"primary": 4.5, "junior": 5.8},
    "sports_area_m2": {"primary": 7.5, "junior": 10.2},
    "equipment_value_yuan": {"primary": 2000, "junior": 2500},
    "multimedia_rooms": {"primary": 2.3, "junior": 2.4},
}
FACILITIES = ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_rooms")
TOWNS = ("城关", "河西", "龙泉", "青山", "石桥", "白沙", "金鸡", "桃源", "马鞍", "清水")
VILLAGES = ("杨家", "李家", "柏树", "大坪", "高桥", "水井", "松林", "黄泥", "竹园", "新华",
            "红星", "团结", "先锋", "长岭", "凉水", "板桥")

# (kind, school_type, location, {stage: (low, high) pupils}); kind is a role in the county.
_COUNTY = (
    ("urban_junior", "complete_secondary", "urban", {"junior": (900, 1300)}),
    ("urban_primary", "primary", "urban", {"primary": (1000, 1500)}),
    ("urban_primary", "primary", "urban", {"primary": (800, 1200)}),
    ("central", "primary", "town", {"primary": (400, 650)}),
    ("town_junior", "junior", "town", {"junior": (450, 700)}),
    ("nine_year", "nine_year", "rural", {"primary": (200, 320), "junior": (220, 360)}),
    ("rural_junior", "junior", "rural", {"junior": (250, 400)}),
    ("village", "primary", "rural", {"primary": (110, 220)}),
    ("village", "primary", "rural", {"primary": (110, 220)}),
    ("village", "primary", "rural", {"primary": (110, 220)}),
    ("teaching_point", "teaching_point", "rural", {"primary": (18, 60)}),
    ("town_primary", "primary", "town", {"primary": (350, 600)}),
)
_EXTRA = (
    ("village", "primary", "rural", {"primary": (110, 220)}),
    ("town_primary", "primary", "town", {"primary": (350, 600)}),
    ("village", "primary", "rural", {"primary": (110, 220)}),
    ("urban_primary", "primary", "urban", {"primary": (800, 1200)}),
    ("rural_junior", "junior", "rural", {"junior": (250, 400)}),
    ("town_junior", "junior", "town", {"junior": (450, 700)}),
)
_DISTRICT = (
    ("urban_junior", "complete_secondary", "urban", {"junior": (900, 1300)}),
    ("urban_primary", "primary", "urban", {"primary": (1000, 1500)}),
    ("urban_primary", "primary", "urban", {"primary": (800, 1200)}),
    ("failing_primary", "primary", "urban", {"primary": (700, 1000)}),
    ("urban_junior", "junior", "urban", {"junior": (600, 900)}),
    ("failing_junior", "junior", "urban", {"junior": (500, 800)}),
    ("nine_year", "nine_year", "urban", {"primary": (500, 800), "junior": (400, 600)}),
    ("urban_primary", "primary", "urban", {"primary": (600, 900)}),
    ("twelve_year", "twelve_year", "urban", {"primary": (400, 600), "junior": (400, 600)}),
    ("urban_primary", "primary", "urban", {"primary": (500, 800)}),
    ("urban_junior", "junior", "urban", {"junior": (500, 800)}),
    ("urban_primary", "primary", "urban", {"primary": (500, 800)}),
)
# Pupils per full-time teacher, by location and stage.
_RATIO = {("urban", "primary"): 18.0, ("urban", "junior"): 12.5, ("town", "primary"): 17.0,
          ("town", "junior"): 12.0, ("rural", "primary"): 13.0, ("rural", "junior"): 11.0}
_BACKBONE_SLACK = {"urban": (2, 5), "town": (1, 3), "rural": (-1, 2)}


def _layout(n: int, urban_only: bool, teaching_point: bool) -> list[tuple]:
    if urban_only:
        base = list(_DISTRICT)
        extra = [s for s in _DISTRICT if s[0] == "urban_primary"]
    else:
        base = [s for s in _COUNTY if teaching_point or s[0] != "teaching_point"]
        extra = list(_EXTRA)
    out = base[:n]
    i = 0
    while len(out) < n:
        out.append(extra[i % len(extra)])
        i += 1
    return out


def _facilities(rng: random.Random, stage: str, students: int, failing: bool) -> dict[str, Any]:
    """Figures above the thresholds by 15–70 %; a failing unit has too little sports ground."""
    out: dict[str, Any] = {}
    for col in FACILITIES:
        factor = rng.uniform(1.15, 1.7)
        if failing and col == "sports_area_m2":
            factor = rng.uniform(0.55, 0.8)
        need = THRESHOLDS[col][stage] * students
        if col == "multimedia_rooms":
            out[col] = max(1, math.ceil(factor * need / 100))
        elif col == "equipment_value_yuan":
            out[col] = float(round(factor * need, -2))
        else:
            out[col] = round(factor * need, 1)
    return out


class _County:
    def __init__(self, rng: random.Random, index: int, n: int, quirks: dict[str, Any]):
        self.rng = rng
        self.q = quirks
        self.year = quirks.get("year", YEAR)
        self.code = f"0{51 + index:02d}{rng.randrange(10, 99)}"
        self.county = f"{rng.choice(TOWNS)}{'县' if not quirks.get('urban_only') else '区'}{index + 1}"
        self.schools: list[dict] = []
        self.stages: list[dict] = []
        self.teachers: list[dict] = []
        self.rotations: list[dict] = []
        self._tid = 0
        self.layout = _layout(n, quirks.get("urban_only", False),
                              quirks.get("teaching_point", True))

    # --- people ---
    def _teacher(self, sid: str, stage: str | None, **attrs: Any) -> dict:
        rng, q, year = self.rng, self.q, self.year
        self._tid += 1
        gender = "female" if rng.random() < 0.6 else "male"
        if rng.random() < q.get("old", 0.12):
            age = rng.randint(55, 59) if gender == "male" else rng.randint(50, 56)
        else:
            age = rng.randint(23, 54) if gender == "male" else rng.randint(23, 49)
        served = max(0, age - 22)
        if served >= 6 and rng.random() < 0.6:
            tenure = rng.randint(6, min(served, 30))
        else:
            tenure = rng.randint(0, min(served, 5))
        row = {"teacher_id": f"{self.code}T{self._tid:05d}", "school_id": sid, "stage": stage,
               "subject": "chinese", "full_time": "是", "education": "bachelor",
               "backbone": "none",
               "gender": None if rng.random() < q.get("no_gender", 0.05) else gender,
               "birth_year": None if rng.random() < q.get("no_birth_year", 0.03)
               else year - age,
               "school_since": year - tenure, "certified": "是",
               "role": None if rng.random() < 0.05 else "teacher"}
        row.update(attrs)
        return row

    def _unit_teachers(self, sid: str, kind: str, location: str, stage: str, students: int,
                       single_stage: bool, exact: bool = False) -> list[dict]:
        """Full-time teachers of one school–stage, with the qualified, backbone and PE/art
        counts drawn around the thresholds; ``exact``: each count exactly at its threshold."""
        rng = self.rng
        n = max(2, round(students / _RATIO[(location, stage)]))
        q_need = math.ceil(THRESHOLDS["qualified"][stage] * students / 100)
        b_need = math.ceil(students / 100)
        p_need = math.ceil(0.9 * students / 100)
        lo, hi = _BACKBONE_SLACK[location]
        backbone = max(0, min(n, b_need + rng.randint(lo, hi)))
        village = kind == "village" and self.q.get("single_subject", True)
        pe_art = 2 if village else min(n, p_need + rng.randint(0, 2))
        unqualified = rng.randint(0, max(0, min(n - q_need - 2, n // 4)))
        if exact:
            backbone, pe_art, unqualified = b_need, p_need, n - q_need
        qualified = n - unqualified
        subjects = (PRIMARY_SUBJECTS if stage == "primary" else JUNIOR_SUBJECTS)
        stage_cell = stage if not single_stage or rng.random() > 0.1 else None
        out = []
        for i in range(n):
            if i < pe_art:
                subject = ("pe", "music")[i] if village else ("pe", "music", "art")[i % 3]
            else:
                subject = rng.choice(subjects)
            if i < qualified:
                education = rng.choice(
                    ("bachelor", "bachelor", "bachelor", "master") if stage == "junior"
                    else ("associate", "bachelor", "bachelor", "bachelor", "master"))
            else:
                education = "secondary" if stage == "primary" else rng.choice(
                    ("associate", "associate", "secondary"))
            out.append(self._teacher(sid, stage_cell, subject=subject, education=education))
        # backbone teachers mostly among the qualified
        order = list(range(n))
        rng.shuffle(order)
        order.sort(key=lambda i: out[i]["education"] in ("secondary", "associate"))
        for i in order[:backbone]:
            out[i]["backbone"] = rng.choice(("county", "county", "county", "city", "province"))
        return out

    # --- schools ---
    def build(self) -> None:
        rng, q = self.rng, self.q
        coords = q.get("coords", "all")
        lat0, lon0 = 28.0 + rng.uniform(0, 3), 104.0 + rng.uniform(0, 4)
        central_id = None
        villages = iter(rng.sample(VILLAGES, len(VILLAGES)))
        towns = iter(rng.sample(TOWNS[1:], len(TOWNS) - 1))
        urban_failing_done = False
        on_boundary: set[str] = set()
        far_done = False
        for i, (kind, school_type, location, pupils) in enumerate(self.layout, start=1):
            sid = f"{self.code}{i:04d}"
            failing = kind.startswith("failing")
            if q.get("urban_failing") and kind == "urban_primary" and not urban_failing_done \
                    and i > 2:
                failing = urban_failing_done = True
            place = next(villages, "新村") if location == "rural" else next(towns, "东城")
            name = {"urban_junior": "县第{}中学", "urban_primary": "城区第{}小学",
                    "failing_primary": "城区第{}小学", "failing_junior": "城区第{}初级中学",
                    "central": place + "镇中心小学{}", "town_junior": place + "镇初级中学{}",
                    "town_primary": place + "镇第二小学{}",
                    "nine_year": place + "九年一贯制学校{}",
                    "twelve_year": "实验学校{}", "rural_junior": place + "乡初级中学{}",
                    "village": place + "村小学{}",
                    "teaching_point": place + "村教学点{}"}[kind].format(i)
            row: dict[str, Any] = {"school_id": sid, "name": name, "county": self.county,
                                   "school_type": school_type, "location": location,
                                   "boarding": "是" if location == "rural" and rng.random() < .3
                                   else "否"}
            if kind == "central":
                central_id = sid
            if kind == "teaching_point":
                row["parent_school_id"] = central_id
            if coords != "none":
                km = {"urban": rng.uniform(0, 3), "town": rng.uniform(6, 16),
                      "rural": rng.uniform(10, 28)}[location]
                if q.get("far") and kind == "village" and not far_done:
                    km, far_done = 70.0, True
                angle = rng.uniform(0, 2 * math.pi)
                lat = lat0 + km * math.sin(angle) / 111.2
                lon = lon0 + km * math.cos(angle) / (111.2 * math.cos(math.radians(lat0)))
                row["latitude"], row["longitude"] = round(lat, 6), round(lon, 6)
                if coords == "some" and location == "rural" and kind != "nine_year" \
                        and rng.random() < 0.4:
                    row["latitude"] = row["longitude"] = None
            totals = (school_type in ("nine_year", "twelve_year")
                      and q.get("nine_year_totals", True))
            school_total = dict.fromkeys(FACILITIES, 0.0)
            staff: list[dict] = []
            exact = bool(q.get("boundary")) and kind in ("urban_primary", "urban_junior") \
                and kind not in on_boundary and not failing
            if exact:
                on_boundary.add(kind)
            nine_boundary = bool(q.get("boundary")) and totals
            for stage, (low, high) in pupils.items():
                students = rng.randint(low, high)
                figures = _facilities(rng, stage, students, failing)
                if exact:  # every figure exactly at its threshold: 1000 pupils
                    students = 1000
                    figures = {col: round(THRESHOLDS[col][stage] * 1000, 6)
                               for col in FACILITIES}
                    figures["multimedia_rooms"] = round(figures["multimedia_rooms"] / 100)
                if nine_boundary:  # multiples that make the split land on thresholds
                    students = students // 22 * 22 if stage == "primary" else students // 20 * 20
                classes = max(1, math.ceil(students / (42 if stage == "primary" else 47)))
                if kind == "teaching_point":
                    classes = rng.randint(2, 4)
                srow = {"school_id": sid, "stage": stage, "students": students,
                        "classes": classes, "largest_class": min(students, 45)}
                if totals:
                    for col in FACILITIES:
                        school_total[col] += figures[col]
                    srow.update(dict.fromkeys(FACILITIES))
                else:
                    srow.update(figures)
                self.stages.append(srow)
                staff += self._unit_teachers(sid, kind, location, stage, students,
                                             len(pupils) == 1, exact)
            if totals:
                for col in FACILITIES:
                    value = school_total[col]
                    row[col] = int(value) if col == "multimedia_rooms" else round(value, 1)
            if nine_boundary:
                # split primary 1 : junior 1.1, the primary part gets exactly 4.5 m² per pupil
                # of teaching area, the junior part exactly 2500 yuan of equipment per pupil
                p, j = (next(r["students"] for r in self.stages
                             if r["school_id"] == sid and r["stage"] == st)
                        for st in ("primary", "junior"))
                row["teaching_area_m2"] = (450 * p + 495 * j) / 100  # 4.5 p + 4.95 j, exactly
                row["equipment_value_yuan"] = float(2500 * p * 10 // 11 + 2500 * j)
            if q.get("heads", True) and kind != "teaching_point":
                heads = ["principal"] + ["vice_principal"] * (1 + (len(staff) > 40))
                managers = max(1, len(staff) // 12)
                picks = rng.sample(range(len(staff)), min(len(staff), len(heads) + managers))
                for j, k in enumerate(picks):
                    staff[k]["role"] = heads[j] if j < len(heads) else "middle_manager"
            # staff who are not full-time teachers (counted in no indicator, never rotated)
            first_stage = next(iter(pupils))
            for _ in range(rng.randint(0, 2) if kind != "teaching_point" else 0):
                staff.append(self._teacher(sid, first_stage, full_time="否", subject="other",
                                           education="secondary"))
            self.teachers += staff
            self.schools.append(row)

    def add_rotations(self) -> None:
        """Moves already made this year (and last year): the teachers sit at their new schools
        since that year; the rotation table names the schools they left."""
        rng, year = self.rng, self.year
        by_kind: dict[str, list[dict]] = {}
        stage_of: dict[str, list[str]] = {}
        for school, (kind, *_rest) in zip(self.schools, self.layout, strict=True):
            by_kind.setdefault(kind, []).append(school)
        for s in self.stages:
            stage_of.setdefault(s["school_id"], []).append(s["stage"])
        pairs = [("urban_primary", "village", "primary", year, True),
                 ("urban_primary", "village", "primary", year, False),
                 ("town_junior", "rural_junior", "junior", year, False),
                 ("urban_junior", "nine_year", "junior", year - 1, False),
                 ("village", "urban_primary", "primary", year - 1, False)]
        moves = [(src, dst, stage, when, backbone, None, None)
                 for src, dst, stage, when, backbone in pairs]
        if self.q.get("rotations") == "many":
            # every village school has already sent its whole yearly cap this year
            for a in by_kind.get("village", []):
                staff = sum(1 for t in self.teachers
                            if t["school_id"] == a["school_id"] and t["full_time"] == "是")
                for _ in range(math.ceil(0.2 * staff)):
                    b = rng.choice(by_kind.get("central") or by_kind["urban_primary"])
                    moves.append(("village", "", "primary", year, False, a, b))
        for src, dst, stage, when, backbone, a, b in moves:
            if a is None and (src not in by_kind or dst not in by_kind):
                continue
            if a is None:
                a, b = rng.choice(by_kind[src]), rng.choice(by_kind[dst])
            if stage not in stage_of[a["school_id"]] or stage not in stage_of[b["school_id"]]:
                continue
            t = self._teacher(b["school_id"], stage, school_since=when, education="bachelor",
                              backbone="county" if backbone else "none",
                              subject=rng.choice(("chinese", "math", "english")))
            self.teachers.append(t)
            self.rotations.append({"teacher_id": t["teacher_id"], "from_school_id": a["school_id"],
                                   "to_school_id": b["school_id"],
                                   "school_year": when if rng.random() < 0.5
                                   else f"{when}-{when + 1}",
                                   "form": rng.choice(("regular_exchange", "support_teaching",
                                                       "交流轮岗"))})


def make_county(seed: int, schools: int = 12, **quirks: Any) -> dict[str, list[dict]]:
    """One workbook's tables: ``quirks.get("counties", 1)`` counties of ``schools`` schools."""
    rng = random.Random(seed)
    tables: dict[str, list[dict]] = {"schools": [], "stages": [], "teachers": [],
                                     "rotations": []}
    for index in range(quirks.get("counties", 1)):
        county = _County(rng, index, schools, quirks)
        county.build()
        if quirks.get("rotations", True):
            county.add_rotations()
        tables["schools"] += county.schools
        tables["stages"] += county.stages
        tables["teachers"] += county.teachers
        tables["rotations"] += county.rotations
    if not tables["rotations"]:
        del tables["rotations"]
    return tables
