"""How many exchanges a school group can make at most, by counting, and why it falls short.

Scope group: a group's leader sends only to its own members, so a group whose members are one
teaching point cannot make the exchanges its share asks of a large leader. The count here is an
upper bound that needs no solver — the model's first objective (``groups``) finds the exact
most under every rule; this says which physical limit binds, in words a bureau can act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from junheng._english import mend_plurals
from junheng.plan.rotation.input import RotationInput

__all__ = ["GroupReach", "group_reach"]


@dataclass(frozen=True)
class GroupReach:
    """A rotating group's exchanges, counted: ``most`` is an upper bound on what the group can
    make under any rule (each exchange sends one of the leader's eligible teachers to a member
    teaching the same stage and brings one of that member's eligible teachers back).

    Examples
    --------
    >>> r = GroupReach("G1", leader_eligible=70, on_member_stages=70, member_eligible=1,
    ...                reach=1, leader_cap=None, member_cap=None)
    >>> r.most, [code for code, _, _ in r.why(7)]
    (1, ['member_teachers'])
    """

    group_id: str
    leader_eligible: int  # the leader's teachers who meet the conditions to rotate
    on_member_stages: int  # … of them, those teaching a stage a member within reach teaches
    member_eligible: int  # the members' eligible teachers who may go back to the leader
    reach: int  # Σ over stages of min(leader's eligible, members' eligible) of the stage
    leader_cap: int | None  # most the leader may still send this year (max_share)
    member_cap: int | None  # most the members together may still send back

    @property
    def most(self) -> int:
        return min(v for v in (self.reach, self.leader_cap, self.member_cap) if v is not None)

    def why(self, required: int, made: int | None = None) -> list[tuple[str, str, str]]:
        """Why the group cannot make ``required`` exchanges (``made``: what the plan made):
        (code, zh, en) for each counting limit that binds (equals ``most``) —
        ``member_stages``, ``member_teachers``, ``cap``, ``member_cap`` — and ``other_rules``
        when the count allows more than was made (or is not what stops the group)."""
        out = []
        if self.most < required:
            if self.on_member_stages == self.most:
                out.append(("member_stages",
                            f"牵头学校 {self.leader_eligible} 名符合交流条件的教师中，只有 "
                            f"{self.on_member_stages} 名所教学段有成员学校开设",
                            mend_plurals(f"only {self.on_member_stages} of the leader's "
                                         f"{self.leader_eligible} eligible teacher(s) teach a "
                                         "stage a member has")))
            elif self.reach == self.most:
                out.append(("member_teachers",
                            f"成员学校中能与牵头学校同学段对调的符合交流条件教师只有 "
                            f"{self.member_eligible} 名",
                            mend_plurals(f"the members have {self.member_eligible} "
                                         "eligible teacher(s) of the leader's stages to "
                                         "exchange")))
            if self.leader_cap == self.most:
                out.append(("cap", f"每校调出上限（max_share）只允许牵头学校再派出 {self.leader_cap} 名",
                            mend_plurals(f"the cap per school (max_share) lets the leader send "
                                         f"{self.leader_cap} more teacher(s)")))
            if self.member_cap == self.most:
                out.append(("member_cap",
                            f"每校调出上限（max_share）只允许成员学校换回 {self.member_cap} 名",
                            mend_plurals(f"the cap per school (max_share) lets the members "
                                         f"send back {self.member_cap} teacher(s)")))
        if not out or (made is not None and made < self.most):
            out.append(("other_rules",
                        "其余规则所限（已达标学校须保持达标、不调走学科唯一教师、骨干比例）",
                        "other rules: met schools stay met, no subject emptied, backbone share"))
        return out


def group_reach(data: RotationInput) -> dict[str, GroupReach]:
    """Each rotating group's ``GroupReach`` (the groups with a share), by group id.

    A member's rural backbone teacher counts as able to go back only where the rules let one
    go to the leader's location (``rural_backbone_to_towns``), as the model's columns do.
    """
    eligible: dict[tuple[str, str], int] = {}  # (school, stage) -> eligible on an arc
    for t in data.types:
        key = (t.school_id, t.stage)
        eligible[key] = eligible.get(key, 0) + t.eligible
    out = {}
    for gid, target in data.group_targets.items():
        g = data.school_groups[gid]
        stages = sorted({a.stage for a in data.arcs if a.sender == g.leader})
        reach = on_stages = members = 0
        for stage in stages:
            back = 0
            for a in data.arcs:
                if a.sender != g.leader or a.stage != stage:
                    continue
                back += sum(t.eligible for t in data.types
                            if (t.school_id, t.stage) == (a.receiver, stage)
                            and _may_go(data, t.backbone, a.receiver, g.leader))
            mine = eligible.get((g.leader, stage), 0)
            on_stages += mine
            members += back
            reach += min(mine, back)
        member_schools = {a.receiver for a in data.arcs if a.sender == g.leader}
        member_cap = (None if not data.cap else
                      sum(data.cap.get(s, 0) for s in member_schools))
        out[gid] = GroupReach(gid, target.base - target.moved_before, on_stages, members, reach,
                              data.cap.get(g.leader), member_cap)
    return out


def _may_go(data: RotationInput, backbone: bool, source: str, dest: str) -> bool:
    """The model's rule for a column: a rural backbone teacher goes only to a rural school,
    unless the rules allow it into towns."""
    return (data.rural_backbone_to_towns or not backbone or data.location[source] != "rural"
            or data.location[dest] == "rural")
