/* The guard read back (hp/fw.h): one vif's guard as the kernel has it,
 * its drop counters, whether what the guard step installs is all there,
 * and every name the tables hold state for.  Reads only, over the same
 * nf_tables netlink (fw-nl.c) and the same item builder (fw-elems.c) as
 * the updates in fw-nft.c, so that "what online installs" has one
 * definition.  Since layout v3 every guarded vif is in table netdev,
 * whatever its kind (the kind is a word of its `guarded` comment: "br",
 * "p2p"); a bridged vif's name is also in table bridge's guarded set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "fw-elems.h"
#include "fw-netdev.h"
#include "fw-nl.h"
#include "fw-priv.h"
#include "fw-rules.h"
#include "fw-table.h"
#include "hp/log.h"

const char *hp_fw_family_name(enum hp_fw_family family)
{
	return family == HP_FW_BRIDGE ? "bridge" : family == HP_FW_INET ? "inet" : "netdev";
}

/* The kind a `guarded` comment's words say (fw-elems.c). */
static enum hp_fw_family kind_of(const char *comment)
{
	char copy[FW_COMMENT_MAX], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", comment ? comment : "");
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "br"))
			return HP_FW_BRIDGE;
		if (!strcmp(tok, "p2p"))
			return HP_FW_INET;
	}
	return HP_FW_NETDEV;
}

/* ---- one vif ------------------------------------------------------------ */

struct lookup {
	const struct fw_elem *want; /* NULL: any element (the comment is kept) */
	int found;
	char *comment;
	size_t size;
};

static int lookup_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
		     const char *comment, void *data)
{
	struct lookup *lk = data;
	const struct fw_elem *e = lk->want;

	if (e && (len != e->len || memcmp(key, e->key, len) || !!key_end != !!e->has_end ||
		  (key_end && memcmp(key_end, e->key_end, len))))
		return 0;
	lk->found = 1;
	if (lk->comment)
		snprintf(lk->comment, lk->size, "%s", comment ? comment : "");
	return 0;
}

static int lookup_counter_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	((struct lookup *)data)->found = 1;
	return 0;
}

struct drop {
	struct hp_fw_guard_info *info;
	unsigned int reason;
};

static int drop_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	struct drop *d = data;
	struct hp_fw_drops *x;

	if (d->info->ndrops >= HP_FW_MAX_REASONS)
		return 0;
	x = &d->info->drops[d->info->ndrops++];
	snprintf(x->reason, sizeof(x->reason), "%s", hp_fw_reason_name(d->reason));
	x->packets = packets;
	x->bytes = bytes;
	return 0;
}

/* Its counters, one lookup each, in the reasons' order (hp/fw.h). */
static int drops(struct fw_nl *nl, const char *ifname, struct hp_fw_guard_info *info)
{
	struct drop d = { .info = info };
	char name[FW_NAME_MAX];
	int rc = 0;

	for (d.reason = 0; !rc && d.reason < HP_FW_NREASONS; d.reason++)
		if (!(rc = hp_fw_counter_name(ifname, d.reason, name, sizeof(name))))
			rc = fw_nl_counters(nl, name, drop_cb, &d);
	return rc;
}

/* Table netdev is ours and of this layout: 1, 0 when absent; -errno, or
 * -EPROTO for a layout this version does not know.  A table of an older
 * layout is migrated here, as by any tool (fw-table.c). */
static int current_table(struct fw_nl *nl)
{
	enum fw_table_state state;
	int rc = fw_table_ready(nl, 0, 0, &state);

	return rc ? rc : state == FW_TABLE_CURRENT;
}

int hp_fw_guard_info(const char *ifname, enum hp_fw_family family, struct hp_fw_guard_info *info)
{
	unsigned char key[FW_IFLEN];
	struct lookup lk = { .comment = info->rules, .size = sizeof(info->rules) };
	struct fw_rules r;
	struct fw_nl nl;
	int rc;

	memset(info, 0, sizeof(*info));
	info->family = family;
	if (!ifname || hp_parse_ifname(ifname) || !fw_family_valid(family))
		return -EINVAL;
	if ((rc = fw_nl_open(&nl)))
		return rc == -EPROTONOSUPPORT ? 0 : rc; /* no nf_tables: no guard */
	if ((rc = current_table(&nl)) <= 0)
		goto out;
	info->table = 1;
	fw_key_ifname(key, ifname);
	if ((rc = fw_nl_set_elems(&nl, FW_T_NETDEV, "guarded", key, FW_IFLEN, lookup_cb, &lk)) ||
	    (rc = fw_netdev_chain_get(&nl, ifname, &info->chain)) ||
	    (rc = drops(&nl, ifname, info)))
		goto out;
	info->installed = lk.found;
	info->has_counters = 1; /* this layout counts: ndrops 0, none installed */
	if (lk.found && !fw_comment_rules(ifname, info->rules, &r)) {
		if (r.log_group >= 0)
			snprintf(
				info->log, sizeof(info->log),
				"nflog group %d (tcpdump -i nflog:%d, ulogd), prefix \"" FW_LOG_PREFIX
				"\"",
				r.log_group, r.log_group);
		fw_rules_free(&r);
	}
out:
	fw_nl_close(&nl);
	return rc;
}

