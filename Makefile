# Kite 风筝 — everything a developer runs. Needs only python3 (3.11) and make: uv is bootstrapped.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)

.PHONY: run test chromium lint bench schemas scan chaos chaos-short sync clean

run: sync ## start the whole system locally
	$(UV) run kite up

test: sync chromium ## every test (real PostgreSQL and Kafka-protocol broker; embedded unless given), then the short chaos run
	$(UV) run pytest
	$(UV) run python bench/chaos.py --short

chromium: ## Debian's Chromium for the console's browser tests (Playwright drives it; it never downloads one)
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	  else echo "the browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; fi; }

lint: sync ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run mypy libs/common/src services/roster/src services/casework/src services/jobs/src services/notify/src services/identity/src services/console/src

bench: sync ## benchmarks (not tests), each as ratios to a reference in the same run; BENCH=store|register|http|members-http|roster|monitoring|console|casework|jobs|notify picks sections
	$(UV) run python bench/run.py "$(BENCH)" $(BENCH_ARGS)

chaos: sync ## not a test: load while processes, PostgreSQL and the broker are killed; prints lost/duplicated per effect (exit 1 if any)
	$(UV) run python bench/chaos.py $(CHAOS_ARGS)

chaos-short: sync ## the short chaos run CI does (about 5 minutes)
	$(UV) run python bench/chaos.py --short

scan: sync ## checkov over the rendered Helm chart (default and production values); skips explained in deploy/k8s/checkov.yaml
	$(UV) run python tools/render_chart.py build/rendered
	$(UV) tool run --from checkov==3.3.30 checkov --config-file deploy/k8s/checkov.yaml -d build/rendered

schemas: sync ## write the event contract (JSON Schemas + AsyncAPI) to contracts/
	$(UV) run kite schemas

sync: $(UV)
	$(UV) sync --frozen --quiet

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

clean:
	rm -rf .venv $(TOOLS) build .pytest_cache .mypy_cache .ruff_cache
