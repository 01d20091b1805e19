# StreamVerse -- build libsv and the sv-* tools, run the suites.
#
#   make                 build everything under build/
#   make check           unit, CLI (bats) and end-to-end suites; one summary
#   make lint            shellcheck over tests/ and scripts/, and that every
#                        test assertion can fail (also run by make check)
#   make asan            the same suites under AddressSanitizer + UBSan
#   make demo            generate a sample video and run a real pipeline
#   make man completions regenerate man pages and completions from the tables
#   make install PREFIX=/usr/local DESTDIR=
#   make fuzz            build the libFuzzer targets (clang)
#   make fuzz-long       run each of them for FUZZ_CPU CPU-seconds (600)
#
# Everything is discovered: lib/*/*.c go into libsv.a, every cmd/sv-*/
# directory becomes a binary, tests/unit/*_test.c become test programs.

VERSION := $(shell cat VERSION)
PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc

PKGS := libavformat libavcodec libavfilter libswscale libswresample \
        libavutil jansson openssl libcurl libuv libarchive srt libh2o cairo \
        libsrtp2
# The packages' flags are read from $(BUILD)/config.mk, which is made by
# running scripts/setup first.  make re-reads itself after remaking an
# included file, so on a bare machine the flags are taken after the -dev
# packages exist, not before (a plain $(shell pkg-config) here would be
# evaluated once, empty, and every link would fail on the first run).
CONFIG := $(BUILD)/config.mk
NO_CONFIG_GOALS := clean distclean setup
ifneq ($(filter-out $(NO_CONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(CONFIG)
endif

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
SAN ?=
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SAN) -D_GNU_SOURCE \
    -DSV_VERSION='"$(VERSION)"' -DH2O_USE_LIBUV=1 -Ilib $(PKG_CFLAGS) -MMD -MP
# --as-needed (also this gcc's default): a binary records only the
# libraries it calls, so sv-package, which loads libav from a plugin, does
# not map libav's hundred libraries at start-up
ALL_LDFLAGS := $(LDFLAGS) $(SAN) -pthread -Wl,--as-needed
# wslay (h2o's WebSocket framing, lib/http/ws.c) ships no pkg-config file
LIBS := $(PKG_LIBS) -lwslay -lm -lpthread

LIB_SRCS := $(sort $(wildcard lib/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# ar keeps members by base name: two lib files of one name would shadow
LIB_DUPS := $(shell printf '%s\n' $(notdir $(LIB_SRCS)) | sort | uniq -d)
ifneq ($(LIB_DUPS),)
$(error lib/ has several files named $(LIB_DUPS): give them distinct names)
endif
# libavformat's reader as a plugin that sv-package dlopens for inputs its
# own readers do not take (lib/pack/source.c says why); position-independent
# copies of the few files it needs
PLUGIN := $(BUILD)/lib/streamverse/sv-demux.so
PLUGIN_SRCS := lib/media/demux_ops.c lib/media/av_demux.c lib/media/av_open.c \
    lib/core/err.c
TOOLS := $(sort $(notdir $(wildcard cmd/sv-*)))
BINS := $(TOOLS:%=$(BUILD)/bin/%)
# tests/unit/<folder>/<file>_test.c tests lib/<folder>/<file>.c; the test
# programs are named by base name (unique, as lib's are)
UNIT_SRCS := $(sort $(wildcard tests/unit/*/*_test.c))
UNIT_BINS := $(addprefix $(BUILD)/tests/,$(notdir $(UNIT_SRCS:.c=)))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TESTS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%_test)
# tests/tools/*.c: test and bench programs on libsv (the WHEP load client)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

.SECONDEXPANSION:
# objects of binaries and tests are kept, not removed as intermediates
.SECONDARY:

.PHONY: all setup check check-unit check-cli check-e2e layers lint asan demo \
        man completions install uninstall fuzz fuzz-long bench clean distclean

all: $(BINS) $(PLUGIN) $(UNIT_BINS) $(FUZZ_TESTS) $(TOOL_BINS)

# Run scripts/setup (quick and quiet when all is there), then record the
# packages' flags; a failure of either stops the build here, with setup's
# own message, instead of hundreds of undefined references later.
$(CONFIG): scripts/setup
	@scripts/setup
	@mkdir -p $(@D)
	@pkg-config --exists --print-errors $(PKGS)
	@{ printf 'PKG_CFLAGS := %s\n' "$$(pkg-config --cflags $(PKGS))"; \
	   printf 'PKG_LIBS := %s\n' "$$(pkg-config --libs $(PKGS))"; \
	} > $@.tmp && mv $@.tmp $@

setup:
	scripts/setup

$(BUILD)/%.o: %.c | $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libsv.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/libsv.a $$(addprefix $(BUILD)/,$$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c))))
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libsv.a $(LIBS)


$(BUILD)/pic/%.o: %.c | $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<
$(PLUGIN): $(PLUGIN_SRCS:%.c=$(BUILD)/pic/%.o)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ $(LIBS)
-include $(PLUGIN_SRCS:%.c=$(BUILD)/pic/%.d)

define unit_test
$(BUILD)/tests/$(notdir $(1:.c=)): $(BUILD)/$(1:.c=.o) $(BUILD)/libsv.a
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< $(BUILD)/libsv.a $$(LIBS)
endef
$(foreach t,$(UNIT_SRCS),$(eval $(call unit_test,$(t))))

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += -Itests/unit

$(TOOL_BINS): $(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(BUILD)/libsv.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsv.a $(LIBS)

# each fuzz target also runs in `make check` through a small driver
$(BUILD)/tests/fuzz_%_test: $(BUILD)/tests/fuzz/fuzz_%.o tests/fuzz/driver.c \
        $(BUILD)/libsv.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DFUZZ_NAME='"$*"' -o $@ \
	    tests/fuzz/driver.c $< $(BUILD)/libsv.a $(LIBS)

check: all
	@BUILD=$(BUILD) scripts/check $(SV_CHECK_SUITES)

# the layer rule of lib/ (docs/architecture.md); tests/cli/layers.bats runs
# it in `make check` too
layers:
	@scripts/layers

check-unit check-cli check-e2e: all
	@BUILD=$(BUILD) scripts/check $(@:check-%=%)

# tests/cli/lint.bats alone (the cli suite runs it too); needs no build
lint:
	@bats tests/cli/lint.bats

# Sanitizers: a separate tree, the same suites.
# tests/lsan.supp: leaks inside system libraries we cannot fix (libx265)
asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) BUILD=build-asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined' \
	    check

demo: all
	@BUILD=$(BUILD) scripts/demo

man: $(BINS)
	@for t in $(TOOLS); do scripts/mkman $(BUILD)/bin/$$t man/$$t.1.in \
	    > man/$$t.1.tmp && mv man/$$t.1.tmp man/$$t.1 || exit 1; done

completions: $(BINS)
	@for t in $(TOOLS); do \
	    $(BUILD)/bin/$$t --complete=bash > completions/bash/$$t && \
	    $(BUILD)/bin/$$t --complete=zsh > completions/zsh/_$$t && \
	    $(BUILD)/bin/$$t --complete=fish > completions/fish/$$t.fish \
	    || exit 1; done

install: $(BINS) $(PLUGIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/lib/streamverse \
	    $(DESTDIR)$(PREFIX)/share/man/man7 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(PLUGIN) $(DESTDIR)$(PREFIX)/lib/streamverse/
	install -m 0644 $(TOOLS:%=man/%.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/sv.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0644 $(TOOLS:%=completions/bash/%) \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -m 0644 $(TOOLS:%=completions/zsh/_%) \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/
	install -m 0644 $(TOOLS:%=completions/fish/%.fish) \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) \
	    $(DESTDIR)$(PREFIX)/lib/streamverse/sv-demux.so \
	    $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/man/man1/%.1) \
	    $(DESTDIR)$(PREFIX)/share/man/man7/sv.7 \
	    $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/bash-completion/completions/%) \
	    $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_%) \
	    $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/%.fish)

# libFuzzer targets: the library is compiled once with coverage and the
# sanitizers (build/fuzz/lib/), each target links it with libFuzzer.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -DSV_VERSION='"$(VERSION)"' \
    -DH2O_USE_LIBUV=1 -Ilib $(PKG_CFLAGS) -fsanitize=address,undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/%.o)
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/lib/%.o: lib/%.c | $(CONFIG)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/libsv-fuzz.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libsv-fuzz.a | $(CONFIG)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(BUILD)/fuzz/libsv-fuzz.a $(LIBS)
-include $(FUZZ_LIB_OBJS:.o=.d)

# every target for FUZZ_CPU CPU-seconds (default 600) from its seed corpus;
# FUZZ_TARGETS narrows the list; results in build/fuzz-long/summary.txt
FUZZ_CPU ?= 600
fuzz-long: fuzz
	BUILD=$(BUILD) FUZZ_CPU=$(FUZZ_CPU) scripts/fuzz-long $(FUZZ_TARGETS)

bench: all
	@for b in scripts/bench/*.sh; do BUILD=$(BUILD) $$b || exit 1; done

clean:
	rm -rf $(BUILD) build-asan

distclean: clean
	rm -rf tests/e2e/node_modules

-include $(LIB_OBJS:.o=.d) $(UNIT_SRCS:%.c=$(BUILD)/%.d) \
    $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%.d)
-include $(wildcard $(BUILD)/cmd/*/*.d) $(TOOL_SRCS:%.c=$(BUILD)/%.d)
