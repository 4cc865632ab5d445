/* From layouts v1 and v2 to v3: see fw-migrate.h.
 *
 * The new tables exist already (fw-table.c made them, or refilled an
 * older netdev table's chains in place: transactions that only add).
 * What is left moves the running guests, in one transaction begun with
 * the ruleset's generation, read before anything else: the kernel
 * refuses it (ERESTART) when any other transaction committed meanwhile,
 * so an older tool that added a vif after we read the old tables cannot
 * lose it; we read again.  The transaction:
 *   - for every vif in an old `guarded` set whose device exists: its v3
 *     items and its ingress chain (its rules from the element's comment,
 *     or from the old sets when the comment cannot be read);
 *   - table bridge: every old chain and set flushed and deleted but the
 *     `guarded` set (network-bridge's policy reads it) and the policy's
 *     own chains and sets; a marker set `layout` ("v3");
 *   - table inet: deleted (a port_isolated bridge makes it anew);
 *   - an older netdev table: the marker.
 * Packets see the old guard or the new one, never none. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "fw-migrate.h"
#include "fw-netdev.h"
#include "hp/log.h"

#define OLD_MAX 4096 /* guarded vifs of one host */

struct old_vif {
	char name[HP_IFNAMSIZ];
	enum hp_fw_family family;
	char comment[FW_COMMENT_MAX];
};

struct olds {
	struct old_vif *v;
	size_t n;
	enum fw_table t;
};

static enum hp_fw_family family_of(enum fw_table t)
{
	return t == FW_T_BRIDGE ? HP_FW_BRIDGE : t == FW_T_INET ? HP_FW_INET : HP_FW_NETDEV;
}

static int guarded_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
		      const char *comment, void *data)
{
	struct olds *o = data;
	struct old_vif *v;
	size_t i;

	if (len != FW_IFLEN || !key[0])
		return 0;
	for (i = 0; i < o->n; i++)
		if (!strncmp(o->v[i].name, (const char *)key, FW_IFLEN - 1))
			return 0; /* in two old tables: the first one's rules */
	if (o->n >= OLD_MAX)
		return -E2BIG;
	v = &o->v[o->n++];
	memset(v, 0, sizeof(*v));
	memcpy(v->name, key, FW_IFLEN - 1);
	v->family = family_of(o->t);
	snprintf(v->comment, sizeof(v->comment), "%s", comment ? comment : "");
	return 0;
}

static int in_olds(const struct olds *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].name, name))
			return 1;
	return 0;
}

/* ---- one old vif's rules ------------------------------------------------ */

struct scan {
	enum fw_table t;
	const char *set;
	unsigned char key[FW_IFLEN];
	struct fw_elems *out;
};

static int scan_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
		   const char *comment, void *data)
{
	struct scan *sc = data;
	struct fw_elem e;

	return fw_elem_read(&e, sc->t, sc->set, sc->key, key, len, key_end) ?
		       fw_elems_add(sc->out, &e) :
		       0;
}

/* From the comment; else from what the old sets hold for the name. */
static int old_rules(struct fw_nl *nl, enum fw_table t, const struct old_vif *v,
		     struct fw_elems *tmp, struct fw_rules *r)
{
	static const char *const sets[] = { "guarded", "nomac",	 "macs", "addrs4",
					    "nets4",   "addrs6", "nets6" };
	struct scan sc = { .t = t, .out = tmp };
	size_t i;
	int rc;

	if (!fw_comment_rules(v->name, v->comment, r)) {
		r->family = v->family;
		r->p2p = v->family == HP_FW_INET;
		r->br = v->family == HP_FW_BRIDGE;
		return 0;
	}
	hp_dbg("unusable state '%s' for '%s' in table %s: scanning the sets", v->comment, v->name,
	       fw_table_family(t));
	tmp->n = 0;
	fw_key_ifname(sc.key, v->name);
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		sc.set = sets[i];
		if ((rc = fw_nl_set_elems(nl, t, sc.set, NULL, 0, scan_cb, &sc)))
			return rc;
	}
	return fw_rules_from_old(v->name, v->family, tmp, r);
}

