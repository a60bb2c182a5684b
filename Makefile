# Two entry points: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := python3-venv softhsm2 opensc xmlsec1 fonts-liberation2 gettext postgresql chromium \
	nginx nodejs xvfb xdotool scrot python3-tk poppler-utils
export DJANGO_SETTINGS_MODULE := openivan.conf.settings

.PHONY: demo test system venv lint unit-tests pg-tests bench clean

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Debian packages npm apart from nodejs; NodeSource's nodejs carries its own.
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } \
	  || { echo "run as root to install: npm" >&2; exit 1; }

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# axe-core (pinned in package-lock.json), which the browser tests inject to check accessibility.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

venv: system $(VENV)/.installed node_modules/.installed
	msgfmt -o src/openivan/platform/locale/vi/LC_MESSAGES/django.mo src/openivan/platform/locale/vi/LC_MESSAGES/django.po

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/mypy

# pytest-xdist workers: much of the suite waits on browsers, servers and subprocesses, so more
# workers than cores fill a 2-core machine (31 min with one worker at stop 32). `make test` runs
# both phases at once, two workers each: three on SQLite took 3 min less, but five test processes
# on two cores made timed waits fail (a server's start past 60 s).
PYTEST := $(VENV)/bin/pytest -p no:cacheprovider -q --dist worksteal
SQLITE_WORKERS ?= 2
PG_WORKERS ?= 2

unit-tests: venv
	$(PYTEST) -n $(SQLITE_WORKERS)

pg-tests: venv
	$(PY) tools/with_postgres.py -- $(PYTEST) -n $(PG_WORKERS) -m db

# The whole suite on SQLite and, at the same time, every database test again on a throwaway
# PostgreSQL: one after the other, the two cores sat idle a third of the time (browsers, servers,
# subprocesses), which the other phase fills. Each phase's output is printed whole at its end (-O).
test: lint
	$(MAKE) --no-print-directory -O -j2 unit-tests pg-tests

# The whole platform: demo CA (OCSP/CRL), SMTP catcher + mailbox page, worker, web server.
demo: venv
	$(VENV)/bin/openivan demo run

# Every benchmark runs, whatever the verdict of the one before; the exit status says if any failed.
# The intake's floor runs before the intake, which prints its ratio to it (OPENIVAN_BENCH_RUN).
bench: venv
	@failed=0; export OPENIVAN_BENCH_RUN=$$(date +%s%N); \
	for name in signatures intake_floor intake console evidence signer_agent provider sms \
			records portal; do \
		$(PY) benchmarks/bench_$$name.py || failed=1; done; exit $$failed

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
