"""Evaluation against a standard: indicators, per-school rule, weighted CV, verdicts, gaps."""

from junheng.evaluate._cv import cv_table, weighted_cv
from junheng.evaluate._evaluation import Evaluation, evaluate
from junheng.evaluate._units import Note, build_units

__all__ = ["Evaluation", "Note", "build_units", "cv_table", "evaluate", "weighted_cv"]
