/*
 * vif-bridge: attach a Xen guest's network interface to a bridge.
 *
 * Usage (as libxl runs it, for each vif of a starting or stopping guest):
 *   vif-bridge online|offline [type_if=vif] [key=value...]
 *   vif-bridge add|remove type_if=tap [key=value...]      (emulated NICs)
 *
 * Environment (libxl): vif=vif<domid>.<devid>, XENBUS_PATH=backend/vif/<domid>/<devid>
 * (relative), INTERFACE=vif<domid>.<devid>-emu for taps, netdev, script.
 * Parameters: environment < key=value arguments < xenstore, for `bridge`
 * and `ip`; `vifname`, `mtu`, `mac`, `frontend` come from xenstore only.
 *
 * xenstore read under XENBUS_PATH: bridge, vifname, mtu, mac, ip, frontend.
 * Written: <frontend>/mtu, then hotplug-status=connected last (online), or
 * hotplug-error and hotplug-status=error (online failure).  Nothing is
 * written for offline, add or remove.
 *
 * Exit: 0 success, 1 failure, 2 usage.
 */
#include <errno.h>
#include <linux/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "hooks.h"
#include "link.h"
#include "log.h"
#include "params.h"
#include "parse.h"
#include "xs.h"

#define TOOL "vif-bridge"
#define DEFAULT_WAIT_MS 10000
#define MAX_BRIDGES 8

static const unsigned char port_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

struct vif {
	struct hp_params params;
	const char *argv0;
	const char *command;
	int is_tap;
	int attach; /* online/add, else offline/remove */
	const char *libxl_name; /* vif or INTERFACE as libxl named it */
	const char *xb_path;	/* XENBUS_PATH */
	char xb_buf[64];	/* XENBUS_PATH derived for a tap */
	char dev[HP_IFNAMSIZ];	/* the interface, after vifname */
	char *vifname, *bridge_xs, *ip, *mac_s, *mtu_s, *frontend;
	char fe_buf[64];
	const char *bridge_name;
	char bridge[HP_IFNAMSIZ];
	struct hp_prefix *ips;
	size_t nips;
	unsigned char mac[6];
	int has_mac;
	unsigned int mtu;
	struct hp_xs *xs;
	struct hp_nl *nl;
	struct hp_link link, br;
	int touched; /* the link was changed: undo on failure */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s online|offline [type_if=vif] [bridge=BR] [ip=\"A B\"] [key=value...]\n"
		   "       %s add|remove type_if=tap [bridge=BR] [key=value...]\n"
		   "Attaches the Xen vif named by $vif (or the tap named by $INTERFACE) to a\n"
		   "bridge, as described under $XENBUS_PATH in xenstore.  Run by libxl.\n",
		TOOL, TOOL);
}

