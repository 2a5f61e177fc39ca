"""The health check answers without a login and without touching the database."""


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
