"""An independent checker of school-group plans (集团化办学), written from the rules alone.

It recomputes, from the input tables of a ``junheng.Dataset`` and in plain Python with exact
``fractions.Fraction`` arithmetic, every school's indicators and the per-school rule
(STANDARDS.md §1.1, through the rotation checker's own independent helpers), each school's role
under the default group rules, the distance of every pair, each pair's benefit, and the coverage
figures. It never calls ``junheng.evaluate`` nor anything in ``junheng.plan``.

``violations(dataset, pairs, ...)`` returns one readable string per broken rule, tagged:

- ``[a]`` every leader may lead (meets the rule in every stage with pupils, urban or town, or
  marked); every member may be one (fails the rule, rural, central school of a teaching point,
  or marked); the two in one county;
- ``[b]`` a school in at most one group (a member once; no leader is a member);
- ``[c]`` a leader leads at most ``max_members``;
- ``[d]`` the leader teaches every stage the member teaches;
- ``[e]`` the great-circle distance ≤ ``max_km``;
- ``[f]`` no must-not pair; every must-pair made;
- ``[j]`` a teaching point goes with its central school (教学点随所属中心校): with it when
  it leads, with the leader of the kept group it is in, into the group it joins as a member;
- ``kept_violations``: ``[g]``–``[i]``, the rules of a plan that keeps and extends today's
  groups (``--keep``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from rotation_checker import (
    INDICATORS,
    _facility_figures,
    _haversine_km,
    _rows,
    _teacher_counts,
    _unit_result,
)

Pair = tuple[str, str]  # (leader, member)


class County:
    """The facts the group rules need, recomputed from the tables."""

    def __init__(self, dataset: Any) -> None:
        self.schools = {r["school_id"]: r for r in _rows(dataset.schools)}
        self.stages = {(r["school_id"], r["stage"]): r for r in _rows(dataset.stages)}
        figures = _facility_figures(self.schools, self.stages)
        counts = _teacher_counts(_rows(dataset.teachers))
        self.ratio: dict[tuple[str, str], dict[str, Fraction | None]] = {}
        self.meets: dict[tuple[str, str], bool] = {}
        for key, row in self.stages.items():
            students = row["students"]
            if students <= 0:
                continue
            self.meets[key] = _unit_result(key[1], students, counts.get(key, Counter()),
                                           figures[key])[0]
            out: dict[str, Fraction | None] = {}
            for name, source, per, thresholds in INDICATORS:
                kind, col = source.split(":")
                value = Fraction(counts.get(key, Counter()).get(col, 0)) if kind == "t" \
                    else figures[key].get(col)
                out[name] = None if value is None else value * per / (thresholds[key[1]]
                                                                       * students)
            self.ratio[key] = out
        self.stages_of: dict[str, set[str]] = defaultdict(set)
        self.pupils: Counter[str] = Counter()
        for (sid, stage), row in self.stages.items():
            self.pupils[sid] += row["students"]
            if row["students"] > 0:
                self.stages_of[sid].add(stage)

    def roles(self, leaders: Iterable[str] = (), members: Iterable[str] = ()) -> dict[str, str]:
        """Each school: leader, member or none — marks first, then a school meeting the rule
        in every stage (urban or town) leads, then failing, rural or central schools are
        members."""
        centrals = {s["parent_school_id"] for s in self.schools.values()
                    if s["school_type"] == "teaching_point" and s.get("parent_school_id")}
        leaders, members = set(leaders), set(members)
        out = {}
        for sid, s in self.schools.items():
            units = [ok for (school, _), ok in self.meets.items() if school == sid]
            if sid in leaders:
                out[sid] = "leader"
            elif sid in members:
                out[sid] = "member"
            elif units and all(units) and s["location"] in ("urban", "town"):
                out[sid] = "leader"
            elif (units and not all(units)) or s["location"] == "rural" or sid in centrals:
                out[sid] = "member"
            else:
                out[sid] = "none"
        return out

    def km(self, a: str, b: str) -> float | None:
        sa, sb = self.schools[a], self.schools[b]
        if None in (sa.get("latitude"), sa.get("longitude"), sb.get("latitude"),
                    sb.get("longitude")):
            return None
        return _haversine_km(sa["latitude"], sa["longitude"], sb["latitude"], sb["longitude"])

    def benefit(self, leader: str, member: str) -> float:
        """Σ over the member's stages and indicators: max(0, 1 − ratio) × min(leader's ratio,
        2); a missing figure is a whole gap (member) or no strength (leader)."""
        total = Fraction(0)
        for stage in self.stages_of[member]:
            for name, r in self.ratio[(member, stage)].items():
                gap = Fraction(1) if r is None else max(Fraction(0), 1 - r)
                theirs = self.ratio[(leader, stage)][name]
                strength = Fraction(0) if theirs is None else min(theirs, Fraction(2))
                total += gap * strength
        return float(total)

    def net(self, leader: str, member: str, km_weight: float = 0.01) -> float:
        return self.benefit(leader, member) - km_weight * (self.km(leader, member) or 0.0)

    def allowed(self, roles: dict[str, str], max_km: float | None = None,
                must_not: Iterable[Pair] = ()) -> list[Pair]:
        """Every pair the rules allow, sorted."""
        banned = {frozenset(p) for p in must_not}
        out = []
        for lead in sorted(s for s, r in roles.items() if r == "leader"):
            for m in sorted(s for s, r in roles.items() if r == "member"):
                if self.schools[lead]["county"] != self.schools[m]["county"]:
                    continue
                if not self.stages_of[m] <= self.stages_of[lead]:
                    continue
                if frozenset((lead, m)) in banned:
                    continue
                km = self.km(lead, m)
                if max_km is not None and (km is None or km > max_km):
                    continue
                out.append((lead, m))
        return out

    def teaching_points(self, roles: dict[str, str], allowed: Iterable[Pair], max_members: int,
                        kept: dict[str, list[str]] | None = None
                        ) -> tuple[list[Pair], dict[str, str]]:
        """教学点随所属中心校, read from the rule's words: the pairs a teaching point (a member
        school, not kept) must make — with its central school when that may lead, or with the
        leader of the kept group its central school is in — and the points that follow a
        central school that is a member (point → central school). A point is exempt when no
        allowed leader could take it with its central school, or when a group has less room
        than the points that should join it."""
        kept = kept or {}
        group_of = {s: lead for lead, ms in kept.items() for s in (lead, *ms)}
        ok = set(allowed)
        by_parent: dict[str, list[str]] = defaultdict(list)
        for sid, s in self.schools.items():
            parent = s.get("parent_school_id")
            if (s["school_type"] == "teaching_point" and parent in self.schools
                    and roles.get(sid) == "member" and sid not in group_of):
                by_parent[parent].append(sid)
        forced: list[Pair] = []
        follow: dict[str, str] = {}
        for parent, points in by_parent.items():
            if parent in group_of or roles.get(parent) == "leader":
                lead = group_of.get(parent, parent)
                room = max_members if lead not in kept else (
                    max(0, max_members - len(kept[lead])) if roles.get(lead) == "leader" else 0)
                able = [t for t in points if (lead, t) in ok]
                if len(able) <= room:
                    forced += [(lead, t) for t in able]
            elif roles.get(parent) == "member":
                for t in points:
                    if any((lead, parent) in ok and (lead, t) in ok for lead, _ in ok):
                        follow[t] = parent
        return forced, follow

    @staticmethod
    def strays(pairs: Iterable[Pair], forced: list[Pair], follow: dict[str, str]) -> list[str]:
        """``[j]``: each teaching point the rule places, where the plan does not."""
        pairs = set(pairs)
        out = [f"[j] teaching point {t} is not with {lead}" for lead, t in forced
               if (lead, t) not in pairs]
        leader_of = {m: lead for lead, m in pairs}
        for t, parent in follow.items():
            if parent in leader_of and leader_of.get(t) != leader_of[parent]:
                out.append(f"[j] teaching point {t} is not in the group of {parent}")
        return out

    def coverage(self, pairs: Iterable[Pair]) -> dict[str, Any]:
        """The counties' figures: groups, schools and pupils in a group, rural schools."""
        pairs = list(pairs)
        leaders = {lead for lead, _ in pairs}
        inside = leaders | {m for _, m in pairs}
        return {"groups": len(leaders), "schools_in_groups": len(inside),
                "pupils_in_groups": sum(self.pupils[s] for s in inside),
                "pupils": sum(self.pupils.values()),
                "rural_in_groups": sum(self.schools[s]["location"] == "rural" for s in inside)}


