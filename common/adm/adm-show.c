/* xen-hotplug's status in its three forms (hp/adm.h): a table for a
 * person, JSON (the schema is the README's, `version` 1), and Prometheus'
 * text exposition format for node_exporter's textfile collector; and the
 * one-line-per-difference form of verify. */
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/adm.h"

static const char *const xb_states[] = { "Unknown",	"Initialising",	 "InitWait",
					 "Initialised", "Connected",	 "Closing",
					 "Closed",	"Reconfiguring", "Reconfigured" };

static int state_num(const struct hp_adm_vif *v)
{
	unsigned long s;

	return v->state && !hp_parse_uint(v->state, 8, &s) ? (int)s : -1;
}

const char *hp_adm_state_name(const struct hp_adm_vif *v)
{
	int s = state_num(v);

	return s < 0 ? "-" : xb_states[s];
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- verify's lines ---------------------------------------------------------- */

void hp_adm_show_diffs(FILE *f, const struct hp_adm_vif *v, const char *suffix)
{
	size_t i;

	for (i = 0; i < v->ndiffs; i++)
		fprintf(f, "%s: %s: expected %s, found %s%s\n", v->dev, v->diffs[i].object,
			v->diffs[i].expected, v->diffs[i].found, suffix);
	if (v->error)
		fprintf(f, "%s: %s\n", v->dev, v->error);
	else if (v->ran && !v->ndiffs && v->exit_status && v->exit_status != 1)
		fprintf(f, "%s: %s exited with status %d\n", v->dev, v->tool, v->exit_status);
}

void hp_adm_show_orphan(FILE *f, const struct hp_adm_orphan *o)
{
	char what[64];

	snprintf(what, sizeof(what), "%s%s%s%s", hp_adm_kind_name(o->kind),
		 o->kind == HP_ADM_GUARD ? " (" : "",
		 o->kind == HP_ADM_GUARD ? hp_fw_family_name(o->family) : "",
		 o->kind == HP_ADM_GUARD ? ")" : "");
	if (o->owner_exists)
		fprintf(f,
			"%s: %s: expected a vif in xenstore that backs it, found none, and its link "
			"'%s' exists (xenstored lost its state?): kept\n",
			o->name, what, o->owner);
	else
		fprintf(f,
			"%s: %s: expected none (no vif backs '%s'), found one (xen-hotplug gc)\n",
			o->name, what, o->name);
}

/* ---- the table --------------------------------------------------------------- */

static void drift_word(const struct hp_adm_vif *v, char *buf, size_t size)
{
	if (!v->tool[0])
		snprintf(buf, size, "not ours");
	else if (!v->ran)
		snprintf(buf, size, "-");
	else if (v->error)
		snprintf(buf, size, "error");
	else if (v->ndiffs)
		snprintf(buf, size, "%zu", v->ndiffs);
	else
		snprintf(buf, size, v->exit_status ? "failed" : "ok");
}

static void port_of(const struct hp_adm_state *st, char *buf, size_t size)
{
	if (st->op)
		snprintf(buf, size, "ovs:%s", st->op->bridge);
	else
		snprintf(buf, size, "%s", st->master[0] ? st->master : "-");
}

static void guard_word(const struct hp_adm_state *st, char *buf, size_t size)
{
	if (!st->guard)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s%s", hp_fw_family_name(st->g.family),
			 st->g.installed ? "" : "(partial)");
}

static void drops_word(const struct hp_adm_state *st, char *buf, size_t size)
{
	unsigned long long n = 0;
	size_t i;

	if (!st->guard || !st->g.has_counters) {
		snprintf(buf, size, "-");
		return;
	}
	for (i = 0; i < st->g.ndrops; i++)
		n += st->g.drops[i].packets;
	snprintf(buf, size, "%llu", n);
}

