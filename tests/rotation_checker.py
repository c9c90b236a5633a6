"""An independent checker of teacher-rotation plans (交流轮岗), written from the rules alone.

``violations(before, moves, year, ...)`` recomputes every rule a rotation plan must keep from the
rosters in ``before`` (a ``junheng.Dataset``) and the planned ``moves`` (one row per teacher
moved), in plain Python with exact ``fractions.Fraction`` arithmetic. It never calls
``junheng.evaluate`` nor anything in ``junheng.plan``: a planner bug cannot hide in a shared
helper. It returns one readable string per violation, each tagged with its rule:

- ``[frame]`` the moves frame is well formed (columns, known schools and directions, the copied
  teacher facts agree with the roster);
- ``[a]`` every moved teacher is eligible, leaves their own school and stage, and moves once;
- ``[b]`` exchanges go in pairs: per school pair and stage, as many moves each way;
- ``[c]`` directions: sending school ↔ receiving school of one county, or a central school ↔ one
  of its own teaching points; both schools teach the stage;
- ``[d]`` full-time headcount per school–stage unchanged; no subject lost by a school–stage;
- ``[e]`` every school–stage meeting the per-school rule (STANDARDS.md §1.1) before still meets
  it after;
- ``[f]`` the cap on the teachers leaving one school in the year;
- ``[g]`` each sending school's rotated share and backbone share;
- ``[h]`` the county's item 11 (rotated ≥ 10 % of the eligible, backbone ≥ 20 % of the rotated);
- ``[i]`` rural backbone teachers stay out of urban and town schools;
- ``[j]`` the longest move, by great-circle distance;
- ``[k]`` with school groups (``--scope group``, given as the groups table and the types as
  plain data): every move inside one group whose type rotates teachers, between its leader and
  one of its members (the leader sends), recording the type's form; [c]'s location roles and
  [g]'s sending schools give way to the groups: each rotating group's leader meets the shares
  — or, when the plan reports the group short (``group_shortfall``), sends exactly the
  teachers it says, and no more than the group's counted most (``group_most``).

``group_most(before, year, ...)`` counts, per rotating group, the most exchanges its leader and
members could make by the rules a count decides (each exchange one of the leader's eligible
teachers out to a member teaching the stage, one of that member's eligible teachers back; the
cap on both sides): an upper bound the tests hold the planner's shortfalls against.

Examples
--------
>>> _haversine_km(0.0, 0.0, 0.0, 1.0)  # one degree of longitude on the equator
111.19492664455873
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import polars as pl

DEFAULT_AGES: Mapping[str, int | None] = MappingProxyType({"male": 55, "female": 50})

STAGE_NAMES = ("primary", "junior")
QUALIFIED = {"primary": {"associate", "bachelor", "master", "doctor"},
             "junior": {"bachelor", "master", "doctor"}}
PE_ART = {"pe", "music", "art"}
HEADS = {"principal", "vice_principal"}
SPLIT_WEIGHTS = {"primary": Fraction(1), "junior": Fraction(11, 10)}
FLOOR = Fraction(85, 100)
MIN_MET = 6
EARTH_KM = 6371.0
MOVE_COLUMNS = ("county", "exchange", "direction", "teacher_id", "stage", "subject", "backbone",
                "is_backbone", "from_school_id", "to_school_id", "km", "form")

# Indicator: (key, source, per_students, thresholds). Source "t:<group>" counts full-time
# teachers of the school–stage in a group; "f:<column>" is a facility figure of the stage.
INDICATORS: tuple[tuple[str, str, int, dict[str, Fraction]], ...] = (
    ("qualified_teachers_per100", "t:qualified", 100,
     {"primary": Fraction("4.2"), "junior": Fraction("5.3")}),
    ("backbone_teachers_per100", "t:backbone", 100,
     {"primary": Fraction("1.0"), "junior": Fraction("1.0")}),
    ("pe_art_teachers_per100", "t:pe_art", 100,
     {"primary": Fraction("0.9"), "junior": Fraction("0.9")}),
    ("teaching_area_per_student", "f:teaching_area_m2", 1,
     {"primary": Fraction("4.5"), "junior": Fraction("5.8")}),
    ("sports_area_per_student", "f:sports_area_m2", 1,
     {"primary": Fraction("7.5"), "junior": Fraction("10.2")}),
    ("equipment_value_per_student", "f:equipment_value_yuan", 1,
     {"primary": Fraction(2000), "junior": Fraction(2500)}),
    ("multimedia_rooms_per100", "f:multimedia_rooms", 100,
     {"primary": Fraction("2.3"), "junior": Fraction("2.4")}),
)


def _exact(x: Any) -> Fraction | None:
    """A number as an exact fraction: a float through its shortest repr (0.1 is 1/10)."""
    if x is None:
        return None
    if isinstance(x, float):
        if math.isnan(x):
            return None
        return Fraction(repr(x))
    return Fraction(x)


def _rows(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dicts()


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of radius 6371 km (rule j)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _is_backbone(teacher: Mapping[str, Any]) -> bool:
    return teacher.get("backbone") not in (None, "none")


# --- rule a: eligibility -------------------------------------------------------------------------

def _ineligibility(teacher: Mapping[str, Any] | None, year: int, *, tenure: int,
                  exempt: set[str], already: set[str],
                  ages: Mapping[str, int | None]) -> list[str]:
    """Rule a: why a teacher may not be rotated in ``year`` (empty: eligible).

    Full-time, not a principal or vice-principal, at the school for ``tenure`` years or more
    (``school_since`` known), not exempted, not already rotated this year, and younger than the
    exemption age of their gender (unknown gender: the lowest age; birth year needed whenever an
    age limit applies).
    """
    if teacher is None:
        return ["not on the roster"]
    why = []
    tid = teacher["teacher_id"]
    if teacher.get("full_time") is not True:
        why.append("not a full-time teacher")
    if teacher.get("role") in HEADS:
        why.append(f"role {teacher.get('role')}")
    since = teacher.get("school_since")
    if since is None:
        why.append("school_since unknown")
    elif year - since < tenure:
        why.append(f"only {year - since} years at the school (< {tenure})")
    if tid in exempt:
        why.append("exempted")
    if tid in already:
        why.append(f"already rotated in {year}")
    gender = teacher.get("gender")
    if gender in ages:
        limit = ages[gender]
    else:
        known = [a for a in ages.values() if a is not None]
        limit = min(known) if known else None
    if limit is not None:
        born = teacher.get("birth_year")
        if born is None:
            why.append("birth year unknown")
        elif year - born >= limit:
            why.append(f"aged {year - born} ({gender or 'gender unknown'}) ≥ {limit}")
    return why


# --- rule e: the per-school rule -----------------------------------------------------------------

def _facility_figures(schools: Mapping[str, dict], stages: Mapping[tuple[str, str], dict]
                      ) -> dict[tuple[str, str], dict[str, Fraction | None]]:
    """Each school–stage's four facility figures, exactly; a null stage figure takes its share
    of the school total, split by weighted pupils primary 1 : junior 1.1 (STANDARDS.md §1.1)."""
    by_school: dict[str, list[str]] = defaultdict(list)
    for sid, stage in stages:
        by_school[sid].append(stage)
    out: dict[tuple[str, str], dict[str, Fraction | None]] = {}
    columns = [src[2:] for _, src, _, _ in INDICATORS if src.startswith("f:")]
    for (sid, stage), row in stages.items():
        figures: dict[str, Fraction | None] = {}
        weighted = sum((SPLIT_WEIGHTS[s] * stages[(sid, s)]["students"] for s in by_school[sid]),
                       Fraction(0))
        for col in columns:
            value = _exact(row.get(col))
            if value is None:
                total = _exact(schools[sid].get(col))
                if total is not None and weighted > 0:
                    value = total * SPLIT_WEIGHTS[stage] * row["students"] / weighted
                elif total is not None:
                    value = Fraction(0)
            figures[col] = value
        out[(sid, stage)] = figures
    return out


def _teacher_counts(teachers: Iterable[Mapping[str, Any]]
                    ) -> dict[tuple[str, str], Counter[str]]:
    """Per school–stage: full-time teachers in each teacher group of the standard."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for t in teachers:
        if t.get("full_time") is not True:
            continue
        key = (t["school_id"], t["stage"])
        c = counts[key]
        c["all"] += 1
        if t.get("education") in QUALIFIED.get(t["stage"], ()):
            c["qualified"] += 1
        if _is_backbone(t):
            c["backbone"] += 1
        if t.get("subject") in PE_ART:
            c["pe_art"] += 1
    return counts


