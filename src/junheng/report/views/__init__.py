"""Report sections built once, renderer-neutral (plain dataclasses of headed rows), and
rendered by the terminal, the workbook, the HTML and the Word draft alike."""

from junheng.report.views.rectification import (
                                                 CvOver,
                                                 Need,
                                                 OpenItem,
                                                 Rectification,
                                                 SchoolTasks,
                                                 Task,
                                                 build_rectification,
)

__all__ = ["CvOver", "Need", "OpenItem", "Rectification", "SchoolTasks", "Task",
           "build_rectification"]