static void details(FILE *f, const struct hp_adm_view *w)
{
	const struct hp_adm_vif *v = w->v;
	const struct hp_adm_state *st = &w->st;
	char buf[256];
	size_t i;

	if (v->hotplug_error && *v->hotplug_error)
		fprintf(f, "    hotplug-error: %s\n", v->hotplug_error);
	fprintf(f, "    keys: bridge %s, ip %s, mac %s, mtu %s, vlan %s, rate %s, script %s\n",
		or_dash(v->bridge), or_dash(v->ip), or_dash(v->mac), or_dash(v->mtu),
		or_dash(v->vlan), or_dash(v->rate), or_dash(v->script));
	if (st->bp) {
		hp_vlans_format(&st->bp->vlans, buf, sizeof(buf));
		fprintf(f,
			"    port: learning %s, flood %s, locked %s, isolated %s, state %d, vlans %s\n",
			st->bp->flags.learning ? "on" : "off",
			st->bp->flags.unicast_flood ? "on" : "off",
			st->bp->flags.locked ? "on" : "off", st->bp->flags.isolated ? "on" : "off",
			st->bp->state, buf);
	}
	if (st->op)
		fprintf(f, "    ovs: bridge %s, tag %u, trunks %s, vlan_mode %s, ofport %lld%s%s\n",
			st->op->bridge, st->op->tag, or_dash(st->op->trunks),
			or_dash(st->op->vlan_mode), st->op->ofport,
			st->op->error[0] ? ", error " : "", st->op->error);
	if (v->is_tap)
		fprintf(f, "    rate: tbf %s %u B/s, ingress %s, %s %s %u B/s\n",
			st->tc.root ? "on" : "off", st->tc.root_rate,
			st->tc.redirect ? "redirected" :
			st->tc.ingress	? "no redirect" :
					  "off",
			st->ifb, st->tc.ifb ? (st->tc.ifb_up ? "up" : "down") : "none",
			st->tc.ifb_rate);
	if (st->guard) {
		fprintf(f, "    guard: table netdev xen_hotplug%s, %s%s",
			st->g.table ? "" : " (none)",
			st->g.installed ? st->g.rules : "no guarded element",
			st->g.table && !st->g.chain ? ", no chain" : "");
		if (!st->g.has_counters)
			fprintf(f, "; drops: not counted by this guard layout");
		else if (!st->g.ndrops)
			fprintf(f, "; drops: no counters");
		for (i = 0; i < st->g.ndrops; i++)
			fprintf(f, "%s%s %llu", i ? ", " : "; drops: ", st->g.drops[i].reason,
				st->g.drops[i].packets);
		fputc('\n', f);
		if (st->g.log[0])
			fprintf(f, "    drop log: %s\n", st->g.log);
	}
}

void hp_adm_show_table(FILE *f, const struct hp_adm_view *w, size_t n, int verbose)
{
	char dom[48], port[HP_OVS_NAMESIZ + 8], guard[32], drops[24], drift[24], mtu[12];
	size_t i;

	fprintf(f, "%-15s %-16s %-15s %-12s %-9s %-4s %-5s %-15s %-8s %-6s %s\n", "VIF", "DOMAIN",
		"TOOL", "STATE", "HOTPLUG", "LINK", "MTU", "PORT OF", "GUARD", "DROPS", "DRIFT");
	for (i = 0; i < n; i++) {
		const struct hp_adm_vif *v = w[i].v;
		const struct hp_adm_state *st = &w[i].st;

		snprintf(dom, sizeof(dom), "%u %s", v->domid, v->domain ? v->domain : "?");
		snprintf(mtu, sizeof(mtu), st->link ? "%u" : "-", st->l.mtu);
		port_of(st, port, sizeof(port));
		guard_word(st, guard, sizeof(guard));
		drops_word(st, drops, sizeof(drops));
		drift_word(v, drift, sizeof(drift));
		fprintf(f, "%-15s %-16s %-15s %-12s %-9s %-4s %-5s %-15s %-8s %-6s %s\n", v->dev,
			dom, v->tool[0] ? v->tool : "(other)", hp_adm_state_name(v),
			or_dash(v->hotplug_status),
			!st->link	     ? "none" :
			st->l.flags & IFF_UP ? "up" :
					       "down",
			mtu, port, guard, drops, drift);
		if (verbose)
			details(f, &w[i]);
	}
}
