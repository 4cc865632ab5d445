/* The guard's per-vif elements and the comment codec: see fw-elems.h.
 *
 * Sets (guard-bridge.nft): guarded and nomac keyed by name; macs and
 * nd_macs by name . MAC (6 bytes, padded to 8: registers are 4 bytes);
 * addrs4/nets4, addrs6/nets6 and their raw twins nd_addrs6/nd_nets6 by
 * name . address, nets as intervals.  A bridged (or Open vSwitch: the
 * netdev family, the same sets) vif with a MAC also gets
 * the link-local address of that MAC in addrs6 and nd_addrs6: the only
 * link-local source it may use besides those listed in `ip`. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-elems.h"

const char *const fw_elem_sets[] = {
	"guarded", "nomac",  "macs",  "nd_macs",   "addrs4",
	"nets4",   "addrs6", "nets6", "nd_addrs6", "nd_nets6",
};
const size_t fw_elem_nsets = sizeof(fw_elem_sets) / sizeof(fw_elem_sets[0]);

#define MAC_KEYLEN (FW_IFLEN + 8)

void fw_key_ifname(unsigned char key[FW_IFLEN], const char *ifname)
{
	memset(key, 0, FW_IFLEN);
	memcpy(key, ifname, strnlen(ifname, FW_IFLEN - 1));
}

static struct fw_elem *elem_new(struct fw_elems *l, const char *set, const char *ifname)
{
	struct fw_elem *e;

	if (l->n >= FW_MAX_ELEMS)
		return NULL;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->set = set;
	fw_key_ifname(e->key, ifname);
	e->len = FW_IFLEN;
	return e;
}

int fw_elem_eq(const struct fw_elem *a, const struct fw_elem *b)
{
	return !strcmp(a->set, b->set) && a->len == b->len && a->has_end == b->has_end &&
	       !memcmp(a->key, b->key, a->len) &&
	       (!a->has_end || !memcmp(a->key_end, b->key_end, a->len));
}

int fw_elems_has(const struct fw_elems *l, const struct fw_elem *e)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (fw_elem_eq(&l->v[i], e))
			return 1;
	return 0;
}

int fw_elems_add(struct fw_elems *l, const struct fw_elem *e)
{
	if (fw_elems_has(l, e))
		return 0;
	if (l->n >= FW_MAX_ELEMS)
		return -E2BIG;
	l->v[l->n++] = *e;
	return 0;
}

void fw_mac_linklocal(const unsigned char mac[6], unsigned char addr[16])
{
	memset(addr, 0, 16);
	addr[0] = 0xfe;
	addr[1] = 0x80;
	addr[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	addr[9] = mac[1];
	addr[10] = mac[2];
	addr[11] = 0xff;
	addr[12] = 0xfe;
	addr[13] = mac[3];
	addr[14] = mac[4];
	addr[15] = mac[5];
}

/* An element and its twin in set `twin` (NULL: none), same key. */
static int add_pair(struct fw_elems *l, const struct fw_elem *e, const char *twin)
{
	struct fw_elem t = *e;
	int rc;

	if ((rc = fw_elems_add(l, e)) || !twin)
		return rc;
	t.set = twin;
	return fw_elems_add(l, &t);
}

static void addr_elem(struct fw_elem *e, const char *set, const char *ifname,
		      const unsigned char *addr, unsigned int alen)
{
	memset(e, 0, sizeof(*e));
	e->set = set;
	fw_key_ifname(e->key, ifname);
	memcpy(e->key + FW_IFLEN, addr, alen);
	e->len = FW_IFLEN + alen;
}

int fw_elems_build(const struct fw_rules *r, const char *comment, struct fw_elems *l)
{
	struct fw_elem e, *g;
	unsigned char ll[16];
	size_t i;
	int rc;

	if (!r->guarded)
		return 0;
	if (r->has_mac) {
		addr_elem(&e, "macs", r->ifname, r->mac, 6);
		e.len = MAC_KEYLEN;
		if ((rc = add_pair(l, &e, "nd_macs")))
			return rc;
	} else if (!elem_new(l, "nomac", r->ifname)) {
		return -E2BIG;
	}
	for (i = 0; i < r->n; i++) {
		const struct hp_prefix *p = &r->addrs[i];
		unsigned int alen = p->family == AF_INET ? 4 : 16, max = alen * 8, b;
		int exact = p->len == max, v4 = p->family == AF_INET;

		addr_elem(&e, v4 ? (exact ? "addrs4" : "nets4") : (exact ? "addrs6" : "nets6"),
			  r->ifname, p->addr, alen);
		if (!exact) {
			e.has_end = 1;
			memcpy(e.key_end, e.key, e.len);
			for (b = p->len; b < max; b++)
				e.key_end[FW_IFLEN + b / 8] |= (unsigned char)(0x80u >> (b % 8));
		}
		if ((rc = add_pair(l, &e, v4 ? NULL : exact ? "nd_addrs6" : "nd_nets6")))
			return rc;
	}
	if (r->has_mac && r->family != HP_FW_INET) {
		fw_mac_linklocal(r->mac, ll);
		addr_elem(&e, "addrs6", r->ifname, ll, 16);
		if ((rc = add_pair(l, &e, "nd_addrs6")))
			return rc;
	}
	if (!(g = elem_new(l, "guarded", r->ifname)))
		return -E2BIG;
	g->comment = comment;
	return 0;
}

