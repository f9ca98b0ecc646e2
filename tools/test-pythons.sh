#!/usr/bin/env bash
# `make test-pythons`: `make TARGET` on every supported Python but the one `make test` itself uses,
# each in its own .venv-3.X. Where no python3.14 is on PATH, 3.14 runs through tools/python314.sh,
# or is skipped with its reason when the script cannot provide it here.
# Usage (the Makefile's): tools/test-pythons.sh TARGET DEFAULT_VERSION VERSION...
set -uo pipefail
cd "$(dirname "$0")/.." || exit
target=$1 default=$2
shift 2
passed=() skipped=()
skip() { echo "Python $1: skipped ($2)"; skipped+=("$1 ($2)"); }
for version in "$@"; do
    run=(make --no-print-directory "$target" "PYTHON=python$version" "VENV=.venv-$version")
    if [ "$version" = "$default" ]; then
        skip "$version" "the default python3, which make test uses"
    elif "python$version" -c '' 2>/dev/null; then
        echo "=== Python $version: ${run[*]}"
        "${run[@]}" || exit 1
        passed+=("$version")
    elif [ "$version" != 3.14 ]; then
        skip "$version" "no python$version on PATH"
    else
        echo "=== Python 3.14: none on PATH, asking tools/python314.sh (a minute the first time)"
        found=$(tools/python314.sh python3.14 --version 2>&1)
        case $? in
        0)
            echo "=== Python 3.14 (${found##*$'\n'} in tools/python314.sh's folder): ${run[*]}"
            tools/python314.sh "${run[@]}" || exit 1
            passed+=("3.14 (tools/python314.sh)")
            ;;
        3) skip 3.14 "${found##*here: }" ;;  # the script's one-line reason
        *) echo "$found" && exit 1 ;;
        esac
    fi
done
echo "make $target passed on Python: ${passed[*]:-none}"
list=$(printf '%s; ' "${skipped[@]}")
list=${list%; }
echo "skipped: ${list:-none}"
