/* The guard's per-vif items and the comment codec: see fw-elems.h.
 *
 * Sets (guard-netdev.nft): guarded, nomac, p2p, lldp and nofrag keyed by
 * name; macs and nd_macs by name . MAC (6 bytes, padded to 8: registers
 * are 4 bytes); addrs4/nets4, addrs6/nets6 and their raw twins
 * nd_addrs6/nd_nets6 by name . address, nets as intervals; vlans by name
 * . VLAN id (2 bytes, padded to 4), as intervals.  A vif with a MAC that
 * is not on a point-to-point link also gets the link-local address of
 * that MAC in addrs6 and nd_addrs6: the only link-local source it may use
 * besides those listed in `ip`.  Maps: c_<reason> (name -> the counter
 * object "<name>/<reason>"), logged (name -> jump log_<group>).  A bridge
 * port's name is in table bridge's guarded set too. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-elems.h"

const char *const fw_elem_sets[] = {
	"guarded", "nomac",  "p2p",	"lldp",	       "nofrag",    "macs",	"nd_macs",
	"addrs4",  "nets4",  "addrs6",	"nets6",       "nd_addrs6", "nd_nets6", "vlans",
	"logged",  "c_mac",  "c_group", "c_ethertype", "c_arp",	    "c_ip4",	"c_ip6",
	"c_nd",	   "c_dhcp", "c_ra",	"c_frag",
};
const size_t fw_elem_nsets = sizeof(fw_elem_sets) / sizeof(fw_elem_sets[0]);

/* the counter maps, by reason (guard-netdev.nft's c_<reason>) */
static const char *const counter_maps[HP_FW_NREASONS] = {
	"c_mac", "c_group", "c_ethertype", "c_arp", "c_ip4",
	"c_ip6", "c_nd",    "c_dhcp",	   "c_ra",  "c_frag",
};

#define MAC_KEYLEN (FW_IFLEN + 8)
#define VLAN_KEYLEN (FW_IFLEN + 4)

void fw_key_ifname(unsigned char key[FW_IFLEN], const char *ifname)
{
	memset(key, 0, FW_IFLEN);
	memcpy(key, ifname, strnlen(ifname, FW_IFLEN - 1));
}

static struct fw_elem *elem_new(struct fw_elems *l, enum fw_table t, const char *set,
				const char *ifname)
{
	struct fw_elem *e;

	if (l->n >= FW_MAX_ELEMS)
		return NULL;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = FW_ELEM;
	e->table = t;
	e->set = set;
	fw_key_ifname(e->key, ifname);
	e->len = FW_IFLEN;
	return e;
}

