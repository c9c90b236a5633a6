"""The least-cost "path to pass" planner (issue 15): what it costs to bring a county to the rule.

``prices``: the bureau's own unit costs and limits (land, posts, closures), read from the price
table it fills in (``write_prices_template``, ``read_prices``). junheng ships no prices.
"""

from junheng.plan.investment.prices import (
    KIND_LABELS,
    KIND_UNITS,
    KINDS,
    Prices,
    read_prices,
    write_prices_template,
)

__all__ = ["KINDS", "KIND_LABELS", "KIND_UNITS", "Prices", "read_prices", "write_prices_template"]
