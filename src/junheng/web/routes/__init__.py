"""The application's handlers, one module per part; ``ROUTERS`` is what ``create_app`` mounts.

- ``auth``: sign in, sign out, the password;
- ``counties``: the county list, a county's standing, its workbook upload, a school's page,
  the reports and the evaluation API;
- ``submissions``: a school's own rows submitted, the bureau's review, a school year assembled;
- ``plans``: planners run as background jobs, compared, one adopted;
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
    ledger,
    plans,
    submissions,
    teachers,
    years,
)

ROUTERS = [auth.router, counties.router, submissions.router, plans.router, ledger.router,
           years.router, teachers.router, audit.router, admin.router]
