"""Teacher rotation (交流轮岗): the planner every later planner copies.

``rules`` (what the rules say about a county) → ``input`` (the problem data, per county) →
``model`` (the formulation, on ``RotationModel``) → ``greedy`` (a feasible start) → the
lexicographic solve → ``solution`` (named teachers, the applied roster) → ``explain`` (why each
move, the shares, before and after) — orchestrated by ``planner.plan_rotation``.
"""

from junheng.plan.rotation.model import RotationModel
from junheng.plan.rotation.planner import (
    RotationPlan,
    RotationProblem,
    plan_rotation,
    rotation_problem,
)
from junheng.plan.rotation.solution import apply_moves

__all__ = ["RotationModel", "RotationPlan", "RotationProblem", "apply_moves", "plan_rotation",
           "rotation_problem"]
