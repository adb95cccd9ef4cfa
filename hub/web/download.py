"""GET /profiles/{id}/export.json: the access-and-portability document as a file to keep."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub.actors import Principal, Scope
from hub.api.context import Context, Hub
from hub.api.errors import error_response
from hub.privacy import erasure
from hub.profiles import service as profiles
from hub.web.gate import admit


async def export_file(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    principal = await admit(hub, request.headers.get("authorization"))
    if not isinstance(principal, Principal):
        return principal  # the refusal: 401, 429 or 503, as /graphql answers
    if not principal.can(Scope.EXPORT):
        return error_response(403, "FORBIDDEN", Scope.EXPORT.refusal)
    ctx = Context(hub=hub, principal=principal)
    try:
        profile_id = request.path_params["profile_id"]
        if not profiles.plausible_id(profile_id):
            return error_response(404, "NOT_FOUND", "There is no such profile.")
        if not await ctx.may_see(profile_id):
            return error_response(403, "FORBIDDEN", "This token reaches only its own profile.")
        async with hub.db.sessions() as session:
            profile = await profiles.get_live(session, profile_id)
            if profile is None:
                return error_response(404, "NOT_FOUND", f"There is no profile “{profile_id}”.")
            document = await erasure.export(session, profile, masked=principal.masked)
    finally:
        await ctx.close()
    return Response(
        orjson.dumps(document, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="rapport-{profile.id}.json"',
            "Cache-Control": "no-store",  # a person's whole record: no cache keeps a copy
        },
    )
