"""What the plan does, in words and tables a personnel office can check: why each move, the
shares reached, each affected school before and after, and what rotation cannot fix."""

from __future__ import annotations

from typing import Any

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._cv import weighted_cv
from junheng.plan.rotation.input import RotationInput, Target
from junheng.plan.rotation.rules import TeacherGroup
from junheng.plan.rotation.school_groups import SchoolGroup
from junheng.standards.compare import at_least, fewest


class _Tally:
    """Teacher counts per school–stage as exchanges are applied, in the list's order."""

    def __init__(self, data: RotationInput) -> None:
        self.data = data
        self.counts = {k: dict(u.counts) for k, u in data.units.items()}

    def move(self, m: dict[str, Any]) -> None:
        for g in m["groups"]:
            self.counts[(m["from_school_id"], m["stage"])][g] -= 1
            self.counts[(m["to_school_id"], m["stage"])][g] += 1

    def value(self, key: tuple[str, str], group: TeacherGroup, counts=None) -> float:
        return (counts or self.counts)[key][group.key] * group.per_students \
            / self.data.units[key].students

    def rule(self, key: tuple[str, str]) -> bool | None:
        d, u = self.data, self.data.units[key]
        if d.min_met is None or u.students <= 0:
            return None
        met, floors = u.other_met, u.other_floors_ok
        for g in d.groups:
            if g.thresholds is not None:
                met += self.counts[key][g.key] >= u.needed[g.key]
                floors = floors and self.counts[key][g.key] >= u.floor[g.key]
        return floors and met >= d.min_met

    def cv(self, stage: str, group: TeacherGroup) -> float | None:
        pairs = [(c[group.key] * group.per_students / self.data.units[k].students,
                  self.data.units[k].students) for k, c in self.counts.items()
                 if k[1] == stage and self.data.units[k].students > 0]
        if not pairs:
            return None
        return weighted_cv([v for v, _ in pairs], [p for _, p in pairs])


