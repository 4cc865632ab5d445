/* What a Xen vif script made and no vif backs any more (hp/adm.h): the
 * guard's state of a name (elements, a netdev ingress chain), a tap's
 * ifb, an Open vSwitch port with Xen's external ids, a dnsmasq host file
 * of vif-nat's.  Each is known as ours by what marks it: our nftables
 * tables, the ifb's alias, the port's xen-vm-uuid, the file's one line
 * tagged with its own name; anything else is never looked at.  An object
 * whose link (the vif, a tap) exists is kept whatever xenstore says: a
 * running guest keeps its guard when xenstored lost its state, and a vif
 * whose online starts after xenstore was read is one whose link exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/adm.h"
#include "hp/dhcp.h"
#include "hp/log.h"
#include "hp/tc.h"

#define OVS_TIMEOUT_MS 3000

const char *hp_adm_kind_name(enum hp_adm_kind k)
{
	return k == HP_ADM_GUARD    ? "guard" :
	       k == HP_ADM_IFB	    ? "rate limit" :
	       k == HP_ADM_OVS_PORT ? "ovs port" :
				      "dhcp entry";
}

struct walk {
	struct hp_nl *nl;
	const struct hp_adm_vif *vifs;
	size_t nvifs;
	struct hp_adm_orphan *v;
	size_t n, cap;
	enum hp_fw_family family;
};

static int backed(const struct walk *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nvifs; i++)
		if (!strcmp(w->vifs[i].dev, name) || !strcmp(w->vifs[i].libxl_name, name))
			return 1;
	return 0;
}

static int link_exists(struct hp_nl *nl, const char *name)
{
	struct hp_link l;

	return name[0] && !hp_parse_ifname(name) && !hp_link_get(nl, name, &l);
}

static struct hp_adm_orphan *orphan_new(struct walk *w, enum hp_adm_kind k, const char *name,
					const char *owner)
{
	struct hp_adm_orphan *o, *nv;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;

		if (!(nv = realloc(w->v, cap * sizeof(*nv))))
			return NULL;
		w->v = nv;
		w->cap = cap;
	}
	o = &w->v[w->n++];
	memset(o, 0, sizeof(*o));
	o->kind = k;
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->owner, sizeof(o->owner), "%s", owner);
	return o;
}

static int guard_cb(const char *ifname, void *data)
{
	struct walk *w = data;
	struct hp_adm_orphan *o;

	if (backed(w, ifname))
		return 0;
	if (!(o = orphan_new(w, HP_ADM_GUARD, ifname, ifname)))
		return -ENOMEM;
	o->family = w->family;
	return 0;
}

/* An ifb of ours is named after its backend (ifb<domid>.<devid>), its
 * alias after its tap. */
static int ifb_cb(const struct hp_link *l, void *data)
{
	struct walk *w = data;
	unsigned int d, n;
	size_t i, plen = strlen(HP_TC_IFB_ALIAS);
	char c;

	if (strcmp(l->kind, "ifb") || strncmp(l->alias, HP_TC_IFB_ALIAS, plen) ||
	    sscanf(l->name, "ifb%u.%u%c", &d, &n, &c) != 2)
		return 0;
	for (i = 0; i < w->nvifs; i++)
		if (w->vifs[i].domid == d && w->vifs[i].devid == n)
			return 0;
	return orphan_new(w, HP_ADM_IFB, l->name, l->alias + plen) ? 0 : -ENOMEM;
}

