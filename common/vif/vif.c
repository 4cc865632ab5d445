/* The shared part of the vif scripts (upstream's vif-common.sh and
 * xen-hotplug-common.sh), without a shell: one run's whole life (the
 * arguments and keys, finding and renaming the vif, the transaction, the
 * hooks, the report, the watchdog) in one file, so that it reads in
 * order; the steps the tools share are in vif-steps.c. */
#include <errno.h>
#include <linux/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/log.h"
#include "hp/process.h"
#include "hp/vif.h"

#define DEFAULT_WAIT_MS 10000
#define DEFAULT_TIMEOUT_S 30 /* libxl kills a hotplug script at 40 s */
#define LAST_WORD_S 3 /* after the watchdog: the undo and the report */

static const char *const commands[] = { "online", "offline", "add", "remove" };

/* ---- the watchdog -------------------------------------------------------
 *
 * A hung xenstored or kernel must not hold the device until libxl's
 * SIGKILL, nor leave it half set up.  When XEN_HOTPLUG_TIMEOUT (30 s)
 * passes, the handler cancels the transaction (no further step starts),
 * makes the xenstore connection read end-of-file (a call blocked on a hung
 * xenstored returns an error) and kills a running hook: the run then fails
 * through the normal path, undoing every step in normal context, and
 * reports what it can.  If it is still running LAST_WORD_S later, the
 * handler takes the interface down (a down port forwards nothing) and
 * exits 1.
 *
 * Once hotplug-status=connected is being written (the last step), the
 * first stage does not cancel: xenstored gets LAST_WORD_S more to confirm
 * it.  Unconfirmed by then, the run fails like any other: the interface
 * is taken down and the exit status is 1.  A request still queued on the
 * socket dies with it: the C xenstored (4.17, socket_can_process) frees a
 * connection whose peer has closed without reading what it holds, so
 * connected does not land after a failure (tests/xenstore.bats). */
static struct hp_vif *watched;
static volatile sig_atomic_t dog_stage, dog_ifindex, committing;
static char dog_msg[200];
static size_t dog_len;

