# physlit: `make run` sets up and serves; `make test` sets up and runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Models load from site-packages and var/; never from a hub unless a user asks (set HF_HUB_OFFLINE=0).
export HF_HUB_OFFLINE ?= 1
PORT ?= 8000
SNAPSHOT ?=
HARVEST_DAYS ?= 3

.PHONY: install static run test test-fast lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull gigabytes of CUDA packages.
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed static

# KaTeX comes from the npm registry and is served from static/ (no CDN).
static/vendor/katex/katex.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor/katex && mkdir -p static/vendor
	cp -r node_modules/katex/dist static/vendor/katex

static: static/vendor/katex/katex.min.js

# `make run` is a dev server on 127.0.0.1: it asks for DEBUG (off unless DJANGO_DEBUG says so) and so the
# dev secret key; a server others reach runs gunicorn with DJANGO_SECRET_KEY instead (README, "Production").
# The server starts at once: the newest papers list right away, and the search page shows the index build's
# progress until the first index is ready (under a minute for the 3k demo on 2 idle cores). In the background
# (log: var/first-start.log): the index, every paper's reported results (seconds), then short trainings of
# the summarizer and the reader, every paper summarized, and a short training of the category classifier;
# the server picks each up within seconds.
run: export DJANGO_DEBUG ?= 1
# Django's "development server" warning is replaced by physlit's own line below (README, "Production").
run: export DJANGO_RUNSERVER_HIDE_WARNING ?= true
run: install
	$(PY) manage.py migrate --noinput -v 0
ifneq ($(SNAPSHOT),)
	$(PY) manage.py import_snapshot $(SNAPSHOT)
else
	$(PY) manage.py harvest --source api --days $(HARVEST_DAYS) || \
	  echo "physlit: could not harvest from arXiv (offline?). Start again with a snapshot: make run SNAPSHOT=path/to/arxiv-snapshot.jsonl"
endif
	@mkdir -p var
	@( $(PY) manage.py build_index && { \
	  $(PY) manage.py extract_results; \
	  $(PY) manage.py train summarizer --max-minutes 3 --if-none; \
	  $(PY) manage.py train reader --max-minutes 3 --if-none; \
	  $(PY) manage.py summarize --missing; \
	  $(PY) manage.py train classifier --max-minutes 3 --if-none; \
	  echo "physlit: first start done"; } ) > var/first-start.log 2>&1 &
	@echo "physlit: serving on http://127.0.0.1:$(PORT)/ while the index builds (progress: var/first-start.log)."
	@echo "physlit: this is Django's development server, for you alone; a public server runs gunicorn (README, Production)."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/ruff check physlit tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest

# The fast lane: lint and every test not marked slow (under a minute on an idle machine).
test-fast: install
	$(VENV)/bin/ruff check physlit tests bench
	$(PY) -m pytest -m "not slow"

lint: install
	$(VENV)/bin/ruff check physlit tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules static/vendor
