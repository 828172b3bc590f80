#!/usr/bin/env bash
# One entry point for everything: creates .venv, installs pinned dependencies, builds the Cython
# kernels, then runs the requested job.  Usage: bash dev.sh demo | test | test-debug | bench | build
set -euo pipefail
cd "$(dirname "$0")"

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "frame needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VPY" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# Build the extensions in place (editable install; only changed .pyx files are recompiled).
"$VPY" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e .

job="${1:-test}"
shift || true
case "$job" in
    build) ;;
    demo) "$VPY" -m frame.demo "$@" ;;
    test)
        .venv/bin/ruff check .
        FRAME_HYPOTHESIS_PROFILE="${FRAME_HYPOTHESIS_PROFILE:-ci}" "$VPY" -m pytest -q "$@"
        ;;
    test-debug)
        # kernels rebuilt with bounds/wraparound checks, kernel tests run against them, then
        # the optimised build is restored
        FRAME_CYTHON_DEBUG=1 "$VPY" setup.py -q build_ext --inplace --force
        FRAME_HYPOTHESIS_PROFILE="${FRAME_HYPOTHESIS_PROFILE:-ci}" "$VPY" -m pytest -q -p no:cacheprovider tests/core "$@"
        "$VPY" setup.py -q build_ext --inplace --force
        ;;
    bench) "$VPY" asv_benchmarks/compare_peers.py "$@" ;;
    *) echo "unknown job '$job' (use demo, test, bench or build)" >&2; exit 2 ;;
esac
