/* nftables backend of the anti-spoofing guard: one vif's update.
 *
 * The tables (fw-table.c) hold static chains and sets, created once; a
 * vif is a few set elements keyed by its interface name, its drop
 * counters (fw-elems.c) and its ingress chain (fw-netdev.c), so it costs
 * the same whatever the number of vifs and the shared chains never
 * change.  An update reads what the kernel holds for the name, then
 * removes what is stale and adds what is new in one atomic batch
 * (fw-nl.c), the vif's chain made to exist or deleted in it too.
 *
 * What was installed is read back from the comment of the vif's `guarded`
 * element: one lookup, not a dump of every vif's elements.  When that is
 * not usable (too long for a comment, edited by hand) the sets are dumped
 * and scanned for the name instead.  Tables of an older layout that could
 * not be migrated (no libnftables) are cleaned by name the same way. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "fw-elems.h"
#include "fw-priv.h"
#include "fw-netdev.h"
#include "fw-table.h"
#include "hp/log.h"

#define FW_RETRIES 8

struct scan {
	enum fw_table t;
	const char *set;
	unsigned char key[FW_IFLEN];
	struct fw_elems *out; /* NULL: only the comment */
	char *comment; /* the first match's, FW_COMMENT_MAX bytes */
	int found;
};

static int scan_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
		   const char *comment, void *data)
{
	struct scan *sc = data;
	struct fw_elem e;

	if (!fw_elem_read(&e, sc->t, sc->set, sc->key, key, len, key_end))
		return 0;
	if (!sc->found++ && comment)
		snprintf(sc->comment, FW_COMMENT_MAX, "%s", comment);
	return sc->out ? fw_elems_add(sc->out, &e) : 0;
}

struct counters_scan {
	char prefix[HP_IFNAMSIZ + 1];
	struct fw_elems *out;
};

static int counter_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	struct counters_scan *cs = data;
	struct fw_elem e = { .kind = FW_COUNTER, .table = FW_T_NETDEV };

	if (strncmp(name, cs->prefix, strlen(cs->prefix)) || strlen(name) >= sizeof(e.data))
		return 0;
	snprintf(e.data, sizeof(e.data), "%s", name);
	return fw_elems_add(cs->out, &e);
}

/* Every set of table t that a vif's name keys, scanned (sets: NULL-ended). */
static int scan_sets(struct fw_nl *nl, enum fw_table t, const char *const *sets, size_t nsets,
		     const char *ifname, struct fw_elems *out, char *comment)
{
	struct scan sc = { .t = t, .out = out, .comment = comment };
	size_t i;
	int rc;

	fw_key_ifname(sc.key, ifname);
	for (i = 0; i < nsets; i++) {
		sc.set = sets[i];
		sc.found = 0;
		if ((rc = fw_nl_set_elems(nl, t, sc.set, NULL, 0, scan_cb, &sc)))
			return rc;
	}
	return 0;
}

/* What the kernel holds for ifname, into old.  exact: from the `guarded`
 * comment (one lookup); otherwise by dumping every set. */
static int state_read(struct fw_nl *nl, const char *ifname, int exact, struct fw_elems *old,
		      char *comment)
{
	static const char *const bridge_sets[] = { "guarded" };
	struct scan sc = { .t = FW_T_NETDEV, .set = "guarded", .comment = comment };
	struct counters_scan cs = { .out = old };
	struct fw_rules r;
	int rc;

	old->n = 0;
	comment[0] = '\0';
	fw_key_ifname(sc.key, ifname);
	if (exact) {
		if ((rc = fw_nl_set_elems(nl, FW_T_NETDEV, sc.set, sc.key, FW_IFLEN, scan_cb, &sc)))
			return rc;
		if (!sc.found)
			return 0;
		if (!fw_comment_rules(ifname, comment, &r)) {
			rc = fw_elems_build(&r, comment, old);
			fw_rules_free(&r);
			return rc;
		}
		hp_dbg("unusable state '%s' for '%s': scanning the sets", comment, ifname);
	}
	if ((rc = scan_sets(nl, FW_T_NETDEV, fw_elem_sets, fw_elem_nsets, ifname, old, comment)) ||
	    (rc = scan_sets(nl, FW_T_BRIDGE, bridge_sets, 1, ifname, old, comment)))
		return rc;
	snprintf(cs.prefix, sizeof(cs.prefix), "%s/", ifname);
	return fw_nl_counters(nl, NULL, counter_cb, &cs);
}