def violations(county: County, pairs: Iterable[Pair], *, max_members: int = 5,
               max_km: float | None = None, must_pair: Iterable[Pair] = (),
               must_not: Iterable[Pair] = (), leaders: Iterable[str] = (),
               members: Iterable[str] = (), whole: bool = True) -> list[str]:
    """``whole``: ``pairs`` are the whole plan (else a part of it: the teaching points' rule
    ``[j]`` is left to the caller)."""
    pairs = list(pairs)
    must_not = list(must_not)
    roles = county.roles(leaders, members)
    out = []
    for lead, m in pairs:
        if roles.get(lead) != "leader":
            out.append(f"[a] {lead} may not lead ({roles.get(lead)})")
        if roles.get(m) != "member":
            out.append(f"[a] {m} is not a member school ({roles.get(m)})")
        if county.schools[lead]["county"] != county.schools[m]["county"]:
            out.append(f"[a] {lead} and {m} are in different counties")
        if not county.stages_of[m] <= county.stages_of[lead]:
            out.append(f"[d] {lead} does not teach every stage of {m}")
        km = county.km(lead, m)
        if max_km is not None and (km is None or km > max_km * (1 + 1e-9)):
            out.append(f"[e] {lead}–{m} is {km} km > {max_km}")
        if frozenset((lead, m)) in {frozenset(p) for p in must_not}:
            out.append(f"[f] must-not pair {lead}:{m} made")
    member_count = Counter(m for _, m in pairs)
    out += [f"[b] {m} in {n} groups" for m, n in member_count.items() if n > 1]
    out += [f"[b] leader {lead} is also a member" for lead in {p[0] for p in pairs}
            if lead in member_count]
    lead_count = Counter(lead for lead, _ in pairs)
    out += [f"[c] {lead} leads {n} > {max_members}" for lead, n in lead_count.items()
            if n > max_members]
    out += [f"[f] must-pair {p} missing" for p in must_pair if tuple(p) not in set(pairs)]
    if whole:
        allowed = county.allowed(roles, max_km, must_not)
        out += county.strays(pairs, *county.teaching_points(roles, allowed, max_members))
    return out


