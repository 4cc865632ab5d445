/*
 * xen-hotplug: see, check and repair what the vif scripts set up on this
 * host (xen-hotplug(8)).
 *
 * Usage (by an administrator, a metrics collector, a boot unit):
 *   xen-hotplug status [-j | --prometheus] [-o FILE] [-v] [--no-verify] [VIF...]
 *   xen-hotplug verify [VIF...]
 *   xen-hotplug repair [--bridge BR] [VIF...]
 *   xen-hotplug repair --watch [--bridge BR]
 *   xen-hotplug gc [-n]
 *
 * The vifs are those this domain backs: xenstore's backend/vif (relative:
 * in a driver domain, its own).  "What online set up" is the vif tool's
 * own: verify and repair run `<tool> verify|repair type_if=vif|tap` with
 * the environment libxl gives it (hp/adm.h), so that the tool's keys,
 * check() and steps (hp/txn.h: each step's verify) say what is expected;
 * no rule is written twice.  status reads the kernel itself (one reading
 * of the host, a few lookups a vif) and takes the drift from verify.
 * repair acts only on vifs whose online succeeded (hotplug-status
 * connected) unless they are named, and never on one whose online failed;
 * only the steps that drifted run again.  --watch repairs, after a quiet
 * moment, the vifs of a bridge that was created again or came up (link
 * events over rtnetlink): the distribution's network configuration
 * recreating xenbr0.  gc removes what a vif script made that no vif
 * backs and whose link is gone (hp/adm.h), nothing else.
 *
 * Environment: XENSTORED_PATH, XEN_SCRIPT_DIR (where the vif tools are),
 * XEN_HOTPLUG_CONF, XEN_HOTPLUG_OVSDB, as the tools read them.
 *
 * Exit: 0 all in place (or repaired, or collected), 1 a difference, a
 * failure or something left, 2 usage (an unknown vif included: nothing
 * is done then).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/adm.h"
#include "hp/log.h"
#include "hp/xs.h"

static const char usage_text[] =
	"usage: xen-hotplug status [-j | --prometheus] [-o FILE] [-v] [--no-verify] [VIF...]\n"
	"       xen-hotplug verify [VIF...]\n"
	"       xen-hotplug repair [--bridge BR] [VIF...]\n"
	"       xen-hotplug repair --watch [--bridge BR]\n"
	"       xen-hotplug gc [-n]\n"
	"Shows, checks and repairs what the Xen vif scripts set up for the vifs this\n"
	"domain backs; gc removes what they left that no vif backs.  See xen-hotplug(8).\n";

struct opts {
	int json, prom, verbose, no_verify, watch, dry_run;
	const char *output, *bridge;
	char **names;
	int nnames;
};

static unsigned int parallel(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 && n < 64 ? (unsigned int)n : 2;
}

/* The named vifs (by their name or libxl's), or all of them: 0, or 2
 * when a name is no vif's (nothing selected). */
static int select_named(struct hp_adm_set *h, const struct opts *o)
{
	const char *unknown;

	if (!hp_adm_set_select(h, o->names, o->nnames, &unknown))
		return 0;
	hp_err("unknown vif '%s': no vif this domain backs has that name (xen-hotplug status "
	       "lists them)",
	       unknown);
	return 2;
}

/* ---- status ------------------------------------------------------------------ */

