"""The AJAX demo page is served at /; tests/test_demo_browser.py of the template
drives it in a real browser."""


def test_demo_page_is_served_at_the_root_with_its_script(client):
    with client.get("/") as page:
        html = page.get_data(as_text=True)
    with client.get("/static/demo.js") as script:
        pass

    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert '<script src="/static/demo.js" defer></script>' in html
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"


def test_a_failed_if_match_on_the_page_is_a_problem_document(client):
    # Found by tests/test_fuzz.py: Werkzeug answered this 412 with the page.
    response = client.get("/", headers={"If-Match": '"not-the-page"'})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 412
