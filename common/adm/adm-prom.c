/* xen-hotplug status --prometheus: Prometheus' text exposition format
 * (0.0.4), as node_exporter's textfile collector reads it: per vif its
 * state, its drift, the guard's drops by reason (when the guard's layout
 * counts them), and the host's count of objects gc would look at. */
#include <linux/if.h>
#include <stdio.h>
#include <string.h>

#include "hp/adm.h"

/* A label value: backslash, double quote and newline escaped; other
 * control characters and bytes beyond ASCII shown as '?' (a value must be
 * UTF-8, and ours are interface, domain and bridge names). */
static void label(FILE *f, const char *name, const char *v, int first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c < 0x20 || c >= 0x7f ? '?' : c, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *metric, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
}

/* metric{vif="..."} value */
static void vif_sample(FILE *f, const char *metric, const struct hp_adm_vif *v, long long value)
{
	fprintf(f, "%s{", metric);
	label(f, "vif", v->dev, 1);
	fprintf(f, "} %lld\n", value);
}

void hp_adm_show_prometheus(FILE *f, const struct hp_adm_view *w, size_t n, size_t norphans,
			    int verified)
{
	char id[16];
	size_t i, j;
	int counted = 0;

	head(f, "xen_hotplug_vif_info", "gauge",
	     "A vif or emulated NIC this domain backs (always 1), with its domain and tool.");
	for (i = 0; i < n; i++) {
		const struct hp_adm_vif *v = w[i].v;

		fputs("xen_hotplug_vif_info{", f);
		label(f, "vif", v->dev, 1);
		snprintf(id, sizeof(id), "%u", v->domid);
		label(f, "domid", id, 0);
		label(f, "domain", v->domain, 0);
		snprintf(id, sizeof(id), "%u", v->devid);
		label(f, "devid", id, 0);
		label(f, "type", v->is_tap ? "tap" : "vif", 0);
		label(f, "tool", v->tool[0] ? v->tool : "other", 0);
		label(f, "bridge", w[i].st.op ? w[i].st.op->bridge : w[i].st.master, 0);
		fputs("} 1\n", f);
	}
	head(f, "xen_hotplug_vif_connected", "gauge",
	     "1 when the backend's hotplug-status is connected (taps: always 1).");
	for (i = 0; i < n; i++)
		vif_sample(f, "xen_hotplug_vif_connected", w[i].v,
			   w[i].v->is_tap || (w[i].v->hotplug_status &&
					      !strcmp(w[i].v->hotplug_status, "connected")));
	head(f, "xen_hotplug_vif_up", "gauge", "1 when the vif's link exists and is up.");
	for (i = 0; i < n; i++)
		vif_sample(f, "xen_hotplug_vif_up", w[i].v,
			   w[i].st.link && (w[i].st.l.flags & IFF_UP));
	head(f, "xen_hotplug_vif_guarded", "gauge",
	     "1 when the anti-spoofing guard has the vif's guarded element.");
	for (i = 0; i < n; i++)
		vif_sample(f, "xen_hotplug_vif_guarded", w[i].v,
			   w[i].st.guard && w[i].st.g.installed);
	if (verified) {
		head(f, "xen_hotplug_vif_drift", "gauge",
		     "Differences between the host and what the vif's online set up (verify); -1 "
		     "when it could not be checked.");
		for (i = 0; i < n; i++) {
			const struct hp_adm_vif *v = w[i].v;

			if (!v->tool[0])
				continue;
			vif_sample(f, "xen_hotplug_vif_drift", v,
				   !v->ran || v->error ? -1 : (long long)v->ndiffs);
		}
	}
	for (i = 0; i < n; i++)
		counted |= w[i].st.guard && w[i].st.g.has_counters;
	head(f, "xen_hotplug_guard_counters", "gauge",
	     "1 when the guard's layout counts drops per vif and reason.");
	fprintf(f, "xen_hotplug_guard_counters %d\n", counted);
	if (counted) {
		head(f, "xen_hotplug_guard_drops_total", "counter",
		     "Frames the anti-spoofing guard dropped, by vif and reason.");
		for (i = 0; i < n; i++) {
			const struct hp_fw_guard_info *g = &w[i].st.g;

			for (j = 0; w[i].st.guard && j < g->ndrops; j++) {
				fputs("xen_hotplug_guard_drops_total{", f);
				label(f, "vif", w[i].v->dev, 1);
				label(f, "reason", g->drops[j].reason, 0);
				fprintf(f, "} %llu\n", g->drops[j].packets);
			}
		}
	}
	head(f, "xen_hotplug_orphans", "gauge",
	     "Objects a Xen vif script made that no vif backs (xen-hotplug gc).");
	fprintf(f, "xen_hotplug_orphans %zu\n", norphans);
}
