/* The guard's drop counters (hp/fw.h): their names, and reading them.
 *
 * Each guarded vif has one counter object per reason in table netdev
 * xen_hotplug, "<vif>/<reason>", made and removed in the vif's own
 * transaction (fw-elems.c, fw-nft.c) and named by the maps c_<reason>
 * that the drop chains of guard-netdev.nft count through. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw-elems.h"
#include "fw-nl.h"
#include "hp/fw.h"

static const char *const reasons[HP_FW_NREASONS] = {
	[HP_FW_R_MAC] = "mac",	 [HP_FW_R_GROUP] = "group", [HP_FW_R_ETHERTYPE] = "ethertype",
	[HP_FW_R_ARP] = "arp",	 [HP_FW_R_IP4] = "ip4",	    [HP_FW_R_IP6] = "ip6",
	[HP_FW_R_ND] = "nd",	 [HP_FW_R_DHCP] = "dhcp",   [HP_FW_R_RA] = "ra",
	[HP_FW_R_FRAG] = "frag",
};

const char *hp_fw_reason_name(unsigned int reason)
{
	return reason < HP_FW_NREASONS ? reasons[reason] : NULL;
}

int hp_fw_reason_parse(const char *name)
{
	int i;

	for (i = 0; name && i < HP_FW_NREASONS; i++)
		if (!strcmp(name, reasons[i]))
			return i;
	return -EINVAL;
}

int hp_fw_counter_name(const char *ifname, unsigned int reason, char *buf, size_t size)
{
	int n;

	if (!ifname || hp_parse_ifname(ifname) || reason >= HP_FW_NREASONS)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s", ifname, reasons[reason]);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int hp_fw_counter_parse(const char *name, char ifname[HP_IFNAMSIZ], unsigned int *reason)
{
	const char *slash = name ? strrchr(name, '/') : NULL;
	size_t len;
	int r;

	if (!slash || (r = hp_fw_reason_parse(slash + 1)) < 0)
		return -EINVAL;
	len = (size_t)(slash - name);
	if (len >= HP_IFNAMSIZ)
		return -EINVAL;
	memcpy(ifname, name, len);
	ifname[len] = '\0';
	if (hp_parse_ifname(ifname))
		return -EINVAL;
	*reason = (unsigned int)r;
	return 0;
}

/* ---- one vif ---------------------------------------------------------- */

struct one {
	uint64_t *packets;
	unsigned int reason;
	int found;
};

static int one_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	struct one *o = data;

	o->packets[o->reason] = packets;
	o->found++;
	return 0;
}

int hp_fw_guard_counters(const char *ifname, enum hp_fw_family family,
			 uint64_t packets[HP_FW_NREASONS])
{
	struct one o = { .packets = packets };
	char name[FW_NAME_MAX];
	struct fw_nl nl;
	int rc = 0;

	if (!ifname || hp_parse_ifname(ifname) || !fw_family_valid(family))
		return -EINVAL;
	memset(packets, 0, HP_FW_NREASONS * sizeof(*packets));
	if ((rc = fw_nl_open(&nl)))
		return rc;
	for (o.reason = 0; !rc && o.reason < HP_FW_NREASONS; o.reason++)
		if (!(rc = hp_fw_counter_name(ifname, o.reason, name, sizeof(name))))
			rc = fw_nl_counters(&nl, name, one_cb, &o);
	fw_nl_close(&nl);
	return rc ? rc : o.found ? 0 : -ENOENT;
}

/* ---- every vif -------------------------------------------------------- */

struct dump {
	struct hp_fw_counters *v;
	size_t n, cap;
	enum hp_fw_family family;
};

static struct hp_fw_counters *find(struct dump *d, const char *ifname)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].ifname, ifname))
			return &d->v[i];
	return NULL;
}

/* The `guarded` set: each vif, and its kind from its comment's words. */
static int guarded_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
		      const char *comment, void *data)
{
	struct dump *d = data;
	struct hp_fw_counters *c;
	enum hp_fw_family f = HP_FW_NETDEV;

	if (len != FW_IFLEN || !key[0])
		return 0;
	if (comment && (strstr(comment, " p2p") || strstr(comment, " br"))) /* fw-elems.c */
		f = strstr(comment, " p2p") ? HP_FW_INET : HP_FW_BRIDGE;
	if (f != d->family)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct hp_fw_counters *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	c = &d->v[d->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->ifname, key, FW_IFLEN - 1);
	c->family = f;
	return 0;
}

static int dump_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	struct dump *d = data;
	struct hp_fw_counters *c;
	char ifname[HP_IFNAMSIZ];
	unsigned int reason;

	if (hp_fw_counter_parse(name, ifname, &reason) || !(c = find(d, ifname)))
		return 0;
	c->packets[reason] = packets;
	c->bytes[reason] = bytes;
	return 0;
}

int hp_fw_counters_dump(enum hp_fw_family family, hp_fw_counters_cb cb, void *arg)
{
	struct dump d = { .family = family };
	struct fw_nl nl;
	size_t i;
	int rc;

	if (!cb || !fw_family_valid(family))
		return -EINVAL;
	if ((rc = fw_nl_open(&nl)))
		return rc;
	if (!(rc = fw_nl_set_elems(&nl, FW_T_NETDEV, "guarded", NULL, 0, guarded_cb, &d)) && d.n)
		rc = fw_nl_counters(&nl, NULL, dump_cb, &d);
	fw_nl_close(&nl);
	for (i = 0; !rc && i < d.n; i++)
		rc = cb(&d.v[i], arg);
	free(d.v);
	return rc;
}
