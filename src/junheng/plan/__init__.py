"""Planners: proposals that close the gaps, each re-evaluated before and after.

Every planner has the same shape (``_base``): rules declared with the profile
(``junheng.standards.plan_rules``), problem data per county, a model whose formulation is its
public docstring, a lexicographic solve (``_milp``), and a ``PlanResult`` carrying the evaluation
before and after. ``PLANNERS`` lists them for the command line (``junheng plan NAME``).

So far: teacher rotation (交流轮岗), ``plan_rotation``; school groups (集团化办学),
``plan_groups``; contiguous school districts (学区), ``plan_districts`` (the last two change no
figure, so they have no ``--apply``).
"""

from junheng.errors import InfeasiblePlan, NoPlanFound, PlanError
from junheng.plan._base import Planner, PlanResult
from junheng.plan._milp import LevelResult
from junheng.plan.groups import (
    DistrictModel,
    DistrictPlan,
    GroupModel,
    GroupPlan,
    plan_districts,
    plan_groups,
)
from junheng.plan.rotation import RotationModel, RotationPlan, apply_moves, plan_rotation
from junheng.standards.plan_rules import DistrictRules, GroupRules, RotationRules

PLANNERS: dict[str, Planner] = {
    "rotation": Planner("rotation", RotationRules, plan_rotation),
    "groups": Planner("groups", GroupRules, plan_groups, applies=False),
    "districts": Planner("districts", DistrictRules, plan_districts, applies=False),
}

__all__ = ["PLANNERS", "DistrictModel", "DistrictPlan", "DistrictRules", "GroupModel",
           "GroupPlan", "GroupRules", "InfeasiblePlan", "LevelResult", "NoPlanFound",
           "PlanError", "PlanResult", "Planner", "RotationModel", "RotationPlan",
           "RotationRules", "apply_moves", "plan_districts", "plan_groups", "plan_rotation"]
