/* iptables backend: upstream's rules (vif-common.sh, frob_iptable), for
 * hosts that rely on them.  The compatibility path, not the default, so
 * it runs the iptables program like upstream did.  Unlike upstream it
 * always waits for the xtables lock (-w, bounded), reports failures, and
 * removes stale rules for the name first, so two onlines leave one copy.
 * Removal finds the rules in `iptables -S FORWARD`: offline does not know
 * the addresses any more.  iptables filters IPv4 only: IPv6 entries of
 * `ip` are skipped, as upstream's rules failed on them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fw-priv.h"
#include "hp/log.h"
#include "hp/process.h"

#define IPT_WAIT "10" /* seconds; libxl kills the script after 40 */
#define IPT_MAX_ARGS 32

/* iptables lives in /usr/sbin, which a hotplug PATH may lack. */
static int ipt_path(char *buf, size_t size)
{
	const char *env = getenv("PATH");
	char *dirs, *d, *save = NULL;
	int rc = -ENOENT;

	if (asprintf(&dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", env ? env : "") < 0)
		return -ENOMEM;
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/iptables", d);
		if (*d && !access(buf, X_OK)) {
			rc = 0;
			break;
		}
	}
	free(dirs);
	return rc;
}

/* Runs iptables with argv (argv[0] is replaced by its path); its stdout
 * and stderr are returned in *out (NUL-terminated, malloc'd). */
static int ipt_run(char **argv, char **out)
{
	char path[512];
	struct hp_process p = { .path = path, .argv = argv, .own_group = 1, .out = out };
	int status, rc;

	*out = NULL;
	if ((rc = ipt_path(path, sizeof(path)))) {
		hp_err("unable to find the iptables program");
		return rc;
	}
	argv[0] = path;
	if ((rc = hp_process_run(&p, &status)))
		return rc;
	return status ? -EIO : 0;
}

static void first_line(const char *s, char *buf, size_t size)
{
	size_t n = s ? strcspn(s, "\n") : 0;

	snprintf(buf, size, "%.*s", (int)n, s ? s : "");
}

static int ipt(char **argv)
{
	char *out, msg[256], cmd[512] = "iptables";
	size_t i, len;
	int rc = ipt_run(argv, &out);

	if (rc) {
		for (i = 1; argv[i]; i++) {
			len = strlen(cmd);
			snprintf(cmd + len, sizeof(cmd) - len, " %s", argv[i]);
		}
		first_line(out, msg, sizeof(msg));
		hp_err("unable to run '%s': %s", cmd, msg[0] ? msg : strerror(-rc));
	}
	free(out);
	return rc;
}

/* One upstream frob_iptable pair: ACCEPT from dev (with extra matches)
 * and ACCEPT to dev. */
static int frob(const char *dev, const char *const *extra)
{
	char *argv[IPT_MAX_ARGS] = { "iptables",    "-w", IPT_WAIT,  "-I",
				     "FORWARD",	    "-m", "physdev", "--physdev-is-bridged",
				     "--physdev-in" };
	size_t n = 9, i;
	int rc;

	argv[n++] = hp_unconst(dev);
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = hp_unconst(extra[i]);
	argv[n++] = "-j";
	argv[n++] = "ACCEPT";
	argv[n] = NULL;
	if ((rc = ipt(argv)))
		return rc;
	argv[8] = "--physdev-out";
	argv[10] = "-j";
	argv[11] = "ACCEPT";
	argv[12] = NULL;
	return ipt(argv);
}

int fw_ipt_add(const struct hp_guard *g, int strict)
{
	static const char *const dhcp[] = { "-p", "udp", "--sport", "68", "--dport", "67", NULL };
	char addr[64];
	const char *src[] = { "-s", addr, NULL };
	size_t i;
	int rc;

	if ((rc = fw_ipt_del(g->ifname)))
		return rc;
	if (!g->naddrs && !strict)
		return frob(g->ifname, NULL);
	for (i = 0; i < g->naddrs; i++) {
		if (g->addrs[i].family != AF_INET) {
			hp_warn("iptables filters IPv4 only: not allowing '%s' from '%s'",
				(hp_prefix_format(&g->addrs[i], addr, sizeof(addr)), addr),
				g->ifname);
			continue;
		}
		hp_prefix_format(&g->addrs[i], addr, sizeof(addr));
		if ((rc = frob(g->ifname, src)))
			return rc;
	}
	/* Upstream: "Always allow the domain to talk to a DHCP server." */
	return frob(g->ifname, dhcp);
}

/* Whether an `iptables -S` line is one of frob()'s rules for dev; fills
 * argv with the words after "-A FORWARD". */
static int ours(char *line, const char *dev, char **argv, size_t max, size_t *n)
{
	char *w, *save = NULL;
	int physdev = 0, match = 0, accept = 0;
	const char *prev = "";

	*n = 0;
	if (strncmp(line, "-A FORWARD ", 11) || strchr(line, '"'))
		return 0;
	for (w = strtok_r(line + 11, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (*n >= max)
			return 0;
		argv[(*n)++] = w;
		if (!strcmp(prev, "-m") && !strcmp(w, "physdev"))
			physdev = 1;
		if ((!strcmp(prev, "--physdev-in") || !strcmp(prev, "--physdev-out")) &&
		    !strcmp(w, dev))
			match = 1;
		accept = !strcmp(prev, "-j") && !strcmp(w, "ACCEPT");
		prev = w;
	}
	return physdev && match && accept;
}

int fw_ipt_del(const char *ifname)
{
	char *list[] = { "iptables", "-w", IPT_WAIT, "-S", "FORWARD", NULL };
	char *argv[IPT_MAX_ARGS] = { "iptables", "-w", IPT_WAIT, "-D", "FORWARD" };
	char *out, *line, *save = NULL, msg[256];
	size_t n;
	int rc;

	if ((rc = ipt_run(list, &out))) {
		first_line(out, msg, sizeof(msg));
		hp_err("unable to list iptables chain FORWARD: %s", msg[0] ? msg : strerror(-rc));
		free(out);
		return rc;
	}
	for (line = strtok_r(out, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		if (!ours(line, ifname, argv + 5, IPT_MAX_ARGS - 6, &n))
			continue;
		argv[5 + n] = NULL;
		rc = ipt(argv);
	}
	free(out);
	return rc;
}
