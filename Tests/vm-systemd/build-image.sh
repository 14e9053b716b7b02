#!/usr/bin/env bash
# Builds the systemd test host's disk image once and caches it outside the repo:
# Debian bookworm (debootstrap, minbase) with systemd as PID 1, dbus, and a unit
# that runs the test script from the host's 9p share and powers off. Written to
# an ext4 image with `mkfs.ext4 -d` (no loop devices). The image is keyed by this
# script's hash and the kernel version, so editing either rebuilds it.
#
# Usage: Tests/vm-systemd/build-image.sh [--kernel-version KVER] [--cache DIR] [--print-path]
#   --print-path  only print the image path this configuration uses (built or not)
# Env: SYSTEMD_VM_CACHE (default /var/cache/swiftrun-vm), DEBIAN_MIRROR (default:
#      the first deb.debian.org-style URI in /etc/apt/sources.list*, else deb.debian.org).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SYSTEMD_VM_CACHE:-/var/cache/swiftrun-vm}
KVER=${VM_KVER:-}
PRINT=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel-version) KVER=$2; shift 2 ;;
        --cache) CACHE=$2; shift 2 ;;
        --print-path) PRINT=1; shift ;;
        *) echo "build-image: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$KVER" ] || KVER=$(ls -1 /boot/vmlinuz-* | sort -V | tail -n1 | sed 's|.*/vmlinuz-||')
# Packages in the image. podman/containerd are the engines the suite drives with
# the systemd driver, criu the restore --systemd-cgroup check's; everything else is what
# systemd + the checks need. The rootless checks
# (user bus): dbus-user-session (the user's bus at /run/user/UID/bus, which systemd --user
# registers on), uidmap (newuidmap for the user's subuid range), slirp4netns (rootless podman).
PACKAGES=systemd,systemd-sysv,dbus,kmod,procps,util-linux
ENGINES="podman conmon catatonit containerd criu"
ROOTLESS="dbus-user-session libpam-systemd uidmap slirp4netns"
key=$( (cat "${BASH_SOURCE[0]}"; echo "$KVER") | sha256sum | cut -c1-12)
IMG=$CACHE/systemd-bookworm-$key.img
if [ "$PRINT" = 1 ]; then echo "$IMG"; exit 0; fi
if [ -s "$IMG" ]; then echo "$IMG"; exit 0; fi

say() { echo "build-image: $*" >&2; }
installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }
for p in debootstrap e2fsprogs; do
    installed "$p" && continue
    say "installing $p"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done
[ -d "/lib/modules/$KVER" ] || { say "no /lib/modules/$KVER for the kernel the VM boots"; exit 1; }

if [ -z "${DEBIAN_MIRROR:-}" ]; then
    DEBIAN_MIRROR=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
    DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'umount "$work/root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root
t0=$(date +%s)
say "debootstrap bookworm ($DEBIAN_MIRROR) into $root; packages $PACKAGES"
mkdir -p "$CACHE/debs"
debootstrap --variant=minbase --cache-dir="$CACHE/debs" --include="$PACKAGES" bookworm "$root" "$DEBIAN_MIRROR" \
    >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; grep -i -B2 -A8 'error\|fail' "$root/debootstrap/debootstrap.log" 2>/dev/null | tail -n 40 >&2
         say "debootstrap failed"; exit 1; }
# The engines with apt in the image (it resolves their dependencies; debootstrap's --include
# does not configure them reliably), no services started while installing. Best effort: without
# them the suite's engine checks say why they skip.
say "apt-get install $ENGINES $ROOTLESS in the image"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends -o Dir::Cache::archives=/var/cache/apt/archives $ENGINES $ROOTLESS" \
        >"$work/engines.log" 2>&1; then
    tail -n 20 "$work/engines.log" >&2
    say "installing the engines failed; the image has none"
fi
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

# The kernel's modules the guest needs after the initrd (9p for the host share,
# overlay for the engines, netfilter for their networks, block/ for the BFQ I/O scheduler
# the io weight checks switch the disk to); depmod in the image.
say "copying the modules of $KVER"
mkdir -p "$root/lib/modules/$KVER/kernel"
cp -a /lib/modules/"$KVER"/modules.* "$root/lib/modules/$KVER/"
for d in fs net lib crypto arch block drivers/block drivers/virtio drivers/char drivers/net; do
    [ -d "/lib/modules/$KVER/kernel/$d" ] || continue
    mkdir -p "$root/lib/modules/$KVER/kernel/$(dirname "$d")"
    cp -a "/lib/modules/$KVER/kernel/$d" "$root/lib/modules/$KVER/kernel/$d"
done
rm -rf "$root/lib/modules/$KVER/kernel/net/wireless" "$root/lib/modules/$KVER/kernel/net/bluetooth" \
       "$root/lib/modules/$KVER/kernel/drivers/net/wireless"
depmod -b "$root" "$KVER"

echo swiftrun-systemd-vm > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
printf '9p\n9pnet_virtio\noverlay\n' > "$root/etc/modules-load.d/swiftrun-vm.conf"
passwd -R "$root" -d root >/dev/null 2>&1 || true
# Nothing the suite does not need: no gettys, no timers, no network waits.
for u in serial-getty@ttyS0.service getty@tty1.service systemd-timesyncd.service apt-daily.timer \
         apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer podman-restart.service \
         containerd.service systemd-networkd-wait-online.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# The test runner: mounts the host's 9p share (tag "host") at /host and runs the
# script the kernel command line names (swiftrun.test=PATH under /host), its
# output on the serial console, then powers off whatever happened.
cat > "$root/usr/local/sbin/swiftrun-vmtest" <<'RUNNER'
#!/bin/bash
exec >/dev/ttyS0 2>&1
echo "vmtest: booted $(uname -r), systemd $(systemctl --version | head -n1 | cut -d' ' -f2), $(stat -fc %T /sys/fs/cgroup)"
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host || { echo "vmtest: cannot mount the host share"; exit 1; }
script=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^swiftrun.test=//p')
args=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^swiftrun.args=//p' | tr ',' ' ')
[ -n "$script" ] || { echo "vmtest: no swiftrun.test= on the kernel command line"; exit 1; }
bash "/host/$script" $args
echo "vmtest: exit $?"
RUNNER
chmod 755 "$root/usr/local/sbin/swiftrun-vmtest"
cat > "$root/etc/systemd/system/swiftrun-vmtest.service" <<'UNIT'
[Unit]
Description=swiftrun systemd VM suite
After=multi-user.target dbus.service
Wants=dbus.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/swiftrun-vmtest
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/swiftrun-vmtest.service "$root/etc/systemd/system/multi-user.target.wants/swiftrun-vmtest.service"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man"

size=$(( $(du -sm "$root" | cut -f1) + 1024 ))
say "mkfs.ext4 -d ($size MiB)"
# (stdout is the image path for run.sh: mkfs's "Creating regular file" goes to stderr)
mkfs.ext4 -q -F -L swiftrun-vm -d "$root" "$work/img" "${size}M" >&2
mv "$work/img" "$IMG"
say "built $IMG in $(( $(date +%s) - t0 ))s"
echo "$IMG"
