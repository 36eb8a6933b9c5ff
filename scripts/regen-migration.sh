#!/usr/bin/env bash
# Before the first release only: rebuild the single initial migration from the models.
# (Once a version has been deployed, add a new reviewed revision instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" SECRET_KEY=regen .venv/bin/flask --app wsgi db migrate -m "initial schema" --rev-id 0001 >/dev/null
ls migrations/versions/
