# ---------------------------------------------------------------- install, deb
# make dist        man pages and shell completions from the built binary, in .build/dist
# make install     the stripped binary, man pages and completions under $(DESTDIR)$(PREFIX)
# make uninstall   removes exactly the files install wrote (directories stay)
# make deb         out/swiftrun_VERSION_ARCH.deb (dpkg-deb), for `apt-get install ./out/swiftrun_*.deb`
# make man         only the man pages (.build/dist/man)
#
# Knobs: PREFIX=/usr/local, DESTDIR=, SBINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR,
# FISHCOMPDIR, DEB_OUT=out, DEB_MAINTAINER="Name <mail>". Included from the main
# Makefile. The pages come from `swiftrun --experimental-dump-help` plus
# Docs/man/*.txt (mk/manpages.py); the completions from the same dump
# (mk/completions.py: verbs and each verb's flags).

PREFIX         ?= /usr/local
DESTDIR        ?=
SBINDIR        ?= $(PREFIX)/sbin
DATADIR        ?= $(PREFIX)/share
MANDIR         ?= $(DATADIR)/man
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR     ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR    ?= $(DATADIR)/fish/vendor_completions.d
INSTALL        ?= install
STRIP          ?= strip
DIST           := $(abspath .build/dist)
MANSRC         := $(abspath Docs/man)
DEB_OUT        ?= out
DEB_MAINTAINER ?= swiftrun developers <swiftrun-dev@example.org>
# Page dates and package file times: the last commit's time in a git checkout
# of this tree (else now). Passed to the page and package steps only: an empty
# or exported value would also reach swift build, and clang rejects an empty one.
SOURCE_DATE_EPOCH ?= $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] \
                       && git log -1 --format=%ct 2>/dev/null)
unexport SOURCE_DATE_EPOCH

INSTALL_ENV = DESTDIR='$(DESTDIR)' SBINDIR='$(SBINDIR)' MANDIR='$(MANDIR)' \
	BASHCOMPDIR='$(BASHCOMPDIR)' ZSHCOMPDIR='$(ZSHCOMPDIR)' FISHCOMPDIR='$(FISHCOMPDIR)' \
	BINARY='$(SWIFTRUN)' DIST='$(DIST)' MANSRC='$(MANSRC)' INSTALL='$(INSTALL)' STRIP='$(STRIP)'

.PHONY: man completions dist install uninstall deb

man: build
	@rm -rf $(DIST)/man
	SOURCE_DATE_EPOCH='$(SOURCE_DATE_EPOCH)' $(PYTHON) mk/manpages.py --binary $(SWIFTRUN) --src $(MANSRC) --out $(DIST)/man

completions: build
	@rm -rf $(DIST)/completions && mkdir -p $(DIST)/completions
	@# bash-completion sources the file: mk/completions.py writes no #! line (lintian: bash-completion-with-hashbang)
	$(PYTHON) mk/completions.py --binary $(SWIFTRUN) --out $(DIST)/completions

dist: man completions

install: dist
	@$(INSTALL_ENV) sh mk/install.sh install

uninstall:
	@$(INSTALL_ENV) sh mk/install.sh uninstall

deb: dist
	@SOURCE_DATE_EPOCH='$(SOURCE_DATE_EPOCH)' SWIFTRUN='$(SWIFTRUN)' DIST='$(DIST)' MANSRC='$(MANSRC)' DEB_OUT='$(abspath $(DEB_OUT))' \
	    DEB_STAGE='$(abspath .build/deb)' DEB_MAINTAINER='$(DEB_MAINTAINER)' sh mk/deb.sh