int fw_elem_eq(const struct fw_elem *a, const struct fw_elem *b)
{
	if (a->kind != b->kind || a->table != b->table)
		return 0;
	if (a->kind == FW_COUNTER)
		return !strcmp(a->data, b->data);
	return !strcmp(a->set, b->set) && a->len == b->len && a->has_end == b->has_end &&
	       !memcmp(a->key, b->key, a->len) &&
	       (!a->has_end || !memcmp(a->key_end, b->key_end, a->len)) &&
	       a->data_kind == b->data_kind && !strcmp(a->data, b->data);
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

int fw_elem_read(struct fw_elem *e, enum fw_table t, const char *set,
		 const unsigned char ifkey[FW_IFLEN], const unsigned char *key, uint32_t len,
		 const unsigned char *key_end)
{
	if (len < FW_IFLEN || len > FW_KEY_MAX || memcmp(key, ifkey, FW_IFLEN))
		return 0;
	memset(e, 0, sizeof(*e));
	e->kind = FW_ELEM;
	e->table = t;
	e->set = set;
	e->len = len;
	memcpy(e->key, key, len);
	if (key_end) {
		e->has_end = 1;
		memcpy(e->key_end, key_end, len);
	}
	return 1;
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

void fw_log_chain(int group, char *buf, size_t size)
{
	snprintf(buf, size, "log_%d", group);
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
	e->kind = FW_ELEM;
	e->table = FW_T_NETDEV;
	e->set = set;
	fw_key_ifname(e->key, ifname);
	memcpy(e->key + FW_IFLEN, addr, alen);
	e->len = FW_IFLEN + alen;
}

static int addrs_build(const struct fw_rules *r, struct fw_elems *l)
{
	struct fw_elem e;
	unsigned char ll[16];
	size_t i;
	int rc;

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
	if (r->has_mac && !r->p2p) {
		fw_mac_linklocal(r->mac, ll);
		addr_elem(&e, "addrs6", r->ifname, ll, 16);
		if ((rc = add_pair(l, &e, "nd_addrs6")))
			return rc;
	}
	return 0;
}

static int vlans_build(const struct fw_rules *r, struct fw_elems *l)
{
	struct fw_elem *e;
	size_t i;

	for (i = 0; i < r->nvlans; i++) {
		if (!(e = elem_new(l, FW_T_NETDEV, "vlans", r->ifname)))
			return -E2BIG;
		e->len = VLAN_KEYLEN;
		e->key[FW_IFLEN] = (unsigned char)(r->vlans[i].lo >> 8);
		e->key[FW_IFLEN + 1] = (unsigned char)r->vlans[i].lo;
		e->has_end = 1;
		memcpy(e->key_end, e->key, FW_IFLEN);
		e->key_end[FW_IFLEN] = (unsigned char)(r->vlans[i].hi >> 8);
		e->key_end[FW_IFLEN + 1] = (unsigned char)r->vlans[i].hi;
	}
	return 0;
}

/* The vif's counters, first: the map elements that name them follow. */
static int counters_build(const struct fw_rules *r, struct fw_elems *l)
{
	struct fw_elem *e;
	unsigned int i;

	for (i = 0; i < HP_FW_NREASONS; i++) {
		if (l->n >= FW_MAX_ELEMS)
			return -E2BIG;
		e = &l->v[l->n++];
		memset(e, 0, sizeof(*e));
		e->kind = FW_COUNTER;
		e->table = FW_T_NETDEV;
		if (hp_fw_counter_name(r->ifname, i, e->data, sizeof(e->data)))
			return -EINVAL;
	}
	for (i = 0; i < HP_FW_NREASONS; i++) {
		if (!(e = elem_new(l, FW_T_NETDEV, counter_maps[i], r->ifname)))
			return -E2BIG;
		e->data_kind = FW_DATA_OBJREF;
		hp_fw_counter_name(r->ifname, i, e->data, sizeof(e->data));
	}
	return 0;
}

static int flag(struct fw_elems *l, int on, enum fw_table t, const char *set, const char *ifname)
{
	return on && !elem_new(l, t, set, ifname) ? -E2BIG : 0;
}

int fw_elems_build(const struct fw_rules *r, const char *comment, struct fw_elems *l)
{
	struct fw_elem e, *g;
	int rc;

	if (!r->guarded)
		return 0;
	if ((rc = counters_build(r, l)))
		return rc;
	if (r->has_mac) {
		addr_elem(&e, "macs", r->ifname, r->mac, 6);
		e.len = MAC_KEYLEN;
		if ((rc = add_pair(l, &e, "nd_macs")))
			return rc;
	}
	if ((rc = flag(l, !r->has_mac, FW_T_NETDEV, "nomac", r->ifname)) ||
	    (rc = flag(l, r->p2p, FW_T_NETDEV, "p2p", r->ifname)) ||
	    (rc = flag(l, r->lldp, FW_T_NETDEV, "lldp", r->ifname)) ||
	    (rc = flag(l, r->nofrag, FW_T_NETDEV, "nofrag", r->ifname)) ||
	    (rc = addrs_build(r, l)) || (rc = vlans_build(r, l)))
		return rc;
	if (r->log_group >= 0) {
		if (!(g = elem_new(l, FW_T_NETDEV, "logged", r->ifname)))
			return -E2BIG;
		g->data_kind = FW_DATA_JUMP;
		fw_log_chain(r->log_group, g->data, sizeof(g->data));
	}
	if ((rc = flag(l, r->br, FW_T_BRIDGE, "guarded", r->ifname)))
		return rc;
	if (!(g = elem_new(l, FW_T_NETDEV, "guarded", r->ifname)))
		return -E2BIG;
	g->comment = comment;
	return 0;
}

/* ---- the comment ------------------------------------------------------ */

static void append(char *buf, size_t size, const char *word, int *full)
{
	size_t len = strlen(buf);

	if (*full)
		return;
	if (len + 1 + strlen(word) + 2 >= size) {
		snprintf(buf + len, size - len, " +");
		*full = 1;
		return;
	}
	snprintf(buf + len, size - len, " %s", word);
}

void fw_rules_comment(const struct fw_rules *r, char *buf, size_t size)
{
	char word[96];
	size_t i, len;
	int full = 0;

	if (r->has_mac)
		snprintf(buf, size, "mac=%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0], r->mac[1],
			 r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	else
		snprintf(buf, size, "mac=any");
	for (i = 0; i < r->n; i++) {
		hp_prefix_format(&r->addrs[i], word, sizeof(word));
		append(buf, size, word, &full);
	}
	if (r->p2p)
		append(buf, size, "p2p", &full);
	if (r->br)
		append(buf, size, "br", &full);
	if (r->lldp)
		append(buf, size, "lldp", &full);
	if (r->nofrag)
		append(buf, size, "nofrag", &full);
	if (r->log_group >= 0) {
		snprintf(word, sizeof(word), "log=%d", r->log_group);
		append(buf, size, word, &full);
	}
	if (r->nvlans) {
		snprintf(word, sizeof(word), "vlan=");
		for (i = 0; i < r->nvlans; i++) {
			len = strlen(word);
			if (r->vlans[i].lo == r->vlans[i].hi)
				snprintf(word + len, sizeof(word) - len, "%s%u", i ? "," : "",
					 r->vlans[i].lo);
			else
				snprintf(word + len, sizeof(word) - len, "%s%u-%u", i ? "," : "",
					 r->vlans[i].lo, r->vlans[i].hi);
		}
		/* a list that does not fit one word is not trusted back */
		append(buf, size, strlen(word) < sizeof(word) - 1 ? word : "vlan=+", &full);
	}
}

static int parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	*v = strtoul(s, &end, 10);
	return *end || *v > max ? -EINVAL : 0;
}

static int parse_vlans(char *s, struct fw_rules *r)
{
	char *tok, *save = NULL, *dash;
	unsigned long lo, hi;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(tok, '-')))
			*dash = '\0';
		if (parse_num(tok, HP_VLAN_MAX, &lo) ||
		    parse_num(dash ? dash + 1 : tok, HP_VLAN_MAX, &hi) || !lo || hi < lo ||
		    r->nvlans >= FW_MAX_VLAN_RANGES)
			return -EINVAL;
		r->vlans[r->nvlans].lo = (unsigned short)lo;
		r->vlans[r->nvlans].hi = (unsigned short)hi;
		r->nvlans++;
	}
	return 0;
}

