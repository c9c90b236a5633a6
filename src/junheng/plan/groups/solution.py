"""From the chosen pairs to the tables a bureau reads: the groups (kept and new), the coverage
in the counties' own terms, the member schools left without a leader (and why), and the groups
in the data contract's own form (the 集团 table), to be kept next time or pasted back."""

from __future__ import annotations

import polars as pl

from junheng.plan.groups.input import GroupInput, KeptGroup, Lack, Pair
from junheng.plan.groups.rules import BECAUSE
from junheng.standards import Standard
from junheng.standards.compare import fewest

GROUP_SCHEMA = {
    "county": pl.String, "group": pl.Int64, "leader_id": pl.String, "leader_name": pl.String,
    "member_id": pl.String, "member_name": pl.String, "member_location": pl.String,
    "member_because": pl.String, "stages": pl.List(pl.String), "member_pupils": pl.Int64,
    "km": pl.Float64, "benefit": pl.Float64, "lacks_zh": pl.String, "lacks_en": pl.String,
    # the group's id in the 集团 table (a kept group's own; new ones numbered by the planner),
    # its type (a code of the profile's group_types) and name; whether the group and this
    # pair were kept or are new; what a kept pair breaks of today's rules (null: nothing)
    "group_id": pl.String, "group_type": pl.String, "group_name": pl.String,
    "group_status": pl.String, "status": pl.String, "flags_zh": pl.String,
    "flags_en": pl.String,
}
COVERAGE_SCHEMA = {
    "county": pl.String, "groups": pl.Int64, "schools_in_groups": pl.Int64,
    "schools": pl.Int64, "pupils_in_groups": pl.Int64, "pupils": pl.Int64,
    "pupils_share": pl.Float64, "rural_in_groups": pl.Int64, "rural": pl.Int64,
    "failing_in_groups": pl.Int64, "failing": pl.Int64, "urban_in_groups": pl.Int64,
    "town_in_groups": pl.Int64, "members_unmatched": pl.Int64, "target": pl.Float64,
    "target_met": pl.Boolean, "groups_kept": pl.Int64, "groups_new": pl.Int64,
    # the townships (乡镇（街道）) with a school in a group, of those with a school at all;
    # null when no school of the county gives its township
    "towns_in_groups": pl.Int64, "towns": pl.Int64,
    # the pupils still needed to reach the target (0 when met; null without a target)
    "pupils_short": pl.Int64,
}
# The groups in the data contract's form (the 集团 table, ``Dataset.groups``), plus the
# county and whether each row was kept.
MEMBERSHIP_SCHEMA = {"group_id": pl.String, "school_id": pl.String, "role": pl.String,
                     "group_type": pl.String, "group_name": pl.String, "county": pl.String,
                     "status": pl.String}
UNMATCHED_SCHEMA = {"county": pl.String, "school_id": pl.String, "name": pl.String,
                    "because": pl.String, "why_zh": pl.String, "why_en": pl.String}
STAGE_WORDS = {"primary": ("小学", "primary"), "junior": ("初中", "junior")}


def _lack_words(lacks: tuple[Lack, ...], standard: Standard, several: bool) -> tuple[str, str]:
    zh, en = [], []
    for k in lacks:
        ind = standard.indicator(k.indicator)
        here_zh = "缺数据" if k.member_ratio is None else f"为标准的 {k.member_ratio:.0%}"
        here_en = "no figure" if k.member_ratio is None else f"{k.member_ratio:.0%} of the " \
            "standard"
        stage_zh, stage_en = (f"{STAGE_WORDS[k.stage][0]}", f"{STAGE_WORDS[k.stage][1]} ") \
            if several else ("", "")
        zh.append(f"{stage_zh}{ind.short}：本校{here_zh}，牵头学校 {k.leader_ratio:.0%}")
        en.append(f"{stage_en}{ind.short_en}: {here_en} here, {k.leader_ratio:.0%} at the "
                  "leader")
    return "；".join(zh), "; ".join(en)


def group_rows(data: GroupInput, chosen: list[Pair], standard: Standard,
               new_type: str | None = None) -> pl.DataFrame:
    """One row per member in a group — the kept groups' members and the ``chosen`` new pairs
    — groups numbered in the order of their leaders' ids. ``new_type``: the type of the new
    groups (null when not given). A new group's ``group_id`` is null here (the planner numbers
    them across counties)."""
    kept = {g.leader: g for g in data.kept}
    number = {lead: i + 1 for i, lead in enumerate(sorted({p.leader for p in chosen}
                                                          | set(kept)))}
    old = [(p, kept[p.leader]) for g in data.kept for p in g.pairs]
    rows = []
    for p, group in old + [(p, kept.get(p.leader)) for p in chosen]:
        m = data.schools[p.member]
        zh, en = _lack_words(p.lacks, standard, len(m.stages) > 1)
        if not p.lacks:  # said, so an empty cell never reads as a missing figure
            zh, en = (("各项指标已达标", "meets every indicator") if m.because is None else
                      ("各项指标已达标（作为成员学校的原因见“入集团原因”）",
                       "meets every indicator (see why it is a member)")) if p.benefit <= 0 \
                else ("所缺指标牵头学校也未达到",
                   "the leader also falls short in what this school lacks")
        flags = () if group is None else group.flags.get(p.member, ())
        rows.append({"county": data.county, "group": number[p.leader], "leader_id": p.leader,
                     "leader_name": data.names[p.leader], "member_id": p.member,
                     "member_name": m.name, "member_location": m.location,
                     "member_because": m.because, "stages": list(m.stages),
                     "member_pupils": m.pupils, "km": p.km, "benefit": p.benefit,
                     "lacks_zh": zh, "lacks_en": en,
                     "group_id": None if group is None else group.group_id,
                     "group_type": new_type if group is None else group.group_type,
                     "group_name": None if group is None else group.name,
                     "group_status": "new" if group is None else "kept",
                     "status": "kept" if group is not None and p.member in group.members
                     else "new",
                     "flags_zh": "；".join(f[0] for f in flags) or None,
                     "flags_en": "; ".join(f[1] for f in flags) or None})
    return pl.DataFrame(rows, schema=GROUP_SCHEMA, orient="row").sort("group", "member_id")


