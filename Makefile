# swiftrun: build, run, test and benchmark. GNU make; run as root on Debian 12.
#
#   make run     deps + build + example rootfs, then runs Bundles/busybox
#   make test    deps + build + rootfs, then lint, unit tests, the integration suite, the
#                rootless suite (as a throwaway user), the install/deb tests, the engine
#                suites (docker, podman, containerd, CRI) and
#                the VM suites (pure cgroup v2; a systemd host), printing how long each part took
#   make check   the edit loop: release build + unit tests (no apt, no root, no VM)
#   make lint    swift-format rules (.swift-format), whitespace, a warnings-as-errors build
#   make fmt     swift format the FILES given (default: the Swift files changed since main)
#   make bench   deps + build + rootfs, then swiftrun vs runc vs crun
#   make order-file  mk/hot-symbols.txt (the link order) from profiles of the lifecycle verbs; relinks
#   make install the stripped binary, man pages, completions (PREFIX=/usr/local, DESTDIR=)
#   make deb     out/swiftrun_VERSION_ARCH.deb; see mk/install.mk for its knobs
#
# Knobs: SWIFT=..., PYTHON=..., BENCH_ARGS="--iterations 50", PYTEST_ARGS="-k state",
#        ENGINE_TESTS=0 (skip the engine suites), VM_TESTS=0 (skip the VM suite)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:
.NOTPARALLEL:

# The toolchain lives in /opt/swift on our machines; keep it reachable even
# from a shell whose PATH does not name it (CI, sudo, cron).
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT        ?= swift
PYTHON       ?= python3
# Peak RSS of the lifecycle verbs is mostly the binary's own text, mapped 64 KiB around each fault:
# every Swift function gets its own section and lld links the ones the lifecycle verbs run first,
# in the order of mk/hot-symbols.txt (`make order-file` writes it; Docs/BENCHMARK.md), the compiler's
# private functions together before them and the regex libraries out of their reach (mk/private-functions.ld).
# -disable-concrete-type-metadata-mangled-name-accessors: the metadata of a concrete generic type
# ([Mount], [String: String], Optional<Linux>, ...) comes from an accessor that passes the
# protocol conformances it needs, instead of a mangled name the Swift runtime demangles at run
# time, checking each generic requirement by a scan of every conformance record in the binary.
HOT_SYMBOLS  := $(abspath mk/hot-symbols.txt)
SWIFT_FLAGS  ?= -c release --static-swift-stdlib -Xswiftc -static-executable \
                -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
                -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
                -Xswiftc -use-ld=lld -Xlinker --symbol-ordering-file=$(HOT_SYMBOLS) -Xlinker --no-warn-symbol-ordering \
                -Xlinker -T -Xlinker $(abspath mk/private-functions.ld)
SWIFTRUN     := $(abspath .build/release/swiftrun)
ROOTFS       := Bundles/busybox/rootfs
# libdbus-1-dev + pkg-config: the systemd cgroup driver's D-Bus client (libdbus-1.a, linked statically).
DEB_PACKAGES := libseccomp-dev libdbus-1-dev pkg-config busybox-static runc crun criu time util-linux gcc \
                binutils groff-base man-db bash-completion zsh fish lintian uidmap
# The engines the engine suites drive (Tests/integration/test_engine_*.py). catatonit is the
# pause program of podman's locally built pod infra image; tini is docker's --init;
# containernetworking-plugins gives the CRI suite's pods their network (bridge, host-local);
# slirp4netns, passt (pasta) and fuse-overlayfs are rootless podman's (Tests/rootless).
# uidmap's newuidmap/newgidmap map a rootless user's /etc/subuid range (Tests/rootless).
ENGINE_PACKAGES := podman conmon catatonit containerd docker.io tini containernetworking-plugins \
                   slirp4netns passt fuse-overlayfs
ENGINE_TESTS ?= 1
ENGINE_MODULES := $(sort $(wildcard Tests/integration/test_engine_*.py))
BENCH_ARGS   ?=
PYTEST_ARGS  ?=

.PHONY: all deps build bundle run test check lint fmt unit-test integration-test rootless-test install-test engine-test bench order-file clean distclean help

all: build

help:
	@sed -n '2,17p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- deps