def _unit_result(stage: str, students: int, counts: Mapping[str, int],
                figures: Mapping[str, Fraction | None]) -> tuple[bool, list[str]]:
    """Rule e for one school–stage with pupils: (meets the rule, the indicators missed).

    An indicator is met when numerator × per_students ≥ threshold × students, exactly; the unit
    meets the rule when at least 6 of the 7 are met and every one reaches 85 % of its threshold.
    """
    met = 0
    missed = []
    above_floor = True
    for key, source, per, thresholds in INDICATORS:
        kind, name = source.split(":")
        value = Fraction(counts.get(name, 0)) if kind == "t" else figures.get(name)
        need = thresholds[stage] * students
        scaled = None if value is None else value * per
        if scaled is not None and scaled >= need:
            met += 1
            continue
        shown = "missing" if value is None else f"{float(scaled / students):.4g}"
        missed.append(f"{key} {shown} < {float(thresholds[stage])}")
        if scaled is None or scaled < FLOOR * need:
            above_floor = False
    return met >= MIN_MET and above_floor, missed


def _rule_results(stages: Mapping[tuple[str, str], dict],
                  figures: Mapping[tuple[str, str], Mapping[str, Fraction | None]],
                  counts: Mapping[tuple[str, str], Counter[str]]
                  ) -> dict[tuple[str, str], tuple[bool, list[str]]]:
    return {key: _unit_result(key[1], row["students"], counts.get(key, Counter()), figures[key])
            for key, row in stages.items() if row["students"] > 0}