static int fail(struct vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one failure path: log, undo, and report to libxl on online. */
static int fail(struct vif *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s", msg);
	if (v->touched && v->nl && v->link.ifindex) {
		hp_link_set_up(v->nl, &v->link, 0);
		hp_link_set_master(v->nl, &v->link, 0);
		hp_fw_guard_del(v->dev, HP_FW_BRIDGE);
	}
	if (v->attach && !v->is_tap && v->xs && v->xb_path) {
		rc = hp_xs_report_error(v->xs, v->xb_path, msg);
		if (rc)
			hp_err("unable to write hotplug-error to '%s': %s", v->xb_path, strerror(-rc));
	}
	return 1;
}

/* Read an optional key under XENBUS_PATH; *val stays NULL when missing. */
static int read_opt(struct vif *v, const char *key, char **val)
{
	int rc = hp_xs_read_key(v->xs, v->xb_path, key, val);

	if (rc == -ENOENT) {
		*val = NULL;
		return 0;
	}
	if (rc)
		return fail(v, "unable to read '%s/%s' from xenstore: %s", v->xb_path, key,
			    strerror(-rc));
	return 0;
}

static int bad(struct vif *v, const char *key, const char *val, const char *why)
{
	return fail(v, "invalid %s '%s' (%s/%s): %s", key, val, v->xb_path, key, why);
}

/* Everything read and validated before anything is changed. */
static int read_config(struct vif *v)
{
	const char *ip;
	int rc;

	if (read_opt(v, "vifname", &v->vifname) || read_opt(v, "bridge", &v->bridge_xs) ||
	    read_opt(v, "ip", &v->ip) || read_opt(v, "mac", &v->mac_s) ||
	    read_opt(v, "mtu", &v->mtu_s) || read_opt(v, "frontend", &v->frontend))
		return 1;

	if (v->vifname && *v->vifname) {
		char want[HP_IFNAMSIZ + 8];

		snprintf(want, sizeof(want), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
		if (hp_parse_ifname(want))
			return bad(v, "vifname", v->vifname,
				   "not a valid interface name (1 to 15 characters, no '/', ':' or "
				   "spaces, with -emu for a tap)");
		memcpy(v->dev, want, strlen(want) + 1); /* fits: validated */
	} else {
		snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	}

	v->bridge_name = v->bridge_xs ? v->bridge_xs : hp_param_str(&v->params, "bridge");
	if (*v->bridge_name && hp_parse_ifname(v->bridge_name))
		return bad(v, "bridge", v->bridge_name, "not a valid interface name");

	ip = v->ip ? v->ip : hp_param_str(&v->params, "ip");
	rc = hp_parse_ip_list(ip, &v->ips, &v->nips);
	if (rc == -ENOMEM)
		return fail(v, "unable to parse ip list: %s", strerror(ENOMEM));
	if (rc)
		return bad(v, "ip", ip,
			   "not a list of IPv4/IPv6 addresses or networks (at most 64)");

	if (v->mac_s) {
		if (hp_parse_mac(v->mac_s, v->mac, 1))
			return bad(v, "mac", v->mac_s, "not a unicast MAC address xx:xx:xx:xx:xx:xx");
		v->has_mac = 1;
	}
	if (v->mtu_s && hp_parse_mtu(v->mtu_s, &v->mtu))
		return bad(v, "mtu", v->mtu_s, "not a number from 68 to 65535");

	if (v->frontend && (strncmp(v->frontend, "/local/domain/", 14) || strlen(v->frontend) > 128 ||
			    strstr(v->frontend, "..")))
		return bad(v, "frontend", v->frontend, "not a /local/domain/<domid>/... path");
	return 0;
}

/* Upstream: the given bridge, `xenbrN` read as `ethN` when only the latter
 * exists (pre-4.x configurations), or the host's only bridge. */
static int find_bridge(struct vif *v)
{
	char names[MAX_BRIDGES][HP_IFNAMSIZ];
	int rc, n;

	if (!*v->bridge_name) {
		rc = hp_link_list_bridges(v->nl, names, MAX_BRIDGES, &n);
		if (rc)
			return fail(v, "unable to list bridges: %s", strerror(-rc));
		if (n != 1)
			return fail(v, "unable to choose a bridge: none was specified and the host has %d "
				       "bridges; set bridge= in the guest's vif configuration", n);
		snprintf(v->bridge, sizeof(v->bridge), "%s", names[0]);
	} else {
		snprintf(v->bridge, sizeof(v->bridge), "%s", v->bridge_name);
	}

	rc = hp_link_get(v->nl, v->bridge, &v->br);
	if (rc == -ENODEV && !strncmp(v->bridge, "xenbr", 5)) {
		char eth[HP_IFNAMSIZ];

		snprintf(eth, sizeof(eth), "eth%s", v->bridge + 5);
		if (!hp_link_get(v->nl, eth, &v->br) && v->br.is_bridge) {
			hp_dbg("bridge '%s' not found, using legacy '%s'", v->bridge, eth);
			snprintf(v->bridge, sizeof(v->bridge), "%s", eth);
			rc = 0;
		}
	}
	if (rc == -ENODEV)
		return fail(v, "unable to find bridge '%s': no such device", v->bridge);
	if (rc)
		return fail(v, "unable to look up bridge '%s': %s", v->bridge, strerror(-rc));
	if (!v->br.is_bridge)
		return fail(v, "unable to use '%s' as a bridge: it is a %s device, not a bridge",
			    v->bridge, *v->br.kind ? v->br.kind : "plain");
	return 0;
}

static unsigned int wait_ms(void)
{
	unsigned long ms;
	const char *s = getenv("XEN_HOTPLUG_WAIT_MS");

	if (s && !hp_parse_uint(s, 60000, &ms))
		return (unsigned int)ms;
	return DEFAULT_WAIT_MS;
}

/* Find the interface, renaming it to vifname.  A second online finds it
 * renamed already: the alias we set on rename says it is ours. */
static int find_link(struct vif *v)
{
	struct hp_link other;
	int rc;

	if (strcmp(v->dev, v->libxl_name)) {
		rc = hp_link_get(v->nl, v->dev, &other);
		if (rc == 0) {
			if (!strcmp(other.alias, v->libxl_name)) {
				v->link = other;
				hp_log_set_dev(v->dev);
				return 0;
			}
			return fail(v, "unable to rename '%s' to vifname '%s': an interface with that "
				       "name already exists", v->libxl_name, v->dev);
		}
		if (rc != -ENODEV)
			return fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc));
	}

	rc = hp_link_wait(v->nl, v->libxl_name, wait_ms(), &v->link);
	if (rc == -ETIMEDOUT)
		return fail(v, "unable to find interface '%s': timed out after %u ms", v->libxl_name,
			    wait_ms());
	if (rc)
		return fail(v, "unable to find interface '%s': %s", v->libxl_name, strerror(-rc));
	if (!strcmp(v->dev, v->libxl_name))
		return 0;

	v->touched = 1;
	if ((rc = hp_link_set_up(v->nl, &v->link, 0)) ||
	    (rc = hp_link_rename(v->nl, &v->link, v->dev)))
		return fail(v, "unable to rename '%s' to vifname '%s': %s", v->libxl_name, v->dev,
			    strerror(-rc));
	v->link.flags &= ~(unsigned int)IFF_UP;
	rc = hp_link_set_alias(v->nl, &v->link, v->libxl_name);
	if (rc)
		return fail(v, "unable to set alias of '%s': %s", v->dev, strerror(-rc));
	hp_log_set_dev(v->dev);
	return 0;
}

