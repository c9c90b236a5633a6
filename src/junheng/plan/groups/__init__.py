"""School groups (集团化办学, 学区, 1+X 结对帮扶; issue 17): which strong school leads which.

``rules`` (leaders, members, the ids named) → ``input`` (schools, allowed pairs with their
benefit and distance, per county) → ``model`` (the assignment MILP, formulation on
``GroupModel``) → the lexicographic solve → ``solution`` (groups, coverage, the unmatched) —
orchestrated by ``planner.plan_groups``. ``districts``: contiguous school districts (学区), the
same roles cut into N districts by position (``plan_districts``, formulation on
``DistrictModel``). ``types``: the profile's group types (what a group's
schools share, whether teachers rotate within it), for this planner and the rotation planner.
"""

from junheng.plan.groups.districts import DistrictModel, DistrictPlan, plan_districts
from junheng.plan.groups.model import GroupModel
from junheng.plan.groups.planner import GroupPlan, group_problem, plan_groups
from junheng.plan.groups.types import GroupType, group_types

__all__ = ["DistrictModel", "DistrictPlan", "GroupModel", "GroupPlan", "GroupType",
           "group_problem", "group_types", "plan_districts", "plan_groups"]
