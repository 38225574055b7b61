# Kite 风筝 — everything a developer runs. Needs only python3 (3.11) and make: uv is bootstrapped.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)

.PHONY: run test lint bench schemas sync clean

run: sync ## start the whole system locally
	$(UV) run kite up

test: sync ## run every test (real PostgreSQL and Kafka-protocol broker; embedded unless given)
	$(UV) run pytest

lint: sync ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run mypy libs/common/src services/roster/src services/casework/src services/jobs/src services/notify/src

bench: sync ## benchmarks (not tests): roster import of 1,000,000 members; notify broadcast to 1,000,000 and SMS rate
	$(UV) run python bench/roster_bench.py $(BENCH_ARGS)
	$(UV) run python bench/notify_bench.py $(NOTIFY_BENCH_ARGS)

schemas: sync ## write the event contract (JSON Schemas + AsyncAPI) to contracts/
	$(UV) run kite schemas

sync: $(UV)
	$(UV) sync --frozen --quiet

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

clean:
	rm -rf .venv $(TOOLS) build .pytest_cache .mypy_cache .ruff_cache