def _roles(schools: Mapping[str, Mapping[str, Any]],
           rule_before: Mapping[tuple[str, str], tuple[bool, list[str]]],
           quality: set[str], weak: set[str]) -> dict[str, str]:
    """Rule c: each school "send" or "receive", the first that applies of: a quality school
    sends; a weak school, a school with a stage failing the per-school rule before the moves, a
    rural school, the central school of a teaching point receive; other (urban, town) schools
    send."""
    failing = {sid for (sid, _), (ok, _) in rule_before.items() if not ok}
    centrals = {s["parent_school_id"] for s in schools.values()
                if s["school_type"] == "teaching_point" and s.get("parent_school_id")}
    roles = {}
    for sid, s in schools.items():
        if sid in quality:
            roles[sid] = "send"
        elif sid in weak or sid in failing or s["location"] == "rural" or sid in centrals:
            roles[sid] = "receive"
        else:
            roles[sid] = "send"
    return roles


# --- the checker ---------------------------------------------------------------------------------

def violations(before: Any, moves: pl.DataFrame, year: int, *, share: float = 0.10,
               backbone_share: float = 0.20, tenure: int = 6, max_share: float | None = 0.20,
               max_km: float | None = None, exempt: Iterable[str] = (),
               quality_schools: Iterable[str] = (), weak_schools: Iterable[str] = (),
               ages: Mapping[str, int | None] = DEFAULT_AGES,
               rural_backbone_to_towns: bool = False,
               school_groups: pl.DataFrame | None = None,
               group_types: Mapping[str, tuple[bool, str | None]] | None = None,
               default_group_type: str = "led",
               group_shortfall: pl.DataFrame | None = None) -> list[str]:
    """Every rule a rotation plan for ``year`` breaks, one message each (empty: the plan is OK).

    ``before`` is the ``junheng.Dataset`` planned from, ``moves`` the plan's moves frame.
    ``school_groups`` (scope group): the groups table (group_id, school_id, role, group_type,
    group_name) the plan was made within; ``group_types``: each type's code → (teachers
    rotate inside it, the form recorded); a group with no type takes ``default_group_type``.
    ``group_shortfall``: the groups the plan reports short of their share (school_group,
    required, moved, short): such a group's share is not a violation when the report is
    exact and the group sends no more than its counted most.
    """
    out: list[str] = []
    schools = {r["school_id"]: r for r in _rows(before.schools)}
    stages = {(r["school_id"], r["stage"]): r for r in _rows(before.stages)}
    roster = {r["teacher_id"]: r for r in _rows(before.teachers)}
    this_year = [r for r in _rows(before.rotations) if r["school_year"] == year]
    already = {r["teacher_id"] for r in this_year}
    already_from: dict[str, set[str]] = defaultdict(set)
    for r in this_year:
        already_from[r["from_school_id"]].add(r["teacher_id"])
    exempt = set(exempt)
    quality, weak = set(quality_schools), set(weak_schools)
    school_stages: dict[str, set[str]] = defaultdict(set)
    for sid, stage in stages:
        school_stages[sid].add(stage)

    # --- [frame] the moves frame ---
    missing = [c for c in MOVE_COLUMNS if c not in moves.columns]
    if missing:
        return [f"[frame] moves lack the columns {missing}"]
    rows = moves.to_dicts()
    good: list[dict[str, Any]] = []
    for m in rows:
        tid, a, b = m["teacher_id"], m["from_school_id"], m["to_school_id"]
        label = f"teacher {tid} ({a} → {b})"
        bad = False
        if a not in schools or b not in schools:
            out.append(f"[frame] {label}: unknown school")
            bad = True
        elif a == b:
            out.append(f"[frame] {label}: moves to the school it leaves")
            bad = True
        if m["direction"] not in ("send", "return"):
            out.append(f"[frame] {label}: direction {m['direction']!r}")
        if not bad and m["county"] != schools[a]["county"]:
            out.append(f"[frame] {label}: county {m['county']!r}, the school is in "
                       f"{schools[a]['county']!r}")
        t = roster.get(tid)
        if t is not None:
            for col in ("subject", "backbone"):
                if m[col] != t.get(col):
                    out.append(f"[frame] {label}: {col} {m[col]!r}, roster {t.get(col)!r}")
            if m["is_backbone"] is not _is_backbone(t):
                out.append(f"[frame] {label}: is_backbone {m['is_backbone']!r}, roster backbone "
                           f"{t.get('backbone')!r}")
        if not bad:
            good.append(m)

    # --- [a] eligibility, own school and stage, once ---
    seen = Counter(m["teacher_id"] for m in rows)
    for tid, n in seen.items():
        if n > 1:
            out.append(f"[a] teacher {tid} moves {n} times")
    for m in rows:
        tid = m["teacher_id"]
        t = roster.get(tid)
        label = f"teacher {tid} ({m['from_school_id']} → {m['to_school_id']})"
        for why in _ineligibility(t, year, tenure=tenure, exempt=exempt, already=already,
                                 ages=ages):
            out.append(f"[a] {label} is not eligible: {why}")
        if t is None:
            continue
        if t["school_id"] != m["from_school_id"]:
            out.append(f"[a] {label}: the teacher is at school {t['school_id']}")
        if t["stage"] != m["stage"]:
            out.append(f"[a] {label}: stage {m['stage']}, the teacher teaches {t['stage']}")

    # --- [b] pairs ---
    flows: Counter[tuple[str, str, str]] = Counter(
        (m["from_school_id"], m["to_school_id"], m["stage"]) for m in good)
    for (a, b, stage), n in sorted(flows.items()):
        back = flows.get((b, a, stage), 0)
        if (a < b and n != back) or (a > b and back == 0):
            out.append(f"[b] {stage}: {n} moves {a} → {b} but {back} {b} → {a}")
    # exchanges are numbered within each county; one exchange joins one pair of schools
    by_exchange: dict[tuple[Any, Any], set[frozenset[str]]] = defaultdict(set)
    for m in good:
        by_exchange[(m["county"], m["exchange"])].add(
            frozenset((m["from_school_id"], m["to_school_id"])))
    for (county, ex), pairs in sorted(by_exchange.items(), key=str):
        if len(pairs) > 1:
            shown = ", ".join(" ↔ ".join(sorted(p)) for p in sorted(pairs, key=sorted))
            out.append(f"[b] {county} exchange {ex} joins more than one pair of schools: {shown}")

    # --- [e] before (needed by c): which school–stages meet the per-school rule ---
    figures = _facility_figures(schools, stages)
    before_rule = _rule_results(stages, figures, _teacher_counts(roster.values()))

    # --- [c] directions (or [k], within school groups) ---
    roles = _roles(schools, before_rule, quality, weak)
    groups = None if school_groups is None else _groups(school_groups, group_types or {},
                                                         default_group_type)
    if groups is not None:
        out += _group_moves(good, groups, schools, school_stages,
                            "school_group" in moves.columns)
    for m in good if groups is None else []:
        a, b, stage = m["from_school_id"], m["to_school_id"], m["stage"]
        label = f"teacher {m['teacher_id']} ({a} → {b}, {stage})"
        same_county = schools[a]["county"] == schools[b]["county"]
        pair_roles = {roles[a], roles[b]}
        send_receive = pair_roles == {"send", "receive"}
        own_point = (schools[b].get("parent_school_id") == a
                     and schools[b]["school_type"] == "teaching_point") or (
                         schools[a].get("parent_school_id") == b
                         and schools[a]["school_type"] == "teaching_point")
        if not same_county:
            out.append(f"[c] {label}: the schools are in different counties "
                       f"({schools[a]['county']}, {schools[b]['county']})")
        elif not (send_receive or own_point):
            out.append(f"[c] {label}: a {roles[a]}ing school and a {roles[b]}ing school, and "
                       "not a central school with its own teaching point")
        for sid in (a, b):
            if stage not in school_stages[sid]:
                out.append(f"[c] {label}: school {sid} has no {stage} stage")
        if send_receive and m["direction"] in ("send", "return"):
            expected = "send" if roles[a] == "send" else "return"
            if m["direction"] != expected:
                out.append(f"[c] {label}: direction {m['direction']!r}, but {a} is a "
                           f"{roles[a]}ing school")

    # --- the roster after the moves ---
    after = {tid: dict(t) for tid, t in roster.items()}
    for m in good:
        if m["teacher_id"] in after:
            after[m["teacher_id"]]["school_id"] = m["to_school_id"]

    # --- [d] headcount and subjects ---
    def full_time_by_unit(teachers: Iterable[Mapping[str, Any]]
                          ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str, str]]]:
        heads: Counter[tuple[str, str]] = Counter()
        subjects: Counter[tuple[str, str, str]] = Counter()
        for t in teachers:
            if t.get("full_time") is True:
                heads[(t["school_id"], t["stage"])] += 1
                subjects[(t["school_id"], t["stage"], t["subject"])] += 1
        return heads, subjects

    heads0, subjects0 = full_time_by_unit(roster.values())
    heads1, subjects1 = full_time_by_unit(after.values())
    for key in sorted(set(heads0) | set(heads1)):
        if heads0[key] != heads1[key]:
            out.append(f"[d] {key[0]} {key[1]}: {heads0[key]} full-time teachers before, "
                       f"{heads1[key]} after")
    for key in sorted(subjects0):
        if subjects0[key] > 0 and subjects1[key] == 0:
            out.append(f"[d] {key[0]} {key[1]}: loses its last full-time {key[2]} teacher "
                       f"(had {subjects0[key]})")

    # --- [e] the per-school rule after ---
    after_rule = _rule_results(stages, figures, _teacher_counts(after.values()))
    for key, (ok, _) in sorted(before_rule.items()):
        ok_after, missed = after_rule[key]
        if ok and not ok_after:
            out.append(f"[e] {key[0]} {key[1]} meets the per-school rule before the moves but not "
                       f"after: {'; '.join(missed)}")

    # --- [f] cap ---
    leaving = Counter(m["from_school_id"] for m in good)
    ft_before = Counter(t["school_id"] for t in roster.values() if t.get("full_time") is True)
    if max_share is not None:
        cap_share = _exact(max_share)
        for sid, n in sorted(leaving.items()):
            cap = math.ceil(cap_share * ft_before[sid])
            allowed = cap - len(already_from[sid])
            if n > allowed:
                out.append(f"[f] {sid}: {n} teachers leave, cap ceil({max_share} × "
                           f"{ft_before[sid]}) = {cap} minus {len(already_from[sid])} already "
                           f"rotated this year = {allowed}")

    # --- [g] each sending school's shares ---
    eligible_at: Counter[str] = Counter()
    for t in roster.values():
        if not _ineligibility(t, year, tenure=tenure, exempt=exempt, already=already, ages=ages):
            eligible_at[t["school_id"]] += 1
    sent: dict[str, set[str]] = defaultdict(set)
    for m in good:
        if m["direction"] == "send":
            sent[m["from_school_id"]].add(m["teacher_id"])
    share_f, backbone_f = _exact(share), _exact(backbone_share)
    senders = sorted(sid for sid in schools if roles[sid] == "send") if groups is None else \
        sorted(g["leader"] for g in groups.values() if g["rotates"] and g["members"])
    who = "sending school" if groups is None else "group leader"
    reported = {} if group_shortfall is None else {
        r["school_group"]: r for r in group_shortfall.to_dicts()}
    group_of_leader = {} if groups is None else {g["leader"]: gid for gid, g in groups.items()}
    most = {} if groups is None or not reported else group_most(
        before, year, school_groups, group_types or {}, share=share, tenure=tenure,
        max_share=max_share, max_km=max_km, exempt=exempt, ages=ages,
        rural_backbone_to_towns=rural_backbone_to_towns,
        default_group_type=default_group_type)
    for gid in sorted(set(reported) - set(group_of_leader.values())):
        out.append(f"[g] the plan reports group {gid} short, but no such group leads")
    for sid in senders:
        rotated = sent[sid] | already_from[sid]
        m_count = len(sent[sid]) + len(already_from[sid])
        e_count = eligible_at[sid] + len(already_from[sid])
        gid = group_of_leader.get(sid)
        report = reported.get(gid)
        if report is not None:  # reported short: exactly, and never past the group's most
            required = math.ceil(share_f * e_count)
            said = (report["required"], report["moved"], report["short"])
            if said != (required, m_count, required - m_count) or m_count >= required:
                out.append(f"[g] group {gid}: reported required/moved/short {said}, the plan "
                           f"gives {(required, m_count, required - m_count)}")
            if len(sent[sid]) > most[gid]["most"]:
                out.append(f"[g] group {gid}: {len(sent[sid])} sent, more than the "
                           f"{most[gid]['most']} exchanges its members allow")
        elif m_count < share_f * e_count:
            out.append(f"[g] {who} {sid}: {m_count} rotated (sent {len(sent[sid])} + "
                       f"{len(already_from[sid])} earlier this year) < {share} × {e_count} "
                       "eligible" + ("" if groups is None else ", not reported short"))
        bb = sum(1 for tid in rotated if tid in roster and _is_backbone(roster[tid]))
        if bb < backbone_f * m_count:
            out.append(f"[g] {who} {sid}: {bb} backbone among {m_count} rotated "
                       f"< {backbone_share} × {m_count}")

    # --- [h] the county's item 11 ---
    county_of = {sid: s["county"] for sid, s in schools.items()}
    for county in sorted(set(county_of.values())):
        rotated_ids = {r["teacher_id"] for r in this_year
                       if county_of.get(r["from_school_id"]) == county}
        rotated_ids |= {m["teacher_id"] for m in good
                        if county_of.get(m["from_school_id"]) == county}
        rest = sum(1 for t in roster.values()
                   if t.get("full_time") is True and county_of.get(t["school_id"]) == county
                   and t["teacher_id"] not in rotated_ids and t.get("school_since") is not None
                   and year - t["school_since"] >= 6)
        e_count = rest + len(rotated_ids)
        r_count = len(rotated_ids)
        if r_count < Fraction(1, 10) * e_count:
            out.append(f"[h] county {county}: {r_count} rotated < 10 % of {e_count} eligible")
        bb = sum(1 for tid in rotated_ids if tid in roster and _is_backbone(roster[tid]))
        if bb < Fraction(1, 5) * r_count:
            out.append(f"[h] county {county}: {bb} backbone among {r_count} rotated < 20 %")

    # --- [i] rural backbone teachers ---
    if not rural_backbone_to_towns:
        for m in good:
            t = roster.get(m["teacher_id"])
            if (t is not None and _is_backbone(t)
                    and schools[m["from_school_id"]]["location"] == "rural"
                    and schools[m["to_school_id"]]["location"] in ("urban", "town")):
                out.append(f"[i] backbone teacher {m['teacher_id']} ({t.get('backbone')}) moves "
                           f"from rural {m['from_school_id']} to "
                           f"{schools[m['to_school_id']]['location']} {m['to_school_id']}")

    # --- [j] distances ---
    for m in good:
        a, b = schools[m["from_school_id"]], schools[m["to_school_id"]]
        coords = [a.get("latitude"), a.get("longitude"), b.get("latitude"), b.get("longitude")]
        label = f"teacher {m['teacher_id']} ({a['school_id']} → {b['school_id']})"
        if any(c is None for c in coords):
            if max_km is not None:
                out.append(f"[j] {label}: a school without coordinates, with a {max_km} km limit")
            continue
        km = _haversine_km(*coords)
        if max_km is not None and km > max_km:
            out.append(f"[j] {label}: {km:.3f} km > {max_km} km")
        if m["km"] is not None and abs(m["km"] - km) > 0.05 + 1e-3 * km:
            out.append(f"[frame] {label}: km {m['km']}, the coordinates give {km:.3f}")
    return out