def why(moves: pl.DataFrame, inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """Each move's reason, true of that move. An exchange is taken whole (the teacher sent and
    the one who comes back), in the list's order: where the teacher arrives, an indicator
    before → after the exchange, and "reaches the threshold" or "meets the per-school rule" only
    when the finished plan keeps it so; the sending school's share it counts towards; else the
    county's share (item 11); else the CV the exchange lowers; failing all these, which
    exchange it is the other half of."""
    zh_out, en_out = [], []
    for county, frame in moves.partition_by("county", as_dict=True, maintain_order=True).items():
        data = inputs[county[0]]
        rows = list(frame.iter_rows(named=True))
        final = _Tally(data)
        for m in rows:
            final.move(m)
        tally = _Tally(data)
        shares = _Shares(data, frame)
        for i in range(0, len(rows), 2):  # send, return: the rows of one exchange
            pair = rows[i:i + 2]
            before = {k: dict(v) for k, v in tally.counts.items()}
            rule_before = {m["to_school_id"]: tally.rule((m["to_school_id"], m["stage"]))
                           for m in pair}
            cv_before = {g.key: tally.cv(pair[0]["stage"], g) for g in data.groups}
            for m in pair:
                tally.move(m)
            for m in pair:
                zh, en = _reasons(m, data, tally, final, before, rule_before, cv_before,
                                  shares, data.item_number)
                zh_out.append("；".join(zh))
                en_out.append("; ".join(en))
    return moves.with_columns(pl.Series("why_zh", zh_out, dtype=pl.String),
                              pl.Series("why_en", en_out, dtype=pl.String))


class _Shares:
    """How far each share has got, move by move, against what the finished plan requires."""

    def __init__(self, data: RotationInput, frame: pl.DataFrame) -> None:
        self.data = data
        self.sent: dict[str, list[int]] = {}  # school -> [moves, backbone] so far
        self.county = 0
        self.required: dict[str, tuple[int, int]] = {}  # school -> (moves, backbone) in all
        # the sender's own share (scope school) or its group's, which its leader meets
        self.targets = data.sender_targets()
        self.group_of = {g.leader: g for gid, g in data.school_groups.items()
                         if gid in data.group_targets}
        for school, target in self.targets.items():
            mine = frame.filter((pl.col("direction") == "send")
                                & (pl.col("from_school_id") == school))
            total = target.total_required()
            self.required[school] = (total, fewest(
                target.backbone_share * (target.moved_before + mine.height), target.tolerance))
        self.county_required = data.item11.total_required(
            frame.filter(~pl.col("counted")).height)


def _reasons(m: dict[str, Any], data: RotationInput, tally: _Tally, final: _Tally,
             before: dict, rule_before: dict, cv_before: dict, shares: _Shares,
             item: int) -> tuple[list[str], list[str]]:
    zh: list[str] = []
    en: list[str] = []
    dest = (m["to_school_id"], m["stage"])
    u = data.units[dest]
    for g in data.groups:
        if g.key not in m["groups"] or g.thresholds is None or u.students <= 0:
            continue
        had, has = before[dest][g.key], tally.counts[dest][g.key]
        if has <= had or had >= u.needed[g.key]:
            continue  # no net gain there, or the school had enough: not why the teacher goes
        unit_zh, unit_en = g.unit
        threshold = g.thresholds[m["stage"]]
        kept = has >= u.needed[g.key] and final.counts[dest][g.key] >= u.needed[g.key]
        zh.append(f"{m['to_name']} {g.short} {tally.value(dest, g, before):.2f} → "
                  f"{tally.value(dest, g):.2f} {unit_zh}"
                  + (f"（达到标准 {threshold:g} {unit_zh}）" if kept else ""))
        en.append(f"{m['to_name']}: {g.short_en} {tally.value(dest, g, before):.2f} → "
                  f"{tally.value(dest, g):.2f} {unit_en}"
                  + (f" (reaches {threshold:g} {unit_en})" if kept else ""))
    if zh and rule_before.get(m["to_school_id"]) is False and tally.rule(dest) \
            and final.rule(dest):
        zh.append(f"{m['to_name']}达到学校达标规则")
        en.append(f"{m['to_name']} now meets the per-school rule")
    target = shares.targets.get(m["from_school_id"]) if m["direction"] == "send" else None
    if target is not None:
        sent = shares.sent.setdefault(m["from_school_id"], [0, 0])
        sent[0] += 1
        sent[1] += m["is_backbone"]
        required, backbone = shares.required[m["from_school_id"]]
        group = shares.group_of.get(m["from_school_id"])
        # the group is named beside the move (its own column, its heading in the terminal)
        who_zh, who_en, own = (("集团", "the group", "集团") if group is not None
                               else (m["from_name"], m["from_name"], "本校"))
        n = target.moved_before + sent[0]
        if n <= required:
            zh.append(f"{who_zh}交流比例：第 {n} 名（{own}应交流 {required} 名）")
            en.append(f"{who_en}'s share: {n} of the {required} it must rotate")
        b = target.backbone_before + sent[1]
        if m["is_backbone"] and b <= backbone:
            zh.append(f"{who_zh}骨干教师比例：第 {b} 名（至少 {backbone} 名）")
            en.append(f"{who_en}'s backbone share: {b} of the {backbone} it needs")
    shares.county += 1
    n = data.item11.moved_before + shares.county
    if not zh and n <= shares.county_required:
        zh.append(f"全县交流比例（第{item}项）：第 {n} 名（全县应交流 {shares.county_required} 名）")
        en.append(f"county share (item {item}): {n} of the {shares.county_required} required")
    if not zh:
        for g in data.groups:
            after = tally.cv(m["stage"], g)
            if g.key in m["groups"] and cv_before[g.key] is not None and after is not None \
                    and round(after, 4) < round(cv_before[g.key], 4):
                zh.append(f"{g.short}差异系数 {cv_before[g.key]:.4f} → {after:.4f}")
                en.append(f"{g.short_en} CV {cv_before[g.key]:.4f} → {after:.4f}")
    if not zh:
        if m["direction"] == "send":
            zh.append(f"第 {m['exchange']} 对对调中派出的教师（与{m['to_name']}换回的教师互换）；"
                      "计入全县交流人数")
            en.append(f"sent in exchange {m['exchange']} (for a teacher of {m['to_name']}); "
                      "counted in the county's rotations")
        else:
            zh.append(f"第 {m['exchange']} 对对调中换回的教师（与{m['to_name']}派出的教师互换）；"
                      "计入全县交流人数")
            en.append(f"returned in exchange {m['exchange']} (for the teacher {m['to_name']} "
                      "sent); counted in the county's rotations")
    return zh, en


def changes(before: Evaluation, after: Evaluation, moves: pl.DataFrame,
            groups: list[TeacherGroup]) -> pl.DataFrame:
    """Every affected school–stage × teacher indicator, before and after, with the rule."""
    group_of = {g.indicator: g.key for g in groups}
    touched = pl.concat([
        moves.select(pl.col("from_school_id").alias("school_id"), "stage"),
        moves.select(pl.col("to_school_id").alias("school_id"), "stage")]).unique()
    cols = ["county", "school_id", "name", "stage", "students", "indicator", "value", "met"]
    b = before.indicators.filter(pl.col("indicator").is_in(list(group_of))).select(cols)
    a = after.indicators.filter(pl.col("indicator").is_in(list(group_of))).select(
        "school_id", "stage", "indicator", pl.col("value").alias("value_after"),
        pl.col("met").alias("met_after"))
    rule_b = before.schools.select("school_id", "stage", pl.col("meets_rule").alias("rule"))
    rule_a = after.schools.select("school_id", "stage",
                                  pl.col("meets_rule").alias("rule_after"))
    return (b.join(touched, on=["school_id", "stage"])
            .join(a, on=["school_id", "stage", "indicator"])
            .join(rule_b, on=["school_id", "stage"]).join(rule_a, on=["school_id", "stage"])
            .with_columns(pl.col("indicator").replace_strict(group_of).alias("group"))
            .sort("county", "school_id", "stage", "indicator"))


COMPLIANCE_SCHEMA = {
    "county": pl.String, "target": pl.String, "school_id": pl.String, "name": pl.String,
    "eligible": pl.Int64, "required": pl.Int64, "moved": pl.Int64, "backbone_moved": pl.Int64,
    "backbone_required": pl.Int64, "share_met": pl.Boolean, "backbone_share_met": pl.Boolean,
    "school_group": pl.String, "group_name": pl.String}


def compliance(moves: pl.DataFrame, inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """The shares reached, counted from the named moves: per sending school (``school``: its
    teachers who meet the conditions to rotate), per school group with scope group (``group``:
    the teachers its leader sends, on the leader's eligible; ``school_id`` and ``name`` are the
    leader's, ``school_group`` and ``group_name`` the group's), for the county as the
    standard's item 11 counts it (``item11``: everyone with the tenure; a moved teacher outside
    that base joins it) and, with scope county, the planner's own county share (``county``).
    The year's records made before the plan count too."""
    rows = []

    def row(county: str, kind: str, school: str | None, target: Target, moved: pl.DataFrame,
            grows: bool = False, group: SchoolGroup | None = None) -> None:
        # item 11 counts a rotated teacher in its base: moves of teachers outside it add to it
        grown = moved.filter(~pl.col("counted")).height if grows else 0
        base = target.base + grown
        total = target.moved_before + moved.height
        backbone = target.backbone_before + int(moved.get_column("is_backbone").sum())
        rows.append({
            "county": county, "target": kind, "school_id": school,
            "name": None if school is None else inputs[county].names[school],
            "eligible": base, "required": target.total_required(grown),
            "moved": total, "backbone_moved": backbone,
            "backbone_required": fewest(target.backbone_share * total, target.tolerance),
            "share_met": bool(at_least(total, target.share * base, target.tolerance)),
            "backbone_share_met": bool(at_least(backbone, target.backbone_share * total,
                                                target.tolerance)),
            "school_group": None if group is None else group.group_id,
            "group_name": None if group is None else group.name})

    for county, data in inputs.items():
        mine = moves.filter(pl.col("county") == county)
        for school, target in data.school_targets.items():
            row(county, "school", school, target, mine.filter(
                (pl.col("direction") == "send") & (pl.col("from_school_id") == school)))
        for gid, target in data.group_targets.items():
            g = data.school_groups[gid]
            row(county, "group", g.leader, target, mine.filter(
                (pl.col("direction") == "send") & (pl.col("from_school_id") == g.leader)),
                group=g)
        if data.county_target is not None:
            row(county, "county", None, data.county_target, mine)
        row(county, "item11", None, data.item11, mine, grows=True)
    return pl.DataFrame(rows, schema=COMPLIANCE_SCHEMA, orient="row")


def unfixable(inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """Per county, stage and teacher group: the teachers the county has against those its
    schools need to meet the threshold everywhere. A county short overall cannot rotate its
    way out: that is a recruitment gap, in teachers."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for county, data in inputs.items():
        for (_, stage), unit in sorted(data.units.items()):
            if unit.students <= 0:
                continue
            for g in data.groups:
                if g.thresholds is None:
                    continue
                entry = rows.setdefault((county, stage, g.key), [0, 0])
                entry[0] += unit.counts[g.key]
                entry[1] += unit.needed[g.key]
    return pl.DataFrame(
        [{"county": c, "stage": s, "group": g, "teachers": have, "needed": need,
          "recruitment_gap": max(0, need - have)} for (c, s, g), (have, need) in rows.items()],
        schema={"county": pl.String, "stage": pl.String, "group": pl.String,
                "teachers": pl.Int64, "needed": pl.Int64, "recruitment_gap": pl.Int64},
        orient="row").sort("county", "stage", "group")


GROUPS_SCHEMA = {
    "county": pl.String, "school_group": pl.String, "group_name": pl.String,
    "group_type": pl.String, "type_zh": pl.String, "type_en": pl.String, "rotation": pl.Boolean,
    "form": pl.String, "leader_id": pl.String, "leader": pl.String, "members": pl.Int64,
    "moved": pl.Int64}


def school_group_table(moves: pl.DataFrame, inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """Scope group: each school group, its type, whether its type lets teachers rotate inside
    it (``rotation``; a group without members rotates none either way), the form its moves
    record, its leader, how many members, and the teachers moved inside it (sent and
    returned). Empty for other scopes."""
    moved = moves.filter(pl.col("school_group").is_not_null()).group_by("school_group").len()
    count = dict(zip(moved["school_group"], moved["len"], strict=True))
    rows = [{"county": county, "school_group": gid, "group_name": g.name, "group_type": g.type,
             "type_zh": g.type_name[0], "type_en": g.type_name[1], "rotation": g.rotation,
             "form": g.form if g.rotation else None, "leader_id": g.leader,
             "leader": data.names[g.leader], "members": len(g.members),
             "moved": count.get(gid, 0)}
            for county, data in inputs.items() for gid, g in data.school_groups.items()]
    return pl.DataFrame(rows, schema=GROUPS_SCHEMA, orient="row")


SHORTFALL_SCHEMA = {
    "county": pl.String, "school_group": pl.String, "group_name": pl.String,
    "leader_id": pl.String, "leader": pl.String, "required": pl.Int64, "moved": pl.Int64,
    "short": pl.Int64, "most_counted": pl.Int64, "because": pl.String, "why_zh": pl.String,
    "why_en": pl.String}


def group_shortfall(compliance: pl.DataFrame, inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """Scope group: each group whose leader sent fewer teachers than its share asks (the
    share is soft, see ``RotationModel``): the teachers required and sent (the year's records
    included, as ``compliance`` counts them), how many short, the most the counting allows
    (``limits.GroupReach.most``, in exchanges) and why — the codes (``because``, joined by
    ``,``: member_stages, member_teachers, cap, member_cap, other_rules) and their words.
    Empty when every group meets its share, and for other scopes."""
    from junheng.plan.rotation.limits import group_reach

    rows = []
    for r in compliance.filter((pl.col("target") == "group") & ~pl.col("share_met")
                               ).iter_rows(named=True):
        data = inputs[r["county"]]
        reach = group_reach(data)[r["school_group"]]
        target = data.group_targets[r["school_group"]]
        made = r["moved"] - target.moved_before
        why = reach.why(target.required, made)
        rows.append({
            "county": r["county"], "school_group": r["school_group"],
            "group_name": r["group_name"], "leader_id": r["school_id"], "leader": r["name"],
            "required": r["required"], "moved": r["moved"],
            "short": r["required"] - r["moved"], "most_counted": reach.most,
            "because": ",".join(code for code, _, _ in why),
            "why_zh": "；".join(zh for _, zh, _ in why),
            "why_en": "; ".join(en for _, _, en in why)})
    return pl.DataFrame(rows, schema=SHORTFALL_SCHEMA, orient="row")
