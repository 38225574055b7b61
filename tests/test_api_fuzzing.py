"""Schemathesis against every service's OpenAPI document, on a real port, on a real database: generated
requests (valid and invalid) as a county administrator and without a token. Every answer must be
documented — its status, its media type and its body's schema — and none may be a 5xx.

Each service's whole document is run, so a new route is fuzzed the day it is added. The run is
bounded (the documented examples and ten generated requests per operation, deterministic generation),
so it finds the same things every time. No check is excluded for any operation: what it finds is
fixed in the service (or its documentation).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from kite_common.contracts import openapi_document
from kite_common.discovery import installed_services
from kite_common.testing.stack import running, token

COUNTY = "522631"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ST = Path(sys.executable).with_name("st")
# The coverage phase (every boundary and wrong type of every parameter, ~40 requests an operation)
# is the deep run: about 13 minutes for all services on a loaded 2-core machine, against 2-3 for the
# default. `KITE_FUZZ_PHASES=examples,coverage,fuzzing uv run pytest tests/test_api_fuzzing.py`.
PHASES = os.environ.get("KITE_FUZZ_PHASES", "examples,fuzzing")
EXAMPLES = int(os.environ.get("KITE_FUZZ_EXAMPLES", "10"))


async def _schemathesis(
    document: Path, base_url: str, headers: list[str], phases: str, examples: int, report: Path
) -> str:
    args = [
        str(ST),
        "run",
        str(document),
        "--url",
        base_url,
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--generation-deterministic",
        "--no-shrink",
        "--workers",
        "1",  # one thread: CPython 3.11's ast.parse, which Hypothesis calls, is not thread-safe
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    for header in headers:
        args += ["-H", header]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=report.parent
    )
    output, _ = await process.communicate()
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        pytest.fail(f"schemathesis found problems (exit {process.returncode}):\n{text[-20000:]}")
    return text


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(installed_services()))
async def test_every_operation_answers_as_documented_to_generated_requests(infra, prefix, name, tmp_path):
    service = installed_services()[name]
    document = tmp_path / f"{name}.json"
    document.write_text(json.dumps(openapi_document(service)), "utf-8")
    async with running(infra, service, prefix, roles=("api",)) as svc:
        await _schemathesis(
            document,
            svc.base_url,
            [f"Authorization: Bearer {token(['admin'], COUNTY)}"],
            phases=PHASES,
            examples=EXAMPLES,
            report=tmp_path / "as-admin.xml",
        )
        # Without a token every secured operation answers 401 before reading its input: one request each.
        await _schemathesis(document, svc.base_url, [], "examples", examples=1, report=tmp_path / "anonymous.xml")
