"""The AJAX demo page at ``/``: a browser client of the API, in plain JavaScript.

The page is ``demo.html``, a file sent as it is (with its ETag and 304s); its
script, style sheet and icon are in ``static/``. Everything it loads comes from
this app, by URLs relative to the page: they hold under a prefix too.
"""

from pathlib import Path

from flask import Blueprint, Response, current_app, send_file, url_for

PAGE = Path(__file__).with_name("demo.html")

blueprint = Blueprint("demo", __name__)


@blueprint.get("/")
def index() -> Response:
    page = send_file(PAGE)
    # The docs page can be turned off (API_DOCS): the page links to it when
    # this header names it (RFC 8631), which demo.js reads.
    if "docs.page" in current_app.view_functions:
        page.headers["Link"] = f'<{url_for("docs.page")}>; rel="service-doc"'
    return page
