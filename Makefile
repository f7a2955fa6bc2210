# The two commands of the README: `make demo` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_DB ?= sqlite:///$(CURDIR)/instance/demo.sqlite3

.PHONY: demo test install translations browser bench clean messages

install: $(STAMP) translations

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d eventops/translations -D messages

# Debian's Chromium for the browser tests (never a browser download of Playwright's own)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

demo: install
	mkdir -p instance
	EVENTOPS_DATABASE_URL=$(DEMO_DB) $(BIN)/flask --app wsgi db upgrade
	EVENTOPS_DATABASE_URL=$(DEMO_DB) $(BIN)/flask --app wsgi demo seed
	EVENTOPS_DATABASE_URL=$(DEMO_DB) EVENTOPS_SECURE_COOKIES=0 $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache

# after changing user-facing strings: refresh the catalog, then translate the new entries
messages: $(STAMP)
	$(BIN)/pybabel extract -F eventops/babel.cfg -k _l -o eventops/translations/messages.pot .
	$(BIN)/pybabel update -i eventops/translations/messages.pot -d eventops/translations --no-fuzzy-matching
