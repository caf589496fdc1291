"""The routers of the site, declared once, in the order their paths are matched.

A new area adds its module here (``web/routes/<area>.py`` with a ``router``) and its
templates to ``web/templates/``; :func:`saylau.web.app.create_app` includes exactly
these.
"""

from __future__ import annotations

from fastapi import APIRouter

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
    reference, the authenticated write API, analysis and institutions."""
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
