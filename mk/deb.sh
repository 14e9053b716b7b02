#!/bin/sh
# Builds out/swiftrun_VERSION_ARCH.deb with dpkg-deb; called by `make deb`
# (mk/install.mk) after `make dist`. The package holds what `make install
# PREFIX=/usr` installs (the man pages gzipped, zsh's completion in Debian's
# vendor-completions), plus /usr/share/doc/swiftrun/{copyright,changelog.gz}.
#
# Environment: SWIFTRUN (release binary), DIST, MANSRC, DEB_OUT (directory for
# the .deb), DEB_STAGE (scratch directory, replaced), DEB_MAINTAINER,
# SOURCE_DATE_EPOCH (optional: dates and file times, for reproducible output).
set -eu

: "${SWIFTRUN:?}" "${DIST:?}" "${MANSRC:?}" "${DEB_OUT:?}" "${DEB_STAGE:?}" "${DEB_MAINTAINER:?}"
here=$(cd "$(dirname "$0")" && pwd)
# dpkg-deb reads it too, and refuses an empty one (a build outside git passes "").
[ -n "${SOURCE_DATE_EPOCH:-}" ] || unset SOURCE_DATE_EPOCH

# "0.1.0-dev.57+g1a2b3c4[.dirty]" -> "0.1.0~dev.57+g1a2b3c4[.dirty]" (a pre-release
# sorts before 0.1.0); "0.2.0-3-g1a2b3c4[-dirty]" -> "0.2.0+3.g1a2b3c4[.dirty]";
# a native package's version has no hyphen.
version=$("$SWIFTRUN" --version | sed -n 's/^swiftrun version //p')
[ -n "$version" ] || { echo "deb: '$SWIFTRUN --version' printed no version" >&2; exit 1; }
debversion=$(printf '%s\n' "$version" | sed -e 's/-dev\./~dev./' -e 's/-\([0-9][0-9]*\)-g/+\1.g/' \
    -e 's/-dirty$/.dirty/' -e 's/-/./g')
commit=$("$SWIFTRUN" --version | sed -n 's/^commit: //p')
seccomp=$("$SWIFTRUN" --version | sed -n 's/^libseccomp: //p')
arch=$(dpkg --print-architecture)

# The binary is static (no dynamic section: libseccomp is linked in), so the
# package has no Depends. Built-Using names the Debian source packages of the
# static libraries it contains: libc always, the others when one of their
# symbols is in the (unstripped) build, each found where gcc finds the .a.
if readelf -d "$SWIFTRUN" 2>/dev/null | grep -q NEEDED; then
    echo "deb: $SWIFTRUN is dynamically linked (readelf -d shows NEEDED); the package would need Depends" >&2
    exit 1
fi
syms=$(nm "$SWIFTRUN" 2>/dev/null | awk '{print $NF}')
[ -n "$syms" ] || { echo "deb: nm found no symbols in $SWIFTRUN (give the unstripped build)" >&2; exit 1; }
static_libs=libc.a
printf '%s\n' "$syms" | grep -qx seccomp_version && static_libs="$static_libs libseccomp.a"
printf '%s\n' "$syms" | grep -qx cap_get_proc && static_libs="$static_libs libcap.a"
printf '%s\n' "$syms" | grep -q '^_ZNSt' && static_libs="$static_libs libstdc++.a"
built_using=
for lib in $static_libs; do
    path=$(realpath "$(${CC:-gcc} -print-file-name="$lib")")
    pkg=$(dpkg -S "$path" 2>/dev/null | sed -n '1s/:.*//p')
    [ -n "$pkg" ] || { echo "deb: no Debian package owns $path ($lib, linked into the binary)" >&2; exit 1; }
    built_using="$built_using
$(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$pkg")"
done
built_using=$(printf '%s\n' "$built_using" | sed '/^$/d' | LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g')

rm -rf "$DEB_STAGE"
mkdir -p "$DEB_STAGE" "$DEB_OUT"
DESTDIR=$DEB_STAGE SBINDIR=/usr/sbin MANDIR=/usr/share/man \
    BASHCOMPDIR=/usr/share/bash-completion/completions \
    ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
    FISHCOMPDIR=/usr/share/fish/vendor_completions.d \
    BINARY=$SWIFTRUN DIST=$DIST MANSRC=$MANSRC MANGZ=1 \
    sh "$here/install.sh" install >/dev/null

doc=$DEB_STAGE/usr/share/doc/swiftrun
install -d -m 0755 "$doc"
install -m 0644 "$here/deb/copyright" "$doc/copyright"
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then date=$(date -u -R -d "@$SOURCE_DATE_EPOCH"); else date=$(date -u -R); fi
{
    printf 'swiftrun (%s) unstable; urgency=medium\n\n' "$debversion"
    printf '  * Package built from swiftrun %s,\n' "$version"
    printf '    commit %s.\n\n' "$commit"
    printf ' -- %s  %s\n' "$DEB_MAINTAINER" "$date"
} | gzip -9 -n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
if [ -s "$here/deb/lintian-overrides" ]; then
    install -d -m 0755 "$DEB_STAGE/usr/share/lintian/overrides"
    install -m 0644 "$here/deb/lintian-overrides" "$DEB_STAGE/usr/share/lintian/overrides/swiftrun"
fi

install -d -m 0755 "$DEB_STAGE/DEBIAN"
size=$(du -sk --apparent-size "$DEB_STAGE/usr" | cut -f1)
sed -e "s|@VERSION@|$debversion|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$DEB_MAINTAINER|" \
    -e "s|@SIZE@|$size|" -e "s|@BUILT_USING@|$built_using|" -e "s|@SECCOMP@|$seccomp|" \
    "$here/deb/control.in" >"$DEB_STAGE/DEBIAN/control"
(cd "$DEB_STAGE" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$DEB_STAGE/DEBIAN/md5sums"
chmod 0644 "$DEB_STAGE/DEBIAN/control" "$DEB_STAGE/DEBIAN/md5sums"
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    find "$DEB_STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
fi

deb=$DEB_OUT/swiftrun_${debversion}_$arch.deb
rm -f "$DEB_OUT"/swiftrun_*_"$arch".deb
dpkg-deb --root-owner-group -Zxz --build "$DEB_STAGE" "$deb" >/dev/null
echo "built $deb"