static void say(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

static void watchdog(int sig)
{
	int saved = errno; /* the interrupted code's */
	ssize_t n;

	(void)sig;
	if (dog_stage++ == 0) {
		n = write(STDERR_FILENO, dog_msg, dog_len);
		(void)n;
		if (committing) {
			say("  (waiting for xenstored to take hotplug-status=connected)\n");
		} else {
			hp_txn_cancel();
			hp_process_abort();
			if (watched && watched->xs)
				hp_xs_abort(watched->xs);
		}
		alarm(LAST_WORD_S);
		errno = saved;
		return;
	}
	if (dog_ifindex > 0)
		hp_link_down_now(dog_ifindex);
	say(committing ? "  (xenstored did not confirm hotplug-status=connected: the interface "
			 "was taken down)\n" :
			 "  (undo did not finish: the interface was taken down)\n");
	_exit(1);
}

static void arm_watchdog(const struct hp_vif *v)
{
	const char *s = getenv("XEN_HOTPLUG_TIMEOUT");
	unsigned long secs = DEFAULT_TIMEOUT_S;
	struct sigaction sa;
	int n;

	if (s && hp_parse_uint(s, 3600, &secs))
		secs = DEFAULT_TIMEOUT_S;
	if (secs == 0)
		return;
	n = snprintf(dog_msg, sizeof(dog_msg),
		     "%s[%s]: %s timed out after %lu s (xenstored, a hook or the kernel did "
		     "not answer): stopping\n",
		     v->tool->name, v->libxl_name ? v->libxl_name : "", v->command, secs);
	dog_len = n < 0 ? 0 : (size_t)n < sizeof(dog_msg) ? (size_t)n : sizeof(dog_msg) - 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waits return EINTR */
	alarm((unsigned int)secs);
}

/* ---- messages ------------------------------------------------------------ */

int hp_vif_fail(struct hp_vif *v, const char *fmt, ...)
{
	char msg[sizeof(v->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s", msg);
	if (!v->error[0])
		memcpy(v->error, msg, sizeof(msg));
	return -1;
}

/* The failure path of online: hotplug-error and hotplug-status=error, on
 * a fresh connection when the watchdog cut the first.  Returns 1. */
static int report_failure(struct hp_vif *v)
{
	struct hp_xs *xs = v->xs;
	int rc = -ENOTCONN;

	if (!v->online || v->is_tap || !v->xb_path || v->reported)
		return 1;
	if (!v->error[0])
		snprintf(v->error, sizeof(v->error), "%s of '%s' failed at step '%s'%s", v->command,
			 v->libxl_name, hp_txn_failed() ?: "?",
			 hp_txn_cancelled() ? ": timed out" : "");
	if (xs)
		rc = hp_xs_report_error(xs, v->xb_path, v->error);
	if (rc == -ECONNABORTED || rc == -ENOTCONN) {
		xs = NULL;
		if (!(rc = hp_xs_open(&xs)))
			rc = hp_xs_report_error(xs, v->xb_path, v->error);
		hp_xs_close(xs);
	}
	if (rc)
		hp_err("unable to write hotplug-error to '%s': %s", v->xb_path, strerror(-rc));
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

/* A tap's `rate`: netback's own parse, without its silent fallback to no
 * limit (a guest that was meant to be limited is not run unlimited). */
static int read_rate(struct hp_vif *v)
{
	int rc;

	if (hp_vif_read_opt(v, "rate", &v->rate_s))
		return -1;
	if (!v->rate_s)
		return 0;
	rc = hp_parse_rate(v->rate_s, &v->rate);
	if (rc == -ERANGE)
		return hp_vif_bad(v, "rate", v->rate_s, "below the lowest limit, 656 bytes/s");
	if (rc)
		return hp_vif_bad(v, "rate", v->rate_s,
				  "not <bytes>,<microseconds> with both above 0, as libxl "
				  "writes it");
	return 0;
}

/* Everything every vif script reads, validated before any change. */
static int read_config(struct hp_vif *v)
{
	int rc;

	if (hp_vif_read_opt(v, "vifname", &v->vifname) || hp_vif_read_opt(v, "ip", &v->ip_xs) ||
	    hp_vif_read_opt(v, "mac", &v->mac_s) || hp_vif_read_opt(v, "mtu", &v->mtu_s) ||
	    hp_vif_read_opt(v, "frontend", &v->frontend))
		return -1;

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
	if (v->is_tap && read_rate(v))
		return -1;

	if (v->frontend && (strncmp(v->frontend, "/local/domain/", 14) ||
			    strlen(v->frontend) > 128 || strstr(v->frontend, "..")))
		return hp_vif_bad(v, "frontend", v->frontend,
				  "not a /local/domain/<domid>/... path");

	if (hp_fw_init())
		return hp_vif_fail(v, "%s",
				   hp_fw_config_error() ?: "invalid firewall configuration");
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

static void found(struct hp_vif *v, const struct hp_link *l)
{
	v->link = *l;
	dog_ifindex = l->ifindex;
}

/* Step 2: the interface, under libxl's name or, renamed by an earlier (or
 * a concurrent) online, under vifname, whose alias then names it ours.
 * Nothing is changed here. */
static int locate(struct hp_vif *v)
{
	const char *names[2] = { v->dev, v->libxl_name };
	size_t n = strcmp(v->dev, v->libxl_name) ? 2 : 1, which = 0;
	struct hp_link l;
	int rc;

	rc = hp_link_wait_any(v->nl, n == 2 ? names : names + 1, n, wait_ms(), &l, &which);
	if (rc == -ETIMEDOUT)
		return hp_vif_fail(v, "unable to find interface '%s': timed out after %u ms",
				   v->libxl_name, wait_ms());
	if (rc)
		return hp_vif_fail(v, "unable to find interface '%s': %s", v->libxl_name,
				   strerror(-rc));
	if (n == 2 && which == 0 && strcmp(l.alias, v->libxl_name))
		return hp_vif_fail(v,
				   "unable to rename '%s' to vifname '%s': an interface with "
				   "that name already exists",
				   v->libxl_name, v->dev);
	found(v, &l);
	if (n == 2 && which == 0)
		hp_log_set_dev(v->dev);
	return 0;
}

/* The alias goes on first: whoever sees the new name sees it ours. */
static int s_rename(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_link now;
	int rc;

	if (!strcmp(v->link.name, v->dev))
		return HP_STEP_KEPT;
	if ((rc = hp_link_get_index(v->nl, v->link.ifindex, &now)))
		return hp_vif_fail(v, "unable to look up '%s': %s", v->libxl_name, strerror(-rc));
	if (!strcmp(now.name, v->dev)) {
		found(v, &now); /* a concurrent online renamed it */
		hp_log_set_dev(v->dev);
		return HP_STEP_KEPT;
	}
	v->renamed = 1;
	if ((rc = hp_link_set_alias(v->nl, v->link.ifindex, v->libxl_name)) ||
	    (rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) ||
	    (rc = hp_link_rename(v->nl, v->link.ifindex, v->dev))) {
		if (rc == -EEXIST)
			return hp_vif_fail(v,
					   "unable to rename '%s' to vifname '%s': an interface "
					   "with that name already exists",
					   v->libxl_name, v->dev);
		return hp_vif_fail(v, "unable to rename '%s' to vifname '%s': %s", v->libxl_name,
				   v->dev, strerror(-rc));
	}
	snprintf(v->link.name, sizeof(v->link.name), "%s", v->dev);
	snprintf(v->link.alias, sizeof(v->link.alias), "%s", v->libxl_name);
	v->link.flags &= ~(unsigned int)IFF_UP;
	hp_log_set_dev(v->dev);
	return 0;
}

static void u_rename(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (!v->renamed)
		return;
	hp_link_set_up(v->nl, v->link.ifindex, 0);
	if ((rc = hp_link_rename(v->nl, v->link.ifindex, v->libxl_name)) && rc != -ENODEV)
		hp_err("unable to rename '%s' back to '%s': %s", v->dev, v->libxl_name,
		       strerror(-rc));
	hp_link_set_alias(v->nl, v->link.ifindex, "");
	snprintf(v->link.name, sizeof(v->link.name), "%s", v->libxl_name);
	hp_log_set_dev(v->libxl_name);
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

static int run_hooks(struct hp_vif *v)
{
	char mtu[16] = "";
	struct hp_hook_var vars[10 + HP_VIF_MAX_HOOK_VARS] = {
		{ "command", v->command },
		{ "type_if", v->is_tap ? "tap" : "vif" },
		{ "dev", v->dev },
		{ "vif", v->is_tap ? getenv("vif") : v->libxl_name },
		{ "ip", v->ip && !v->ips_invalid ? v->ip : "" },
		{ "mac", v->mac_s && v->has_mac ? v->mac_s : "" },
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
	if (rc == -ECHILD && hp_txn_cancelled())
		return hp_vif_fail(v, "a vif-post.d hook in '%s' did not finish in time",
				   hp_script_dir());
	if (rc == -ECHILD) {
		/* A hook that called fatal has reported its own message. */
		if (v->online && !v->is_tap &&
		    !hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &st) &&
		    !strcmp(st, "error"))
			v->reported = 1;
		free(st);
		return hp_vif_fail(v, "a vif-post.d hook in '%s' failed with status %d",
				   hp_script_dir(), status);
	}
	if (rc)
		return hp_vif_fail(v, "unable to run the vif-post.d hooks: %s", strerror(-rc));
	return 0;
}

static int s_hooks(void *ctx)
{
	return run_hooks(ctx);
}

/* The last step: the watchdog waits for its answer (see above). */
static int s_connected(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (v->is_tap)
		return HP_STEP_KEPT;
	committing = 1;
	if (hp_txn_cancelled()) {
		committing = 0;
		return hp_vif_fail(v, "%s timed out", v->command);
	}
	if ((rc = hp_xs_report_connected(v->xs, v->xb_path))) {
		committing = 0;
		return hp_vif_fail(v, "unable to write hotplug-status to '%s': %s", v->xb_path,
				   strerror(-rc));
	}
	return 0;
}

#define MAX_STEPS 32

static int do_attach(struct hp_vif *v)
{
	struct hp_step steps[MAX_STEPS];
	size_t n = 0, i;

	if (read_config(v) || locate(v))
		return report_failure(v);
	v->found = v->link;
	if (v->tool->check && v->tool->check(v))
		return report_failure(v);
	if (v->tool->nsteps + 3 > MAX_STEPS)
		return hp_vif_fail(v, "too many steps"), report_failure(v);
	steps[n++] = (struct hp_step){ "rename", s_rename, u_rename };
	for (i = 0; i < v->tool->nsteps; i++)
		steps[n++] = v->tool->steps[i];
	steps[n++] = (struct hp_step){ "hooks", s_hooks, NULL };
	steps[n++] = (struct hp_step){ "connected", s_connected, NULL };
	if (hp_txn_run(v->command, steps, n, v))
		return report_failure(v);
	return 0;
}

/* Offline usually runs after netback destroyed the vif: a missing link
 * is no error, and the tool removes its state by name all the same.
 * Values are validated as for online; what does not validate is ignored
 * (with a warning), never passed on to a hook. */
static int do_detach(struct hp_vif *v)
{
	int rc, failed;

	rc = hp_xs_read_key(v->xs, v->xb_path, "vifname", &v->vifname);
	if (rc && rc != -ENOENT)
		hp_warn("unable to read '%s/vifname': %s", v->xb_path, strerror(-rc));
	if (v->vifname && *v->vifname) {
		char want[HP_IFNAMSIZ + 8];

		snprintf(want, sizeof(want), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
		if (strlen(v->vifname) < HP_IFNAMSIZ && !hp_parse_ifname(want)) {
			memcpy(v->dev, want, strlen(want) + 1);
		} else {
			hp_warn("ignoring invalid vifname '%s'", v->vifname);
			free(v->vifname);
			v->vifname = NULL;
		}
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
		return hp_vif_fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc)), 1;
	}
	dog_ifindex = v->link.ifindex;
	/* the guard goes whatever else failed: it is keyed by name */
	failed = v->tool->detach(v);
	if ((rc = hp_fw_guard_del(v->dev, v->tool->fw_family)))
		return hp_vif_fail(v, "unable to remove the anti-spoofing guard of '%s': %s",
				   v->dev, strerror(-rc)),
		       1;
	if (failed || run_hooks(v))
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
	/* upstream: online/offline are for vifs, add/remove for taps */
	if (v->is_tap != (!strcmp(v->command, "add") || !strcmp(v->command, "remove")))
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
	v->online = !strcmp(v->command, "online") || !strcmp(v->command, "add");
	watched = v;
	arm_watchdog(v);
	rc = hp_xs_open(&v->xs);
	if (rc)
		return hp_vif_fail(v, "unable to connect to xenstore (%s): %s",
				   getenv("XENSTORED_PATH") ?: "default path", strerror(-rc)),
		       1;
	rc = hp_nl_open(&v->nl);
	if (rc) {
		hp_vif_fail(v, "unable to open a netlink socket: %s", strerror(-rc));
		return report_failure(v);
	}
	rc = v->online ? do_attach(v) : do_detach(v);
	alarm(0);
	return rc;
}

static void cleanup(struct hp_vif *v)
{
	if (v->tool->cleanup)
		v->tool->cleanup(v);
	watched = NULL;
	hp_nl_close(v->nl);
	hp_xs_close(v->xs);
	free(v->vifname);
	free(v->ip_xs);
	free(v->mac_s);
	free(v->mtu_s);
	free(v->frontend);
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

int hp_vif_main(int argc, char **argv, const struct hp_vif_tool *tool)
{
	struct hp_vif v = { .tool = tool, .argv0 = argv[0] };
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
