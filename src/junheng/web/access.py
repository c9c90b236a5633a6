"""Who sees what: the one place the roles' scopes are decided (every route asks here).

- admin (管理员): the users and counties themselves; every county read-only, teachers
  pseudonymised (it acts on no county's data);
- province (省市教育督导部门): the counties of its region;
- county (县区教育局): its own county — upload its data, review the schools' submissions,
  assemble a school year, run and adopt plans, keep the 问题台账;
- school (学校): its own school's page, its own submissions and its own ledger entries;
- inspector (督导): read-only, the counties of its region or its one county; teachers
  pseudonymised.

Teacher rows are personal information: names only for the county bureau and the school
itself; the administrator, the province/city office and the inspector see pseudonyms.

Out of scope is answered as "not found", never "forbidden": a guessed id reveals nothing.
"""

from __future__ import annotations

from typing import Any

ROLE_NAMES = {"admin": ("管理员", "administrator"), "province": ("省市教育部门", "province/city office"),
              "county": ("县区教育局", "county bureau"), "school": ("学校", "school"),
              "inspector": ("督导", "inspector")}


def sees_county(user: Any, county: Any) -> bool:
    """Whether ``user`` may read ``county``'s evaluation and reports."""
    if user.role == "admin":
        return True
    if user.role == "province":
        return bool(user.region) and county.region == user.region
    if user.role == "inspector":
        if user.county_id is not None:
            return county.id == user.county_id
        return bool(user.region) and county.region == user.region
    return user.role == "county" and county.id == user.county_id


def sees_school(user: Any, county: Any, school_id: str) -> bool:
    """Whether ``user`` may read one school's page."""
    if user.role == "school":
        return county.id == user.county_id and school_id == user.school_id
    return sees_county(user, county)


def uploads_to(user: Any, county: Any) -> bool:
    """Whether ``user`` may submit ``county``'s data: the bureau itself (the administrator
    manages users and counties, not a county's data, whose teacher rows it does not need)."""
    return user.role == "county" and county.id == user.county_id


def manages(user: Any, county: Any) -> bool:
    """Whether ``user`` acts for ``county``'s bureau: reviews submissions, assembles a school
    year, runs and adopts plans, edits the ledger (the bureau itself)."""
    return uploads_to(user, county)


def submits_for(user: Any, county: Any, school_id: str) -> bool:
    """Whether ``user`` may submit one school's own rows: that school, or its bureau."""
    if user.role == "school":
        return county.id == user.county_id and school_id == user.school_id
    return manages(user, county)


def teacher_names(user: Any, county: Any, school_id: str | None = None) -> bool | None:
    """How ``user`` sees teacher rows of ``county`` (of one school when given): True with
    names, False pseudonymised, None not at all."""
    if school_id is not None and not sees_school(user, county, school_id):
        return None
    if school_id is None and not sees_county(user, county):
        return None
    return user.role in ("county", "school")


def reads_audit(user: Any, county: Any) -> bool:
    """Whether ``user`` may read ``county``'s audit trail (everyone in scope but a school)."""
    return user.role != "school" and sees_county(user, county)


def is_admin(user: Any) -> bool:
    return user.role == "admin"
