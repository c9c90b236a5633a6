"""What the plan does, in words and tables a personnel office can check: why each move, the
shares reached, each affected school before and after, and what rotation cannot fix."""

from __future__ import annotations

from typing import Any

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._cv import weighted_cv
from junheng.plan.rotation.input import RotationInput, Target
from junheng.plan.rotation.rules import TeacherGroup
from junheng.standards.compare import at_least, fewest


def _per(group: TeacherGroup) -> tuple[str, str]:
    if group.per_students == 100:
        return "/百生", " per 100 pupils"
    return ("/生", " per pupil") if group.per_students == 1 else (
        f"/{group.per_students:g}生", f" per {group.per_students:g} pupils")


class _Tally:
    """Counts as the moves are applied one by one, in the list's order."""

    def __init__(self, data: RotationInput) -> None:
        self.data = data
        self.counts = {k: dict(u.counts) for k, u in data.units.items()}
        self.sent: dict[str, list[int]] = {}  # school -> [moves, backbone]
        self.county = [0, 0]

    def value(self, key: tuple[str, str], group: TeacherGroup) -> float:
        u = self.data.units[key]
        return self.counts[key][group.key] * group.per_students / u.students

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
    """Each move's reason, true of that move: what it changes where the teacher arrives (an
    indicator before → after this move, the school now meeting the rule) and the sending
    school's share it completes; else the county's share (item 11) it completes; else how it
    moves a CV; failing all these, which exchange it is the other half of. The moves are
    applied in the list's order."""
    zh_out, en_out = [], []
    for county, frame in moves.partition_by("county", as_dict=True, maintain_order=True).items():
        data = inputs[county[0]]
        totals = {s: frame.filter((pl.col("direction") == "send")
                                  & (pl.col("from_school_id") == s)) for s in data.school_targets}
        tally = _Tally(data)
        for m in frame.iter_rows(named=True):
            zh, en = _reasons(m, data, tally, totals)
            zh_out.append("；".join(zh))
            en_out.append("; ".join(en))
    return moves.with_columns(pl.Series("why_zh", zh_out, dtype=pl.String),
                              pl.Series("why_en", en_out, dtype=pl.String))


