"""The routers of the site, declared once, in the order their paths are matched.

A new area adds its module here (``web/routes/<area>.py`` with a ``router``) and its
templates to ``web/templates/``; :func:`saylau.web.app.create_app` includes exactly
these.
"""

from __future__ import annotations

from fastapi import APIRouter

from saylau.web.api_docs import PUBLIC, TOKEN_TAG, WRITE
from saylau.web.routes import analysis, commission, docs, embed, institutions, results, trust


def routers() -> tuple[APIRouter, ...]:
    """Every router of the site: results first (its pages and API), then the API
    reference, the authenticated write API, analysis and institutions; each tagged
    with its audience in the OpenAPI document (:func:`with_audience`)."""
    return tuple(with_audience(router) for router in _routers())


def with_audience(router: APIRouter) -> APIRouter:
    """``router`` with its operations tagged ``write`` (the token-holding commissions:
    a router tagged ``trust``, whose operations the OpenAPI requires a Bearer token
    for) or ``public`` (everyone, no credentials)."""
    tag = WRITE if TOKEN_TAG in router.tags else PUBLIC
    tagged = APIRouter()
    tagged.include_router(router, tags=[tag])
    return tagged


def _routers() -> tuple[APIRouter, ...]:
    return (
        results.router,
        docs.router,
        trust.router,
        analysis.router,
        institutions.router,
        commission.router,
        embed.router,
    )
