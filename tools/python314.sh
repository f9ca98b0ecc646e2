#!/usr/bin/env bash
# Runs a command under Python 3.14 on a machine that has none: in a small Debian unstable system
# made with debootstrap, with the course folder mounted at its own path. From the course folder:
#   tools/python314.sh make test-helpers PYTHON=python3.14 VENV=.venv-3.14
# Needs root on Debian or Ubuntu (on Ubuntu, a Debian mirror in PYTHON314_MIRROR) and, the first
# time, Debian's packages: the folder is made once, in about a minute, in $PYTHON314_ROOT
# (default ~/.cache/course-python314), then reused. `rm -rf` it at any time to start afresh.
# Exit status: the command's own, or 3 when Python 3.14 cannot be had here, the reason on the last
# line. To tell the two apart, ask first: `tools/python314.sh python3.14 --version`.
# Every mount is made in a private mount namespace, and every process runs in a private PID
# namespace: when the command ends (Ctrl-C and kill -9 included) its processes end and its mounts
# vanish with them. The machine never sees them, so removing the folder cannot reach through one.
set -euo pipefail
: "${HOME:=/root}"
ROOT=${PYTHON314_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/course-python314}
PACKAGES=python3.14,python3.14-venv,python3.14-dev,gcc,make,git,procps,ca-certificates
PROJECT=$(cd "$(dirname "$0")/.." && pwd)
cannot() { echo "tools/python314.sh: cannot provide Python 3.14 here: $*" >&2; exit 3; }
built() { [ "$(cat "$ROOT/.course-packages" 2>/dev/null)" = "$PACKAGES" ]; }
[ $# -gt 0 ] || { echo "usage: tools/python314.sh COMMAND [ARGUMENT...]" >&2; exit 2; }

if [ -z "${PYTHON314_INSIDE:-}" ]; then  # On the machine: check what is needed, then go inside.
    [ "$(id -u)" = 0 ] || cannot "not root: debootstrap, mount and chroot need root"
    grep -qsE '^ID(_LIKE)?=.*\b(debian|ubuntu)\b' /etc/os-release || cannot "not Debian or Ubuntu"
    if ! built; then
        grep -qsxE 'ID="?debian"?' /etc/os-release || [ -n "${PYTHON314_MIRROR:-}" ] ||
            cannot "not Debian: set PYTHON314_MIRROR to a Debian mirror for debootstrap"
        command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq debootstrap; } >/dev/null 2>&1 ||
            cannot "debootstrap is not installed, and apt-get could not install it (no network?)"
    fi
    unshare --mount --pid --fork true 2>/dev/null ||
        cannot "the kernel refused private mount and PID namespaces (unshare)"
    export PYTHON314_INSIDE=1
    exec unshare --mount --pid --fork --kill-child bash "$0" "$@"
fi

# Inside the namespaces, as process 1: make the folder if need be (debootstrap mounts in it too).
if ! built; then
    if [ -n "$(ls -A "$ROOT" 2>/dev/null)" ] && [ ! -e "$ROOT/.course-packages" ]; then
        cannot "$ROOT is not empty and not this script's folder: set PYTHON314_ROOT elsewhere"
    fi
    if grep -qF -e " $ROOT/" -e " $ROOT " /proc/self/mountinfo; then
        cannot "something is mounted in $ROOT"
    fi
    rm -rf "$ROOT" && mkdir -p "$ROOT" && echo building >"$ROOT/.course-packages"
    echo "tools/python314.sh: making $ROOT, Debian unstable with Python 3.14 (about a minute)" >&2
    if ! log=$(debootstrap --variant=minbase --include="$PACKAGES" sid "$ROOT" \
        ${PYTHON314_MIRROR:+"$PYTHON314_MIRROR"} 2>&1); then
        error=$(grep '^E: ' <<<"$log" | tail -n 1)
        case $error in
        *"release file"* | *"download"*) cannot "no network to Debian's packages ($error)" ;;
        *) cannot "debootstrap failed: ${error:-see $ROOT/debootstrap/debootstrap.log}" ;;
        esac
    fi
    echo "$PACKAGES" >"$ROOT/.course-packages"
fi

mnt() { mount "$@" || cannot "could not mount ${*: -1}"; }
mnt -t proc proc "$ROOT/proc"  # this PID namespace's own processes
mnt --bind /sys "$ROOT/sys"
mnt --bind /dev "$ROOT/dev"  # the device nodes; its own /dev/shm (semaphores) and /dev/pts
mnt -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ROOT/dev/shm"
mnt -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$ROOT/dev/pts"
mnt --bind "$ROOT/dev/pts/ptmx" "$ROOT/dev/ptmx"
mkdir -p "$ROOT$PROJECT" "$ROOT$HOME"
mnt --bind "$PROJECT" "$ROOT$PROJECT"

# What pip needs to reach the registry as it does outside: its settings, the files they name,
# the name server. Each is copied to its own path (replacing, never writing through a link).
carry() {
    [ -f "$1" ] || return 0
    mkdir -p "$ROOT$(dirname "$1")" && cp --remove-destination "$1" "$ROOT$1"
}
configs=()
for file in /etc/pip.conf /etc/xdg/pip/pip.conf "$HOME/.config/pip/pip.conf" "$HOME/.pip/pip.conf" \
    "${PIP_CONFIG_FILE:-}"; do
    [ -f "$file" ] && configs+=("$file")
done
named=$(sed -nE 's/^\s*(cert|client-cert|constraint)\s*=\s*//p' "${configs[@]}" /dev/null)
for file in /etc/resolv.conf /etc/hosts "${configs[@]}" "${PIP_CERT:-}" "${PIP_CLIENT_CERT:-}" \
    "${SSL_CERT_FILE:-}" "${REQUESTS_CA_BUNDLE:-}" ${PIP_CONSTRAINT:-} $named; do  # lists unquoted
    carry "$file"
done

# A clean environment, but for pip's variables, proxies, CI and TERM.
keep=("HOME=$HOME" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
wanted='^(PIP_.*|CI|TERM|SSL_CERT_FILE|REQUESTS_CA_BUNDLE|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY)$'
for name in $(compgen -e | grep -E "$wanted"); do
    keep+=("$name=${!name}")
done
here=$PWD
case $here/ in "$PROJECT"/*) ;; *) here=$PROJECT ;; esac
# shellcheck disable=SC2016 # $1 and $@ are the inner shell's: the folder to work in, the command
chroot "$ROOT" /usr/bin/env -i "${keep[@]}" \
    /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$here" "$@"
