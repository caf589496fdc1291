"""The routers of the site, declared once, in the order their paths are matched.

A new area adds its module here (``web/routes/<area>.py`` with a ``router``) and its
templates to ``web/templates/``; :func:`saylau.web.app.create_app` includes exactly
these.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from saylau.web.api_docs import PUBLIC, TOKEN_TAG, WRITE
from saylau.web.routes import (
    analysis,
    commission,
    docs,
    embed,
    forensics,
    institutions,
    live,
    results,
    trust,
)


def routers() -> tuple[APIRouter, ...]:
    """Every router of the site: results first (its pages and API), then the API
    reference, the authenticated write API, analysis and institutions; each operation
    tagged with its audience in the OpenAPI document (:func:`tag_audience`)."""
    found = _routers()
    for router in found:
        tag_audience(router)
    return found


def tag_audience(router: APIRouter) -> None:
    """Tag each operation of ``router`` ``write`` (for the token-holding commissions:
    tagged ``trust``, which the OpenAPI requires a Bearer token for) or ``public``
    (everyone, no credentials), first among its tags.  Idempotent."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        tag = WRITE if TOKEN_TAG in route.tags else PUBLIC
        if tag not in route.tags:
            # A new list: routes declared with one shared ``tags`` list stay apart.
            route.tags = [tag, *route.tags]


def _routers() -> tuple[APIRouter, ...]:
    return (
        results.router,
        docs.router,
        trust.router,
        analysis.router,
        forensics.router,
        institutions.router,
        commission.router,
        embed.router,
        live.router,
    )