# --- rule k: school groups --------------------------------------------------------------------

def group_most(before: Any, year: int, school_groups: pl.DataFrame,
               group_types: Mapping[str, tuple[bool, str | None]], *, share: float = 0.10,
               tenure: int = 6, max_share: float | None = 0.20, max_km: float | None = None,
               exempt: Iterable[str] = (), ages: Mapping[str, int | None] = DEFAULT_AGES,
               rural_backbone_to_towns: bool = False,
               default_group_type: str = "led") -> dict[str, dict[str, int]]:
    """Per rotating group with members: ``required`` (teachers its leader must have rotated
    this year, records included: ⌈share × (eligible + already rotated)⌉), ``leader`` (its
    leader's eligible), ``on_stages`` (of them, those teaching a stage a member within reach
    teaches), ``members`` (the members' eligible teachers of those stages who may go to the
    leader), ``reach`` (Σ per stage of the smaller of the two) and ``most`` (reach, under both
    sides' caps) — counted from the rosters alone."""
    schools = {r["school_id"]: r for r in _rows(before.schools)}
    roster = {r["teacher_id"]: r for r in _rows(before.teachers)}
    this_year = [r for r in _rows(before.rotations) if r["school_year"] == year]
    already = {r["teacher_id"] for r in this_year}
    gone = Counter(r["from_school_id"] for r in this_year)
    stages_of: dict[str, set[str]] = defaultdict(set)
    for r in _rows(before.stages):
        stages_of[r["school_id"]].add(r["stage"])
    eligible: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for t in roster.values():
        if not _ineligibility(t, year, tenure=tenure, exempt=set(exempt), already=already,
                              ages=ages):
            eligible[(t["school_id"], t["stage"])].append(t)
    full_time = Counter(t["school_id"] for t in roster.values() if t.get("full_time") is True)

    def cap(sid: str) -> int | None:
        if max_share is None:
            return None
        return max(0, math.ceil(_exact(max_share) * full_time[sid]) - gone[sid])

    def near(a: str, b: str) -> bool:
        if max_km is None:
            return True
        sa, sb = schools[a], schools[b]
        coords = [sa.get("latitude"), sa.get("longitude"), sb.get("latitude"),
                  sb.get("longitude")]
        return all(c is not None for c in coords) and _haversine_km(*coords) <= max_km

    out = {}
    for gid, g in sorted(_groups(school_groups, group_types, default_group_type).items()):
        leader = g["leader"]
        if not g["rotates"] or not g["members"]:
            continue
        mine = sum(len(v) for (s, _), v in eligible.items() if s == leader)
        on_stages = members = reach = 0
        partners = set()
        for stage in sorted(stages_of[leader]):
            with_stage = [m for m in sorted(g["members"])
                          if stage in stages_of[m] and near(leader, m)]
            if not with_stage:
                continue
            partners |= set(with_stage)
            back = sum(1 for m in with_stage for t in eligible[(m, stage)]
                       if rural_backbone_to_towns or not _is_backbone(t)
                       or schools[m]["location"] != "rural"
                       or schools[leader]["location"] == "rural")
            out_n = len(eligible[(leader, stage)])
            on_stages += out_n
            members += back
            reach += min(out_n, back)
        caps = [cap(leader), None if max_share is None else sum(cap(m) for m in partners)]
        out[gid] = {"required": math.ceil(_exact(share) * (mine + gone[leader])),
                    "leader": mine, "on_stages": on_stages, "members": members,
                    "reach": reach, "most": min([reach, *[c for c in caps if c is not None]])}
    return out