/* Into the batch: a running vif's v3 items and its ingress chain. */
static int move_vif(struct fw_nl *nl, enum fw_table t, const struct old_vif *v,
		    struct fw_elems *items, struct fw_elems *tmp)
{
	char comment[FW_COMMENT_MAX];
	struct fw_rules r;
	size_t i;
	int rc;

	if ((rc = old_rules(nl, t, v, tmp, &r)))
		return rc;
	fw_rules_comment(&r, comment, sizeof(comment));
	items->n = 0;
	rc = fw_elems_build(&r, comment, items);
	fw_rules_free(&r);
	/* adding what is there already (an older netdev table's elements,
	 * the bridge table's guarded element) is no error: NLM_F_EXCL unset */
	for (i = 0; !rc && i < items->n; i++)
		if (items->v[i].kind == FW_COUNTER)
			rc = fw_nl_batch_elem(nl, NFT_MSG_NEWSETELEM, &items->v[i]);
	for (i = 0; !rc && i < items->n; i++)
		if (items->v[i].kind == FW_ELEM)
			rc = fw_nl_batch_elem(nl, NFT_MSG_NEWSETELEM, &items->v[i]);
	return rc ? rc : fw_netdev_batch_add(nl, v->name, 0);
}

/* ---- the old bridge table's chains and sets ----------------------------- */

struct names {
	char (*v)[64];
	size_t n, cap;
};

static int name_cb(const char *name, void *data)
{
	struct names *nm = data;

	if (nm->n < nm->cap)
		snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s", name);
	return 0;
}

/* The chains (sets = 0) or named sets of our table of family t. */
static int list_names(struct fw_nl *nl, enum fw_table t, int sets, struct names *nm)
{
	nm->n = 0;
	return fw_nl_names(nl, t, sets, name_cb, nm);
}

/* network-bridge's policy (fw-bridge-policy.c) and what stays */
static int keep_in_bridge(const char *name)
{
	return !strncmp(name, "strict_", 7) || !strcmp(name, "guarded");
}

static int has_name(const struct names *nm, const char *name)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], name))
			return 1;
	return 0;
}

/* The marker of a table upgraded in place: the set `layout`, anew. */
static int mark(struct fw_nl *nl, enum fw_table t, const struct names *sets)
{
	int rc = 0;

	if (has_name(sets, FW_LAYOUT_SET))
		rc = fw_nl_batch_del(nl, NFT_MSG_DELSET, t, FW_LAYOUT_SET);
	return rc ? rc : fw_nl_batch_marker(nl, t, FW_LAYOUT_SET, FW_VERSION);
}

static int strip_bridge(struct fw_nl *nl, const struct names *chains, const struct names *sets)
{
	size_t i;
	int rc = 0;

	/* flushed first: then no chain holds another by a jump */
	for (i = 0; !rc && i < chains->n; i++)
		if (!keep_in_bridge(chains->v[i]))
			rc = fw_nl_batch_del(nl, NFT_MSG_DELRULE, FW_T_BRIDGE, chains->v[i]);
	for (i = 0; !rc && i < chains->n; i++)
		if (!keep_in_bridge(chains->v[i]))
			rc = fw_nl_batch_del(nl, NFT_MSG_DELCHAIN, FW_T_BRIDGE, chains->v[i]);
	for (i = 0; !rc && i < sets->n; i++)
		if (!keep_in_bridge(sets->v[i]) && strcmp(sets->v[i], FW_LAYOUT_SET))
			rc = fw_nl_batch_del(nl, NFT_MSG_DELSET, FW_T_BRIDGE, sets->v[i]);
	return rc ? rc : mark(nl, FW_T_BRIDGE, sets);
}

/* ---- the transaction -------------------------------------------------- */

struct work {
	struct olds olds[3];
	struct olds v3; /* the names table netdev guards already, when it is not old */
	struct fw_elems items, tmp;
	char chains[256][64], sets[256][64], nsets[256][64];
};