/* Layouts v1 and v2, not migrated (no libnftables): a vif's elements by
 * name, in its old tables, for removal. */
static int state_read_old(struct fw_nl *nl, const char *ifname, struct fw_elems *old, char *comment)
{
	static const char *const v2_sets[] = {
		"guarded", "nomac",  "macs",  "nd_macs",   "addrs4",
		"nets4",   "addrs6", "nets6", "nd_addrs6", "nd_nets6"
	};
	static const enum fw_table tables[] = { FW_T_NETDEV, FW_T_BRIDGE, FW_T_INET };
	enum fw_layout l;
	size_t i;
	int rc;

	old->n = 0;
	for (i = 0; i < 3; i++) {
		if ((rc = fw_table_layout(nl, tables[i], &l)))
			return rc;
		if (l == FW_LAYOUT_OLD &&
		    (rc = scan_sets(nl, tables[i], v2_sets, sizeof(v2_sets) / sizeof(v2_sets[0]),
				    ifname, old, comment)))
			return rc;
	}
	return 0;
}

enum chain_op { CHAIN_NONE, CHAIN_SET, CHAIN_DEL };

struct change {
	const struct fw_rules *r;
	enum chain_op op;
	const struct fw_elems *old, *new;
	const char *old_comment, *new_comment;
	int ifb_index;
};

/* A port_isolated bridge's element: its MAC (padded to 8 bytes), its
 * ifindex twice (iface_index: host order). */
static void hairpin_elem(const struct fw_rules *r, struct fw_elem *e)
{
	uint32_t index = (uint32_t)r->hairpin;

	memset(e, 0, sizeof(*e));
	e->kind = FW_ELEM;
	e->table = FW_T_INET;
	e->set = "hairpin";
	memcpy(e->key, r->hairpin_mac, 6);
	memcpy(e->key + 8, &index, 4);
	memcpy(e->key + 12, &index, 4);
	e->len = 16;
}

static int queue(struct fw_nl *nl, int type, const struct fw_elems *l, enum fw_kind kind,
		 const struct change *c, int del, size_t *n)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < l->n; i++) {
		const struct fw_elem *e = &l->v[i];

		if (e->kind != kind)
			continue;
		if (del) {
			/* kept: in the new state too, and the same comment */
			if (fw_elems_has(c->new, e) &&
			    (e->kind != FW_ELEM || strcmp(e->set, "guarded") ||
			     e->table != FW_T_NETDEV || !strcmp(c->old_comment, c->new_comment)))
				continue;
		}
		rc = fw_nl_batch_elem(nl, type, e);
		(*n)++;
	}
	return rc;
}

/* One transaction: remove what old has and new lacks (and the `guarded`
 * element when its comment changes), add new; the vif's chain set or
 * deleted; a log chain and an isolated bridge's element made to exist. */
static int apply(struct fw_nl *nl, const struct change *c)
{
	struct fw_elem h;
	size_t ndel = 0, nadd = 0;
	int rc;

	if ((rc = fw_nl_batch_begin(nl, 0)))
		return rc;
	if (c->op == CHAIN_DEL) {
		rc = fw_netdev_batch_del(nl, c->r->ifname);
		ndel++;
	}
	/* what names a counter goes before it, what is named after it */
	if (!rc)
		rc = queue(nl, NFT_MSG_DELSETELEM, c->old, FW_ELEM, c, 1, &ndel);
	if (!rc)
		rc = queue(nl, NFT_MSG_DELOBJ, c->old, FW_COUNTER, c, 1, &ndel);
	if (!rc)
		rc = queue(nl, NFT_MSG_NEWOBJ, c->new, FW_COUNTER, c, 0, &nadd);
	if (!rc && c->r->guarded && c->r->log_group >= 0)
		rc = fw_netdev_batch_log(nl, c->r->log_group);
	if (!rc)
		rc = queue(nl, NFT_MSG_NEWSETELEM, c->new, FW_ELEM, c, 0, &nadd);
	if (!rc && c->r->hairpin) {
		hairpin_elem(c->r, &h);
		rc = fw_nl_batch_elem(nl, NFT_MSG_NEWSETELEM, &h);
	}
	if (!rc && c->op == CHAIN_SET)
		rc = fw_netdev_batch_add(nl, c->r->ifname, c->ifb_index);
	if (rc) {
		fw_nl_batch_abort(nl);
		return rc;
	}
	rc = fw_nl_batch_commit(nl);
	if (!rc && ndel)
		nl->deleted = 1;
	return rc;
}