def _groups(table: pl.DataFrame, types: Mapping[str, tuple[bool, str | None]],
            default: str) -> dict[str, dict[str, Any]]:
    """Each group of the table: its leader, members, type, whether it rotates, the form."""
    out: dict[str, dict[str, Any]] = {}
    for r in table.to_dicts():
        g = out.setdefault(r["group_id"], {"leader": None, "members": set(), "type": None})
        if r["role"] == "leader":
            g["leader"] = r["school_id"]
        else:
            g["members"].add(r["school_id"])
        g["type"] = g["type"] or r.get("group_type")
    for g in out.values():
        g["type"] = g["type"] or default
        g["rotates"], g["form"] = types[g["type"]]
    return out


def _group_moves(moves: list[dict[str, Any]], groups: Mapping[str, dict[str, Any]],
                 schools: Mapping[str, dict], school_stages: Mapping[str, set[str]],
                 named: bool) -> list[str]:
    """Rule k: each move between a rotating group's leader and one of its members, the leader
    sending, recording the type's form (and the group, when the frame names it)."""
    out = []
    group_of = {}
    for gid, g in groups.items():
        for sid in (g["leader"], *g["members"]):
            group_of[sid] = gid
    for m in moves:
        a, b, stage = m["from_school_id"], m["to_school_id"], m["stage"]
        label = f"teacher {m['teacher_id']} ({a} → {b}, {stage})"
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is None or ga != gb:
            out.append(f"[k] {label}: not inside one school group ({ga}, {gb})")
            continue
        g = groups[ga]
        if not g["rotates"]:
            out.append(f"[k] {label}: group {ga} is of type {g['type']}, which rotates no "
                       "teachers")
        if g["leader"] not in (a, b):
            out.append(f"[k] {label}: between two members of group {ga}, not its leader")
        elif m["direction"] != ("send" if a == g["leader"] else "return"):
            out.append(f"[k] {label}: direction {m['direction']!r}, but {g['leader']} leads "
                       f"group {ga}")
        if m["form"] != g["form"]:
            out.append(f"[k] {label}: form {m['form']!r}, group {ga}'s type records "
                       f"{g['form']!r}")
        if named and m.get("school_group") != ga:
            out.append(f"[k] {label}: school_group {m.get('school_group')!r}, the schools are "
                       f"in {ga}")
        if schools[a]["county"] != schools[b]["county"]:
            out.append(f"[k] {label}: the schools are in different counties")
        for sid in (a, b):
            if stage not in school_stages[sid]:
                out.append(f"[k] {label}: school {sid} has no {stage} stage")
    return out


def _apply_moves(before_teachers: pl.DataFrame, moves: pl.DataFrame) -> pl.DataFrame:
    """The roster after the moves: each moved teacher's ``school_id`` becomes ``to_school_id``."""
    to = dict(zip(moves["teacher_id"].to_list(), moves["to_school_id"].to_list(), strict=True))
    return before_teachers.with_columns(
        pl.col("teacher_id").replace_strict(to, default=pl.col("school_id"),
                                            return_dtype=pl.String).alias("school_id"))