def _reasons(m: dict[str, Any], data: RotationInput, tally: _Tally,
             totals: dict[str, pl.DataFrame]) -> tuple[list[str], list[str]]:
    zh: list[str] = []
    en: list[str] = []
    dest, source = (m["to_school_id"], m["stage"]), (m["from_school_id"], m["stage"])
    groups = [g for g in data.groups if g.key in m["groups"]]
    before = {key: tally.rule(key) for key in (dest, source)}
    cv_before = {g.key: tally.cv(m["stage"], g) for g in groups}
    values = {g.key: tally.value(dest, g) for g in groups
              if data.units[dest].students > 0}
    for g in groups:
        tally.counts[source][g.key] -= 1
        tally.counts[dest][g.key] += 1
    u = data.units[dest]
    for g in groups:
        if g.thresholds is None or u.students <= 0:
            continue
        have = tally.counts[dest][g.key] - 1
        if have >= u.needed[g.key]:
            continue  # the school had enough of these: not why this teacher goes there
        unit_zh, unit_en = _per(g)
        after = tally.value(dest, g)
        reached = have + 1 >= u.needed[g.key]
        zh.append(f"{m['to_name']} {g.short} {values[g.key]:.2f} → {after:.2f}{unit_zh}"
                  + (f"（达到标准 {g.thresholds[m['stage']]:g}）" if reached else ""))
        en.append(f"{m['to_name']}: {g.short_en} {values[g.key]:.2f} → {after:.2f}{unit_en}"
                  + (f" (reaches {g.thresholds[m['stage']]:g})" if reached else ""))
    if before[dest] is False and tally.rule(dest):
        zh.append(f"{m['to_name']}达到学校达标规则")
        en.append(f"{m['to_name']} now meets the per-school rule")
    # the shares this move counts towards, while they are still being completed
    target = data.school_targets.get(m["from_school_id"]) if m["direction"] == "send" else None
    if target is not None:
        sent = tally.sent.setdefault(m["from_school_id"], [0, 0])
        sent[0] += 1
        sent[1] += m["is_backbone"]
        if sent[0] <= target.required:
            zh.append(f"{m['from_name']}交流比例：第 {sent[0]} 名（本校应交流 {target.required} 名）")
            en.append(f"{m['from_name']}'s share: {sent[0]} of the {target.required} it must "
                      "rotate")
        total = totals[m["from_school_id"]]
        need = _backbone_needed(target, total.height)
        if m["is_backbone"] and sent[1] <= need:
            zh.append(f"骨干教师比例：第 {sent[1]} 名（本校至少 {need} 名）")
            en.append(f"backbone share: {sent[1]} of the {need} it needs")
    tally.county[0] += 1
    tally.county[1] += m["is_backbone"]
    if not zh and tally.county[0] <= data.item11.required:
        zh.append(f"全县交流比例（第11项）：第 {tally.county[0]} 名（全县应交流 "
                  f"{data.item11.required} 名）")
        en.append(f"county share (item 11): {tally.county[0]} of the {data.item11.required} "
                  "required")
    if not zh:
        for g in groups:
            after = tally.cv(m["stage"], g)
            if cv_before[g.key] is not None and after is not None \
                    and round(after, 4) != round(cv_before[g.key], 4):
                zh.append(f"{g.short}差异系数 {cv_before[g.key]:.4f} → {after:.4f}")
                en.append(f"{g.short_en} CV {cv_before[g.key]:.4f} → {after:.4f}")
    if not zh:
        other = "派出" if m["direction"] == "return" else "换回"
        zh.append(f"第 {m['exchange']} 对对调：与{m['to_name'] if m['direction'] == 'send' else m['from_name']}"
                  f"互换，{other}教师的另一半；计入全县交流人数")
        en.append(f"the other half of exchange {m['exchange']}; counted in the county's "
                  "rotations")
    return zh, en


def _backbone_needed(target: Target, planned: int) -> int:
    """Backbone teachers the plan's own moves must include for the backbone share."""
    return max(0, fewest(target.backbone_share * (target.moved_before + planned),
                         target.tolerance) - target.backbone_before)


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
    "share_met": pl.Boolean, "backbone_share_met": pl.Boolean}


def compliance(moves: pl.DataFrame, inputs: dict[str, RotationInput]) -> pl.DataFrame:
    """The shares reached, counted from the named moves: per sending school (``school``),
    for the county as the standard's item 11 counts it (``item11``) and, with scope county,
    the planner's own county share (``county``). The year's records made before the plan
    count too."""
    rows = []

    def row(county: str, kind: str, school: str | None, target: Target, moved: pl.DataFrame,
            grows: bool = False) -> None:
        # item 11 counts a rotated teacher in its base: moves of teachers outside it add to it
        base = target.base + (moved.filter(~pl.col("counted")).height if grows else 0)
        total = target.moved_before + moved.height
        backbone = target.backbone_before + int(moved.get_column("is_backbone").sum())
        rows.append({
            "county": county, "target": kind, "school_id": school,
            "name": None if school is None else inputs[county].names[school],
            "eligible": base, "required": fewest(target.share * base, target.tolerance),
            "moved": total, "backbone_moved": backbone,
            "share_met": bool(at_least(total, target.share * base, target.tolerance)),
            "backbone_share_met": bool(at_least(backbone, target.backbone_share * total,
                                                target.tolerance))})

    for county, data in inputs.items():
        mine = moves.filter(pl.col("county") == county)
        for school, target in data.school_targets.items():
            row(county, "school", school, target, mine.filter(
                (pl.col("direction") == "send") & (pl.col("from_school_id") == school)))
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
