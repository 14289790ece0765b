"""The AJAX demo page at ``/``: a browser client of the API, in plain JavaScript.

The page is ``templates/demo.html``; its script, style sheet and icon are in
``static/``. Everything it loads comes from this app.
"""

from flask import Blueprint, current_app, render_template, url_for

blueprint = Blueprint("demo", __name__)


@blueprint.get("/")
def index() -> str:
    # The docs page can be turned off (API_DOCS): link to it only when served.
    docs = "docs.page" in current_app.view_functions
    return render_template(
        "demo.html",
        docs_url=url_for("docs.page") if docs else None,
        openapi_url=url_for("api-docs.openapi_json"),
    )