int fw_migrate(struct fw_nl *nl, const enum fw_layout old[3])
{
	static const enum fw_table order[] = { FW_T_NETDEV, FW_T_BRIDGE, FW_T_INET };
	struct names chains, sets, nsets;
	struct work *w;
	uint32_t genid;
	size_t i, j, moved = 0, gone = 0;
	int rc;

	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	chains = (struct names){ .v = w->chains, .cap = 256 };
	sets = (struct names){ .v = w->sets, .cap = 256 };
	nsets = (struct names){ .v = w->nsets, .cap = 256 };
	if ((rc = fw_nl_genid(nl, &genid)))
		goto out;
	/* what the transaction is made from, read after the generation */
	for (i = 0; i < 3; i++) {
		struct olds *o = &w->olds[i];

		o->t = order[i];
		if (old[o->t] != FW_LAYOUT_OLD)
			continue;
		rc = -ENOMEM;
		if (!(o->v = calloc(OLD_MAX, sizeof(*o->v))))
			goto out;
		if ((rc = fw_nl_set_elems(nl, o->t, "guarded", NULL, 0, guarded_cb, o)))
			goto out;
	}
	/* a vif a v3 tool guarded meanwhile (its name is in table netdev's
	 * `guarded`, and a bridged one's in table bridge's too, where an old
	 * vif's is): already where it belongs, not to be moved */
	if (old[FW_T_NETDEV] != FW_LAYOUT_OLD) {
		w->v3.t = FW_T_NETDEV;
		rc = -ENOMEM;
		if (!(w->v3.v = calloc(OLD_MAX, sizeof(*w->v3.v))))
			goto out;
		if ((rc = fw_nl_set_elems(nl, FW_T_NETDEV, "guarded", NULL, 0, guarded_cb,
					  &w->v3)) &&
		    rc != -ENOENT)
			goto out;
		rc = 0;
	}
	if (old[FW_T_BRIDGE] == FW_LAYOUT_OLD && ((rc = list_names(nl, FW_T_BRIDGE, 0, &chains)) ||
						  (rc = list_names(nl, FW_T_BRIDGE, 1, &sets))))
		goto out;
	if (old[FW_T_NETDEV] == FW_LAYOUT_OLD && (rc = list_names(nl, FW_T_NETDEV, 1, &nsets)))
		goto out;
	if ((rc = fw_nl_batch_begin(nl, genid)))
		goto out;
	for (i = 0; !rc && i < 3; i++) {
		const struct olds *o = &w->olds[i];

		for (j = 0; !rc && j < o->n; j++) {
			if (o->t != FW_T_NETDEV && in_olds(&w->v3, o->v[j].name))
				continue;
			if (!if_nametoindex(o->v[j].name)) {
				/* gone without offline: nothing to move, and no
				 * longer a guarded port */
				gone++;
				if (o->t == FW_T_BRIDGE) {
					struct fw_elem e = { .kind = FW_ELEM,
							     .table = FW_T_BRIDGE,
							     .set = "guarded",
							     .len = FW_IFLEN };

					fw_key_ifname(e.key, o->v[j].name);
					rc = fw_nl_batch_elem(nl, NFT_MSG_DELSETELEM, &e);
				}
				continue;
			}
			rc = move_vif(nl, o->t, &o->v[j], &w->items, &w->tmp);
			moved++;
		}
	}
	if (!rc && old[FW_T_BRIDGE] == FW_LAYOUT_OLD)
		rc = strip_bridge(nl, &chains, &sets);
	if (!rc && old[FW_T_INET] == FW_LAYOUT_OLD)
		rc = fw_nl_batch_del(nl, NFT_MSG_DELTABLE, FW_T_INET, NULL);
	if (!rc && old[FW_T_NETDEV] == FW_LAYOUT_OLD)
		rc = mark(nl, FW_T_NETDEV, &nsets);
	if (rc) {
		fw_nl_batch_abort(nl);
		goto out;
	}
	rc = fw_nl_batch_commit(nl);
	if (rc == -ERESTART || rc == -ENOENT || rc == -EEXIST || rc == -EBUSY) {
		hp_dbg("the ruleset changed while the guard's tables were upgraded (%s): again",
		       strerror(-rc));
		rc = -EAGAIN;
	} else if (!rc) {
		nl->deleted = 1;
		hp_info("upgraded the guard's tables to '" FW_VERSION
			"': %zu guarded vif%s moved to "
			"%s own ingress%s",
			moved, moved == 1 ? "" : "s", moved == 1 ? "its" : "their",
			gone ? " (and vifs already gone forgotten)" : "");
	}
out:
	for (i = 0; i < 3; i++)
		free(w->olds[i].v);
	free(w->v3.v);
	free(w);
	return rc;
}
