"""The employer's Excel template for download (GET /template.xlsx).

An employer's user always gets its own employer's template, whatever the query says; the
bureau names the employer with `?employer=ID`. The file is made fresh on every download
(`parsers.template`), with the employees as they are now.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from dashboard.security import current_user
from notifier.confirmations import employer_template
from parsers.template import MIME_TYPE
from workflows.periods import AMSTERDAM
from workflows.users import SignedIn

router = APIRouter()


@router.get("/template.xlsx")
def template_xlsx(request: Request, user: Annotated[SignedIn, Depends(current_user)],
                  employer: str | None = None) -> Response:
    employer_id = employer if user.sees_all_employers else user.employer_id
    if not employer_id:
        if user.sees_all_employers:
            raise HTTPException(status_code=400, detail="Kies een werkgever: /template.xlsx?employer=<id>.")
        raise HTTPException(status_code=403, detail="Dit account hoort bij geen werkgever.")
    with Session(request.app.state.engine) as session:
        found = employer_template(session, employer_id, made_on=dt.datetime.now(AMSTERDAM).date())
    if found is None:
        raise HTTPException(status_code=404)
    filename, data = found
    return Response(data, media_type=MIME_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
