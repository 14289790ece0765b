"""The OpenAPI document: valid OpenAPI 3.1, and true to what the API does.

schemathesis generates requests from the document (valid ones and invalid
ones, then chains of them that follow ``Location``) and checks every answer
against it: an undocumented status, header or body shape is a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
{%- if cookiecutter.auth != "none" %}

import credentials
{%- endif %}

PREFIX = "/api/v1"
OPENAPI = f"{PREFIX}/openapi.json"
DOCS_PAGE = f"{PREFIX}/docs"
# A Flask rule's <converter(args):name> as OpenAPI's {name}.
PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")
CONFIG = SchemathesisConfig.from_path(Path(__file__).parents[1] / "schemathesis.toml")
# The same examples on every run, so that a red CI is a regression, not luck.
# In-process answers reach schemathesis as sent: ask for the identity coding.
PLAIN = {"Accept-Encoding": "identity"}
GENERATION = settings(
    deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def document(client) -> dict:
    response = client.get(OPENAPI)
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)

    assert document["openapi"] == "3.1.0"


def test_the_document_names_the_project_its_version_and_license(document):
    info = document["info"]

    assert info["title"] == {{ cookiecutter.project_name | tojson }}
    assert info["version"] == "{{ cookiecutter.version }}"
    assert info["license"]["name"] == "{{ cookiecutter.open_source_license }}"


def test_every_route_of_the_api_is_documented(app, document):
    # Every route under the API's prefix, read from the URL map (a new
    # resource is covered without naming it), but the document and its page.
    routes = {
        (PATH_PARAMETER.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        and rule.rule != OPENAPI
        and not rule.rule.startswith(DOCS_PAGE)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }

    assert routes == documented


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, by_method in document["paths"].items()
        for method, operation in by_method.items()
        if method != "parameters"
    ]


def test_each_operation_is_named_after_its_view_function(app, document):
    # Client generators name their methods after operationId.
    views = {
        (PATH_PARAMETER.sub(r"{\1}", rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    ids = [operation["operationId"] for _, _, operation in operations(document)]

    for method, path, operation in operations(document):
        assert views[path, method].endswith("." + operation["operationId"])
    assert len(set(ids)) == len(ids)
    assert {"list_items", "create_item", "get_item", "update_item", "delete_item"} <= {
        *ids
    }
    assert {"get_health", "get_readiness"} <= {*ids}


def test_each_operation_says_which_credential_it_needs(document):
    needs = {
        (method, path): operation["security"]
        for method, path, operation in operations(document)
    }

{%- if cookiecutter.auth == "none" %}
    # Open on purpose, said on each operation: not a forgotten scheme.
    assert set(map(str, needs.values())) == {"[]"}
{%- else %}
    assert needs["get", "/api/v1/health"] == []
    assert needs["get", "/api/v1/items"] == [{"bearer": []}]
    assert needs["post", "/api/v1/items"] == [{"bearer": []}]
{%- endif %}


def test_the_server_is_where_the_document_is_served(app):
    at_root = app.test_client().get(OPENAPI).get_json()
    # Mounted under /shop (SCRIPT_NAME), as a proxy or gunicorn may mount it.
    under_prefix = app.test_client().get(OPENAPI, base_url="http://localhost/shop")

    assert at_root["servers"] == [{"url": "/"}]
    assert under_prefix.get_json()["servers"] == [{"url": "/shop"}]


def test_each_tag_is_described(document):
    tags = {tag["name"]: tag.get("description") for tag in document["tags"]}
    used = {tag for *_, operation in operations(document) for tag in operation["tags"]}

    assert used <= set(tags)
    assert all(tags.values())


def test_every_example_is_valid_against_its_schema(document):
    found = 0
    for name, schema in document["components"]["schemas"].items():
        for field, subschema in schema.get("properties", {}).items():
            for example in examples_of(subschema):
                found += 1
                errors = [
                    error.message
                    for error in Draft202012Validator(
                        {**subschema, "components": document["components"]}
                    ).iter_errors(example)
                ]
                assert not errors, f"{name}.{field}: {example!r}: {errors}"
    assert found


def examples_of(schema: dict) -> list:
    single = [schema["example"]] if "example" in schema else []
    return [*schema.get("examples", []), *single]


def test_errors_are_documented_as_problem_documents(document):
    responses = document["components"]["responses"]
    invalid = responses["UNPROCESSABLE_ENTITY"]["content"]

    assert list(invalid) == ["application/problem+json"]
    assert invalid["application/problem+json"]["schema"]["$ref"].endswith(
        "/ValidationProblem"
    )
    validation_problem = document["components"]["schemas"]["ValidationProblem"]
    assert "errors" in validation_problem["required"]
    for name in ("NOT_FOUND", "PRECONDITION_FAILED", "DEFAULT_ERROR"):
        assert list(responses[name]["content"]) == ["application/problem+json"]


def test_a_created_item_documents_its_location(document):
    created = document["paths"]["/api/v1/items"]["post"]["responses"]["201"]

    assert "Location" in created["headers"]
    assert "X-Request-ID" in created["headers"]


@pytest.fixture
def api_schema(app):
{%- if cookiecutter.auth != "none" %}
    schema = schemathesis.openapi.from_wsgi(OPENAPI, app, config=CONFIG)
    token = credentials.token(app)

    # The suite's credential on every call, except where schemathesis leaves
    # it out on purpose (a negative case testing a request without one).
    @schema.auth()
    class Credential:
        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema
{%- else %}
    return schemathesis.openapi.from_wsgi(OPENAPI, app, config=CONFIG)
{%- endif %}


def test_every_answer_matches_the_document(api_schema):
    for result in api_schema.get_all_operations():
        operation = result.ok()
        # Valid requests and invalid ones, as schemathesis' own runner mixes them.
        cases = st.one_of(
            [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        )
        check_answers(cases)


def check_answers(cases) -> None:
    @given(case=cases)
    @settings(GENERATION, max_examples=40)
    def check(case):
        case.call_and_validate(headers=PLAIN)

    check()


def test_chains_of_calls_that_follow_location_match_the_document(
    api_schema, reset_data
):
    # A class made at run time: mypy cannot check a base it cannot see.
    class Chains(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            # Each chain starts from an empty store, so that hypothesis can
            # replay a chain (its ids included) exactly.
            reset_data()

        def get_call_kwargs(self, case):
            return {"headers": PLAIN}

    Chains.run(settings=settings(GENERATION, max_examples=30, stateful_step_count=6))
