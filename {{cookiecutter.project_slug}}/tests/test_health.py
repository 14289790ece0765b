def test_health_answers_ok_as_json(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok"}


def test_head_gets_headers_without_body(client):
    response = client.head("/api/v1/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.data == b""