static void say(char *found, size_t fsize, const char *what, const char *name)
{
	size_t len = strlen(found);

	if (len + strlen(what) + strlen(name) + 8 < fsize)
		snprintf(found + len, fsize - len, "%s%s%s", len ? "; " : "", what, name);
}

/* What is missing of l in the tables, into found; the number missing. */
static int missing(struct fw_nl *nl, const struct fw_elems *l, const char *want_comment,
		   char *found, size_t fsize, int *err)
{
	char comment[FW_COMMENT_MAX], what[96];
	size_t i;
	int nmiss = 0;

	*err = 0;
	found[0] = '\0';
	for (i = 0; i < l->n; i++) {
		const struct fw_elem *e = &l->v[i];
		struct lookup lk = { .want = e, .comment = comment, .size = sizeof(comment) };
		int guarded =
			e->kind == FW_ELEM && !strcmp(e->set, "guarded") && e->table == FW_T_NETDEV;

		comment[0] = '\0';
		if (e->kind == FW_COUNTER)
			*err = fw_nl_counters(nl, e->data, lookup_counter_cb, &lk);
		else
			*err = fw_nl_set_elems(nl, e->table, e->set, e->key, e->len, lookup_cb,
					       &lk);
		if (*err)
			return 0;
		if (lk.found && (!guarded || !strcmp(comment, want_comment)))
			continue;
		nmiss++;
		if (lk.found) { /* the `guarded` element says another guard was installed */
			say(found, fsize, "guarded for ", comment);
		} else if (e->kind == FW_COUNTER) {
			say(found, fsize, "no counter ", e->data);
		} else {
			snprintf(what, sizeof(what), "no element in set %s %s ",
				 fw_table_family(e->table), e->set);
			say(found, fsize, what, "for the vif");
		}
	}
	return nmiss;
}

int hp_fw_guard_verify(const struct hp_guard *g, char *expected, size_t esize, char *found,
		       size_t fsize)
{
	char comment[FW_COMMENT_MAX], tc[FW_COMMENT_MAX];
	struct fw_elems *l = NULL;
	struct fw_rules r;
	struct fw_nl nl;
	int rc, table, nmiss = 0, chain = 1;

	expected[0] = found[0] = '\0';
	if ((rc = hp_fw_filters()) != 1)
		return rc;
	if ((rc = fw_rules_build(g, fw_guard_conf(), &r)))
		return rc;
	if (!r.guarded) {
		fw_rules_free(&r);
		return 0;
	}
	fw_rules_comment(&r, comment, sizeof(comment));
	snprintf(expected, esize, "'%s' in table netdev " FW_TABLE ", chain in_%s", comment,
		 g->ifname);
	if (!(l = malloc(sizeof(*l))))
		goto free;
	l->n = 0;
	if ((rc = fw_elems_build(&r, comment, l)) || (rc = fw_nl_open(&nl)))
		goto free;
	if ((rc = fw_nl_table_comment(&nl, FW_T_NETDEV, &table, tc, sizeof(tc))))
		goto close;
	rc = current_table(&nl);
	if (!rc || rc == -EPROTO) { /* absent, or not migrated, or unknown */
		snprintf(found, fsize, "%s",
			 table ? "table netdev " FW_TABLE " of a layout this version does not use" :
				 "no table netdev " FW_TABLE);
		rc = 1;
		goto close;
	}
	if (rc < 0)
		goto close;
	nmiss = missing(&nl, l, comment, found, fsize, &rc);
	if (!rc)
		rc = fw_netdev_chain_get(&nl, g->ifname, &chain);
	if (!rc && !chain)
		say(found, fsize, "no chain in_", g->ifname);
	if (!rc && (nmiss || !chain))
		rc = 1;
close:
	fw_nl_close(&nl);
free:
	if (!l && !rc)
		rc = -ENOMEM;
	free(l);
	fw_rules_free(&r);
	return rc;
}

/* ---- every name ------------------------------------------------------------ */

/* Every entry that carries a name, in the order read: a name's first
 * entry (its `guarded` element when it has one) gives its kind. */
struct name {
	char name[FW_IFLEN];
	size_t order;
	enum hp_fw_family kind;
};

