/* A vif script's run, from main to exit (upstream's vif-common.sh and
 * xen-hotplug-common.sh, without a shell): the command and the calling
 * convention, finding the vif, online as one transaction of steps,
 * offline, the cleanup.  The keys, the watchdog, the report, the hooks
 * and the steps are the other files of this folder (vif-priv.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/log.h"
#include "vif-priv.h"

#define DEFAULT_WAIT_MS 10000

static const char *const commands[] = { "online", "offline", "add", "remove", "verify", "repair" };

static unsigned int wait_ms(const struct hp_vif *v)
{
	const char *s = getenv("XEN_HOTPLUG_WAIT_MS");
	unsigned long ms;

	if (v->admin)
		return 0; /* verify and repair look at the host as it is */
	if (s && !hp_parse_uint(s, 60000, &ms))
		return (unsigned int)ms;
	return DEFAULT_WAIT_MS;
}

/* The interface, under libxl's name or, renamed by an earlier (or a
 * concurrent) online, under vifname, whose alias then names it ours.
 * Nothing is changed here. */
int vif_locate(struct hp_vif *v)
{
	const char *names[2] = { v->dev, v->libxl_name };
	size_t n = strcmp(v->dev, v->libxl_name) ? 2 : 1, which = 0;
	struct hp_link l;
	int rc;

	rc = hp_link_wait_any(v->nl, n == 2 ? names : names + 1, n, wait_ms(v), &l, &which);
	if (rc == -ENODEV && v->admin)
		return hp_vif_drift(v, "link",
				    n == 2 ? "a link named vifname or libxl's name" :
					     "a link of that name",
				    "none");
	if (rc == -ETIMEDOUT)
		return hp_vif_fail(v, "unable to find interface '%s': timed out after %u ms",
				   v->libxl_name, wait_ms(v));
	if (rc)
		return hp_vif_fail(v, "unable to find interface '%s': %s", v->libxl_name,
				   strerror(-rc));
	if (n == 2 && which == 0 && strcmp(l.alias, v->libxl_name))
		return hp_vif_fail(v,
				   "unable to rename '%s' to vifname '%s': an interface with "
				   "that name already exists",
				   v->libxl_name, v->dev);
	v->link = l;
	vif_watchdog_link(l.ifindex);
	if (n == 2 && which == 0)
		hp_log_set_dev(v->dev);
	return 0;
}

/* online/add: the keys, the vif, the tool's check(), then one
 * transaction: rename, the tool's steps, hooks, connected. */
static int attach(struct hp_vif *v)
{
	struct hp_step steps[HP_TXN_MAX_STEPS];
	size_t n = 0, i;

	if (vif_read_keys(v) || vif_locate(v))
		return vif_report_failure(v);
	v->found = v->link;
	if (v->tool->check && v->tool->check(v))
		return vif_report_failure(v);
	if (v->tool->nsteps + 3 > HP_TXN_MAX_STEPS)
		return hp_vif_fail(v, "too many steps"), vif_report_failure(v);
	steps[n++] = (struct hp_step){ "rename", vif_s_rename, vif_u_rename, vif_v_rename };
	for (i = 0; i < v->tool->nsteps; i++)
		steps[n++] = v->tool->steps[i];
	steps[n++] = (struct hp_step){ "hooks", vif_s_hooks, NULL, NULL };
	steps[n++] = (struct hp_step){ "connected", vif_s_connected, NULL, vif_v_connected };
	if (hp_txn_run(v->command, steps, n, v))
		return vif_report_failure(v);
	return 0;
}

/* Offline usually runs after netback destroyed the vif: a missing link
 * is no error, and the tool removes its state by name all the same. */
static int detach(struct hp_vif *v)
{
	int rc, failed;

	vif_read_keys_offline(v);
	rc = hp_link_get(v->nl, v->dev, &v->link);
	if (rc == -ENODEV) {
		hp_dbg("'%s' is gone already", v->dev);
		memset(&v->link, 0, sizeof(v->link));
	} else if (rc) {
		return hp_vif_fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc)), 1;
	}
	vif_watchdog_link(v->link.ifindex);
	/* offline's three stages, for tests of a kill (libxl's timeout) at
	 * each: what is left is xen-hotplug gc's */
	hp_txn_kill_point(v->command, "detach", 1);
	/* the guard goes whatever else failed: it is keyed by name */
	failed = v->tool->detach(v);
	hp_txn_kill_point(v->command, "unguard", 2);
	if ((rc = hp_fw_guard_del(v->dev, v->tool->fw_family)))
		return hp_vif_fail(v, "unable to remove the anti-spoofing guard of '%s': %s",
				   v->dev, strerror(-rc)),
		       1;
	hp_txn_kill_point(v->command, "hooks", 3);
	if (failed || vif_run_hooks(v))
		return 1;
	return 0;
}

