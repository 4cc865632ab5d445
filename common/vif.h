/* What every vif script shares: upstream's vif-common.sh.  The calling
 * convention (command, type_if, vif/INTERFACE, XENBUS_PATH), the keys all
 * of them read (vifname, ip, mac, mtu, frontend), validated before any
 * change, the one failure path with the result protocol, finding and
 * renaming the interface, hooks, and a watchdog.
 *
 * A tool fills a struct hp_vif_tool and calls hp_vif_main() from main(). */
#ifndef HP_VIF_H
#define HP_VIF_H

#include <stddef.h>

#include "fw.h"
#include "hooks.h"
#include "link.h"
#include "params.h"
#include "parse.h"
#include "xs.h"

#define HP_VIF_MAX_HOOK_VARS 8

struct hp_vif;

struct hp_vif_tool {
	const char *name;  /* log tag, e.g. "vif-bridge" */
	const char *usage; /* printed by --help and on usage errors */
	enum hp_fw_family fw_family;
	/* online/add: called with the config read and validated and the
	 * interface found (renamed to vifname); tools set up the interface,
	 * the guard (hp_vif_guard_add) and their own state. */
	int (*attach)(struct hp_vif *v);
	/* offline/remove: v->link.ifindex is 0 when the interface is gone. */
	int (*detach)(struct hp_vif *v);
	/* undo what attach did, on failure after a change */
	void (*undo)(struct hp_vif *v);
	/* free the tool's state (v->priv), whatever happened */
	void (*cleanup)(struct hp_vif *v);
};

struct hp_vif {
	const struct hp_vif_tool *tool;
	struct hp_params params;
	const char *argv0;
	const char *command; /* online, offline, add, remove */
	int is_tap;
	int attach;	       /* online/add */
	const char *libxl_name; /* $vif, or $INTERFACE for a tap */
	const char *xb_path;	/* XENBUS_PATH */
	char dev[HP_IFNAMSIZ];	/* the interface, after vifname */

	/* backend keys; NULL when absent */
	char *vifname, *ip_xs, *mac_s, *mtu_s, *frontend;
	const char *ip; /* effective `ip`: xenstore > argument > environment */
	struct hp_prefix *ips;
	size_t nips;
	int ips_invalid; /* offline only: `ip` did not parse, ips is empty */
	unsigned char mac[6];
	int has_mac;
	unsigned int mtu; /* 0 when no `mtu` key */

	struct hp_xs *xs;
	struct hp_nl *nl;
	struct hp_link link;
	int touched; /* a change was made: undo on failure */
	void *priv;  /* the tool's own state */

	/* tool-specific hook variables (bridge, main_ip...) */
	struct hp_hook_var hook_vars[HP_VIF_MAX_HOOK_VARS];
	size_t n_hook_vars;

	char xb_buf[64], fe_buf[64];
};

int hp_vif_main(int argc, char **argv, const struct hp_vif_tool *tool);

/* The failure path: log, undo, report hotplug-error + hotplug-status=error
 * on an online of a vif.  Returns 1, the exit status. */
int hp_vif_fail(struct hp_vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "invalid <key> '<val>' (<XENBUS_PATH>/<key>): <why>" through hp_vif_fail. */
int hp_vif_bad(struct hp_vif *v, const char *key, const char *val, const char *why);
/* Read an optional backend key; *val NULL when missing; 1 on failure. */
int hp_vif_read_opt(struct hp_vif *v, const char *key, char **val);
/* A tool-specific variable for the hooks (value borrowed). */
void hp_vif_hook_var(struct hp_vif *v, const char *name, const char *value);
/* The frontend directory: the `frontend` key, else from XENBUS_PATH. */
const char *hp_vif_frontend_path(struct hp_vif *v);
/* Replace the ip list (a copy is taken), e.g. vif-nat's guard on the
 * guest's /32.  0 or -ENOMEM. */
int hp_vif_set_ips(struct hp_vif *v, const struct hp_prefix *p, size_t n);
/* hp_fw_guard_add for this vif, its mac and ip list. */
int hp_vif_guard_add(struct hp_vif *v);

#endif
