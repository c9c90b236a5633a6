"""Projection: pupils and teachers year by year (issue 14).

``retirement`` holds the statutory retirement dates under the 2025 gradual increase, as data
(``retirement.yaml``), so a teacher leaves the projection in the month the law says.
"""

from junheng.projection._projection import Projection, project
from junheng.projection.cohort import CohortAssumptions
from junheng.projection.retirement import (
    RetirementGroup,
    RetirementRules,
    load_retirement_rules,
    retirement_age_months,
    retirement_dates,
    retirement_month,
    retirement_year,
)

__all__ = [
    "CohortAssumptions",
    "Projection",
    "RetirementGroup",
    "RetirementRules",
    "load_retirement_rules",
    "project",
    "retirement_age_months",
    "retirement_dates",
    "retirement_month",
    "retirement_year",
]