static int parse_token(char *tok, struct fw_rules *r)
{
	unsigned long v;

	if (!strcmp(tok, "mac=any")) {
		r->has_mac = 0;
		return 0;
	}
	if (!strncmp(tok, "mac=", 4)) {
		r->has_mac = 1;
		return hp_parse_mac(tok + 4, r->mac, 0) ? -EINVAL : 0;
	}
	if (!strcmp(tok, "p2p"))
		return (r->p2p = 1, r->family = HP_FW_INET, 0);
	if (!strcmp(tok, "br"))
		return (r->br = 1, r->family = HP_FW_BRIDGE, 0);
	if (!strcmp(tok, "lldp"))
		return (r->lldp = 1, 0);
	if (!strcmp(tok, "nofrag"))
		return (r->nofrag = 1, 0);
	if (!strncmp(tok, "log=", 4)) {
		if (parse_num(tok + 4, 65535, &v))
			return -EINVAL;
		r->log_group = (int)v;
		return 0;
	}
	if (!strncmp(tok, "vlan=", 5))
		return parse_vlans(tok + 5, r);
	/* "+" (truncated) and everything else */
	if (r->n >= 64 || hp_parse_prefix(tok, &r->addrs[r->n]))
		return -EINVAL;
	r->n++;
	return 0;
}

