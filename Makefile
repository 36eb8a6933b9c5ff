# The two commands a newcomer needs: `make run` and `make test`.
# Both set up everything first (virtual environment, pinned packages, migrations).
PORT ?= 5000
VENV := .venv
FLASK := $(VENV)/bin/flask --app wsgi

.PHONY: run test lint

run:
	@scripts/bootstrap.sh
	@$(FLASK) db upgrade
	@$(FLASK) questionnaire load-shipped
	@$(FLASK) campaign demo
	@$(FLASK) users ensure-admin
	@$(FLASK) urls --base http://127.0.0.1:$(PORT)
	@PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

test:
	@scripts/bootstrap.sh --test
	@$(VENV)/bin/ruff check .
	@$(FLASK) db upgrade
	@$(FLASK) questionnaire load-shipped
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint:
	@$(VENV)/bin/ruff check .
