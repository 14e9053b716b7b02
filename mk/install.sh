#!/bin/sh
# Installs, lists or uninstalls swiftrun's files; called by `make install`,
# `make uninstall` and `make deb` (mk/install.mk), which pass the directories.
#
#   mk/install.sh list        the files install writes, one absolute path per line (without DESTDIR)
#   mk/install.sh install     copy them under DESTDIR (binary stripped, pages gzipped with MANGZ=1)
#   mk/install.sh uninstall   remove exactly those files from DESTDIR (directories stay)
#
# Environment: DESTDIR, SBINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR, FISHCOMPDIR
# (absolute), BINARY (the release binary), DIST (with man/ and completions/
# from `make dist`), MANSRC (Docs/man: one man page per VERB.txt there, plus
# swiftrun(8)), MANGZ (1: install swiftrun*.8.gz), INSTALL, STRIP.
set -eu

: "${DESTDIR:=}" "${SBINDIR:?}" "${MANDIR:?}" "${BASHCOMPDIR:?}" "${ZSHCOMPDIR:?}" "${FISHCOMPDIR:?}"
: "${MANSRC:?}" "${MANGZ:=0}" "${INSTALL:=install}" "${STRIP:=strip}"

pages() {
    echo swiftrun
    for f in "$MANSRC"/*.txt; do
        v=$(basename "$f" .txt)
        [ "$v" = common ] || [ "$v" = swiftrun ] || echo "swiftrun-$v"
    done
}

gz=; [ "$MANGZ" = 1 ] && gz=.gz

list() {
    echo "$SBINDIR/swiftrun"
    for p in $(pages); do echo "$MANDIR/man8/$p.8$gz"; done
    echo "$BASHCOMPDIR/swiftrun"
    echo "$ZSHCOMPDIR/_swiftrun"
    echo "$FISHCOMPDIR/swiftrun.fish"
}

case "${1:-}" in
list)
    list
    ;;
install)
    : "${BINARY:?}" "${DIST:?}"
    for p in $(pages); do
        [ -f "$DIST/man/$p.8" ] || { echo "install: $DIST/man/$p.8 missing (run make dist)" >&2; exit 1; }
    done
    $INSTALL -d -m 0755 "$DESTDIR$SBINDIR" "$DESTDIR$MANDIR/man8" \
        "$DESTDIR$BASHCOMPDIR" "$DESTDIR$ZSHCOMPDIR" "$DESTDIR$FISHCOMPDIR"
    # Stripped as dh_strip does: symbols, debug info, and the .comment/.note sections.
    $INSTALL -m 0755 "$BINARY" "$DESTDIR$SBINDIR/swiftrun"
    $STRIP --remove-section=.comment --remove-section=.note "$DESTDIR$SBINDIR/swiftrun"
    for p in $(pages); do
        if [ -n "$gz" ]; then
            gzip -9 -n -c "$DIST/man/$p.8" >"$DESTDIR$MANDIR/man8/$p.8.gz"
            chmod 0644 "$DESTDIR$MANDIR/man8/$p.8.gz"
        else
            $INSTALL -m 0644 "$DIST/man/$p.8" "$DESTDIR$MANDIR/man8/$p.8"
        fi
    done
    $INSTALL -m 0644 "$DIST/completions/swiftrun.bash" "$DESTDIR$BASHCOMPDIR/swiftrun"
    $INSTALL -m 0644 "$DIST/completions/_swiftrun" "$DESTDIR$ZSHCOMPDIR/_swiftrun"
    $INSTALL -m 0644 "$DIST/completions/swiftrun.fish" "$DESTDIR$FISHCOMPDIR/swiftrun.fish"
    list | sed "s|^|installed $DESTDIR|"
    ;;
uninstall)
    list | while read -r f; do
        if [ -e "$DESTDIR$f" ] || [ -L "$DESTDIR$f" ]; then
            rm -f "$DESTDIR$f" && echo "removed $DESTDIR$f"
        fi
    done
    ;;
*)
    echo "usage: $0 list|install|uninstall" >&2
    exit 2
    ;;
esac