/* The frontend's mtu: libxl's `frontend` key, else the ids in XENBUS_PATH
 * (never the interface name, which vifname may have changed). */
static const char *frontend_path(struct vif *v)
{
	unsigned int domid, devid;

	if (v->frontend)
		return v->frontend;
	if (hp_parse_backend_path(v->xb_path, &domid, &devid))
		return NULL;
	snprintf(v->fe_buf, sizeof(v->fe_buf), "/local/domain/%u/device/vif/%u", domid, devid);
	return v->fe_buf;
}

static int setup_port(struct vif *v)
{
	int rc, attached = v->link.master == v->br.ifindex;
	const char *fe;
	char mtu[16];

	v->touched = 1;
	/* A second online finds the port attached: leave its traffic alone. */
	if (!attached) {
		if ((rc = hp_link_set_up(v->nl, &v->link, 0)))
			return fail(v, "unable to bring '%s' down: %s", v->dev, strerror(-rc));
		v->link.flags &= ~(unsigned int)IFF_UP;
		/* The highest unicast MAC never wins the bridge's own address
		 * (xen-network-common.sh); failure is harmless, as upstream. */
		if ((rc = hp_link_set_mac(v->nl, &v->link, port_mac)))
			hp_dbg("unable to set MAC of '%s': %s", v->dev, strerror(-rc));
		if ((rc = hp_addr_flush(v->nl, &v->link)))
			return fail(v, "unable to flush addresses of '%s': %s", v->dev, strerror(-rc));
		if ((rc = hp_link_set_addrgen_none(v->nl, &v->link)))
			hp_dbg("unable to turn off IPv6 addresses on '%s': %s", v->dev, strerror(-rc));
	}

	if (!v->mtu_s)
		v->mtu = v->br.mtu;
	if ((rc = hp_link_set_mtu(v->nl, &v->link, v->mtu)))
		return fail(v, "unable to set MTU of '%s' to %u: %s", v->dev, v->mtu, strerror(-rc));
	if (!v->is_tap && (fe = frontend_path(v))) {
		snprintf(mtu, sizeof(mtu), "%u", v->mtu);
		if ((rc = hp_xs_write_key(v->xs, fe, "mtu", mtu)))
			return fail(v, "unable to write mtu %s to '%s/mtu': %s", mtu, fe, strerror(-rc));
	}

	/* The guard goes in before the port forwards anything. */
	struct hp_guard g = { .ifname = v->dev, .family = HP_FW_BRIDGE, .has_mac = v->has_mac,
			      .addrs = v->ips, .naddrs = v->nips };
	memcpy(g.mac, v->mac, sizeof(g.mac));
	if ((rc = hp_fw_guard_add(&g)))
		return fail(v, "unable to install the anti-spoofing guard for '%s': %s", v->dev,
			    strerror(-rc));

	if ((rc = hp_link_set_master(v->nl, &v->link, v->br.ifindex)))
		return fail(v, "unable to attach '%s' to bridge '%s': %s", v->dev, v->bridge,
			    strerror(-rc));
	v->link.master = v->br.ifindex;
	if ((rc = hp_link_set_up(v->nl, &v->link, 1)))
		return fail(v, "unable to bring '%s' up: %s", v->dev, strerror(-rc));
	return 0;
}

