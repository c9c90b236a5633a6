"""Standard profiles (YAML data): thresholds, formulas' options, and what extends what."""

from junheng.standards._profile import (
    INTEGER_UNITS,
    UNITS,
    Indicator,
    Standard,
    StandardError,
    available_standards,
    load_standard,
)

__all__ = ["INTEGER_UNITS", "UNITS", "Indicator", "Standard", "StandardError",
           "available_standards", "load_standard"]
