"""The AJAX demo page is served at / and loads its script."""


def test_demo_page_is_served_at_the_root(client):
    with client.get("/") as response:
        page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<script src="/static/demo.js" defer></script>' in page
    assert 'id="result"' in page


def test_demo_script_calls_the_api_with_fetch(client):
    with client.get("/static/demo.js") as response:
        script = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "fetch(path, options)" in script
    assert '"/api/v1/echo"' in script
    assert '"/api/v1/items"' in script


def test_demo_script_writes_answers_as_text_never_html(client):
    # Item names and problem details come from clients: shown with
    # textContent they cannot inject markup or script into the page.
    with client.get("/static/demo.js") as response:
        script = response.get_data(as_text=True)

    assert "textContent" in script
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script


def test_a_failed_if_match_on_the_page_is_a_problem_document(client):
    # Found by tests/test_fuzz.py: Werkzeug answered this 412 with the page.
    response = client.get("/", headers={"If-Match": '"not-the-page"'})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 412
