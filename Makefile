# xen-hotplug-ng: C replacements for Xen's network hotplug scripts.
# GNU make, no configure step.  `make`, `make check`, `make install`.

PREFIX         ?= /usr/local
DESTDIR        ?=
XEN_SCRIPT_DIR ?= /etc/xen/scripts
# Where `make install` puts the tools.  By default in XEN_SCRIPT_DIR itself,
# over upstream's scripts; the package and ./install.sh put them in
# $(PREFIX)/libexec/xen-hotplug-ng and link them into XEN_SCRIPT_DIR with
# xen-hotplug-activate (admin/xen-hotplug-activate, installed in SBINDIR).
TOOLDIR        ?= $(XEN_SCRIPT_DIR)
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
DATADIR        ?= $(PREFIX)/share/xen-hotplug-ng
# xen-hotplug-watch.service (xen-hotplug repair --watch); the package: /lib
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD          ?= build

CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 xenstore libnftnl libmnl yajl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wcast-qual -Wformat=2 -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE $(PKG_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif
LDLIBS   += $(PKG_LIBS)
# Header dependencies, written by the compiler beside each object.
DEPFLAGS := -MMD -MP

TOOLS    := vif-bridge vif-route vif-nat network-bridge vif-openvswitch
# The administrator's command (status, verify, repair, gc), into SBINDIR.
ADMIN    := xen-hotplug

# common/: one folder per concern (common/*/README.md).  The tools see
# only the public headers, common/include/hp/; a library file sees them,
# its own folder's private headers and the text compiled in ($(GEN)).  A
# tool that includes a private header does not compile.
LIB_DIRS := base nl xs fw ovs vif nat nb adm
PUB_INC  := -Icommon/include
GEN      := $(BUILD)/gen
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard common/$(d)/*.c))
LIB_OBJ  := $(LIB_SRC:common/%.c=$(BUILD)/common/%.o)
LIB      := $(BUILD)/libhotplug.a
# Unit tests and fuzz targets test the folders' insides too.
ALL_INC  := $(PUB_INC) $(LIB_DIRS:%=-Icommon/%) -I$(GEN)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
# The parsers again as a 32-bit program (armhf and i386 dom0s exist:
# unsigned long is 32 bits there), when the compiler can (gcc-multilib).
M32      := $(shell echo 'int main(void){return 0;}' | $(CC) -m32 -x c - -o /dev/null 2>/dev/null && echo yes)
ifeq ($(M32),yes)
UNITS    += $(BUILD)/unit/test-parse-m32
endif
# The test world's helpers: the shim under which Debian's real xenstored
# and xl run without a hypervisor, a libxenstore client that writes
# nodes in transactions as libxl does (tests/xenstored/), and a driver of
# the guard's public API (tests/fw-dev/fwctl.c); and the benchmark's kernel
# floor (tests/bench/kfloor.c), which tests/bench.bats checks.
TEST_BINS := $(BUILD)/hp-xenshim.so $(BUILD)/hp-nft-interrupt.so $(BUILD)/hp-xs-tx $(BUILD)/hp-fwctl \
             $(BUILD)/bench-kfloor

# The manual pages: man/<name>.<section>.scd, scdoc's format (a new page
# is one new file).
MAN_SRC  := $(wildcard man/*.scd)
MANS     := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)

all: $(TOOLS:%=$(BUILD)/%) $(ADMIN:%=$(BUILD)/%) $(TEST_BINS)

$(BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PUB_INC) -I$(<D) -I$(GEN) \
		-DHP_XEN_SCRIPT_DIR='"$(XEN_SCRIPT_DIR)"' -DHP_TOOL_DIR='"$(TOOLDIR)"' -c -o $@ $<

# The hook environment is built into the tools as a C string.
$(GEN)/hook-env.h: hooks/hotplug-hook-env.sh
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BUILD)/common/vif/hooks.o: $(GEN)/hook-env.h

# So is the guard's nftables ruleset, comment lines left out.
$(GEN)/guard-%.nft.h: common/fw/guard-%.nft
	@mkdir -p $(@D)
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
		-e 's/^/"/' -e 's/$$/\\n"/' $< > $@

GUARD_NFT_H := $(GEN)/guard-bridge.nft.h $(GEN)/guard-inet.nft.h $(GEN)/guard-netdev.nft.h
$(BUILD)/common/fw/fw-table.o: $(GUARD_NFT_H)

$(LIB): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%: tools/%.c $(LIB)
	@mkdir -p $(BUILD)/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -MF $(BUILD)/tools/$*.d -MT $@ $(PUB_INC) \
		$(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Loaded into binaries built without sanitizers: never instrumented.
$(BUILD)/hp-xenshim.so: tests/xenstored/shim.c | $(BUILD)
	$(CC) $(filter-out -fsanitize%,$(CPPFLAGS) $(CFLAGS) $(LDFLAGS)) -fPIC -shared -o $@ $< -ldl

$(BUILD)/hp-nft-interrupt.so: tests/fw-dev/nft-interrupt.c | $(BUILD)
	$(CC) $(filter-out -fsanitize%,$(CPPFLAGS) $(CFLAGS) $(LDFLAGS)) -fPIC -shared -o $@ $< -ldl -lmnl

$(BUILD)/hp-xs-tx: tests/xenstored/xs-tx.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/hp-fwctl: tests/fw-dev/fwctl.c $(LIB) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PUB_INC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# build/unit holds the test programs alone: tests/run.sh runs each file.
$(BUILD)/unit/%: tests/unit/%.c tests/unit/check.h $(LIB) | $(BUILD)/unit
	@mkdir -p $(BUILD)/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -MF $(BUILD)/tools/unit-$*.d -MT $@ $(ALL_INC) \
		$(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/unit/test-parse-m32: tests/unit/test-parse.c common/base/parse.c common/base/params.c tests/unit/check.h | $(BUILD)/unit
	$(CC) -m32 -std=gnu11 $(WARN) -D_GNU_SOURCE $(PUB_INC) -O2 -g $(if $(filter 1,$(WERROR)),-Werror) -o $@ tests/unit/test-parse.c common/base/parse.c common/base/params.c

$(BUILD)/man/%: man/%.scd | $(BUILD)/man
	scdoc <$< >$@.tmp
	mv $@.tmp $@

man: $(MANS)

$(BUILD) $(BUILD)/unit $(BUILD)/man:
	mkdir -p $@

# Only where the compiler writes them: build/xen-vm holds directories named
# *.d (an initramfs's conf-hooks.d), build/deb another tree's build.
-include $(shell find $(BUILD)/common $(BUILD)/tools -name '*.d' -type f 2>/dev/null)

# Unit tests need nothing but the compiler; the bats suites need root and
# network namespaces and skip with a reason without them (as root, a skip
# fails the run).  T=name[ name...]: only tests/<name>.bats (and the unit
# tests).  JOBS=N: N bats files at once (tests/run.sh).
JOBS ?= 1
units: $(UNITS)

check: all $(UNITS)
	HP_JOBS=$(JOBS) HP_BUILD=$(abspath $(BUILD)) tests/run.sh $(patsubst %,tests/%.bats,$(T))

# The unit tests alone (the package's build runs them).
check-unit: $(filter-out %-m32,$(UNITS))
	@set -e; for t in $^; do $$t; done

# The tools in TOOLDIR, the activation command and xen-hotplug in SBINDIR
# (its unit in SYSTEMDUNITDIR, neither enabled nor started), the manual
# pages in MANDIR, the hook environment (built in; for reference) in DATADIR.
install: $(TOOLS:%=$(BUILD)/%) $(ADMIN:%=$(BUILD)/%) $(MANS)
	install -d $(DESTDIR)$(TOOLDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	for t in $(TOOLS); do install -m 0755 $(BUILD)/$$t $(DESTDIR)$(TOOLDIR)/$$t; done
	for t in $(ADMIN); do install -m 0755 $(BUILD)/$$t $(DESTDIR)$(SBINDIR)/$$t; done
	sed 's|@SBINDIR@|$(SBINDIR)|' systemd/xen-hotplug-watch.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/xen-hotplug-watch.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/xen-hotplug-watch.service
	install -m 0644 hooks/hotplug-hook-env.sh $(DESTDIR)$(DATADIR)/hotplug-hook-env.sh
	sed -e 's|@TOOLDIR@|$(TOOLDIR)|g' -e 's|@XEN_SCRIPT_DIR@|$(XEN_SCRIPT_DIR)|g' \
		admin/xen-hotplug-activate >$(DESTDIR)$(SBINDIR)/xen-hotplug-activate
	chmod 0755 $(DESTDIR)$(SBINDIR)/xen-hotplug-activate
	for m in $(MANS); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done

# libexec/xen-hotplug-ng: where older installs put the retired test
# xenstored; XEN_SCRIPT_DIR/hotplug-hook-env.sh: where they put that file.
uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(TOOLDIR)/$$t; done
	rm -f $(DESTDIR)$(DATADIR)/hotplug-hook-env.sh $(DESTDIR)$(SBINDIR)/xen-hotplug-activate
	for t in $(ADMIN); do rm -f $(DESTDIR)$(SBINDIR)/$$t; done
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/xen-hotplug-watch.service
	rm -f $(DESTDIR)$(XEN_SCRIPT_DIR)/hotplug-hook-env.sh
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	for m in $(MAN_SRC:man/%.scd=%); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done
	rm -rf $(DESTDIR)$(PREFIX)/libexec/xen-hotplug-ng

clean:
	rm -rf $(BUILD)

.PHONY: all man units check check-unit install uninstall clean
.SECONDARY:

# ---------------------------------------------------------------- bench, stress, fuzz, sanitizers
# None of these is part of `make check`.  bench and stress need root;
# fuzz needs clang with libFuzzer (libclang-rt-14-dev).

$(BUILD)/hp-bench-run: tests/bench/runner.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The floor links what the tools link and does nothing.
$(BUILD)/bench-floor: tests/bench/floor.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The kernel floor: that, and the kernel work no vif tool can avoid (the
# enslave and release, the guard's objects of one vif in one transaction
# each); it builds them with the library's own code (private headers).
$(BUILD)/bench-kfloor: tests/bench/kfloor.c $(LIB) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(ALL_INC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

BENCH_BINS := $(BUILD)/hp-bench-run $(BUILD)/bench-floor $(BUILD)/bench-kfloor

bench: all $(BENCH_BINS)
	HP_BUILD=$(abspath $(BUILD)) tests/bench/bench.sh

# Where a guarded cycle's wall time goes, per step and request, kernel
# included (tests/bench/breakdown.sh: ftrace, uprobes; needs perf).
bench-breakdown: all $(BENCH_BINS)
	tests/bench/breakdown.sh . $(or $(ROUNDS),20)

# vif-openvswitch against upstream's (tests/bench/ovs.sh): needs openvswitch-switch.
bench-ovs: all $(BENCH_BINS)
	HP_BUILD=$(abspath $(BUILD)) tests/bench/ovs.sh

stress: all
	@HP_BUILD=$(abspath $(BUILD)) bats --tap tests/stress/stress.bats >$(BUILD)/stress.tap; \
	rc=$$?; cat $(BUILD)/stress.tap; \
	if grep -q '^ok .*# skip' $(BUILD)/stress.tap; then echo "stress: a skipped test fails the run"; exit 1; fi; \
	exit $$rc

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -std=gnu11 -D_GNU_SOURCE $(ALL_INC) $(PKG_CFLAGS) \
                -DHP_XEN_SCRIPT_DIR='"$(XEN_SCRIPT_DIR)"'

# A target that includes a source file itself leaves it out of the link.
FUZZ_EXCLUDE_fwconf    := common/fw/fw.c common/base/conf.c

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_SRC) $(wildcard common/*/*.h common/include/hp/*.h) $(GEN)/hook-env.h \
		$(GUARD_NFT_H) | $(BUILD)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(filter-out $(FUZZ_EXCLUDE_$*),$(LIB_SRC)) $(PKG_LIBS)

# Each target runs FUZZ_SECONDS from its committed seeds
# (tests/fuzz/corpus/<target>/, read only); new inputs go to
# $(BUILD)/fuzz/corpus-<target>/, crashes to $(BUILD)/fuzz/.
fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		echo "fuzz: $$t, $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- $(BUILD)/fuzz/corpus-$$t tests/fuzz/corpus/$$t \
			2>$(BUILD)/fuzz/$$t.log || { tail -n 40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(BUILD)/fuzz/$$t.log; \
	done

# The whole suite with ASan+UBSan (any UBSan report aborts), in its own
# build directory.
check-asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 CPPFLAGS=-fno-sanitize-recover=all check

# The whole suite with every tool run under valgrind (tests/helpers.bash,
# HP_VALGRIND=1): any error or leak fails the run with exit 99.
check-valgrind: all $(UNITS)
	HP_JOBS=$(JOBS) HP_VALGRIND=1 HP_BUILD=$(abspath $(BUILD)) tests/run.sh

# xen-hotplug's status, verify and repair over 100, 300, 1000 vifs
# (tests/bench/admin.sh): needs perf.
bench-admin: all $(BUILD)/hp-bench-run
	HP_BUILD=$(abspath $(BUILD)) tests/bench/admin.sh

.PHONY: bench bench-breakdown bench-ovs bench-admin stress fuzz check-asan check-valgrind

# ---------------------------------------------------------------- check-xen
# A real Xen host under qemu's software emulation (no KVM), the real
# toolstack in its dom0, our package installed there and activated: see
# tests/xen-vm/run.sh.  Needs qemu-system-x86 and cpio (install.sh --deps),
# make deb's tools and apt-get download; not part of `make check`.
check-xen: all deb
	HP_BUILD=$(abspath $(BUILD)) tests/xen-vm/run.sh

.PHONY: check-xen

# ---------------------------------------------------------------- the Debian package
# make deb: debian/ built by dpkg-buildpackage -us -uc -b in a copy of the
# checkout's files (git ls-files: tracked and new, not ignored) in
# $(BUILD)/deb/src, so that neither the tree nor its parent directory gets
# the build's files; xen-hotplug-ng_<version>_<arch>.deb and the .changes
# land in $(BUILD)/deb/.  Built again only when a file is newer than the
# .deb.  Needs debhelper and the build dependencies (install.sh --deps).
deb:
	@set -e; git rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "deb: needs a git checkout (or run dpkg-buildpackage -us -uc -b)" >&2; exit 1; }; \
	old=$$(ls $(BUILD)/deb/xen-hotplug-ng_*.deb 2>/dev/null | head -n 1); \
	if [ -n "$$old" ] && [ "$$(git ls-files -z --cached --others --exclude-standard | \
		xargs -0 -r stat -c %Y 2>/dev/null | sort -n | tail -n 1)" -lt "$$(stat -c %Y "$$old")" ]; then \
		echo "deb: $$old is up to date"; exit 0; fi; \
	rm -rf $(BUILD)/deb; mkdir -p $(BUILD)/deb/src; \
	git ls-files -z --cached --others --exclude-standard | \
		tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(BUILD)/deb/src; \
	cd $(BUILD)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u BUILD \
		dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "deb: dpkg-buildpackage failed: $(BUILD)/deb/build.log" >&2; exit 1; }; \
	ls $(abspath $(BUILD))/deb/xen-hotplug-ng_*.deb

# The package's life on this host, in a private copy-on-write view of it
# (tests/package.sh): lintian, the manual pages, install, activation, the
# demo through the installed tools, xen-utils-common reinstalled and
# upgraded, deactivation, removal, purge.  Needs root.
check-package: all deb
	HP_BUILD=$(abspath $(BUILD)) tests/package.sh

.PHONY: deb check-package

# ---------------------------------------------------------------- style
# .clang-format is the kernel's style at 100 columns (STYLE.md).
FORMAT_SRC := $(wildcard common/*/*.c common/*/*.h common/include/hp/*.h tools/*.c tests/unit/*.c tests/unit/*.h \
		tests/fuzz/*.c tests/xenstored/*.c tests/fw-dev/*.c)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: $(words $(FORMAT_SRC)) files as .clang-format says"
.PHONY: format format-check