static int status(const struct opts *o)
{
	struct hp_adm_host *hr = NULL;
	struct hp_adm_orphan *orph = NULL;
	struct hp_adm_view *w = NULL;
	struct hp_adm_set h;
	FILE *f = stdout;
	char tmp[4096];
	size_t i, nw = 0, norph = 0;
	int rc = 1;

	if (hp_adm_set_open(&h))
		goto out;
	if ((rc = select_named(&h, o)))
		goto out;
	rc = 1;
	if (!o->no_verify && hp_adm_run(h.v, h.n, h.sel, "verify", parallel()))
		hp_warn("unable to run the vif tools' verify: drift not shown");
	if ((rc = hp_adm_host_read(h.nl, &hr))) {
		hp_err("unable to read the host's bridge ports and guard: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	if ((rc = hp_adm_orphans(h.nl, h.v, h.n, &orph, &norph)))
		hp_warn("unable to look for what no vif backs: %s", strerror(-rc));
	if (h.n && !(w = calloc(h.n, sizeof(*w))))
		goto out;
	for (i = 0; i < h.n; i++) {
		if (!h.sel[i])
			continue;
		w[nw].v = &h.v[i];
		if ((rc = hp_adm_state_get(h.nl, hr, &h.v[i], &w[nw].st)))
			hp_warn("unable to read the kernel's state of '%s': %s", h.v[i].dev,
				strerror(-rc));
		nw++;
	}
	if (o->output) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", o->output, (long)getpid());
		if (!(f = fopen(tmp, "w"))) {
			hp_err("unable to write '%s': %s", tmp, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	if (o->prom)
		hp_adm_show_prometheus(f, w, nw, norph, !o->no_verify);
	else if (o->json)
		hp_adm_show_json(f, w, nw, orph, norph, hp_adm_host_ovs_error(hr));
	else
		hp_adm_show_table(f, w, nw, o->verbose);
	if (!o->json && !o->prom && f == stdout) {
		for (i = 0; i < nw; i++)
			hp_adm_show_diffs(f, w[i].v, "");
		for (i = 0; i < norph; i++)
			hp_adm_show_orphan(f, &orph[i]);
		if (*hp_adm_host_ovs_error(hr))
			fprintf(f, "open vswitch: %s\n", hp_adm_host_ovs_error(hr));
	}
	rc = 0;
	/* the file appears whole, or not at all (node_exporter reads it any time) */
	if (f != stdout && (fclose(f) || rename(tmp, o->output))) {
		hp_err("unable to write '%s': %s", o->output, strerror(errno));
		unlink(tmp);
		rc = 1;
	}
out:
	free(w);
	free(orph);
	hp_adm_host_free(hr);
	hp_adm_set_close(&h);
	return rc;
}

/* ---- verify -------------------------------------------------------------------- */

static int verify(const struct opts *o)
{
	struct hp_adm_orphan *orph = NULL;
	struct hp_adm_set h;
	size_t i, norph = 0;
	int rc = 1, bad = 0;

	if (hp_adm_set_open(&h))
		goto out;
	if ((rc = select_named(&h, o)))
		goto out;
	if ((rc = hp_adm_run(h.v, h.n, h.sel, "verify", parallel()))) {
		hp_err("unable to run the vif tools: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	for (i = 0; i < h.n; i++) {
		if (!h.sel[i])
			continue;
		if (!h.v[i].tool[0]) {
			fprintf(stderr, "%s: not verified: %s ('%s')\n", h.v[i].dev, h.v[i].why_not,
				h.v[i].script ? h.v[i].script : "");
			continue;
		}
		hp_adm_show_diffs(stdout, &h.v[i], "");
		bad |= h.v[i].exit_status != 0;
		/* what stopped a tool is on its stderr */
		if (h.v[i].exit_status && !h.v[i].ndiffs && !h.v[i].error && h.v[i].log)
			fputs(h.v[i].log, stderr);
	}
	/* what no vif backs, when the whole host is looked at */
	if (!o->nnames && !(rc = hp_adm_orphans(h.nl, h.v, h.n, &orph, &norph))) {
		for (i = 0; i < norph; i++)
			hp_adm_show_orphan(stdout, &orph[i]);
		bad |= norph > 0;
	} else if (!o->nnames) {
		hp_err("unable to look for what no vif backs: %s", strerror(-rc));
		bad = 1;
	}
	rc = bad;
out:
	free(orph);
	hp_adm_set_close(&h);
	return rc;
}

/* ---- repair -------------------------------------------------------------------- */

/* What xenstore no longer describes (it lost its state) but whose link
 * is there: nothing says what it should be, so nothing is done to it. */
static size_t unbacked(struct hp_adm_set *h)
{
	struct hp_adm_orphan *orph = NULL;
	size_t i, norph = 0, n = 0;

	if (hp_adm_orphans(h->nl, h->v, h->n, &orph, &norph))
		return 0;
	for (i = 0; i < norph; i++) {
		if (!orph[i].owner_exists || (i && !strcmp(orph[i].owner, orph[i - 1].owner)))
			continue;
		printf("%s: not repaired: no vif in xenstore backs it (xenstored lost its state?)\n",
		       orph[i].owner);
		n++;
	}
	free(orph);
	return n;
}

static int repair_host(const struct opts *o, const char *bridge, int quiet)
{
	struct hp_adm_set h;
	size_t i, nrep = 0, nfail = 0, nok = 0;
	const char *why;
	int rc = 1;

	if (hp_adm_set_open(&h))
		goto out;
	if ((rc = select_named(&h, o)))
		goto out;
	for (i = 0; i < h.n; i++) {
		if (!h.sel[i])
			continue;
		if (bridge && !hp_adm_on_bridge(&h.v[i], bridge)) {
			h.sel[i] = 0;
		} else if ((why = hp_adm_why_not_repaired(&h.v[i], o->nnames > 0))) {
			h.sel[i] = 0;
			if (o->nnames || !quiet)
				fprintf(stderr, "%s: not repaired: %s\n", h.v[i].dev, why);
			nfail += o->nnames > 0;
		}
	}
	if ((rc = hp_adm_run(h.v, h.n, h.sel, "repair", parallel()))) {
		hp_err("unable to run the vif tools: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	for (i = 0; i < h.n; i++) {
		if (!h.v[i].ran)
			continue;
		if (h.v[i].exit_status) {
			nfail++;
			hp_adm_show_diffs(stdout, &h.v[i], ": not repaired");
			if (h.v[i].log)
				fputs(h.v[i].log, stderr);
		} else if (h.v[i].ndiffs) {
			nrep++;
			hp_adm_show_diffs(stdout, &h.v[i], ": repaired");
		} else {
			nok++;
		}
	}
	if (!o->nnames && !bridge)
		nfail += unbacked(&h);
	if (!quiet || nrep || nfail)
		fprintf(stdout, "repair: %zu vif(s) repaired, %zu in place, %zu failed%s%s%s\n",
			nrep, nok, nfail, bridge ? " (bridge '" : "", bridge ? bridge : "",
			bridge ? "')" : "");
	rc = nfail ? 1 : 0;
out:
	hp_adm_set_close(&h);
	return rc;
}

/* ---- repair --watch ------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int repair_bridge(const char *bridge, void *data)
{
	const struct opts *o = data;
	int rc;

	if (bridge)
		hp_info("bridge '%s' was created again or came up: repairing its vifs", bridge);
	rc = repair_host(o, bridge ? bridge : o->bridge, 1);
	fflush(stdout);
	return rc;
}

static int watch(const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	hp_info("watching %s for bridges created again", o->bridge ? o->bridge : "every bridge");
	if ((rc = hp_adm_watch(o->bridge, repair_bridge, (void *)(unsigned long)o, &stop)))
		hp_err("unable to watch link events: %s", strerror(-rc));
	return rc ? 1 : 0;
}

/* ---- gc ------------------------------------------------------------------------ */

/* "guard (bridge)", "rate limit"... */
static const char *what(const struct hp_adm_orphan *x, char *buf, size_t size)
{
	if (x->kind == HP_ADM_GUARD)
		snprintf(buf, size, "%s (%s)", hp_adm_kind_name(x->kind),
			 hp_fw_family_name(x->family));
	else
		snprintf(buf, size, "%s", hp_adm_kind_name(x->kind));
	return buf;
}

static int gc(const struct opts *o)
{
	struct hp_adm_orphan *orph = NULL;
	size_t i, norph = 0, nkept = 0, nfail = 0, ndone = 0;
	struct hp_adm_set h;
	char w[48];
	int rc = 1;

	if (hp_adm_set_open(&h))
		goto out;
	if ((rc = hp_adm_orphans(h.nl, h.v, h.n, &orph, &norph))) {
		hp_err("unable to look for what no vif backs: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	for (i = 0; i < norph; i++) {
		const struct hp_adm_orphan *x = &orph[i];

		if (x->owner_exists) {
			nkept++;
			printf("%s: %s kept: no vif in xenstore backs it, but its link '%s' exists\n",
			       x->name, what(x, w, sizeof(w)), x->owner);
		} else if (o->dry_run) {
			printf("%s: %s would be removed\n", x->name, what(x, w, sizeof(w)));
		} else if ((rc = hp_adm_orphan_remove(h.nl, x))) {
			nfail++;
			printf("%s: unable to remove the %s: %s\n", x->name, what(x, w, sizeof(w)),
			       rc == -EBUSY ? "its link appeared meanwhile" : strerror(-rc));
		} else {
			ndone++;
			hp_info("gc: removed the %s of '%s' (no vif backs it)",
				what(x, w, sizeof(w)), x->name);
			printf("%s: %s removed\n", x->name, what(x, w, sizeof(w)));
		}
	}
	printf("gc: %zu removed, %zu kept, %zu failed\n", ndone, nkept, nfail);
	rc = nfail ? 1 : 0;
out:
	free(orph);
	hp_adm_set_close(&h);
	return rc;
}

/* ---- main ---------------------------------------------------------------------- */

static int usage(const char *why, const char *arg)
{
	if (why)
		hp_err("%s%s%s%s", why, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	fputs(usage_text, stderr);
	return 2;
}

static int parse(int argc, char **argv, const char *cmd, struct opts *o)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-verify", no_argument, NULL, 'N' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "watch", no_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	while ((c = getopt_long(argc, argv, "+jo:vn", longs, NULL)) != -1) {
		int ok = 1;

		switch (c) {
		case 'j':
		case 'P':
		case 'o':
		case 'v':
		case 'N':
			ok = !strcmp(cmd, "status");
			o->json |= c == 'j';
			o->prom |= c == 'P';
			o->verbose |= c == 'v';
			o->no_verify |= c == 'N';
			if (c == 'o')
				o->output = optarg;
			break;
		case 'b':
		case 'w':
			ok = !strcmp(cmd, "repair");
			o->watch |= c == 'w';
			if (c == 'b')
				o->bridge = optarg;
			break;
		case 'n':
			ok = !strcmp(cmd, "gc");
			o->dry_run = 1;
			break;
		default:
			return usage(NULL, NULL);
		}
		if (!ok)
			return usage("option not taken by this command:", argv[optind - 1]);
	}
	o->names = argv + optind;
	o->nnames = argc - optind;
	if (o->json && o->prom)
		return usage("-j and --prometheus exclude each other", NULL);
	if (o->output && !o->json && !o->prom)
		return usage("-o needs -j or --prometheus", NULL);
	if (o->bridge && hp_parse_ifname(o->bridge))
		return usage("invalid bridge name", o->bridge);
	if ((o->watch || !strcmp(cmd, "gc")) && o->nnames)
		return usage("no vif names here:", o->names[0]);
	for (i = 0; i < o->nnames; i++)
		if (hp_parse_ifname(o->names[i]))
			return usage("invalid vif name", o->names[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int rc;

	hp_log_init("xen-hotplug");
	if (!cmd)
		rc = usage("a command is needed", NULL);
	else if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		rc = (fputs(usage_text, stdout), 0);
	else if (strcmp(cmd, "status") && strcmp(cmd, "verify") && strcmp(cmd, "repair") &&
		 strcmp(cmd, "gc"))
		rc = usage("unknown command", cmd);
	else if (!(rc = parse(argc - 1, argv + 1, cmd, &o))) {
		/* what only reads is repeated (a collector): no syslog, no log file */
		if (!strcmp(cmd, "status") || !strcmp(cmd, "verify") || o.dry_run)
			hp_log_stderr_only();
		rc = !strcmp(cmd, "status") ? status(&o) :
		     !strcmp(cmd, "verify") ? verify(&o) :
		     !strcmp(cmd, "gc")	    ? gc(&o) :
		     o.watch		    ? watch(&o) :
					      repair_host(&o, o.bridge, 0);
	}
	hp_log_close();
	return rc;
}