struct names {
	struct name *v;
	size_t n, cap;
	int rc;
};

static void name_add(struct names *ns, const char *name, size_t len, enum hp_fw_family kind)
{
	struct name *nv;

	if (ns->rc || !len || len >= FW_IFLEN)
		return;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 64;

		if (!(nv = realloc(ns->v, cap * sizeof(*nv)))) {
			ns->rc = -ENOMEM;
			return;
		}
		ns->v = nv;
		ns->cap = cap;
	}
	memcpy(ns->v[ns->n].name, name, len);
	ns->v[ns->n].name[len] = '\0';
	ns->v[ns->n].order = ns->n;
	ns->v[ns->n].kind = kind;
	ns->n++;
}

/* A `guarded` element: its name and kind (first, so that it decides). */
static int guarded_name_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			   const char *comment, void *data)
{
	(void)key_end;
	if (len >= FW_IFLEN)
		name_add(data, (const char *)key, strnlen((const char *)key, FW_IFLEN - 1),
			 kind_of(comment));
	return 0;
}

/* Table bridge's guarded set: bridge ports. */
static int bridge_name_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			  const char *comment, void *data)
{
	(void)key_end;
	(void)comment;
	if (len >= FW_IFLEN)
		name_add(data, (const char *)key, strnlen((const char *)key, FW_IFLEN - 1),
			 HP_FW_BRIDGE);
	return 0;
}

/* Any other element: a name whose kind its `guarded` element, if any, says. */
static int elem_name_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			const char *comment, void *data)
{
	(void)key_end;
	(void)comment;
	if (len >= FW_IFLEN)
		name_add(data, (const char *)key, strnlen((const char *)key, FW_IFLEN - 1),
			 HP_FW_NETDEV);
	return 0;
}

static int counter_name_cb(const char *name, uint64_t packets, uint64_t bytes, void *data)
{
	char ifname[HP_IFNAMSIZ];
	unsigned int reason;

	if (!hp_fw_counter_parse(name, ifname, &reason))
		name_add(data, ifname, strlen(ifname), HP_FW_NETDEV);
	return 0;
}

static int chain_name_cb(const char *name, void *data)
{
	size_t n = strlen(FW_NETDEV_CHAIN_PREFIX);

	if (!strncmp(name, FW_NETDEV_CHAIN_PREFIX, n))
		name_add(data, name + n, strlen(name + n), HP_FW_NETDEV);
	return 0;
}

static int chains(struct fw_nl *nl, struct names *ns)
{
	int rc = fw_nl_names(nl, FW_T_NETDEV, 0, chain_name_cb, ns);

	return rc == -ENOENT ? 0 : rc;
}

/* by name, then in the order read */
static int cmp_name(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

int hp_fw_guard_names(enum hp_fw_family family, int (*cb)(const char *ifname, void *data),
		      void *data)
{
	struct names ns = { 0 };
	struct fw_nl nl;
	size_t i;
	int rc;

	if (!fw_family_valid(family))
		return -EINVAL;
	if ((rc = fw_nl_open(&nl)))
		return rc == -EPROTONOSUPPORT ? 0 : rc;
	if ((rc = current_table(&nl)) <= 0)
		goto out;
	/* `guarded` first (fw_elem_sets[0]): its comment gives a name's kind */
	rc = fw_nl_set_elems(&nl, FW_T_NETDEV, fw_elem_sets[0], NULL, 0, guarded_name_cb, &ns);
	for (i = 1; !rc && i < fw_elem_nsets; i++)
		rc = fw_nl_set_elems(&nl, FW_T_NETDEV, fw_elem_sets[i], NULL, 0, elem_name_cb, &ns);
	if (!rc && family == HP_FW_BRIDGE)
		rc = fw_nl_set_elems(&nl, FW_T_BRIDGE, "guarded", NULL, 0, bridge_name_cb, &ns);
	if (!rc)
		rc = fw_nl_counters(&nl, NULL, counter_name_cb, &ns);
	if (!rc)
		rc = chains(&nl, &ns);
	if (!rc)
		rc = ns.rc;
	if (rc || !ns.n)
		goto out;
	/* each name once, in name order, under the kind of its first entry
	 * (its `guarded` element's when it has one; bare state counts as an
	 * Open vSwitch port's, the netdev table's own family) */
	qsort(ns.v, ns.n, sizeof(*ns.v), cmp_name);
	for (i = 0; i < ns.n && !rc; i++)
		if ((!i || strcmp(ns.v[i].name, ns.v[i - 1].name)) && ns.v[i].kind == family)
			rc = cb(ns.v[i].name, data);
out:
	free(ns.v);
	fw_nl_close(&nl);
	return rc;
}
