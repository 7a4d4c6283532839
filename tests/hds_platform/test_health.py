from tests.realworker import needs_real_services


def test_health_in_the_embedded_default(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not_configured",
                               "worker": "in_process", "outbox_pending": 0}


@needs_real_services
def test_health_reports_redis_and_worker(client, transactional_db, settings, redis_server, real_worker):
    settings.REDIS_URL = redis_server.url
    response = client.get("/health/")
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok",
                               "outbox_pending": 0}
    real_worker.stop()
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["worker"] == "down"
    redis_server.stop()
    response = client.get("/health/")
    assert (response.status_code, response.json()["redis"], response.json()["worker"]) == (503, "down", "unknown")