# Idempotent and quiet: apt only runs when a package is missing, and
# `apt-get update` only when installing without it fails (or the lists are
# empty, as on a fresh machine). pytest: pip first (pyenv/venv pythons), then
# Debian's python3-pytest (system python), then pip into a system python.
# The engines' packages must not start their system daemons (a host dockerd would
# add docker0 and iptables rules): while apt runs, a policy-rc.d refuses every
# service start unless the machine already has one. The tests start their own.
# An engine installed some other way (docker-ce, ...) counts as installed.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES) $(if $(filter 1,$(ENGINE_TESTS)),$(ENGINE_PACKAGES)); do \
	    case "$$p" in \
	        docker.io) command -v dockerd >/dev/null && continue;; \
	        containerd) command -v containerd-shim-runc-v2 >/dev/null && continue;; \
	    esac; \
	    dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; \
	        trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
	    fi; \
	    if [ -z "$$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$$' -e '^partial$$' -e '^auxfiles$$')" ] \
	       || ! apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1; then \
	        apt-get update -qq >/dev/null; \
	        apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	    fi; \
	fi
	@if ! $(PYTHON) -m pytest --version >/dev/null 2>&1; then \
	    echo "deps: installing pytest"; \
	    $(PYTHON) -m pip install -q --disable-pip-version-check pytest >/dev/null 2>&1 \
	    || { export DEBIAN_FRONTEND=noninteractive; \
	         apt-get install -y -qq python3-pytest >/dev/null 2>&1 \
	         || { apt-get update -qq >/dev/null && apt-get install -y -qq python3-pytest >/dev/null 2>&1; }; } \
	    || true; \
	    $(PYTHON) -m pytest --version >/dev/null 2>&1 \
	    || $(PYTHON) -m pip install -q --disable-pip-version-check --break-system-packages pytest >/dev/null 2>&1 \
	    || true; \
	    $(PYTHON) -m pytest --version >/dev/null 2>&1 \
	    || { echo "deps: '$(PYTHON) -m pytest' still does not work" >&2; exit 1; }; \
	fi
	@if ! $(PYTHON) -c 'import jsonschema, referencing' >/dev/null 2>&1; then \
	    echo "deps: installing jsonschema (features schema check)"; \
	    $(PYTHON) -m pip install -q --disable-pip-version-check jsonschema >/dev/null 2>&1 \
	    || $(PYTHON) -m pip install -q --disable-pip-version-check --break-system-packages jsonschema >/dev/null 2>&1 \
	    || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq python3-jsonschema >/dev/null 2>&1; } \
	    || echo "deps: jsonschema not installed; the features schema test will be skipped" >&2; \
	fi
	@if [ "$(ENGINE_TESTS)" = 1 ] && ! $(PYTHON) -c 'import grpc' >/dev/null 2>&1; then \
	    echo "deps: installing grpcio (the CRI suite's client)"; \
	    $(PYTHON) -m pip install -q --disable-pip-version-check grpcio >/dev/null 2>&1 \
	    || $(PYTHON) -m pip install -q --disable-pip-version-check --break-system-packages grpcio >/dev/null 2>&1 \
	    || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq python3-grpcio >/dev/null 2>&1; } \
	    || true; \
	    $(PYTHON) -c 'import grpc' >/dev/null 2>&1 \
	    || { echo "deps: grpcio could not be installed for $(PYTHON)" >&2; exit 1; }; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "deps: '$(SWIFT)' not found (expected the toolchain in /opt/swift)" >&2; exit 1; }

# ---------------------------------------------------------------- build
# SwiftPM tracks its own dependencies, so this is always run and is cheap
# when nothing changed.
# SwiftPM relinks when an object changes, not when the link order or the linker script does.
build:
	@for f in $(HOT_SYMBOLS) mk/private-functions.ld; do \
	  if [ $$f -nt .build/x86_64-unknown-linux-gnu/release/swiftrun ]; then rm -f .build/x86_64-unknown-linux-gnu/release/swiftrun; fi; done
	$(SWIFT) build $(SWIFT_FLAGS)
	@test -x $(SWIFTRUN) && echo "built $(SWIFTRUN)"

# ---------------------------------------------------------------- bundle
bundle: $(ROOTFS)/bin/busybox

$(ROOTFS)/bin/busybox: Bundles/make-rootfs.sh
	sh Bundles/make-rootfs.sh $(abspath $(ROOTFS))

# ---------------------------------------------------------------- run
# A fresh state directory per run, removed afterwards whatever happens.
run: deps build bundle
	@tmp=$$(mktemp -d /tmp/swiftrun-root.XXXXXX); id=demo-$$$$; \
	trap '$(SWIFTRUN) --root "$$tmp" delete --force "$$id" >/dev/null 2>&1 || true; rm -rf "$$tmp"' EXIT; \
	echo "+ cd Bundles/busybox && swiftrun --root $$tmp run $$id"; \
	cd Bundles/busybox && $(SWIFTRUN) --root "$$tmp" run "$$id"

# ---------------------------------------------------------------- test
# Every part runs even when an earlier one failed; a table of how long each
# took (and whether it passed) is printed at the end, and the target fails if
# any part failed.
TEST_PARTS := lint unit-test integration-test rootless-test install-test engine-test vm-test vm-systemd-test

test: deps build bundle
	@t0=$$(date +%s); rc=0; table=""; \
	for part in $(TEST_PARTS); do \
	    s=$$(date +%s); echo "==== $$part"; \
	    if $(MAKE) --no-print-directory $$part; then r=ok; else r=FAILED; rc=1; fi; \
	    e=$$(( $$(date +%s) - s )); echo "==== $$part: $$r in $${e}s"; \
	    table="$$table$$(printf '  %-18s %6ss  %s' "$$part" "$$e" "$$r")"$$'\n'; \
	done; \
	echo "==== make test timings"; printf '%s' "$$table"; \
	printf '  %-18s %6ss\n' total $$(( $$(date +%s) - t0 )); \
	[ -f .build/engine-timings ] && { echo "  engine modules:"; cat .build/engine-timings; } || true; \
	exit $$rc

