# junheng — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

# The HTML report is tested in Debian's Chromium with Chinese fonts, its printed pages read
# back with poppler's pdftotext (apt-get, when missing).
BROWSER := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
PDFTOTEXT := /usr/bin/pdftotext
# The web application's store is tested on PostgreSQL too: a throwaway server started by the
# test fixture (tests/conftest.py) from Debian's postgresql package.
INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb) /usr/lib/postgresql/bin/initdb)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

# The virtual environment, reinstalled when the package's metadata changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p build
	$(BIN)/junheng sample --schools 60 --seed 7 -o build/sample-county.xlsx --force \
	  --prices build/sample-prices.xlsx
	$(BIN)/junheng evaluate build/sample-county.xlsx --report build/sample-report
	$(BIN)/junheng plan rotation build/sample-county.xlsx --time-limit 20 -o build/sample-plan
	$(BIN)/junheng plan pass build/sample-county.xlsx --prices build/sample-prices.xlsx \
	  --years 3 --time-limit 20 -o build/sample-pass
	$(BIN)/junheng plan groups build/sample-county.xlsx --max-km 30 --coverage 0.8 \
	  -o build/sample-groups
	@echo "网页应用 web application: $(BIN)/junheng serve --demo  →  http://127.0.0.1:8000"

$(BROWSER) $(CJK_FONT) $(PDFTOTEXT):
	$(APT) install -y chromium fonts-noto-cjk poppler-utils \
	  || ($(APT) update && $(APT) install -y chromium fonts-noto-cjk poppler-utils)

$(INITDB):
	$(APT) install -y postgresql || ($(APT) update && $(APT) install -y postgresql)

test: $(STAMP) $(BROWSER) $(CJK_FONT) $(PDFTOTEXT) $(INITDB)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# Benchmarks need pandas + openpyxl for the plain baseline; they are not package dependencies.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build $(VENV) .pytest_cache .ruff_cache .hypothesis
