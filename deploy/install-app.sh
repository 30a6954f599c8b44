#!/bin/sh
# Install Báo cáo bot into a fresh virtualenv, as the container image does.
#
#   deploy/install-app.sh VENV [SOURCE]
#
# VENV: where the virtualenv goes (created); SOURCE: the project checkout (default:
# the folder above this script). The pinned versions come from requirements.lock
# (`make lock`) when it is there; the application itself is installed without its
# dependencies, as a regular (not editable) package, so what runs is what the image
# ships: the bundled templates, migrations and static files included.
# The Dockerfile runs this script; tests/e2e/test_deploy.py runs it too, in a clean
# virtualenv, so the image's install steps are exercised where docker cannot run.
set -eu

venv="${1:?usage: install-app.sh VENV [SOURCE]}"
source_dir="${2:-$(cd "$(dirname "$0")/.." && pwd)}"
python="${PYTHON:-python3}"

# build from a copy of what the image copies: nothing is written into the checkout
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for part in pyproject.toml README.md bot dialogs storage renderers; do
    cp -R "$source_dir/$part" "$work/"
done
find "$work" -name __pycache__ -prune -exec rm -rf {} +

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
if [ -f "$source_dir/requirements.lock" ]; then
    "$venv/bin/python" -m pip install --quiet -r "$source_dir/requirements.lock"
    "$venv/bin/python" -m pip install --quiet --no-deps "$work"
else
    "$venv/bin/python" -m pip install --quiet "$work"
fi
"$venv/bin/python" -m pip check
"$venv/bin/baocao" templates list >/dev/null
echo "installed baocao into $venv"
