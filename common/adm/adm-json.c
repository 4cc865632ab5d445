/* xen-hotplug status -j: one JSON document, the README's schema (version
 * 1).  Every string from xenstore or the kernel is escaped; bytes that are
 * not UTF-8 become U+FFFD, so that the document always parses. */
#include <linux/if.h>
#include <stdio.h>
#include <string.h>

#include "hp/adm.h"

/* The length of the UTF-8 sequence at s, 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static void str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p))) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

static void key(FILE *f, int *first, const char *k)
{
	fputs(*first ? "" : ",", f);
	*first = 0;
	str(f, k);
	fputc(':', f);
}

static void kstr(FILE *f, int *first, const char *k, const char *v)
{
	key(f, first, k);
	str(f, v);
}

static void knum(FILE *f, int *first, const char *k, long long v)
{
	key(f, first, k);
	fprintf(f, "%lld", v);
}

static void kbool(FILE *f, int *first, const char *k, int v)
{
	key(f, first, k);
	fputs(v < 0 ? "null" : v ? "true" : "false", f);
}

static void mac(FILE *f, int *first, const char *k, const unsigned char *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	kstr(f, first, k, buf);
}

static void keys(FILE *f, const struct hp_adm_vif *v)
{
	int first = 1;

	fputc('{', f);
	kstr(f, &first, "bridge", v->bridge);
	kstr(f, &first, "ip", v->ip);
	kstr(f, &first, "mac", v->mac);
	kstr(f, &first, "mtu", v->mtu);
	kstr(f, &first, "vlan", v->vlan);
	kstr(f, &first, "rate", v->rate);
	kstr(f, &first, "vifname", v->vifname);
	kstr(f, &first, "gatewaydev", v->gatewaydev);
	kstr(f, &first, "type", v->type);
	fputc('}', f);
}

static void link_obj(FILE *f, const struct hp_adm_state *st)
{
	int first = 1;

	if (!st->link) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	kstr(f, &first, "name", st->l.name);
	knum(f, &first, "ifindex", st->l.ifindex);
	kbool(f, &first, "up", !!(st->l.flags & IFF_UP));
	knum(f, &first, "mtu", st->l.mtu);
	mac(f, &first, "mac", st->l.mac);
	kstr(f, &first, "kind", st->l.kind);
	kstr(f, &first, "alias", st->l.alias);
	kstr(f, &first, "master", st->master[0] ? st->master : NULL);
	fputc('}', f);
}

static void port_obj(FILE *f, const struct hp_adm_state *st)
{
	const struct hp_brport_info *p = st->bp;
	int first = 1;
	size_t i;

	if (!p) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	kstr(f, &first, "bridge", st->master);
	knum(f, &first, "state", p->state);
	kbool(f, &first, "learning", p->flags.learning);
	kbool(f, &first, "unicast_flood", p->flags.unicast_flood);
	kbool(f, &first, "locked", p->flags.locked);
	kbool(f, &first, "isolated", p->flags.isolated);
	key(f, &first, "vlans");
	fputc('[', f);
	for (i = 0; i < p->vlans.n; i++) {
		int f2 = 1;

		fputs(i ? ",{" : "{", f);
		knum(f, &f2, "vid", p->vlans.v[i].id);
		kbool(f, &f2, "pvid", !!(p->vlans.v[i].flags & HP_VLAN_PVID));
		kbool(f, &f2, "untagged", !!(p->vlans.v[i].flags & HP_VLAN_UNTAGGED));
		fputc('}', f);
	}
	fputs("]}", f);
}

static void rate_obj(FILE *f, const struct hp_adm_vif *v, const struct hp_adm_state *st)
{
	int first = 1;

	if (!v->is_tap) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	kstr(f, &first, "ifb", st->ifb);
	kbool(f, &first, "tbf", st->tc.root);
	knum(f, &first, "tbf_bytes_per_s", st->tc.root_rate);
	kbool(f, &first, "ingress", st->tc.ingress);
	kbool(f, &first, "redirect", st->tc.redirect);
	kbool(f, &first, "ifb_exists", st->tc.ifb);
	kbool(f, &first, "ifb_up", st->tc.ifb_up);
	knum(f, &first, "ifb_tbf_bytes_per_s", st->tc.ifb_rate);
	fputc('}', f);
}

static void guard_obj(FILE *f, const struct hp_adm_state *st)
{
	const struct hp_fw_guard_info *g = &st->g;
	int first = 1;
	size_t i;

	if (!st->guard) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	kstr(f, &first, "family", hp_fw_family_name(g->family));
	kbool(f, &first, "table", g->table);
	kbool(f, &first, "installed", g->installed);
	kstr(f, &first, "rules", g->installed ? g->rules : NULL);
	kbool(f, &first, "chain", g->table ? g->chain : -1);
	key(f, &first, "drops");
	if (!g->has_counters) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (i = 0; i < g->ndrops; i++) {
			int f2 = 1;

			fputs(i ? ",{" : "{", f);
			kstr(f, &f2, "reason", g->drops[i].reason);
			knum(f, &f2, "packets", (long long)g->drops[i].packets);
			knum(f, &f2, "bytes", (long long)g->drops[i].bytes);
			fputc('}', f);
		}
		fputc(']', f);
	}
	kstr(f, &first, "log", g->log[0] ? g->log : NULL);
	fputc('}', f);
}

static void ovs_obj(FILE *f, const struct hp_adm_state *st)
{
	const struct hp_ovs_port_info *p = st->op;
	int first = 1;

	if (!p) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	kstr(f, &first, "bridge", p->bridge);
	knum(f, &first, "tag", p->tag);
	kstr(f, &first, "trunks", p->trunks);
	kstr(f, &first, "vlan_mode", p->vlan_mode[0] ? p->vlan_mode : NULL);
	kstr(f, &first, "xen_vm_name", p->vm_name[0] ? p->vm_name : NULL);
	kstr(f, &first, "xen_vm_uuid", p->vm_uuid[0] ? p->vm_uuid : NULL);
	kstr(f, &first, "attached_mac", p->mac[0] ? p->mac : NULL);
	knum(f, &first, "ofport", p->ofport);
	kstr(f, &first, "error", p->error[0] ? p->error : NULL);
	fputc('}', f);
}

static void drift_arr(FILE *f, const struct hp_adm_vif *v)
{
	size_t i;

	if (!v->ran) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (i = 0; i < v->ndiffs; i++) {
		int first = 1;

		fputs(i ? ",{" : "{", f);
		kstr(f, &first, "step", v->diffs[i].step);
		kstr(f, &first, "object", v->diffs[i].object);
		kstr(f, &first, "expected", v->diffs[i].expected);
		kstr(f, &first, "found", v->diffs[i].found);
		fputc('}', f);
	}
	fputc(']', f);
}

static void vif_obj(FILE *f, const struct hp_adm_view *w)
{
	const struct hp_adm_vif *v = w->v;
	int first = 1;

	fputc('{', f);
	kstr(f, &first, "vif", v->dev);
	kstr(f, &first, "libxl_name", v->libxl_name);
	kbool(f, &first, "tap", v->is_tap);
	knum(f, &first, "domid", v->domid);
	knum(f, &first, "devid", v->devid);
	kstr(f, &first, "domain", v->domain);
	kstr(f, &first, "backend", v->be);
	kstr(f, &first, "script", v->script);
	kstr(f, &first, "tool", v->tool[0] ? v->tool : NULL);
	kstr(f, &first, "state", hp_adm_state_name(v));
	kbool(f, &first, "online", v->online ? !strcmp(v->online, "1") : -1);
	kstr(f, &first, "hotplug_status", v->hotplug_status);
	kstr(f, &first, "hotplug_error", v->hotplug_error);
	key(f, &first, "keys");
	keys(f, v);
	key(f, &first, "link");
	link_obj(f, &w->st);
	key(f, &first, "bridge_port");
	port_obj(f, &w->st);
	key(f, &first, "rate");
	rate_obj(f, v, &w->st);
	key(f, &first, "guard");
	guard_obj(f, &w->st);
	key(f, &first, "ovs");
	ovs_obj(f, &w->st);
	kbool(f, &first, "verified", v->ran);
	key(f, &first, "drift");
	drift_arr(f, v);
	kstr(f, &first, "error", v->error ? v->error : !v->tool[0] ? v->why_not : NULL);
	fputc('}', f);
}

void hp_adm_show_json(FILE *f, const struct hp_adm_view *w, size_t n, const struct hp_adm_orphan *o,
		      size_t no, const char *ovs_error)
{
	int first = 1;
	size_t i;

	fputc('{', f);
	knum(f, &first, "version", 1);
	key(f, &first, "vifs");
	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		vif_obj(f, &w[i]);
	}
	fputc(']', f);
	key(f, &first, "orphans");
	fputc('[', f);
	for (i = 0; i < no; i++) {
		int f2 = 1;

		fputs(i ? ",{" : "{", f);
		kstr(f, &f2, "kind", hp_adm_kind_name(o[i].kind));
		kstr(f, &f2, "name", o[i].name);
		kstr(f, &f2, "family",
		     o[i].kind == HP_ADM_GUARD ? hp_fw_family_name(o[i].family) : NULL);
		kstr(f, &f2, "owner", o[i].owner);
		kbool(f, &f2, "owner_exists", o[i].owner_exists);
		fputc('}', f);
	}
	fputc(']', f);
	kstr(f, &first, "ovs_error", ovs_error && *ovs_error ? ovs_error : NULL);
	fputs("}\n", f);
}
