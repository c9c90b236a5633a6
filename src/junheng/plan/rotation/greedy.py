"""A feasible rotation plan built one exchange at a time, handed to the solver as its start.

Not a good plan — a plan: with it the solver never ends a time limit empty-handed on a county
where a plan exists and the greedy finds it. Each step adds one exchange (a teacher out along an
arc, one back) that keeps every hard rule of the model: protected schools still meet the rule,
no subject emptied, caps, each school's backbone share; first the sending schools' shares, then
the county's (item 11). The result is checked against the model's own rows before it is used.
"""

from __future__ import annotations

import math

from junheng.plan.rotation.input import MERGED, Target, Unit
from junheng.plan.rotation.model import RotationModel
from junheng.standards.compare import at_least


class _State:
    def __init__(self, model: RotationModel) -> None:
        self.model = model
        self.data = model.data
        self.moved: dict[int, int] = {}
        self.used: dict[int, int] = {}
        self.counts = {k: dict(u.counts) for k, u in self.data.units.items()}
        self.subjects = {k: dict(u.subjects) for k, u in self.data.units.items()}
        self.leaving: dict[str, int] = {}
        self.sent: dict[str, list[int]] = {}  # school -> [moves, backbone] it sent out
        self.county = [0, 0, 0.0]  # moves, backbone, item-11 weighted moves
        self.targets = self.data.sender_targets()

    def rule(self, key: tuple[str, str], counts: dict[str, int]) -> bool:
        u: Unit = self.data.units[key]
        met, floors = u.other_met, u.other_floors_ok
        for g in self.data.groups:
            if g.thresholds is None:
                continue
            met += counts[g.key] >= u.needed[g.key]
            floors = floors and counts[g.key] >= u.floor[g.key]
        return floors and met >= (self.data.min_met or 0)

    def fits(self, out: int, back: int) -> bool:
        """Whether exchanging one teacher of each column keeps every hard rule."""
        m, d = self.model, self.data
        mo, mb = m.moves[out], m.moves[back]
        arc = d.arcs[mo.arc]
        to, tb = m.types[mo.type], m.types[mb.type]
        if self.used.get(to.key, 0) >= to.eligible or self.used.get(tb.key, 0) >= tb.eligible:
            return False
        for school in (arc.sender, arc.receiver):
            if school in d.cap and self.leaving.get(school, 0) + 1 > d.cap[school]:
                return False
        for school, leaves, arrives in ((arc.sender, to, tb), (arc.receiver, tb, to)):
            key = (school, arc.stage)
            if leaves.subject != MERGED and leaves.subject != arrives.subject and \
                    self.subjects[key].get(leaves.subject, 0) <= 1:
                return False
            if d.units[key].meets_rule_now and d.min_met is not None:
                counts = dict(self.counts[key])
                for g in leaves.groups:
                    counts[g] -= 1
                for g in arrives.groups:
                    counts[g] += 1
                if not self.rule(key, counts):
                    return False
        target = self.targets.get(arc.sender)
        if target is not None:  # the sender's (or its group's) backbone share must still hold
            moves, backbone = self.sent.get(arc.sender, [0, 0])
            if not _backbone_ok(target, moves + 1, backbone + to.backbone):
                return False
        return True

    def apply(self, out: int, back: int) -> None:
        m, d = self.model, self.data
        arc = d.arcs[m.moves[out].arc]
        for col, school, dest in ((out, arc.sender, arc.receiver),
                                  (back, arc.receiver, arc.sender)):
            t = m.types[m.moves[col].type]
            self.moved[col] = self.moved.get(col, 0) + 1
            self.used[t.key] = self.used.get(t.key, 0) + 1
            self.leaving[school] = self.leaving.get(school, 0) + 1
            for g in t.groups:
                self.counts[(school, arc.stage)][g] -= 1
                self.counts[(dest, arc.stage)][g] += 1
            if t.subject != MERGED:
                self.subjects[(school, arc.stage)][t.subject] -= 1
                into = self.subjects[(dest, arc.stage)]
                into[t.subject] = into.get(t.subject, 0) + 1
            self.county[0] += 1
            self.county[1] += t.backbone
            self.county[2] += 1.0 if t.counted else 1.0 - d.item11.share
        sent = self.sent.setdefault(arc.sender, [0, 0])
        sent[0] += 1
        sent[1] += m.types[m.moves[out].type].backbone


def _backbone_ok(target: Target, moves: int, backbone: int) -> bool:
    return at_least(target.backbone_before + backbone,
                    target.backbone_share * (target.moved_before + moves), target.tolerance)


def _share_ok(target: Target, moves: float) -> bool:
    return at_least(target.moved_before + moves, target.share * target.base, target.tolerance)


def greedy_start(model: RotationModel, state: _State | None = None) -> dict[int, int] | None:
    """Move counts per column of a plan that keeps every rule, or None when the greedy cannot
    find one (the solver then searches on its own). ``state``: exchanges already chosen, to
    complete with the shares."""
    d = model.data
    state = state or _State(model)
    km = {i: (a.km if a.km is not None else math.inf) for i, a in enumerate(d.arcs)}
    arcs_of: dict[str, list[int]] = {}
    for i in sorted(model.arc_columns, key=lambda i: (km[i], i)):
        arcs_of.setdefault(d.arcs[i].sender, []).append(i)
    nearest = sorted(model.arc_columns, key=lambda i: (km[i], i))

    def exchange(arcs: list[int], backbone_out: bool, backbone_back: bool) -> bool:
        """Add the first exchange that fits along ``arcs``, preferring backbone teachers on a
        side when asked (else others): returns whether one was added."""
        for i in arcs:
            out, back = model.arc_columns[i]
            out = sorted(out, key=lambda c: (model.types[model.moves[c].type].backbone
                                             != backbone_out, c))
            back = sorted(back, key=lambda c: (model.types[model.moves[c].type].backbone
                                               != backbone_back,
                                               len(model.types[model.moves[c].type].groups), c))
            for o in out:
                for b in back:
                    if state.fits(o, b):
                        state.apply(o, b)
                        return True
        return False

    # 1. every sending school's (or group's) share and backbone share; a group's share is
    # soft (the model's first objective): the greedy goes as far as it can
    soft = {d.school_groups[g].leader for g in d.group_targets}
    for school, target in sorted(state.targets.items(),
                                 key=lambda kv: (-kv[1].required, kv[0])):
        while True:
            moves, backbone = state.sent.get(school, [0, 0])
            if _share_ok(target, moves) and _backbone_ok(target, moves, backbone):
                break
            need_backbone = not _backbone_ok(target, moves + 1, backbone)
            if not exchange(arcs_of.get(school, []), need_backbone, False):
                if school in soft:
                    break
                return None
    # 2. the county's shares: item 11, and the planner's own with scope county
    for target, weighted in ((d.item11, True), (d.county_target, False)):
        if target is None:
            continue
        for _ in range(len(model.moves) * 2 + 1):
            moves, backbone, counted = state.county
            if _share_ok(target, counted if weighted else moves) and \
                    _backbone_ok(target, moves, backbone):
                break
            # an exchange adds two moves: backbone on one side, or both, keeps the share
            out_backbone = not _backbone_ok(target, moves + 2, backbone)
            back_backbone = not _backbone_ok(target, moves + 2, backbone + 1)
            if not exchange(nearest, out_backbone, back_backbone):
                return None
        else:
            return None
    moved = state.moved
    if model.milp.violations(model.point(moved)):
        return None  # the greedy's own bookkeeping missed a rule: let the solver search
    return moved