def kept_violations(county: County, pairs: Iterable[Pair], kept: dict[str, list[str]], *,
                    max_members: int = 5, max_km: float | None = None,
                    must_not: Iterable[Pair] = (), leaders: Iterable[str] = (),
                    members: Iterable[str] = ()) -> list[str]:
    """The rules of a plan that extends today's groups (``kept``: leader → its members):

    - ``[g]`` every kept pair is in the plan;
    - ``[h]`` a kept school is in no other group: a kept member under another leader, a kept
      school leading a group of its own that is not its kept group;
    - ``[i]`` a kept group grows to at most ``max_members`` members, and one already at or
      beyond it — or whose leader may no longer lead — grows not at all;

    and every new pair obeys ``violations`` ([a]–[f]; a kept leader's new members count
    against its kept group's room, not against ``max_members`` alone)."""
    pairs = list(pairs)
    roles = county.roles(leaders, members)
    kept_pairs = {(lead, m) for lead, ms in kept.items() for m in ms}
    group_of = {s: lead for lead, ms in kept.items() for s in (lead, *ms)}
    out = [f"[g] kept pair {p} missing" for p in sorted(kept_pairs) if p not in set(pairs)]
    new = [p for p in pairs if p not in kept_pairs]
    for lead, m in new:
        if m in group_of:
            out.append(f"[h] {m} of kept group {group_of[m]} joins {lead}")
        if lead in group_of and group_of[lead] != lead:
            out.append(f"[h] {lead}, a member of kept group {group_of[lead]}, leads {m}")
    for lead, ms in kept.items():
        added = sum(1 for p in new if p[0] == lead)
        room = 0 if roles.get(lead) != "leader" else max(0, max_members - len(ms))
        if added > room:
            out.append(f"[i] kept group {lead} grew by {added} > its room {room}")
    must_not = list(must_not)
    rules = {"max_members": max_members, "max_km": max_km, "must_not": must_not,
             "leaders": leaders, "members": members, "whole": False}
    room = {lead: max(0, max_members - len(ms)) if roles.get(lead) == "leader" else 0
            for lead, ms in kept.items()}
    allowed = [(lead, m) for lead, m in county.allowed(roles, max_km, must_not)
               if m not in group_of and (lead not in group_of or room.get(lead, 0) > 0)]
    out += county.strays(pairs, *county.teaching_points(roles, allowed, max_members, kept))
    out += violations(county, [p for p in new if p[0] not in kept], **rules)
    out += [v for v in violations(county, [p for p in new if p[0] in kept], **rules)
            if not v.startswith("[c]")]
    member_count = Counter(m for _, m in pairs)
    out += [f"[b] {m} in {n} groups" for m, n in member_count.items() if n > 1]
    return out