int fw_comment_rules(const char *ifname, const char *comment, struct fw_rules *r)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->family = HP_FW_NETDEV;
	r->guarded = 1;
	r->log_group = -1;
	if (strncmp(comment, "mac=", 4) || !(copy = strdup(comment)))
		return -EINVAL;
	if (!(r->addrs = calloc(64, sizeof(*r->addrs)))) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save))
		rc = parse_token(tok, r);
	free(copy);
	if (rc)
		fw_rules_free(r);
	return rc;
}

/* ---- layouts v1 and v2 ------------------------------------------------ */

static int key_is(const struct fw_elem *e, const char *set, uint32_t len, int end)
{
	return e->kind == FW_ELEM && !strcmp(e->set, set) && e->len == len && e->has_end == end;
}

/* The prefix length of an interval [from, to] of alen bytes, or -1. */
static int interval_len(const unsigned char *from, const unsigned char *to, unsigned int alen)
{
	unsigned int b, len = 0;

	for (b = 0; b < alen * 8; b++) {
		unsigned int bit = 0x80u >> (b % 8), f = from[b / 8] & bit, t = to[b / 8] & bit;

		if (f == t && len == b)
			len++;
		else if (f || !t)
			return -1; /* not a prefix: a host bit set, or a hole */
	}
	return (int)len;
}

int fw_rules_from_old(const char *ifname, enum hp_fw_family family, const struct fw_elems *old,
		      struct fw_rules *r)
{
	unsigned char ll[16];
	size_t i;
	int guarded = 0, len;

	memset(r, 0, sizeof(*r));
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->family = family;
	r->guarded = 1;
	r->log_group = -1;
	r->p2p = family == HP_FW_INET;
	r->br = family == HP_FW_BRIDGE;
	if (!(r->addrs = calloc(64, sizeof(*r->addrs))))
		return -ENOMEM;
	for (i = 0; i < old->n; i++) {
		const struct fw_elem *e = &old->v[i];

		if (key_is(e, "guarded", FW_IFLEN, 0))
			guarded = 1;
		if (key_is(e, "macs", MAC_KEYLEN, 0)) {
			r->has_mac = 1;
			memcpy(r->mac, e->key + FW_IFLEN, 6);
		}
	}
	for (i = 0; i < old->n && r->n < 64; i++) {
		const struct fw_elem *e = &old->v[i];
		struct hp_prefix *p = &r->addrs[r->n];
		int v4 =
			key_is(e, "addrs4", FW_IFLEN + 4, 0) || key_is(e, "nets4", FW_IFLEN + 4, 1);
		int v6 = key_is(e, "addrs6", FW_IFLEN + 16, 0) ||
			 key_is(e, "nets6", FW_IFLEN + 16, 1);
		unsigned int alen = v4 ? 4 : 16;

		if (!v4 && !v6)
			continue;
		memset(p, 0, sizeof(*p));
		p->family = v4 ? AF_INET : AF_INET6;
		memcpy(p->addr, e->key + FW_IFLEN, alen);
		len = e->has_end ? interval_len(e->key + FW_IFLEN, e->key_end + FW_IFLEN, alen) :
				   (int)alen * 8;
		if (len < 0)
			continue;
		p->len = (unsigned char)len;
		if (r->has_mac && v6 && !e->has_end) {
			fw_mac_linklocal(r->mac, ll);
			if (!memcmp(ll, p->addr, 16))
				continue;
		}
		r->n++;
	}
	if (!guarded) {
		fw_rules_free(r);
		return -EINVAL;
	}
	return 0;
}
