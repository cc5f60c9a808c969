#!/usr/bin/env bash
# Install Teamwork Studio for the current user: the bundle, a `teamwork-studio` command and an entry
# in the applications menu. No root needed; nothing outside $HOME (or the folders given) is touched.
#
#   ./install.sh                 copy this bundle to ~/.local/share/teamwork-studio and register it
#   ./install.sh --in-place      register the bundle where it is (do not copy)
#   ./install.sh --uninstall     remove what an install made
#   options: --prefix DIR (default ${XDG_DATA_HOME:-~/.local/share}/teamwork-studio)
#            --bin-dir DIR (default ~/.local/bin)
set -euo pipefail

APP=teamwork-studio
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
PREFIX="$DATA_HOME/$APP"
BIN_DIR="$HOME/.local/bin"
MODE=install

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --in-place) MODE=in-place ;;
        --uninstall) MODE=uninstall ;;
        --prefix) PREFIX="$2"; shift ;;
        --bin-dir) BIN_DIR="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$1' (see --help)." >&2; exit 2 ;;
    esac
    shift
done

APPS_DIR="$DATA_HOME/applications"
ICON_DIR="$DATA_HOME/icons/hicolor/256x256/apps"
DESKTOP="$APPS_DIR/$APP.desktop"
ICON="$ICON_DIR/$APP.png"
LINK="$BIN_DIR/$APP"
MARKER=".teamwork-studio-bundle"

refresh_menus() {
    # Optional helpers: menus pick up the new entry without them, only later.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$MODE" = uninstall ]; then
    # The installed bundle is removed only when an install copied it there (marker file).
    if [ -f "$PREFIX/$MARKER" ]; then
        rm -rf "$PREFIX"
    fi
    if [ -L "$LINK" ]; then rm -f "$LINK"; fi
    rm -f "$DESKTOP" "$ICON"
    refresh_menus
    echo "Teamwork Studio removed."
    exit 0
fi

if [ ! -x "$HERE/$APP" ]; then
    echo "install.sh: $HERE/$APP is missing; run this script from the unpacked bundle." >&2
    exit 1
fi

if [ "$MODE" = in-place ]; then
    TARGET="$HERE"
else
    TARGET="$PREFIX"
    if [ "$HERE" != "$(mkdir -p "$TARGET" && cd "$TARGET" && pwd)" ]; then
        # Replace an older install completely, but never a folder this script did not create.
        if [ -n "$(ls -A "$TARGET")" ] && [ ! -f "$TARGET/$MARKER" ]; then
            echo "install.sh: $TARGET exists and is not a Teamwork Studio install; choose --prefix." >&2
            exit 1
        fi
        rm -rf "$TARGET"
        mkdir -p "$TARGET"
        cp -a "$HERE/." "$TARGET/"
        touch "$TARGET/$MARKER"
    fi
fi

mkdir -p "$APPS_DIR" "$ICON_DIR" "$BIN_DIR"
cp "$TARGET/$APP.png" "$ICON"
# The menu entry names the executable by absolute path: ~/.local/bin is not always on PATH.
sed -e "s|^Exec=.*|Exec=\"$TARGET/$APP\" %F|" -e "s|^TryExec=.*|TryExec=$TARGET/$APP|" \
    "$TARGET/$APP.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
chmod 644 "$DESKTOP"
ln -sfn "$TARGET/$APP" "$LINK"
refresh_menus

echo "Teamwork Studio installed in $TARGET"
echo "  menu entry: $DESKTOP"
echo "  command:    $LINK"
case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) echo "  note: $BIN_DIR is not on your PATH; add it to run 'teamwork-studio' from a terminal." ;;
esac
