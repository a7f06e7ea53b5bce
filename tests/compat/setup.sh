#!/usr/bin/env bash
# Builds .venv-compat: Python 3.12 with Timeback's official clients (requirements.txt),
# for the compatibility tests. Prints the venv's python. Safe to run concurrently (flock)
# and again (re-installs only when requirements.txt is newer than the venv).
#
# Python 3.12 is taken from $COMPAT_PYTHON, else python3.12 on PATH, else pyenv (installed
# with `pyenv install 3.12` when pyenv has none, which builds from source: minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-compat
REQUIREMENTS=tests/compat/requirements.txt
STAMP=$VENV/.installed

exec 7>>"${TMPDIR:-/tmp}/timeback-compat-venv-$(id -u).lock"
flock 7

is_312() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; }

find_python() {
  local candidate
  for candidate in "${COMPAT_PYTHON:-}" "$(command -v python3.12 || true)"; do
    if [ -n "$candidate" ] && is_312 "$candidate"; then echo "$candidate"; return 0; fi
  done
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  local pyenv_bin
  pyenv_bin="$(command -v pyenv || true)"
  [ -z "$pyenv_bin" ] && [ -x "$pyenv_root/bin/pyenv" ] && pyenv_bin="$pyenv_root/bin/pyenv"
  for candidate in $(ls -d "$pyenv_root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r); do
    if is_312 "$candidate"; then echo "$candidate"; return 0; fi
  done
  if [ -n "$pyenv_bin" ]; then
    echo "compat: no Python 3.12 found; running 'pyenv install 3.12' (builds from source)" >&2
    PYENV_ROOT="$pyenv_root" "$pyenv_bin" install -s 3.12 >&2
    for candidate in $(ls -d "$pyenv_root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r); do
      if is_312 "$candidate"; then echo "$candidate"; return 0; fi
    done
  fi
  echo "compat: Python 3.12 is needed for Timeback's official clients; set COMPAT_PYTHON" \
       "to a python3.12, or install pyenv (https://github.com/pyenv/pyenv) and run" \
       "'pyenv install 3.12'" >&2
  return 1
}

if ! is_312 "$VENV/bin/python"; then
  python312="$(find_python)"
  echo "compat: creating $VENV with $python312" >&2
  rm -rf "$VENV"
  "$python312" -m venv "$VENV"
  rm -f "$STAMP"
fi
if [ ! -f "$STAMP" ] || [ "$REQUIREMENTS" -nt "$STAMP" ]; then
  echo "compat: pip install -r $REQUIREMENTS" >&2
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" >&2
  touch "$STAMP"
fi
echo "$PWD/$VENV/bin/python"