check: build unit-test

# Source rules and a warnings-as-errors build in .build-lint (mk/lint.sh); part of make test.
lint:
	@SWIFT=$(SWIFT) mk/lint.sh

# Layout by swift-format for the files given; by default those changed since main (whole files:
# the tree is not reformatted at once, see mk/lint.sh).
FILES ?= $(shell git diff --name-only --diff-filter=AM main -- '*.swift' 2>/dev/null)
fmt:
	@if [ -z "$(strip $(FILES))" ]; then echo "fmt: no Swift files changed since main (FILES=... to choose)"; exit 0; fi; \
	$(SWIFT) format format --in-place --configuration .swift-format $(FILES); \
	echo "fmt: formatted $(words $(FILES)) file(s)"

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# pytest exits 5 when it collects nothing; that is "no integration tests
# yet", not a failure. Every other non-zero exit fails the target. The engine
# modules are engine-test's.
integration-test: build bundle
	@if [ ! -d Tests/integration ]; then \
	    echo "integration-test: Tests/integration does not exist yet, skipping"; exit 0; \
	fi; \
	rc=0; SWIFTRUN=$(SWIFTRUN) $(PYTHON) -m pytest -v Tests/integration \
	    $(foreach m,$(ENGINE_MODULES),--ignore=$(m)) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "integration-test: no tests collected"; rc=0; fi; \
	exit $$rc

# The runtime driven by an ordinary user (Tests/rootless): a throwaway user with a subuid range
# is created and removed by the suite; rootless podman is part of it when installed.
rootless-test: build bundle
	@rc=0; SWIFTRUN=$(SWIFTRUN) $(PYTHON) -m pytest -v -rsx Tests/rootless $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "rootless-test: no tests collected"; rc=0; fi; \
	exit $$rc

# make install / uninstall / deb, man pages, completions, --version (Tests/install).
# Exit 5 (nothing collected, e.g. a PYTEST_ARGS -k meant for the integration suite) is no failure.
install-test: build
	@rc=0; $(PYTHON) -m pytest -v Tests/install $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "install-test: no tests collected"; rc=0; fi; \
	exit $$rc

# One pytest per engine module (each starts and stops its own daemons), timed.
ifeq ($(ENGINE_TESTS),1)
engine-test: build bundle
	@rc=0; : > .build/engine-timings; \
	for m in $(ENGINE_MODULES); do \
	    s=$$(date +%s); r=ok; \
	    SWIFTRUN=$(SWIFTRUN) $(PYTHON) -m pytest -v -rsx $$m $(PYTEST_ARGS) || { r=$$?; [ $$r -eq 5 ] && r=ok || { r=FAILED; rc=1; }; }; \
	    printf '    %-30s %6ss  %s\n' "$$(basename $$m .py)" $$(( $$(date +%s) - s )) "$$r" >> .build/engine-timings; \
	done; \
	cat .build/engine-timings; exit $$rc
else
engine-test:
	@rm -f .build/engine-timings; echo "engine-test: skipped because ENGINE_TESTS=$(ENGINE_TESTS) (set ENGINE_TESTS=1 to run docker, podman and containerd end to end)"
endif

include mk/vm.mk
include mk/vm-systemd.mk
include mk/install.mk

# ---------------------------------------------------------------- bench
# runc and crun are measured even while swiftrun does not build; swiftrun is
# then listed as unavailable with the reason (never a stale binary).
bench: deps bundle
	@if $(MAKE) --no-print-directory build; then \
	    $(PYTHON) bench/bench.py --swiftrun $(SWIFTRUN) $(BENCH_ARGS); \
	else \
	    echo "bench: swift build failed; benchmarking runc and crun only" >&2; \
	    $(PYTHON) bench/bench.py --swiftrun-unavailable "swift build failed (see above)" $(BENCH_ARGS); \
	fi

# ---------------------------------------------------------------- order-file
# mk/hot-symbols.txt from callgrind profiles of the lifecycle verbs (mk/order-file.py: root,
# valgrind), then a relink (SwiftPM does not relink when only the list changed). Rerun it after
# larger changes to the lifecycle path; a stale list costs memory, never correctness.
order-file: build bundle
	$(PYTHON) mk/order-file.py
	rm -f .build/x86_64-unknown-linux-gnu/release/swiftrun
	$(MAKE) --no-print-directory build

# ---------------------------------------------------------------- clean
clean:
	rm -rf .build .build-lint out bench/__pycache__ Tests/integration/__pycache__ Tests/install/__pycache__ Tests/rootless/__pycache__ .pytest_cache

distclean: clean
	rm -rf Bundles/*/rootfs
