# The two commands of the README: `make demo` and `make test`. Both set up everything on first use.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh $(wildcard scripts/apt-packages*.txt)
	bash scripts/setup.sh
	touch $@

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pytest runs under the malloc settings the console script starts with (spoofscope/allocator.py)
test: lint
	GLIBC_TUNABLES="$$($(BIN)/python -m spoofscope.allocator)" $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
