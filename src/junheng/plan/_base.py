"""The shape every planner shares: rules → problem data → model → solve → result.

A planner is declared as a ``Planner``: its name, its rules (a ``Rules`` class from
``junheng.standards.plan_rules``, read from the profile's section), and ``run``, which takes a
``Dataset``, a ``Standard`` and the rules and returns a ``PlanResult``. Each planner's package
holds the same rooms: ``rules`` (what the rules say about a county), ``input`` (the problem data,
per county), ``model`` (the formulation, in its public docstring), ``solution``, ``explain`` and
``planner`` (a short orchestration). Models are built and solved per county, independently, so
a province's counties can later run in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import polars as pl

from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset
from junheng.plan._milp import LevelResult
from junheng.standards.params import Rules

T = TypeVar("T")
Progress = Callable[[str], None]


@dataclass
class PlanResult:
    """What every planner returns.

    - ``rules``: the rules the plan obeys (profile values with the user's overrides);
    - ``year``: the school year planned;
    - ``before`` / ``after``: the evaluation of the input and a real re-evaluation of
      ``dataset_after``, the tables with the plan applied;
    - ``levels``: per county, each objective level's status, value, bound, gap and time;
    - ``warnings``: (zh, en) things the user must know (data that limited the plan);
    - ``tables()``: the plan's own tables, by name, for the reports.
    """

    rules: Rules
    year: int
    before: Evaluation
    after: Evaluation
    dataset_after: Dataset
    levels: dict[str, list[LevelResult]]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def tables(self) -> dict[str, pl.DataFrame]:
        raise NotImplementedError

    @property
    def proven(self) -> bool:
        """Every level of every county reached its proven optimum: the same input and seed
        give the same plan on any machine."""
        return all(lv.status == "optimal" for levels in self.levels.values() for lv in levels)


@dataclass(frozen=True)
class Planner:
    """A planner as the command line and (later) the web application see it."""

    name: str  # junheng plan NAME
    rules: type[Rules]
    run: Callable[..., PlanResult]  # run(dataset, standard, rules, year=, time_limit=, seed=,
    # progress=) -> PlanResult
    applies: bool = True  # the plan changes the data (``--apply`` writes the tables after it)

    @property
    def title(self) -> tuple[str, str]:
        zh, en = self.rules.TITLE
        return f"{zh}方案", f"{en} plan"


def per_county(counties: Iterable[str], solve: Callable[[str], T],
               progress: Progress | None = None) -> dict[str, T]:
    """Solve each county's independent model; the one place a province run will spread
    counties over processes or machines."""
    out: dict[str, T] = {}
    for county in counties:
        if progress is not None:
            progress(county)
        out[county] = solve(county)
    return out
