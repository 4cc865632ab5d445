/* The shared part of the vif scripts (upstream's vif-common.sh and
 * xen-hotplug-common.sh), without a shell. */
#include <errno.h>
#include <linux/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vif.h"

#define DEFAULT_WAIT_MS 10000
#define DEFAULT_TIMEOUT_S 30 /* libxl kills a hotplug script at 40 s */

static const char *const commands[] = { "online", "offline", "add", "remove" };

static char watchdog_msg[160];
static size_t watchdog_len;

/* A hung xenstored or kernel must not hold the device until libxl's
 * SIGKILL: say what happened and exit while libxl still listens. */
static void watchdog(int sig)
{
	ssize_t n = write(STDERR_FILENO, watchdog_msg, watchdog_len);

	(void)sig;
	(void)n;
	_exit(1);
}

static void arm_watchdog(const struct hp_vif *v)
{
	const char *s = getenv("XEN_HOTPLUG_TIMEOUT");
	unsigned long secs = DEFAULT_TIMEOUT_S;
	int n;

	if (s && hp_parse_uint(s, 3600, &secs))
		secs = DEFAULT_TIMEOUT_S;
	if (secs == 0)
		return;
	n = snprintf(watchdog_msg, sizeof(watchdog_msg),
		     "%s[%s]: %s timed out after %lu s (xenstored or the kernel did not answer)\n",
		     v->tool->name, v->libxl_name ? v->libxl_name : "", v->command, secs);
	watchdog_len = n < 0 ? 0 : (size_t)n < sizeof(watchdog_msg) ? (size_t)n : sizeof(watchdog_msg) - 1;
	signal(SIGALRM, watchdog);
	alarm((unsigned int)secs);
}

int hp_vif_fail(struct hp_vif *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s", msg);
	if (v->touched && v->tool->undo)
		v->tool->undo(v);
	v->touched = 0;
	if (v->attach && !v->is_tap && v->xs && v->xb_path) {
		rc = hp_xs_report_error(v->xs, v->xb_path, msg);
		if (rc)
			hp_err("unable to write hotplug-error to '%s': %s", v->xb_path, strerror(-rc));
	}
	return 1;
}

/* A value as it may be shown in a message: no control characters (a
 * newline would forge a log line), long values cut. */
static const char *printable(const char *val, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; val[i] && o + 5 < size; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (val[i])
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o < size ? o : size - 1] = '\0';
	return buf;
}

int hp_vif_bad(struct hp_vif *v, const char *key, const char *val, const char *why)
{
	char buf[160];

	return hp_vif_fail(v, "invalid %s '%s' (%s/%s): %s", key, printable(val, buf, sizeof(buf)),
			   v->xb_path, key, why);
}

int hp_vif_read_opt(struct hp_vif *v, const char *key, char **val)
{
	int rc = hp_xs_read_key(v->xs, v->xb_path, key, val);

	if (rc == -ENOENT) {
		*val = NULL;
		return 0;
	}
	if (rc)
		return hp_vif_fail(v, "unable to read '%s/%s' from xenstore: %s", v->xb_path, key,
				   strerror(-rc));
	return 0;
}

void hp_vif_hook_var(struct hp_vif *v, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < v->n_hook_vars; i++) {
		if (!strcmp(v->hook_vars[i].name, name)) {
			v->hook_vars[i].value = value;
			return;
		}
	}
	if (v->n_hook_vars < HP_VIF_MAX_HOOK_VARS)
		v->hook_vars[v->n_hook_vars++] = (struct hp_hook_var){ name, value };
}

