/* What the kernel and Open vSwitch have for each vif (hp/adm.h): one
 * reading of the host (every bridge port, the names in each guard table,
 * every Open vSwitch port), then a few lookups per vif. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/adm.h"
#include "hp/log.h"

#define OVS_TIMEOUT_MS 3000

static const enum hp_fw_family families[] = { HP_FW_BRIDGE, HP_FW_INET, HP_FW_NETDEV };
#define NFAM (sizeof(families) / sizeof(families[0]))

struct hp_adm_host {
	struct hp_brport_info *ports;
	size_t nports;
	char (*names[NFAM])[HP_IFNAMSIZ]; /* sorted (hp_fw_guard_names gives them so) */
	size_t nnames[NFAM], cap[NFAM];
	struct hp_ovs_port_info *ovs;
	size_t novs;
	char ovs_err[256];
};

struct collect {
	struct hp_adm_host *h;
	size_t f;
};

static int name_cb(const char *ifname, void *data)
{
	struct collect *c = data;
	struct hp_adm_host *h = c->h;
	char(*nv)[HP_IFNAMSIZ];
	size_t f = c->f;

	if (h->nnames[f] == h->cap[f]) {
		size_t cap = h->cap[f] ? 2 * h->cap[f] : 64;

		if (!(nv = realloc(h->names[f], cap * sizeof(*nv))))
			return -ENOMEM;
		h->names[f] = nv;
		h->cap[f] = cap;
	}
	snprintf(h->names[f][h->nnames[f]++], HP_IFNAMSIZ, "%s", ifname);
	return 0;
}

/* Open vSwitch, when its socket is there; its absence is no error. */
static void read_ovs(struct hp_adm_host *h)
{
	char sock[128], err[256];
	struct hp_ovsdb *db;
	int rc;

	if (hp_ovsdb_socket(sock, sizeof(sock), err, sizeof(err))) {
		snprintf(h->ovs_err, sizeof(h->ovs_err), "%s", err);
		return;
	}
	if (access(sock, F_OK))
		return;
	if ((rc = hp_ovsdb_open(&db, sock, OVS_TIMEOUT_MS))) {
		snprintf(h->ovs_err, sizeof(h->ovs_err), "unable to connect to '%s': %s", sock,
			 strerror(-rc));
		return;
	}
	if ((rc = hp_ovs_ports_list(db, &h->ovs, &h->novs)))
		snprintf(h->ovs_err, sizeof(h->ovs_err), "unable to list the ports of '%s': %s%s%s",
			 sock, strerror(-rc), *hp_ovsdb_error(db) ? ": " : "", hp_ovsdb_error(db));
	hp_ovsdb_close(db);
}

int hp_adm_host_read(struct hp_nl *nl, struct hp_adm_host **out)
{
	struct hp_adm_host *h = calloc(1, sizeof(*h));
	struct collect c = { .h = h };
	int rc;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	if ((rc = hp_brport_list(nl, &h->ports, &h->nports)))
		goto fail;
	for (c.f = 0; c.f < NFAM; c.f++)
		if ((rc = hp_fw_guard_names(families[c.f], name_cb, &c)))
			goto fail;
	read_ovs(h);
	*out = h;
	return 0;
fail:
	hp_adm_host_free(h);
	return rc;
}

void hp_adm_host_free(struct hp_adm_host *h)
{
	size_t f;

	if (!h)
		return;
	hp_brport_list_free(h->ports, h->nports);
	for (f = 0; f < NFAM; f++)
		free(h->names[f]);
	free(h->ovs);
	free(h);
}

const char *hp_adm_host_ovs_error(const struct hp_adm_host *h)
{
	return h->ovs_err;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int hp_adm_state_get(struct hp_nl *nl, const struct hp_adm_host *h, const struct hp_adm_vif *v,
		     struct hp_adm_state *st)
{
	struct hp_link m;
	size_t i, f;
	int rc;

	memset(st, 0, sizeof(*st));
	/* under vifname, or under libxl's name when online did not rename it */
	rc = hp_link_get(nl, v->dev, &st->l);
	if (rc == -ENODEV && strcmp(v->dev, v->libxl_name))
		rc = hp_link_get(nl, v->libxl_name, &st->l);
	if (rc && rc != -ENODEV)
		return rc;
	st->link = !rc;
	if (st->link && st->l.master && !hp_link_get_index(nl, st->l.master, &m))
		snprintf(st->master, sizeof(st->master), "%s", m.name);
	for (i = 0; st->link && i < h->nports; i++)
		if (h->ports[i].ifindex == st->l.ifindex)
			st->bp = &h->ports[i];
	if (v->is_tap) {
		snprintf(st->ifb, sizeof(st->ifb), "ifb%u.%u", v->domid, v->devid);
		if ((rc = hp_tc_limit_get(nl, st->link ? st->l.ifindex : 0, st->ifb, &st->tc)))
			return rc;
		st->rate = st->tc.ifb || st->tc.root;
	}
	for (f = 0; f < NFAM && !st->guard; f++) {
		if (!h->nnames[f] ||
		    !bsearch(v->dev, h->names[f], h->nnames[f], sizeof(*h->names[f]), cmp_name))
			continue;
		if ((rc = hp_fw_guard_info(v->dev, families[f], &st->g)))
			return rc;
		st->guard = 1;
	}
	for (i = 0; i < h->novs && !st->op; i++)
		if (!strcmp(h->ovs[i].name, v->dev))
			st->op = &h->ovs[i];
	return 0;
}
