"""The OpenAPI document: served, valid OpenAPI 3.1, every operation documented with its problems; and a
short schemathesis run of the spec against the app (no 5xx, answers match the schema)."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished
from django.core.signals import request_started
from django.db import close_old_connections
from openapi_spec_validator import validate

from .conftest import make_account
from .conftest import make_post
from .conftest import make_token

pytestmark = pytest.mark.django_db


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["components"]["securitySchemes"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            assert operation.get("summary"), (method, path)
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.content


def test_schemathesis_fuzz_of_every_operation_against_the_app(author, settings):
    """Generated requests to every operation (through WSGI, in this test's database): no 5xx, and every
    answer has a documented status, content type and body shape."""
    schemathesis = pytest.importorskip("schemathesis")
    from config.wsgi import application

    settings.API_RATE_LIMIT_PER_MINUTE = 0
    account = make_account(author)
    make_post(author, [account])
    headers = {"Authorization": f"Bearer {make_token(author)}"}
    # As Django's test client does: a request must not close this test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        tried = _fuzz(schema, headers)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert tried >= 18


def _fuzz(schema, headers) -> int:
    from hypothesis import HealthCheck
    from hypothesis import given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import positive_data_acceptance

    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) == ("POST", "/api/v1/media"):
            continue  # multipart uploads: test_media sends real files

        @hypothesis_settings(
            max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case):
            # An opaque cursor cannot be described by a schema: a made-up one is rightly refused (422).
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
        tried += 1
    return tried