/* Everything every vif script reads, validated before any change. */
static int read_config(struct hp_vif *v)
{
	int rc;

	if (hp_vif_read_opt(v, "vifname", &v->vifname) || hp_vif_read_opt(v, "ip", &v->ip_xs) ||
	    hp_vif_read_opt(v, "mac", &v->mac_s) || hp_vif_read_opt(v, "mtu", &v->mtu_s) ||
	    hp_vif_read_opt(v, "frontend", &v->frontend))
		return 1;

	if (v->vifname && *v->vifname) {
		char want[HP_IFNAMSIZ + 8];

		snprintf(want, sizeof(want), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
		if (strlen(v->vifname) >= HP_IFNAMSIZ || hp_parse_ifname(want))
			return hp_vif_bad(v, "vifname", v->vifname,
					  "not a valid interface name (1 to 15 characters, no '/', "
					  "':' or spaces, with -emu for a tap)");
		memcpy(v->dev, want, strlen(want) + 1); /* fits: validated */
	}

	v->ip = v->ip_xs ? v->ip_xs : hp_param_str(&v->params, "ip");
	rc = hp_parse_ip_list(v->ip, &v->ips, &v->nips);
	if (rc == -ENOMEM)
		return hp_vif_fail(v, "unable to parse the ip list: %s", strerror(ENOMEM));
	if (rc)
		return hp_vif_bad(v, "ip", v->ip,
				  "not a list of IPv4/IPv6 addresses or networks (at most 64)");

	if (v->mac_s) {
		if (hp_parse_mac(v->mac_s, v->mac, 1))
			return hp_vif_bad(v, "mac", v->mac_s,
					  "not a unicast MAC address xx:xx:xx:xx:xx:xx");
		v->has_mac = 1;
	}
	if (v->mtu_s && hp_parse_mtu(v->mtu_s, &v->mtu))
		return hp_vif_bad(v, "mtu", v->mtu_s, "not a number from 68 to 65535");

	if (v->frontend && (strncmp(v->frontend, "/local/domain/", 14) ||
			    strlen(v->frontend) > 128 || strstr(v->frontend, "..")))
		return hp_vif_bad(v, "frontend", v->frontend, "not a /local/domain/<domid>/... path");

	if (hp_fw_init())
		return hp_vif_fail(v, "%s", hp_fw_config_error() ?: "invalid firewall configuration");
	return 0;
}

static unsigned int wait_ms(void)
{
	const char *s = getenv("XEN_HOTPLUG_WAIT_MS");
	unsigned long ms;

	if (s && !hp_parse_uint(s, 60000, &ms))
		return (unsigned int)ms;
	return DEFAULT_WAIT_MS;
}

/* Find the interface, renaming it to vifname.  A second online finds it
 * renamed already: the alias set on rename says it is ours. */
static int find_link(struct hp_vif *v)
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
			return hp_vif_fail(v, "unable to rename '%s' to vifname '%s': an interface "
					      "with that name already exists", v->libxl_name, v->dev);
		}
		if (rc != -ENODEV)
			return hp_vif_fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc));
	}

	rc = hp_link_wait(v->nl, v->libxl_name, wait_ms(), &v->link);
	if (rc == -ETIMEDOUT)
		return hp_vif_fail(v, "unable to find interface '%s': timed out after %u ms",
				   v->libxl_name, wait_ms());
	if (rc)
		return hp_vif_fail(v, "unable to find interface '%s': %s", v->libxl_name,
				   strerror(-rc));
	if (!strcmp(v->dev, v->libxl_name))
		return 0;

	v->touched = 1;
	if ((rc = hp_link_set_up(v->nl, &v->link, 0)) ||
	    (rc = hp_link_rename(v->nl, &v->link, v->dev)))
		return hp_vif_fail(v, "unable to rename '%s' to vifname '%s': %s", v->libxl_name,
				   v->dev, strerror(-rc));
	v->link.flags &= ~(unsigned int)IFF_UP;
	rc = hp_link_set_alias(v->nl, &v->link, v->libxl_name);
	if (rc)
		return hp_vif_fail(v, "unable to set the alias of '%s': %s", v->dev, strerror(-rc));
	hp_log_set_dev(v->dev);
	return 0;
}