def membership_rows(data: GroupInput, chosen: list[Pair], new_type: str | None,
                    ids: dict[str, str]) -> list[dict]:
    """The county's groups as rows of the 集团 table: each group's leader, then its members in
    id order; ``ids``: each new group's id, by its leader. A kept group with no member keeps
    its leader's row."""
    groups: list[tuple[str, KeptGroup | None, list[str]]] = []
    added: dict[str, list[str]] = {}
    for p in chosen:
        added.setdefault(p.leader, []).append(p.member)
    kept = {g.leader: g for g in data.kept}
    for leader in sorted(set(added) | set(kept)):
        g = kept.get(leader)
        groups.append((leader, g, sorted((*(g.members if g else ()), *added.get(leader, [])))))
    rows = []
    for leader, g, members in groups:
        gid = g.group_id if g else ids[leader]
        kind = g.group_type if g else new_type
        name = g.name if g else None
        for school, role in [(leader, "leader"), *((m, "member") for m in members)]:
            rows.append({"group_id": gid, "school_id": school, "role": role, "group_type": kind,
                         "group_name": name, "county": data.county,
                         "status": "kept" if g and school in g.schools else "new"})
    return rows


def pupils_short(pupils_in: int, pupils: int, target: float | None,
                 tolerance: float) -> int | None:
    """The pupils a coverage target still needs: ⌈target × pupils⌉ (at the profile's
    tolerance, inclusive) − the pupils in a group, 0 when the target is met; None without a
    target. The one home of the idea: terminal, workbook, JSON and web page all say this N.

    >>> pupils_short(10_053, 13_090, 0.8, 1e-9)   # ⌈0.8 × 13 090⌉ = 10 472
    419
    >>> pupils_short(10_472, 13_090, 0.8, 1e-9), pupils_short(5, 10, None, 1e-9)
    (0, None)
    """
    if target is None:
        return None
    return max(0, fewest(target * pupils, tolerance) - pupils_in)


def coverage_row(data: GroupInput, chosen: list[Pair], tolerance: float = 1e-9) -> dict:
    """The county's coverage as bureaus report it: groups (kept and new); schools, pupils and
    their share in a group (a new leader counts once it leads; a kept group's schools always
    count); rural and failing schools covered; the towns reached. Teaching points count as
    schools of their own."""
    kept = set(data.kept_of)
    new_leaders = {p.leader for p in chosen} - kept
    leaders = new_leaders | {g.leader for g in data.kept}
    inside = leaders | {p.member for p in chosen} | kept
    schools = data.schools.values()
    towns = {s.township for s in schools if s.township is not None}
    pupils_in = sum(data.schools[s].pupils for s in inside)
    share = pupils_in / data.pupils if data.pupils else None
    unmatched = sum(1 for s in data.members if s not in inside)
    target = data.coverage
    short = pupils_short(pupils_in, data.pupils, target, tolerance)
    return {
        "county": data.county, "groups": len(leaders), "schools_in_groups": len(inside),
        "schools": len(data.schools), "pupils_in_groups": pupils_in, "pupils": data.pupils,
        "pupils_share": share,
        "rural_in_groups": sum(1 for s in inside if data.schools[s].location == "rural"),
        "rural": sum(1 for s in schools if s.location == "rural"),
        "failing_in_groups": sum(1 for s in inside if data.schools[s].failing),
        "failing": sum(1 for s in schools if s.failing),
        "urban_in_groups": sum(1 for s in inside if data.schools[s].location == "urban"),
        "town_in_groups": sum(1 for s in inside if data.schools[s].location == "town"),
        "members_unmatched": unmatched, "target": target,
        "target_met": None if short is None or share is None else short == 0,
        "groups_kept": len(data.kept), "groups_new": len(new_leaders),
        "towns_in_groups": len({data.schools[s].township for s in inside} & towns)
        if towns else None,
        "towns": len(towns) if towns else None,
        "pupils_short": short,
    }


def unmatched_rows(data: GroupInput, chosen: list[Pair]) -> list[dict]:
    """Each member school left without a leader, and why: no leader teaches its stages within
    reach, or every leader within reach is full (a kept group's among them)."""
    inside = {p.member for p in chosen}
    reachable = {p.member for p in data.pairs} | data.full_reach
    rows = []
    for s in data.members:
        if s in inside:
            continue
        school = data.schools[s]
        if s in reachable:
            zh, en = ("可牵头的学校均已满员（max_members）",
                      "every leader within reach is full (max_members)")
        else:
            zh, en = ("没有覆盖其全部学段、距离之内的牵头学校",
                      "no leader teaching all its stages within reach")
        rows.append({"county": data.county, "school_id": s, "name": school.name,
                     "because": school.because, "why_zh": zh, "why_en": en})
    return rows


def because_words(key: str | None, lang: str) -> str:
    if key is None:
        return ""
    zh, en = BECAUSE[key]
    return zh if lang == "zh" else en
