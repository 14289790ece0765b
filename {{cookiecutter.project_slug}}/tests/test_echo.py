import pytest

ECHO = "/api/v1/echo"


def test_echo_returns_the_object_received(client):
    body = {"message": "héllo ✓", "nested": {"list": [1, 2.5, None, True]}}

    response = client.post(ECHO, json=body)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == body


def test_a_json_suffix_media_type_counts_as_json(client):
    response = client.post(
        ECHO, data='{"a": 1}', content_type="application/merge-patch+json"
    )

    assert response.status_code == 200
    assert response.get_json() == {"a": 1}


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded"]
)
def test_a_body_that_is_not_json_is_415(client, content_type):
    response = client.post(ECHO, data='{"a": 1}', content_type=content_type)

    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 415


@pytest.mark.parametrize("data", [b"{not json", b'{"a": 1', b"\xff\xfe{}", b"[1e400]"])
def test_malformed_json_is_400(client, data):
    response = client.post(ECHO, data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Bad Request"


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"", "The request body is empty: send a JSON document."),
        (b" \r\n\t", "The request body is empty: send a JSON document."),
        (b'{"key": "hunter2\xff"}', "The request body is not UTF-8 (byte 17 of 19): "
         "send JSON as UTF-8."),
        (b'{"key": "hunter2"', "The request body is not valid JSON: unexpected end "
         "of data at line 1, column 18."),
        (b'{"key": "hunter2",\n}', "The request body is not valid JSON: trailing "
         "comma is not allowed at line 1, column 18."),
    ],
)  # fmt: skip
def test_a_400_says_what_is_wrong_with_the_body_without_echoing_it(
    client, data, detail
):
    response = client.post(ECHO, data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.get_json()["detail"] == detail


@pytest.mark.parametrize("data", ["[1, 2]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_422(client, data):
    response = client.post(ECHO, data=data, content_type="application/json")

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["errors"] == [{"field": "", "message": "Must be a JSON object."}]


def test_a_body_over_the_limit_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100

    response = client.post(ECHO, json={"text": "x" * 200})

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 413


def test_an_empty_body_is_400_saying_so(client):
    response = client.post(ECHO, data=b"", content_type="application/json")

    assert response.status_code == 400
    detail = response.get_json()["detail"]
    assert detail == "The request body is empty: send a JSON document."