static int ovs_ports(struct walk *w)
{
	struct hp_ovs_port_info *p = NULL;
	char sock[128], err[256];
	struct hp_adm_orphan *o;
	struct hp_ovsdb *db;
	size_t n = 0, i;
	int rc;

	if (hp_ovsdb_socket(sock, sizeof(sock), err, sizeof(err)) || access(sock, F_OK))
		return 0; /* no Open vSwitch here */
	if ((rc = hp_ovsdb_open(&db, sock, OVS_TIMEOUT_MS))) {
		hp_warn("unable to connect to Open vSwitch at '%s': %s: its ports not looked at",
			sock, strerror(-rc));
		return 0;
	}
	rc = hp_ovs_ports_list(db, &p, &n);
	hp_ovsdb_close(db);
	if (rc)
		return rc;
	for (i = 0; i < n && !rc; i++) {
		if (!p[i].xen || backed(w, p[i].name))
			continue;
		if (!(o = orphan_new(w, HP_ADM_OVS_PORT, p[i].name, p[i].name)))
			rc = -ENOMEM;
		else
			o->op = p[i];
	}
	free(p);
	return rc;
}

static int dhcp_cb(const char *ifname, void *data)
{
	struct walk *w = data;

	if (backed(w, ifname))
		return 0;
	return orphan_new(w, HP_ADM_DHCP, ifname, ifname) ? 0 : -ENOMEM;
}

int hp_adm_orphans(struct hp_nl *nl, const struct hp_adm_vif *vifs, size_t nvifs,
		   struct hp_adm_orphan **out, size_t *n)
{
	static const enum hp_fw_family fams[] = { HP_FW_BRIDGE, HP_FW_INET, HP_FW_NETDEV };
	struct walk w = { .nl = nl, .vifs = vifs, .nvifs = nvifs };
	struct hp_dhcp_conf dc;
	char err[512];
	size_t i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < sizeof(fams) / sizeof(fams[0]) && !rc; i++) {
		w.family = fams[i];
		rc = hp_fw_guard_names(fams[i], guard_cb, &w);
	}
	if (!rc)
		rc = hp_link_each(nl, ifb_cb, &w);
	if (!rc)
		rc = ovs_ports(&w);
	/* where vif-nat's `dhcp=yes` would write (nat_dhcp=none or isc: none) */
	if (!rc && !hp_dhcp_config("yes", &dc, err, sizeof(err)) && dc.mode == HP_DHCP_DNSMASQ)
		rc = hp_dhcp_hosts_each(&dc, dhcp_cb, &w);
	if (rc) {
		free(w.v);
		return rc;
	}
	/* after the walks: no request inside a dump */
	for (i = 0; i < w.n; i++)
		w.v[i].owner_exists = link_exists(nl, w.v[i].owner);
	*out = w.v;
	*n = w.n;
	return 0;
}

int hp_adm_orphan_remove(struct hp_nl *nl, const struct hp_adm_orphan *o)
{
	struct hp_dhcp_host h = { .ifname = o->name, .hostname = "" };
	struct hp_dhcp_conf dc;
	struct hp_ovsdb *db;
	char sock[128], err[512];
	long long cfg;
	int rc;

	/* looked at again: a vif may have come meanwhile */
	if (o->owner_exists || link_exists(nl, o->owner))
		return -EBUSY;
	switch (o->kind) {
	case HP_ADM_GUARD:
		return hp_fw_guard_del(o->name, o->family);
	case HP_ADM_IFB:
		return hp_tc_unlimit(nl, 0, o->name, NULL);
	case HP_ADM_OVS_PORT:
		if (hp_ovsdb_socket(sock, sizeof(sock), err, sizeof(err)))
			return -EINVAL;
		if ((rc = hp_ovsdb_open(&db, sock, OVS_TIMEOUT_MS)))
			return rc;
		rc = hp_ovs_port_info_del(db, &o->op, &cfg);
		if (!rc && (rc = hp_ovs_wait(db, cfg, OVS_TIMEOUT_MS, NULL, NULL, 0)))
			hp_warn("ovs-vswitchd has not applied the removal of '%s' yet: %s", o->name,
				strerror(-rc));
		hp_ovsdb_close(db);
		return rc == -ETIMEDOUT ? 0 : rc;
	case HP_ADM_DHCP:
		if (hp_dhcp_config("yes", &dc, err, sizeof(err)))
			return -EINVAL;
		return hp_dhcp_host_del(&dc, &h);
	}
	return -EINVAL;
}
