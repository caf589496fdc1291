"""The results site and its JSON API: every route, template and static file.

:func:`saylau.web.app.create_app` builds the application from the routers declared
in :mod:`saylau.web.routes`; a page and its ``/api/v1`` twin are registered together
by :func:`saylau.web.pages.page` from one context builder.
"""
