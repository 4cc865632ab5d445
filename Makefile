# xen-hotplug-ng: C replacements for Xen's network hotplug scripts.
# GNU make, no configure step.  `make`, `make check`, `make install`.

PREFIX         ?= /usr/local
DESTDIR        ?=
XEN_SCRIPT_DIR ?= /etc/xen/scripts
BUILD          ?= build

CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 xenstore libnftnl libmnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wcast-qual -Wformat=2 -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -Icommon $(PKG_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif
LDLIBS   += $(PKG_LIBS)

TOOLS    := vif-bridge vif-route network-bridge
LIB_SRC  := $(wildcard common/*.c)
LIB_OBJ  := $(LIB_SRC:common/%.c=$(BUILD)/common/%.o)
LIB      := $(BUILD)/libhotplug.a

UNIT_SRC := $(wildcard tests/unit/*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
XSD      := $(BUILD)/hp-xenstored

all: $(TOOLS:%=$(BUILD)/%) $(XSD)

$(BUILD)/common/%.o: common/%.c $(wildcard common/*.h) | $(BUILD)/common
	$(CC) $(CPPFLAGS) $(CFLAGS) -DHP_XEN_SCRIPT_DIR='"$(XEN_SCRIPT_DIR)"' -I$(BUILD) -c -o $@ $<

# The hook environment is built into the tools as a C string.
$(BUILD)/hook-env.h: hooks/hotplug-hook-env.sh | $(BUILD)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BUILD)/common/hooks.o: $(BUILD)/hook-env.h

$(LIB): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%: tools/%.c $(LIB) $(wildcard common/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(XSD): tests/xenstored/xenstored.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB) $(wildcard common/*.h) | $(BUILD)/unit
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD) $(BUILD)/common $(BUILD)/unit:
	mkdir -p $@

# Unit tests need nothing but the compiler; the bats suites need root and
# network namespaces and skip with a reason without them.
check: all $(UNITS)
	HP_BUILD=$(abspath $(BUILD)) tests/run.sh

install: $(TOOLS:%=$(BUILD)/%)
	install -d $(DESTDIR)$(XEN_SCRIPT_DIR) $(DESTDIR)$(XEN_SCRIPT_DIR)/vif-post.d
	for t in $(TOOLS); do install -m 0755 $(BUILD)/$$t $(DESTDIR)$(XEN_SCRIPT_DIR)/$$t; done
	install -m 0644 hooks/hotplug-hook-env.sh $(DESTDIR)$(XEN_SCRIPT_DIR)/hotplug-hook-env.sh
	install -d $(DESTDIR)$(PREFIX)/libexec/xen-hotplug-ng
	install -m 0755 $(XSD) $(DESTDIR)$(PREFIX)/libexec/xen-hotplug-ng/hp-xenstored

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(XEN_SCRIPT_DIR)/$$t; done
	rm -f $(DESTDIR)$(XEN_SCRIPT_DIR)/hotplug-hook-env.sh
	rm -rf $(DESTDIR)$(PREFIX)/libexec/xen-hotplug-ng

clean:
	rm -rf $(BUILD)

.PHONY: all check install uninstall clean
.SECONDARY:
