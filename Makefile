# The two commands of the course (see README.md):
#   make start        set up .venv and open JupyterLab on notebooks/ at lesson 01 (the student's interface)
#   make test         set up .venv and run every test (lint, unit, notebooks, browser, end-to-end grading)
# and for instructors:
#   make instructor   JupyterLab on the repository root with nbgrader's instructor tools (Formgrader, ...)
.PHONY: start instructor test setup lint

VENV := .venv
BIN := $(VENV)/bin

setup:
	@bash scripts/bootstrap.sh

start: setup
	@bash scripts/lab.sh student

instructor: setup
	@bash scripts/lab.sh instructor

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/python -m pytest --nbval -n auto --dist loadscope
