# ---------------------------------------------------------------- vm-systemd-test
# The systemd suite: a real systemd host (Debian bookworm, debootstrap, systemd as PID 1, pure
# cgroup v2, podman and containerd) booted under qemu (software emulation, no KVM) with this
# machine's kernel; Tests/vm-systemd/inside.sh runs from a unit against the release binary and
# checks `--systemd-cgroup` end to end. The image is built once (~4 min cold) and cached in
# $(SYSTEMD_VM_CACHE); each run boots a copy-on-write snapshot of it. Ends with "N passed, N failed".
# See Docs/VM-TESTS.md. Included from the main Makefile.
#
# Knobs: VM_TESTS=0 skips it (with the VM suite); VM_SYSTEMD_TIMEOUT=900 bounds the VM run;
# VM_SYSTEMD_ONLY=REGEX runs only matching checks; SYSTEMD_VM_CACHE=DIR holds the image.

VM_SYSTEMD_TIMEOUT ?= 1500
VM_SYSTEMD_ONLY    ?=
SYSTEMD_VM_CACHE   ?= /var/cache/swiftrun-vm
export SYSTEMD_VM_CACHE

.PHONY: vm-systemd-test vm-systemd-image

vm-systemd-image:
	bash Tests/vm-systemd/build-image.sh

ifeq ($(VM_TESTS),1)
vm-systemd-test: build bundle
	VM_SYSTEMD_TIMEOUT=$(VM_SYSTEMD_TIMEOUT) VM_ONLY='$(VM_SYSTEMD_ONLY)' \
	    bash Tests/vm-systemd/run.sh --runtime '$(SWIFTRUN)' --rootfs '$(abspath $(ROOTFS))'
else
vm-systemd-test:
	@echo "vm-systemd-test: skipped because VM_TESTS=$(VM_TESTS) (set VM_TESTS=1 to boot the systemd VM suite)"
endif
