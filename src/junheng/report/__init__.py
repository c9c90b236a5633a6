"""Reports people read: the terminal summary, the standards tables, and the files — an Excel
workbook, a self-contained HTML report and a Word self-assessment draft."""

from junheng.report._districts import print_district_plan, write_district_plan
from junheng.report._excel import write_excel
from junheng.report._files import write_reports
from junheng.report._groups import print_group_plan, write_group_plan
from junheng.report._html import write_html
from junheng.report._plan import print_rotation_plan, write_rotation_plan
from junheng.report._standards import print_standard, print_standards
from junheng.report._tables import cv_contributions, gap_table
from junheng.report._terminal import print_evaluation, print_problems
from junheng.report._text import gap_phrase
from junheng.report._word import write_word

# Each planner's files and terminal summary, by the planner's name (junheng plan NAME). The
# web application offers every planner listed here (junheng.web.jobs.KINDS).
PLAN_REPORTS = {"rotation": (write_rotation_plan, print_rotation_plan),
                "groups": (write_group_plan, print_group_plan)}
# The command line's: every planner — the web's, and school districts (学区), which only the
# command line runs.
COMMAND_LINE_REPORTS = {**PLAN_REPORTS, "districts": (write_district_plan, print_district_plan)}

__all__ = [
           "COMMAND_LINE_REPORTS",
           "PLAN_REPORTS",
           "cv_contributions",
           "gap_phrase",
           "gap_table",
           "print_evaluation",
           "print_group_plan",
           "print_problems",
           "print_rotation_plan",
           "print_standard",
           "print_standards",
           "write_excel",
           "write_group_plan",
           "write_html",
           "write_reports",
           "write_rotation_plan",
           "write_word",
]
