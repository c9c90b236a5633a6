"""Typed tables of the data contract; knows nothing of files."""

from junheng.model.dataset import Dataset, Problem

__all__ = ["Dataset", "Problem"]
