#!/bin/sh
# Builds a minimal busybox root filesystem at DEST (default: Bundles/busybox/rootfs)
# from Debian's busybox-static package. Installs the package when it is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/busybox/rootfs}
bb=/bin/busybox
if ! dpkg -s busybox-static >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq busybox-static >/dev/null || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
fi
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cd "$dest.tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home run var/tmp
chmod 1777 tmp var/tmp
cp "$bb" bin/busybox
# One hard link per applet, as busybox --install would make.
for applet in $(./bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$(dirname "$applet")"
    ln -f bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > etc/group
echo 'swiftrun' > etc/hostname
: > etc/hosts
: > etc/resolv.conf
cd ..
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "rootfs ready: $dest"
