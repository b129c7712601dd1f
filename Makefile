# make install [PREFIX=/usr/local] [DESTDIR=staging/]
#
# Installs a release build of sargable whose Swift standard library and Foundation are linked in
# (so it runs on machines without the Swift toolchain), its shell completions (bash, zsh, fish)
# and a man page generated from the commands' help by argument-parser's generate-manual tool.
# Needs the Debian packages `scripts/install-dependencies --build` installs. The installed binary
# is stripped (about 60 MB; most of it is Foundation's ICU data).

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
# A build folder of its own: the static release flags differ from the debug and plain release
# builds, which would otherwise rebuild each other from scratch on every switch.
BUILD_PATH ?= .build-install

binary := $(BUILD_PATH)/release/sargable
static_cxx := $(BUILD_PATH)/static-libstdc++
manual_tool := $(BUILD_PATH)/generate-manual/debug/generate-manual
bindir := $(DESTDIR)$(PREFIX)/bin
mandir := $(DESTDIR)$(PREFIX)/share/man/man1
bash_completions := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
zsh_completions := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
fish_completions := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

.PHONY: all build install uninstall

all: build

# Phony: SwiftPM knows what is out of date, and rebuilds only that. Linked as a fixed-address
# executable (-no-pie): a position-independent one makes the dynamic loader apply ~95,000
# relocations to the statically linked Swift runtime and Foundation at every start, about a third
# of a one-file lint's time (start-up is what a CI job linting a few changed files feels).
# The Swift runtime is C++, and loading libstdc++ and libgcc_s as shared libraries cost another
# tenth (libstdc++'s 5,200 relocations, 80 page faults): a linker script named libstdc++.so, found
# first on the library path, makes the runtime's -lstdc++ link GCC's static archives instead
# (left out, and the shared library used, when the compiler does not know where they are).
build: $(static_cxx)/searched
	$(SWIFT) build -c release --static-swift-stdlib -Xlinker -no-pie -Xlinker -L$(abspath $(static_cxx)) \
		--product sargable --scratch-path $(BUILD_PATH)

$(static_cxx)/searched:
	mkdir -p $(static_cxx)
	libstdcxx=$$($(CC) -print-file-name=libstdc++.a 2>/dev/null); libgcc_eh=$$($(CC) -print-file-name=libgcc_eh.a 2>/dev/null); \
	if [ -f "$$libstdcxx" ] && [ -f "$$libgcc_eh" ]; then echo "INPUT ( $$libstdcxx $$libgcc_eh )" > $(static_cxx)/libstdc++.so; fi
	touch $@

# generate-manual is in the argument-parser checkout that `build` resolved. It is not a product
# there, but a root package's executable targets can be built directly. The man page carries the
# date of the source, not of the build, so the same commit gives the same page.
install: build
	$(SWIFT) build --package-path $(BUILD_PATH)/checkouts/swift-argument-parser \
		--scratch-path $(BUILD_PATH)/generate-manual --product generate-manual
	install -d $(bindir) $(mandir) $(bash_completions) $(zsh_completions) $(fish_completions)
	install -s -m 755 $(binary) $(bindir)/sargable
	$(binary) --generate-completion-script bash > $(bash_completions)/sargable
	$(binary) --generate-completion-script zsh > $(zsh_completions)/_sargable
	$(binary) --generate-completion-script fish > $(fish_completions)/sargable.fish
	$(manual_tool) $(binary) --output-directory $(mandir) \
		--date "$$(git log -1 --format=%cs 2>/dev/null || date +%F)"
	gzip -n -9 -f $(mandir)/sargable.1

uninstall:
	rm -f $(bindir)/sargable $(mandir)/sargable.1.gz $(bash_completions)/sargable \
		$(zsh_completions)/_sargable $(fish_completions)/sargable.fish
