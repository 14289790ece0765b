"""The items API in FastAPI, as fastapi/full-stack-fastapi-template writes one.

SQLModel table and schemas (``models.py``), an engine and a ``Session``
dependency (``deps.py``), sync ``def`` routes on an ``APIRouter``
(``routes.py``), the app with CORS and the router under ``/api/v1``
(``main.py``). It stores items in SQLite, in a table of the baked app's shape,
and is served by uvicorn: ``uvicorn fastapi_peer.main:app`` with
``bench/apps`` on PYTHONPATH and ``DATABASE_URL=sqlite:///path``.

Two differences from the template's own routes keep the shapes of the baked
app's API: the collection is ``/items`` (the template's ``/items/`` would
answer ``/items`` with a 307 redirect), and integer ids instead of UUIDs.
"""
