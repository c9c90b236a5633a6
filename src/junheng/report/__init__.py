"""Reports people read. So far: the terminal summary and the standards tables (Excel, HTML and
Word come later)."""

from junheng.report._standards import print_standard, print_standards
from junheng.report._terminal import print_evaluation, print_problems
from junheng.report._text import gap_phrase

__all__ = ["gap_phrase", "print_evaluation", "print_problems", "print_standard",
           "print_standards"]