static int transient(int rc)
{
	return rc == -EAGAIN || rc == -EBUSY || rc == -EINTR || rc == -ENOBUFS;
}

static int update(const struct fw_rules *r)
{
	struct fw_elems *old, *new = NULL;
	char new_comment[FW_COMMENT_MAX] = "", old_comment[FW_COMMENT_MAX] = "";
	enum fw_table_state state = FW_TABLE_ABSENT;
	struct change c = { .r = r, .new_comment = new_comment, .old_comment = old_comment };
	struct fw_nl nl;
	int rc, attempt, exact = 1, deep = 0, chain = 0;

	if ((rc = fw_nl_open(&nl))) {
		if (!r->guarded && !r->hairpin) {
			hp_dbg("no nf_tables netlink (%s): nothing to remove", strerror(-rc));
			return 0;
		}
		hp_dbg("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = -ENOMEM;
	/* only v[0..n) is ever read: no need to zero some 50 KiB */
	if (!(old = malloc(sizeof(*old))) || !(new = malloc(sizeof(*new))))
		goto out;
	old->n = new->n = 0;
	c.old = old;
	c.new = new;
	if (r->guarded) {
		fw_rules_comment(r, new_comment, sizeof(new_comment));
		if ((rc = fw_elems_build(r, new_comment, new)))
			goto out;
		if (r->ifb[0] && !(c.ifb_index = (int)if_nametoindex(r->ifb))) {
			rc = -ENODEV;
			hp_dbg("no rate limit's ifb '%s' to hand '%s' to", r->ifb, r->ifname);
			goto out;
		}
	}
	for (attempt = 0; attempt < FW_RETRIES; attempt++) {
		if ((rc = fw_table_ready(&nl, r->guarded, deep, &state)))
			break;
		if (r->hairpin && (rc = fw_table_inet_ready(&nl)))
			break;
		c.op = CHAIN_NONE;
		old->n = 0;
		old_comment[0] = '\0';
		if (state == FW_TABLE_ABSENT && !r->hairpin)
			break; /* nothing of ours, nothing to add */
		if (state == FW_TABLE_OLD) {
			rc = state_read_old(&nl, r->ifname, old, old_comment);
			exact = 0;
		} else if (state == FW_TABLE_CURRENT) {
			rc = state_read(&nl, r->ifname, exact, old, old_comment);
		}
		/* a guard sets its chain whether it is there or not (add chain,
		 * flush chain, add rule); a removal deletes it only if it is */
		if (!rc && state != FW_TABLE_ABSENT) {
			chain = 0;
			if (!r->guarded)
				rc = fw_netdev_chain_get(&nl, r->ifname, &chain);
			c.op = r->guarded ? CHAIN_SET : chain ? CHAIN_DEL : CHAIN_NONE;
		}
		if (!rc)
			rc = apply(&nl, &c);
		if (!rc)
			break;
		if (transient(rc)) {
			fw_nl_backoff(attempt);
		} else if (rc == -ENOENT || rc == -EEXIST || rc == -ENOTEMPTY) {
			/* The comment did not match the sets, or a table went:
			 * look at everything. */
			hp_dbg("state of '%s' out of step (%s): rescanning", r->ifname,
			       strerror(-rc));
			exact = 0;
			deep = 1;
		} else {
			break;
		}
	}
	/* the caller reports the failure; the table is for the debug log */
	if (rc)
		hp_dbg("unable to %s the guard of '%s' in table netdev " FW_TABLE ": %s",
		       r->guarded ? "install" : "remove", r->ifname, strerror(-rc));
	else if (state != FW_TABLE_ABSENT)
		hp_dbg("%s guard of '%s': %s", r->guarded ? "installed" : "removed", r->ifname,
		       r->guarded ? new_comment : "");
out:
	free(old);
	free(new);
	fw_nl_close(&nl);
	return rc;
}

int fw_nft_set(const struct fw_rules *r)
{
	return update(r);
}

int fw_nft_ensure(enum hp_fw_family family)
{
	enum fw_table_state state;
	struct fw_nl nl;
	int rc;

	if ((rc = fw_nl_open(&nl))) {
		hp_err("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = fw_table_ready(&nl, 1, family == HP_FW_BRIDGE, &state);
	fw_nl_close(&nl);
	return rc;
}

int fw_nft_del(const char *ifname, enum hp_fw_family family)
{
	struct fw_rules r = { .family = family, .log_group = -1 };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	return update(&r);
}