static int run_hooks(struct vif *v)
{
	char mtu[16] = "";
	int rc, status;

	if (v->mtu)
		snprintf(mtu, sizeof(mtu), "%u", v->mtu);
	const struct hp_hook_var vars[] = {
		{ "command", v->command },
		{ "type_if", v->is_tap ? "tap" : "vif" },
		{ "dev", v->dev },
		{ "vif", getenv("vif") },
		{ "bridge", v->bridge[0] ? v->bridge : v->bridge_name },
		{ "ip", v->ip ? v->ip : hp_param_str(&v->params, "ip") },
		{ "mac", v->mac_s ? v->mac_s : "" },
		{ "mtu", mtu },
		{ "vifname", v->vifname ? v->vifname : "" },
		{ "XENBUS_PATH", v->xb_path },
	};

	rc = hp_hooks_run("vif", "post", v->argv0, &v->params, vars, sizeof(vars) / sizeof(vars[0]),
			  &status);
	if (rc == -ECHILD) {
		char *st = NULL;

		/* A hook that called fatal has reported its own message. */
		if (v->attach && !v->is_tap && !hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &st) &&
		    !strcmp(st, "error")) {
			free(st);
			v->xb_path = NULL;
			return fail(v, "a vif-post.d hook failed with status %d", status);
		}
		free(st);
		return fail(v, "a vif-post.d hook in '%s' failed with status %d", hp_script_dir(),
			    status);
	}
	if (rc)
		return fail(v, "unable to run vif-post.d hooks: %s", strerror(-rc));
	return 0;
}

static int cmd_attach(struct vif *v)
{
	int rc;

	if (read_config(v) || find_bridge(v) || find_link(v) || setup_port(v) || run_hooks(v))
		return 1;
	if (!v->is_tap && (rc = hp_xs_report_connected(v->xs, v->xb_path)))
		return fail(v, "unable to write hotplug-status to '%s': %s", v->xb_path, strerror(-rc));
	hp_info("%s: attached to bridge '%s', mtu %u%s", v->command, v->bridge, v->mtu,
		v->nips ? ", guarded" : "");
	return 0;
}

/* Offline usually runs after netback destroyed the vif: a missing link
 * is success, and the guard is removed by name all the same. */
static int cmd_detach(struct vif *v)
{
	int rc;

	rc = hp_xs_read_key(v->xs, v->xb_path, "vifname", &v->vifname);
	if (rc && rc != -ENOENT)
		hp_warn("unable to read '%s/vifname': %s", v->xb_path, strerror(-rc));
	if (v->vifname && *v->vifname)
		snprintf(v->dev, sizeof(v->dev), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
	else
		snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	if (hp_parse_ifname(v->dev))
		snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	hp_log_set_dev(v->dev);
	v->bridge_name = hp_param_str(&v->params, "bridge");

	rc = hp_link_get(v->nl, v->dev, &v->link);
	if (rc == 0) {
		if ((rc = hp_link_set_up(v->nl, &v->link, 0)))
			return fail(v, "unable to bring '%s' down: %s", v->dev, strerror(-rc));
		if (v->link.master) {
			struct hp_link m;

			if (!hp_link_get_index(v->nl, v->link.master, &m) && m.is_bridge)
				snprintf(v->bridge, sizeof(v->bridge), "%s", m.name);
			if ((rc = hp_link_set_master(v->nl, &v->link, 0)))
				return fail(v, "unable to detach '%s' from bridge '%s': %s", v->dev,
					    v->bridge, strerror(-rc));
		}
	} else if (rc == -ENODEV) {
		hp_dbg("'%s' is gone already", v->dev);
	} else {
		return fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc));
	}
	if ((rc = hp_fw_guard_del(v->dev, HP_FW_BRIDGE)))
		return fail(v, "unable to remove the anti-spoofing guard of '%s': %s", v->dev,
			    strerror(-rc));
	if (run_hooks(v))
		return 1;
	hp_info("%s: detached%s%s", v->command, v->bridge[0] ? " from bridge " : "", v->bridge);
	return 0;
}

