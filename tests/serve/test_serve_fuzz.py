"""Property-based fuzz of the real server from its own OpenAPI document (schemathesis).

Bounded: a fixed number of generated requests per operation and mode (valid and invalid
requests), so the file runs in well under a minute. Whatever arrives, the server answers
without a 5xx and the answers conform to the document; it logs no traceback.
(Hypothesis' @given over schemathesis' strategies: schemathesis' own pytest plugin does
not run under pytest 9.)
"""

from __future__ import annotations

import pytest

from helpers.serve import require

schemathesis = require("schemathesis")
hypothesis = require("hypothesis")

from schemathesis.checks import positive_data_acceptance  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

EXAMPLES = 40  # per operation and mode


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in schema.get_all_operations())}


@pytest.mark.parametrize("name, mode", [
    ("POST /v1/predict", GenerationMode.POSITIVE), ("POST /v1/predict", GenerationMode.NEGATIVE),
    ("GET /v1/model", GenerationMode.POSITIVE), ("GET /healthz", GenerationMode.POSITIVE),
    ("GET /metrics", GenerationMode.POSITIVE)])  # the GETs take no input: nothing invalid to make
def test_no_server_error(server, operations, name, mode):
    @hypothesis.given(case=operations[name].as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def check(case):
        # Not positive_data_acceptance: random bytes fit "format: binary" yet are no image (422).
        case.call_and_validate(base_url=server.url, timeout=60, excluded_checks=[positive_data_acceptance])

    before = requests_to(server, name)
    check()
    # it did send them (a GET without parameters has one distinct request: Hypothesis stops there)
    assert requests_to(server, name) - before >= (EXAMPLES // 2 if name.startswith("POST") else 1)
    assert "Traceback" not in server.log_text()


def requests_to(server, name: str) -> int:
    """Requests the server counted for the operation so far (its /metrics)."""
    import urllib.request

    method, path = name.split()
    with urllib.request.urlopen(server.url + "/metrics") as r:
        text = r.read().decode()
    prefix = f'mnist_edge_http_requests_total{{route="{path}",method="{method}",'
    return sum(int(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))