const char *hp_vif_frontend_path(struct hp_vif *v)
{
	unsigned int domid, devid;

	if (v->frontend)
		return v->frontend;
	if (hp_parse_backend_path(v->xb_path, &domid, &devid))
		return NULL;
	snprintf(v->fe_buf, sizeof(v->fe_buf), "/local/domain/%u/device/vif/%u", domid, devid);
	return v->fe_buf;
}

int hp_vif_set_ips(struct hp_vif *v, const struct hp_prefix *p, size_t n)
{
	struct hp_prefix *c = NULL;

	if (n && !(c = malloc(n * sizeof(*c))))
		return -ENOMEM;
	if (n)
		memcpy(c, p, n * sizeof(*c));
	free(v->ips);
	v->ips = c;
	v->nips = n;
	return 0;
}

int hp_vif_guard_add(struct hp_vif *v)
{
	struct hp_guard g = { .ifname = v->dev, .family = v->tool->fw_family,
			      .has_mac = v->has_mac, .addrs = v->ips, .naddrs = v->nips };
	int rc;

	memcpy(g.mac, v->mac, sizeof(g.mac));
	rc = hp_fw_guard_add(&g);
	if (rc)
		return hp_vif_fail(v, "unable to install the anti-spoofing guard for '%s': %s",
				   v->dev, strerror(-rc));
	return 0;
}

static int run_hooks(struct hp_vif *v)
{
	char mtu[16] = "";
	struct hp_hook_var vars[10 + HP_VIF_MAX_HOOK_VARS] = {
		{ "command", v->command },
		{ "type_if", v->is_tap ? "tap" : "vif" },
		{ "dev", v->dev },
		{ "vif", getenv("vif") },
		{ "ip", v->ip ? v->ip : hp_param_str(&v->params, "ip") },
		{ "mac", v->mac_s ? v->mac_s : "" },
		{ "mtu", mtu },
		{ "vifname", v->vifname ? v->vifname : "" },
		{ "XENBUS_PATH", v->xb_path },
	};
	size_t n = 9;
	int rc, status;
	char *st = NULL;

	if (v->mtu)
		snprintf(mtu, sizeof(mtu), "%u", v->mtu);
	memcpy(vars + n, v->hook_vars, v->n_hook_vars * sizeof(vars[0]));
	n += v->n_hook_vars;

	rc = hp_hooks_run("vif", "post", v->argv0, &v->params, vars, n, &status);
	if (rc == -ECHILD) {
		/* A hook that called fatal has reported its own message. */
		if (v->attach && !v->is_tap &&
		    !hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &st) && !strcmp(st, "error"))
			v->xb_path = NULL;
		free(st);
		return hp_vif_fail(v, "a vif-post.d hook in '%s' failed with status %d",
				   hp_script_dir(), status);
	}
	if (rc)
		return hp_vif_fail(v, "unable to run the vif-post.d hooks: %s", strerror(-rc));
	return 0;
}

static int do_attach(struct hp_vif *v)
{
	int rc;

	if (read_config(v) || find_link(v) || v->tool->attach(v) || run_hooks(v))
		return 1;
	if (!v->is_tap && (rc = hp_xs_report_connected(v->xs, v->xb_path)))
		return hp_vif_fail(v, "unable to write hotplug-status to '%s': %s", v->xb_path,
				   strerror(-rc));
	return 0;
}

/* Offline usually runs after netback destroyed the vif: a missing link
 * is no error, and the tool removes its state by name all the same. */
