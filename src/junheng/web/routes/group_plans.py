"""A school-groups plan's files one by one (集团化办学方案, issue 17): the workbook, the JSON
and the map page, each a download.

The plan names schools only, never a teacher, so whoever reads the county (``sees_county``)
downloads them — the administrator, the province/city office and the inspector included; a
school gets "not found", as for every county page. The map page is served as a file to open
(``Content-Disposition: attachment``), never embedded in the application: it carries its own
script, which the application's CSP forbids inline. Each download is audited
(``plan_downloaded``, with the file's name).

The page of the run, its start, its comparison and its adoption are the plans' own
(``junheng.web.routes.plans``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from junheng.store import PlanRun, audit
from junheng.web.context import web

router = APIRouter()

MEDIA = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".json": "application/json", ".html": "text/html; charset=utf-8"}


@router.get("/counties/{county_id}/plans/{plan_id}/groups/{filename}")
def group_plan_file(request: Request, county_id: int, plan_id: int, filename: str) -> Response:
    """One file of a finished school-groups run, by its name in the run's files."""
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        w.county_or_404(s, user, county_id)
        run = s.get(PlanRun, plan_id)
        if (run is None or run.county_id != county_id or run.kind != "groups"
                or run.status != "done" or not run.files):
            raise HTTPException(status_code=404)
        suffix = PurePath(filename).suffix.lower()
        with zipfile.ZipFile(io.BytesIO(run.files)) as z:
            if filename not in z.namelist() or suffix not in MEDIA:
                raise HTTPException(status_code=404)
            body = z.read(filename)
        audit(s, user.id, "plan_downloaded", f"county:{county_id}/plan:{plan_id}",
              {"kind": run.kind, "file": filename})
        s.commit()
    fallback = f"groups-plan-{plan_id}{suffix}"  # an ASCII name for old clients
    return Response(body, media_type=MEDIA[suffix], headers={
        "Content-Disposition": f"attachment; filename={fallback}; "
                               f"filename*=UTF-8''{quote(filename)}"})
