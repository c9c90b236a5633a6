"""junheng (均衡): evaluate a county's compulsory schools against the quality-balanced standard.

The public API is small:

- ``load(path) -> Dataset``: read and validate a workbook or folder (``InputError`` on bad input);
- ``evaluate(dataset, standard="quality-2017") -> Evaluation``;
- ``load_standard(name_or_path) -> Standard`` and ``available_standards()``;
- ``write_template(path)`` and ``write_sample(path, schools=60, seed=7)``;
- ``project(dataset, years=5) -> Projection``: pupils and teachers year by year, each year a
  ``Dataset`` (``Projection.dataset(year)``) that ``evaluate`` and every planner accept.
"""

__version__ = "0.1.0"

from pathlib import Path

from junheng.evaluate import Evaluation, evaluate
from junheng.io import InputError, load, write_sample, write_workbook
from junheng.model import Dataset, Problem
from junheng.model.sample import generate_sample
from junheng.projection import Projection, project
from junheng.standards import Standard, StandardError, available_standards, load_standard


def write_template(path: str | Path) -> Path:
    """Write the official empty workbook (Chinese headers, English codes, dropdowns)."""
    return write_workbook(path)


__all__ = [
    "Dataset", "Evaluation", "InputError", "Problem", "Projection", "Standard", "StandardError",
    "available_standards", "evaluate", "generate_sample", "load", "load_standard", "project",
    "write_sample", "write_template", "write_workbook",
]