/* XENBUS_PATH as libxl gives it; for a tap run without it, upstream's
 * convention from the interface name (the name libxl gave, not vifname). */
static int find_xenbus_path(struct hp_vif *v)
{
	const char *p = getenv("XENBUS_PATH");
	unsigned int domid, devid;

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

static int run(struct hp_vif *v)
{
	const char *type_if = hp_param(&v->params, "type_if");
	int rc;

	if (!type_if || !*type_if)
		type_if = "vif"; /* older callers did not pass it */
	if (strcmp(type_if, "vif") && strcmp(type_if, "tap"))
		return hp_vif_fail(v, "unknown interface type '%s'", type_if), 1;
	v->is_tap = !strcmp(type_if, "tap");
	v->admin = !strcmp(v->command, "verify") ? HP_VIF_VERIFY :
		   !strcmp(v->command, "repair") ? HP_VIF_REPAIR :
						   0;
	/* upstream: online/offline are for vifs, add/remove for taps */
	if (!v->admin && v->is_tap != (!strcmp(v->command, "add") || !strcmp(v->command, "remove")))
		return 0;
	v->libxl_name = hp_param(&v->params, v->is_tap ? "INTERFACE" : "vif");
	if (!v->libxl_name || hp_parse_ifname(v->libxl_name))
		return hp_vif_fail(v, "invalid %s '%s': not an interface name",
				   v->is_tap ? "INTERFACE" : "vif", v->libxl_name ?: ""),
		       1;
	hp_log_set_dev(v->libxl_name);
	snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	rc = find_xenbus_path(v);
	if (rc)
		return hp_vif_fail(v, "invalid XENBUS_PATH '%s': %s",
				   hp_param_str(&v->params, "XENBUS_PATH"),
				   rc == -ENOENT ? "not set" : "not a xenstore path"),
		       1;
	v->online = v->admin || !strcmp(v->command, "online") || !strcmp(v->command, "add");
	/* verify only reads: nothing to stop, no link to take down */
	if (v->admin != HP_VIF_VERIFY)
		vif_watchdog_arm(v);
	rc = hp_xs_open(&v->xs);
	if (rc) {
		hp_vif_fail(v, "unable to connect to xenstore (%s): %s",
			    getenv("XENSTORED_PATH") ?: "default path", strerror(-rc));
		return v->admin ? vif_admin_error(v) : 1;
	}
	rc = hp_nl_open(&v->nl);
	if (rc) {
		hp_vif_fail(v, "unable to open a netlink socket: %s", strerror(-rc));
		return vif_report_failure(v);
	}
	rc = v->admin ? vif_admin(v) : v->online ? attach(v) : detach(v);
	vif_watchdog_stop();
	return rc;
}

static void cleanup(struct hp_vif *v)
{
	if (v->tool->cleanup)
		v->tool->cleanup(v);
	vif_watchdog_stop();
	hp_nl_close(v->nl);
	hp_xs_close(v->xs);
	free(v->vifname);
	free(v->ip_xs);
	free(v->mac_s);
	free(v->mtu_s);
	free(v->frontend);
	free(v->xb_keys);
	free(v->rate_s);
	free(v->ips);
	hp_log_close();
}

static int usage(const struct hp_vif_tool *tool, const char *what, const char *arg)
{
	hp_err("%s '%s'", what, arg);
	fputs(tool->usage, stderr);
	hp_log_close();
	return 2;
}

int hp_vif_main(int argc, char **argv, const struct hp_vif_tool *tool, void *priv)
{
	struct hp_vif v = { .tool = tool, .argv0 = argv[0], .priv = priv };
	size_t i;
	int rc;

	hp_log_init(tool->name);
	/* a caller that ignores SIGCHLD would leave us no exit status of
	 * hooks, iptables or dhcpd restarts (it survives exec) */
	signal(SIGCHLD, SIG_DFL);
	rc = hp_params_parse(&v.params, argc, argv);
	if (rc == -EPERM)
		return usage(tool,
			     "refusing an argument that would change how the hook shell "
			     "or the programs it starts behave:",
			     v.params.refused);
	if (rc || !v.params.command) {
		hp_err("invalid arguments: expected a command and key=value parameters");
		fputs(tool->usage, stderr);
		hp_log_close();
		return 2;
	}
	if (!strcmp(v.params.command, "--help")) {
		fputs(tool->usage, stdout);
		hp_log_close();
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(v.params.command, commands[i]))
			v.command = commands[i];
	if (!v.command)
		return usage(tool, "invalid command", v.params.command);
	rc = run(&v);
	cleanup(&v);
	return rc;
}
