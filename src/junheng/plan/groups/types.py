"""The group types a plan uses: the profile's ``group_types:`` section (declared and checked in
``junheng.standards.group_types``), read the same way by the groups and the rotation planners.
"""

from __future__ import annotations

from junheng.standards import Standard
from junheng.standards.group_types import SHARES, GroupType, declared_group_types

__all__ = ["SHARES", "GroupType", "group_types", "type_of"]


def group_types(standard: Standard) -> dict[str, GroupType]:
    """Each group type by its code (close, led, alliance, merged, district): the profile's
    ``group_types:``, or quality-2017's when the profile declares none (basic-2012).

    >>> from junheng.standards import load_standard
    >>> types = group_types(load_standard("quality-2017"))
    >>> types["alliance"].rotation, types["district"].form, types["led"].name
    (False, 'district_exchange', '领办型')
    >>> group_types(load_standard("basic-2012"))["close"].shares_words("en")
    'management, teachers, curriculum, research'
    """
    return declared_group_types(standard)


def type_of(code: str | None, standard: Standard, default: str) -> GroupType:
    """A group's type: its own ``code`` from the groups table, or ``default`` (the profile's
    ``groups.group_type``) when the table leaves it empty. Raises ``KeyError`` for a code the
    profile does not declare (a profile may declare fewer types than the data contract)."""
    return group_types(standard)[code or default]