void fw_rules_comment(const struct fw_rules *r, char *buf, size_t size)
{
	char word[64];
	size_t len, i;

	if (r->has_mac)
		snprintf(buf, size, "mac=%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0], r->mac[1],
			 r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	else
		snprintf(buf, size, "mac=any");
	for (i = 0; i < r->n; i++) {
		hp_prefix_format(&r->addrs[i], word, sizeof(word));
		len = strlen(buf);
		if (len + 1 + strlen(word) + 2 >= size) {
			snprintf(buf + len, size - len, " +");
			return;
		}
		snprintf(buf + len, size - len, " %s", word);
	}
}

int fw_comment_rules(const char *ifname, enum hp_fw_family family, const char *comment,
		     struct fw_rules *r)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->family = family;
	r->guarded = 1;
	if (strncmp(comment, "mac=", 4) || !(copy = strdup(comment)))
		return -EINVAL;
	if (!(r->addrs = calloc(64, sizeof(*r->addrs)))) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "mac=any"))
			r->has_mac = 0;
		else if (!strncmp(tok, "mac=", 4))
			rc = hp_parse_mac(tok + 4, r->mac, 0) ? -EINVAL : (r->has_mac = 1, 0);
		else if (r->n >= 64 || hp_parse_prefix(tok, &r->addrs[r->n++]))
			rc = -EINVAL; /* "+" (truncated) included */
	}
	free(copy);
	if (rc)
		fw_rules_free(r);
	return rc;
}

int fw_elems_v1_upgrade(enum hp_fw_family family, const struct fw_elem *v1, struct fw_elems *out)
{
	struct fw_elem e = *v1;
	unsigned char ll[16];
	char ifname[FW_IFLEN];
	int rc;

	e.comment = NULL;
	if (!strcmp(v1->set, "macs") && v1->len == MAC_KEYLEN) {
		e.set = "nd_macs";
		if ((rc = fw_elems_add(out, &e)) || family != HP_FW_BRIDGE)
			return rc;
		memcpy(ifname, v1->key, FW_IFLEN);
		ifname[FW_IFLEN - 1] = '\0';
		fw_mac_linklocal(v1->key + FW_IFLEN, ll);
		addr_elem(&e, "addrs6", ifname, ll, 16);
		return add_pair(out, &e, "nd_addrs6");
	}
	if (!strcmp(v1->set, "addrs6") && v1->len == FW_IFLEN + 16 && !v1->has_end)
		e.set = "nd_addrs6";
	else if (!strcmp(v1->set, "nets6") && v1->len == FW_IFLEN + 16 && v1->has_end)
		e.set = "nd_nets6";
	else
		return 0;
	return fw_elems_add(out, &e);
}

/* One field of a key as nft writes it: typed sets in their own syntax,
 * the raw nd_* sets as one big-endian integer. */
static int format_field(const char *set, const unsigned char *v, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t i, n;

	if (!strncmp(set, "nd_", 3)) {
		n = strcmp(set, "nd_macs") ? 16 : 6;
		if (size < 3 + 2 * n)
			return -ENOSPC;
		memcpy(buf, "0x", 2);
		for (i = 0; i < n; i++)
			snprintf(buf + 2 + 2 * i, 3, "%02x", v[i]);
		return 0;
	}
	if (!strcmp(set, "macs"))
		n = (size_t)snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2],
				     v[3], v[4], v[5]);
	else if (!inet_ntop(!strcmp(set, "addrs4") || !strcmp(set, "nets4") ? AF_INET : AF_INET6, v,
			    a, sizeof(a)))
		return -EINVAL;
	else
		n = (size_t)snprintf(buf, size, "%s", a);
	return n < size ? 0 : -ENOSPC;
}

int fw_elem_format(const struct fw_elem *e, char *buf, size_t size)
{
	char name[FW_IFLEN], from[64], to[64];
	size_t i, n;
	int rc;

	memcpy(name, e->key, FW_IFLEN);
	name[FW_IFLEN - 1] = '\0';
	/* nft has no escape inside quotes */
	for (i = 0; name[i]; i++)
		if (name[i] == '"' || name[i] == '\\' || (unsigned char)name[i] < ' ')
			return -EINVAL;
	if (e->len == FW_IFLEN) {
		n = (size_t)snprintf(buf, size, "\"%s\"", name);
	} else {
		if ((rc = format_field(e->set, e->key + FW_IFLEN, from, sizeof(from))))
			return rc;
		if (e->has_end &&
		    (rc = format_field(e->set, e->key_end + FW_IFLEN, to, sizeof(to))))
			return rc;
		n = (size_t)snprintf(buf, size, "\"%s\" . %s%s%s", name, from,
				     e->has_end ? "-" : "", e->has_end ? to : "");
	}
	return n < size ? 0 : -ENOSPC;
}
