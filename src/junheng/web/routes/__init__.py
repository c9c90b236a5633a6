"""The application's handlers, one module per part; ``create_app`` mounts each module's
``router`` in the order of ``MODULES`` and calls its ``install(web)`` if it has one (to start a
job runner, to follow new snapshots with ``web.snapshot_listeners``).

Audit targets name the county first — ``county:3``, ``county:3/submission:12``,
``county:3/plan:5``, ``county:3/ledger:7`` — so a county's trail is one prefix query.

- ``auth``: sign in, sign out, the password;
- ``counties``: the county list, a county's standing, its workbook upload, a school's page,
  the reports and the evaluation API;
- ``submissions``: a school's own rows submitted, the bureau's review, a school year assembled;
- ``plans``: planners run as background jobs, compared, one adopted;
- ``group_plans``: a school-groups plan's files one by one (the workbook, the JSON, the map);
- ``ledger``: the 问题台账, gaps tracked to their fix with evidence;
- ``years``: trends across school years;
- ``teachers``: a school's teacher rows (pseudonymised for those who need no names);
- ``audit``: who changed what, when;
- ``admin``: users and counties.
"""

from junheng.web.routes import (
    admin,
    audit,
    auth,
    counties,
    group_plans,
    ledger,
    plans,
    submissions,
    teachers,
    years,
)

MODULES = [auth, counties, submissions, plans, group_plans, ledger, years, teachers, audit, admin]
