#!/usr/bin/env bash
# Teamwork Studio developer entry point.
#   ./studio.sh run    set everything up, then open the app (headless demo when there is no display)
#   ./studio.sh test   set everything up, then run the test suite (under Xvfb when needed)
#   ./studio.sh setup  only set up the virtual environment in .venv
# Idempotent: a second call reuses .venv and installs nothing new unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${TEAMWORK_STUDIO_VENV:-.venv}"
PY="${PYTHON:-python3}"

# Debian packages: python venv support, and the libraries headless Qt and GL tests need.
RUN_PACKAGES="python3-venv python3-pip libegl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0 libgles2 \
libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libglib2.0-0"
TEST_PACKAGES="$RUN_PACKAGES xvfb xauth"

system_packages() {
    local missing=()
    command -v dpkg-query >/dev/null 2>&1 || return 0
    for pkg in $1; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "==> missing system packages (install them with your package manager): ${missing[*]}" >&2
    fi
}

setup_venv() {
    local extras="$1"
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "Teamwork Studio needs Python 3.11 or newer (found $("$PY" --version))." >&2; exit 2; }
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    local stamp="$VENV/.installed-$extras-$(sha256sum pyproject.toml | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        echo "==> installing Python packages into $VENV (first run takes a few minutes)"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        # torch first and pinned: a range would pull the large CUDA build on Linux.
        "$VENV/bin/python" -m pip install -q "torch==2.13.0"
        "$VENV/bin/python" -m pip install -q -e ".[$extras]"
        rm -f "$VENV"/.installed-* && touch "$stamp"
    fi
}

has_display() { [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; }

case "${1:-run}" in
    setup)
        system_packages "$RUN_PACKAGES"; setup_venv "dev" ;;
    run)
        system_packages "$RUN_PACKAGES"; setup_venv "dev"
        if has_display; then exec "$VENV/bin/teamwork-studio" "${@:2}"; fi
        echo "==> no display: running the headless demo"
        exec "$VENV/bin/teamwork-studio" demo --out "${TEAMWORK_STUDIO_DEMO_OUT:-out/demo}" ;;
    test)
        system_packages "$TEST_PACKAGES"; setup_venv "dev"
        export PYTHONFAULTHANDLER=1
        runner=("$VENV/bin/python" -m pytest -q -p no:cacheprovider "${@:2}")
        # Qt and GL tests want a real X server (QOpenGLWidget does not draw offscreen).
        if ! has_display && command -v xvfb-run >/dev/null 2>&1; then
            exec xvfb-run -a -s "-screen 0 1600x1000x24" "${runner[@]}"
        fi
        has_display || export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
        exec "${runner[@]}" ;;
    *)
        echo "usage: ./studio.sh run|test|setup" >&2; exit 2 ;;
esac