static int do_detach(struct hp_vif *v)
{
	int rc, failed;

	rc = hp_xs_read_key(v->xs, v->xb_path, "vifname", &v->vifname);
	if (rc && rc != -ENOENT)
		hp_warn("unable to read '%s/vifname': %s", v->xb_path, strerror(-rc));
	if (v->vifname && *v->vifname &&
	    strlen(v->vifname) + (v->is_tap ? 4 : 0) < HP_IFNAMSIZ) {
		snprintf(v->dev, sizeof(v->dev), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
		if (hp_parse_ifname(v->dev))
			snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	}
	hp_log_set_dev(v->dev);
	/* the ip list lets vif-route and vif-nat remove what they added */
	if (!hp_xs_read_key(v->xs, v->xb_path, "ip", &v->ip_xs))
		v->ip = v->ip_xs;
	else
		v->ip = hp_param_str(&v->params, "ip");
	if (hp_parse_ip_list(v->ip, &v->ips, &v->nips)) {
		hp_warn("ignoring invalid ip list '%s'", v->ip);
		v->ips_invalid = 1;
	}

	rc = hp_link_get(v->nl, v->dev, &v->link);
	if (rc == -ENODEV) {
		hp_dbg("'%s' is gone already", v->dev);
		memset(&v->link, 0, sizeof(v->link));
	} else if (rc) {
		return hp_vif_fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc));
	}
	/* the guard goes whatever else failed: it is keyed by name */
	failed = v->tool->detach(v);
	if ((rc = hp_fw_guard_del(v->dev, v->tool->fw_family)))
		return hp_vif_fail(v, "unable to remove the anti-spoofing guard of '%s': %s", v->dev,
				   strerror(-rc));
	if (failed)
		return 1;
	return run_hooks(v);
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
		return hp_vif_fail(v, "unknown interface type '%s'", type_if);
	v->is_tap = !strcmp(type_if, "tap");
	/* upstream: online/offline are for vifs, add/remove for taps */
	if (v->is_tap != (!strcmp(v->command, "add") || !strcmp(v->command, "remove")))
		return 0;
	v->attach = !strcmp(v->command, "online") || !strcmp(v->command, "add");

	v->libxl_name = hp_param(&v->params, v->is_tap ? "INTERFACE" : "vif");
	if (!v->libxl_name || hp_parse_ifname(v->libxl_name)) {
		v->attach = 0;
		return hp_vif_fail(v, "invalid %s '%s': not an interface name",
				   v->is_tap ? "INTERFACE" : "vif", v->libxl_name ?: "");
	}
	hp_log_set_dev(v->libxl_name);
	arm_watchdog(v);
	snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	rc = find_xenbus_path(v);
	if (rc) {
		v->attach = 0;
		return hp_vif_fail(v, "invalid XENBUS_PATH '%s': %s",
				   hp_param_str(&v->params, "XENBUS_PATH"),
				   rc == -ENOENT ? "not set" : "not a xenstore path");
	}
	rc = hp_xs_open(&v->xs);
	if (rc)
		return hp_vif_fail(v, "unable to connect to xenstore (%s): %s",
				   getenv("XENSTORED_PATH") ?: "default path", strerror(-rc));
	rc = hp_nl_open(&v->nl);
	if (rc)
		return hp_vif_fail(v, "unable to open a netlink socket: %s", strerror(-rc));
	return v->attach ? do_attach(v) : do_detach(v);
}

static void cleanup(struct hp_vif *v)
{
	if (v->tool->cleanup)
		v->tool->cleanup(v);
	hp_nl_close(v->nl);
	hp_xs_close(v->xs);
	free(v->vifname);
	free(v->ip_xs);
	free(v->mac_s);
	free(v->mtu_s);
	free(v->frontend);
	free(v->ips);
	hp_log_close();
}

int hp_vif_main(int argc, char **argv, const struct hp_vif_tool *tool)
{
	struct hp_vif v = { .tool = tool, .argv0 = argv[0] };
	size_t i;
	int rc;

	hp_log_init(tool->name);
	/* a caller that ignores SIGCHLD would leave us no exit status of
	 * hooks, iptables or dhcpd restarts (it survives exec) */
	signal(SIGCHLD, SIG_DFL);
	if (hp_params_parse(&v.params, argc, argv) || !v.params.command) {
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
	if (!v.command) {
		hp_err("invalid command '%s'", v.params.command);
		fputs(tool->usage, stderr);
		hp_log_close();
		return 2;
	}
	rc = run(&v);
	cleanup(&v);
	return rc;
}