/* XENBUS_PATH as libxl gives it; for a tap run without it, upstream's
 * convention from the interface name (the name libxl gave, not vifname). */
static int find_xenbus_path(struct vif *v)
{
	unsigned int domid, devid;
	const char *p = getenv("XENBUS_PATH");

	if (p && *p) {
		if (strlen(p) > 256 || strstr(p, "//") || p[strlen(p) - 1] == '/')
			return -EINVAL;
		v->xb_path = p;
		return 0;
	}
	if (!v->is_tap || hp_parse_vif_name(v->libxl_name, &domid, &devid))
		return -ENOENT;
	snprintf(v->xb_buf, sizeof(v->xb_buf), "/local/domain/0/backend/vif/%u/%u", domid, devid);
	v->xb_path = v->xb_buf;
	return 0;
}

static int run(struct vif *v)
{
	const char *type_if = hp_param(&v->params, "type_if");
	int rc;

	if (!type_if || !*type_if)
		type_if = "vif"; /* older callers did not pass it */
	if (strcmp(type_if, "vif") && strcmp(type_if, "tap"))
		return fail(v, "unknown interface type '%s'", type_if);
	v->is_tap = !strcmp(type_if, "tap");
	/* upstream: online/offline are for vifs, add/remove for taps */
	if (v->is_tap != (!strcmp(v->command, "add") || !strcmp(v->command, "remove")))
		return 0;
	v->attach = !strcmp(v->command, "online") || !strcmp(v->command, "add");

	v->libxl_name = hp_param(&v->params, v->is_tap ? "INTERFACE" : "vif");
	if (!v->libxl_name || hp_parse_ifname(v->libxl_name)) {
		v->attach = 0;
		return fail(v, "invalid %s '%s': not an interface name", v->is_tap ? "INTERFACE" : "vif",
			    v->libxl_name ? v->libxl_name : "");
	}
	hp_log_set_dev(v->libxl_name);
	snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	rc = find_xenbus_path(v);
	if (rc) {
		v->attach = 0;
		return fail(v, "invalid XENBUS_PATH '%s': %s", hp_param_str(&v->params, "XENBUS_PATH"),
			    rc == -ENOENT ? "not set" : "not a xenstore path");
	}
	rc = hp_xs_open(&v->xs);
	if (rc)
		return fail(v, "unable to connect to xenstore (%s): %s",
			    getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "default path",
			    strerror(-rc));
	rc = hp_nl_open(&v->nl);
	if (rc)
		return fail(v, "unable to open a netlink socket: %s", strerror(-rc));
	return v->attach ? cmd_attach(v) : cmd_detach(v);
}

static void cleanup(struct vif *v)
{
	hp_nl_close(v->nl);
	hp_xs_close(v->xs);
	free(v->vifname);
	free(v->bridge_xs);
	free(v->ip);
	free(v->mac_s);
	free(v->mtu_s);
	free(v->frontend);
	free(v->ips);
	hp_log_close();
}

int main(int argc, char **argv)
{
	static const char *const commands[] = { "online", "offline", "add", "remove" };
	struct vif v = { .argv0 = argv[0] };
	size_t i;
	int rc;

	hp_log_init(TOOL);
	if (hp_params_parse(&v.params, argc, argv) || !v.params.command) {
		hp_err("invalid arguments: expected a command and key=value parameters");
		usage(stderr);
		hp_log_close();
		return 2;
	}
	if (!strcmp(v.params.command, "--help")) {
		usage(stdout);
		hp_log_close();
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(v.params.command, commands[i]))
			v.command = commands[i];
	if (!v.command) {
		hp_err("invalid command '%s'", v.params.command);
		usage(stderr);
		hp_log_close();
		return 2;
	}
	rc = run(&v);
	cleanup(&v);
	return rc;
}
