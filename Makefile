# The two commands of the README: `make demo` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# wheels of every dependency and of the build tools, for tests/test_package.py: it installs the
# built wheel into a fresh virtualenv with `pip install --no-index` (no registry during the tests)
WHEELHOUSE := $(VENV)/wheelhouse
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_DB ?= sqlite:///$(CURDIR)/instance/demo.sqlite3
# the demo's job queue needs no server: kombu's SQLAlchemy transport on a SQLite file of its own
# (set EVENTOPS_REDIS_URL to use Redis instead, as in production)
DEMO_QUEUE ?= $(CURDIR)/instance/demo-queue.sqlite3
# the demo's links (printed, mailed) use the address it is served on: make demo PORT=5101
DEMO_ENV = EVENTOPS_DATABASE_URL=$(DEMO_DB) EVENTOPS_BASE_URL=http://$(HOST):$(PORT) \
  EVENTOPS_CELERY_BROKER_URL=$${EVENTOPS_REDIS_URL:-sqla+sqlite:///$(DEMO_QUEUE)} \
  EVENTOPS_CELERY_RESULT_BACKEND=$${EVENTOPS_REDIS_URL:-db+sqlite:///$(DEMO_QUEUE)}

.PHONY: demo test install translations browser fonts bench clean messages wheelhouse

install: $(STAMP) translations

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

wheelhouse: $(WHEELHOUSE)/.complete

$(WHEELHOUSE)/.complete: setup.cfg pyproject.toml | $(STAMP)
	$(BIN)/python -m pip wheel --quiet -w $(WHEELHOUSE) . 'setuptools>=68' wheel
	rm -rf $(WHEELHOUSE)/eventops-*.whl build
	touch $@

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d eventops/translations -D messages

# Debian packages the tests and PDFs need: Chromium for the browser tests (never a browser
# download of Playwright's own), a CJK TrueType font to embed in PDFs and a fallback font for the
# rarer characters it lacks (HanaMin: CJK Ext-A to F, such as 𠮷), poppler for PDF checks
HANAZONO := /usr/share/fonts/truetype/hanazono/HanaMinB.ttf
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	[ -f $(HANAZONO) ] || missing="$$missing fonts-hanazono"; \
	[ -d /usr/share/fonts/opentype/noto ] || missing="$$missing fonts-noto-cjk"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

fonts:
	@missing=""; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	[ -f $(HANAZONO) ] || missing="$$missing fonts-hanazono"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# the web server, and beside it a worker with the periodic sweep (-B), stopped with the server
demo: install fonts
	mkdir -p instance
	$(DEMO_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEMO_ENV) $(BIN)/flask --app wsgi demo seed
	@$(DEMO_ENV) $(BIN)/celery -A wsgi:celery_app worker -B --concurrency=2 --loglevel=INFO \
	  --schedule $(CURDIR)/instance/demo-beat-schedule --logfile $(CURDIR)/instance/demo-worker.log & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "job queue worker started (log: instance/demo-worker.log)"; \
	$(DEMO_ENV) EVENTOPS_SECURE_COOKIES=0 $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install browser wheelhouse
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache

# after changing user-facing strings: refresh the catalog, then translate the new entries.
# Sorted, without locations or wrapping: a change of code moves no entry, and two branches that
# add strings seldom touch the same lines.
messages: $(STAMP)
	$(BIN)/pybabel extract -F eventops/babel.cfg -k _l --no-location --sort-output --no-wrap \
	  -o eventops/translations/messages.pot .
	$(BIN)/pybabel update -i eventops/translations/messages.pot -d eventops/translations \
	  --no-fuzzy-matching --ignore-obsolete --no-wrap
