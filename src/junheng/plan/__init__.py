"""Planners: proposals that close the gaps, each re-evaluated before and after.

So far: teacher rotation (交流轮岗), ``plan_rotation``.
"""

from junheng.plan._milp import LevelResult
from junheng.plan._rotation import InfeasiblePlan, RotationPlan, apply_moves, plan_rotation
from junheng.plan._rotation_rules import RotationRules

__all__ = ["InfeasiblePlan", "LevelResult", "RotationPlan", "RotationRules", "apply_moves",
           "plan_rotation"]
