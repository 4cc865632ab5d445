/* The guard read back (hp/fw.h): one vif's guard as the kernel has it,
 * whether what the guard step installs is all there, and every name the
 * tables hold state for.  Reads only, over the same nf_tables netlink
 * (fw-nl.c) and the same element builder (fw-elems.c) as the updates in
 * fw-nft.c, so that "what online installs" has one definition.
 *
 * Drop counters: the current layout (v2, guard-*.nft) counts nothing per
 * vif, so hp_fw_guard_info() leaves has_counters at 0; the layout that
 * counts drops per vif and reason fills struct hp_fw_guard_info's drops
 * here, and xen-hotplug shows them without a change of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>

#include "fw-elems.h"
#include "fw-netdev.h"
#include "fw-nl.h"
#include "fw-rules.h"
#include "fw-table.h"
#include "hp/log.h"

const char *hp_fw_family_name(enum hp_fw_family family)
{
	return family == HP_FW_BRIDGE ? "bridge" : family == HP_FW_INET ? "inet" : "netdev";
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

int hp_fw_guard_info(const char *ifname, enum hp_fw_family family, struct hp_fw_guard_info *info)
{
	unsigned char key[FW_IFLEN];
	char comment[FW_COMMENT_MAX];
	struct lookup lk = { .comment = info->rules, .size = sizeof(info->rules) };
	struct fw_nl nl;
	int rc;

	memset(info, 0, sizeof(*info));
	info->family = family;
	if (!ifname || hp_parse_ifname(ifname) || !fw_family_valid(family))
		return -EINVAL;
	if ((rc = fw_nl_open(&nl, family)))
		return rc == -EPROTONOSUPPORT ? 0 : rc; /* no nf_tables: no guard */
	if ((rc = fw_nl_table_comment(&nl, &info->table, comment, sizeof(comment))) || !info->table)
		goto out;
	fw_key_ifname(key, ifname);
	if ((rc = fw_nl_set_elems(&nl, "guarded", key, FW_IFLEN, lookup_cb, &lk)))
		goto out;
	info->installed = lk.found;
	if (family == HP_FW_NETDEV)
		rc = fw_netdev_chain_get(&nl, ifname, &info->chain);
out:
	fw_nl_close(&nl);
	return rc;
}

/* What is missing of l in the table, into found; the number missing. */
static int missing(struct fw_nl *nl, const struct fw_elems *l, const char *want_comment,
		   char *found, size_t fsize, int *err)
{
	char comment[FW_COMMENT_MAX], buf[160];
	size_t i, len;
	int nmiss = 0;

	*err = 0;
	found[0] = '\0';
	for (i = 0; i < l->n; i++) {
		const struct fw_elem *e = &l->v[i];
		struct lookup lk = { .want = e, .comment = comment, .size = sizeof(comment) };

		comment[0] = '\0';
		if ((*err = fw_nl_set_elems(nl, e->set, e->key, e->len, lookup_cb, &lk)))
			return 0;
		if (lk.found && strcmp(e->set, "guarded"))
			continue;
		if (lk.found && !strcmp(comment, want_comment))
			continue;
		nmiss++;
		len = strlen(found);
		if (len + 40 >= fsize)
			continue;
		if (lk.found) /* the `guarded` element says another guard was installed */
			snprintf(found + len, fsize - len, "%sguarded for '%s'", len ? "; " : "",
				 comment);
		else if (!fw_elem_format(e, buf, sizeof(buf)))
			snprintf(found + len, fsize - len, "%sno %s element %s", len ? "; " : "",
				 e->set, buf);
		else
			snprintf(found + len, fsize - len, "%sno %s element", len ? "; " : "",
				 e->set);
	}
	return nmiss;
}

int hp_fw_guard_verify(const struct hp_guard *g, char *expected, size_t esize, char *found,
		       size_t fsize)
{
	char comment[FW_COMMENT_MAX], tc[FW_COMMENT_MAX];
	enum fw_table_state state;
	struct fw_elems *l = NULL;
	struct fw_rules r;
	struct fw_nl nl;
	int rc, strict, table, nmiss = 0, chain = 1;

	expected[0] = found[0] = '\0';
	if ((rc = hp_fw_filters()) != 1 || (strict = hp_fw_guards(0)) < 0)
		return rc < 0 ? rc : 0;
	if ((rc = fw_rules_build(g, strict, &r)))
		return rc;
	if (!r.guarded) {
		fw_rules_free(&r);
		return 0;
	}
	fw_rules_comment(&r, comment, sizeof(comment));
	snprintf(expected, esize, "'%s' in table %s " FW_TABLE "%s%s", comment,
		 hp_fw_family_name(g->family), g->family == HP_FW_NETDEV ? ", chain in_" : "",
		 g->family == HP_FW_NETDEV ? g->ifname : "");
	if (!(l = calloc(1, sizeof(*l))) || (rc = fw_elems_build(&r, comment, l)))
		goto free;
	if ((rc = fw_nl_open(&nl, g->family)))
		goto free;
	if ((rc = fw_nl_table_comment(&nl, &table, tc, sizeof(tc))))
		goto close;
	if (!table) {
		snprintf(found, fsize, "no table %s " FW_TABLE, hp_fw_family_name(g->family));
		rc = 1;
		goto close;
	}
	/* a table of the previous layout is upgraded here, as by any tool */
	if ((rc = fw_table_ready(&nl, 0, &state)) || state != FW_TABLE_CURRENT) {
		snprintf(found, fsize,
			 "table %s " FW_TABLE " of a layout this version does not use",
			 hp_fw_family_name(g->family));
		rc = 1;
		goto close;
	}
	nmiss = missing(&nl, l, comment, found, fsize, &rc);
	if (!rc && g->family == HP_FW_NETDEV)
		rc = fw_netdev_chain_get(&nl, g->ifname, &chain);
	if (!rc && !chain) {
		size_t len = strlen(found);

		snprintf(found + len, fsize - len, "%sno chain in_%s", len ? "; " : "", g->ifname);
	}
	if (!rc && (nmiss || !chain))
		rc = 1;
close:
	fw_nl_close(&nl);
free:
	free(l);
	fw_rules_free(&r);
	return rc;
}

/* ---- every name ------------------------------------------------------------ */

struct names {
	char (*v)[FW_IFLEN];
	size_t n, cap;
	int rc;
};

static void name_add(struct names *ns, const char *name, size_t len)
{
	char(*nv)[FW_IFLEN];

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
	memcpy(ns->v[ns->n], name, len);
	ns->v[ns->n++][len] = '\0';
}

static int elem_name_cb(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			const char *comment, void *data)
{
	(void)key_end;
	(void)comment;
	if (len >= FW_IFLEN)
		name_add(data, (const char *)key, strnlen((const char *)key, FW_IFLEN - 1));
	return 0;
}

static int chain_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *name;

	if (!c)
		return MNL_CB_ERROR;
	if (!nftnl_chain_nlmsg_parse(nlh, c) && (name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) &&
	    !strncmp(name, FW_NETDEV_CHAIN_PREFIX, strlen(FW_NETDEV_CHAIN_PREFIX))) {
		name += strlen(FW_NETDEV_CHAIN_PREFIX);
		name_add(data, name, strlen(name));
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int chains(struct fw_nl *nl, struct names *ns)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETCHAIN, nl->nfproto, NLM_F_DUMP,
				    fw_nl_seq(nl));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	rc = fw_nl_request(nl, nlh, 1, chain_name_cb, ns);
	return rc == -ENOENT ? 0 : rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int hp_fw_guard_names(enum hp_fw_family family, int (*cb)(const char *ifname, void *data),
		      void *data)
{
	struct names ns = { 0 };
	char comment[FW_COMMENT_MAX];
	struct fw_nl nl;
	size_t i;
	int rc, table;

	if (!fw_family_valid(family))
		return -EINVAL;
	if ((rc = fw_nl_open(&nl, family)))
		return rc == -EPROTONOSUPPORT ? 0 : rc;
	if ((rc = fw_nl_table_comment(&nl, &table, comment, sizeof(comment))) || !table)
		goto out;
	for (i = 0; !rc && i < fw_elem_nsets; i++)
		rc = fw_nl_set_elems(&nl, fw_elem_sets[i], NULL, 0, elem_name_cb, &ns);
	if (!rc && family == HP_FW_NETDEV)
		rc = chains(&nl, &ns);
	if (!rc)
		rc = ns.rc;
	if (rc)
		goto out;
	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), cmp_name);
	for (i = 0; i < ns.n && !rc; i++)
		if (!i || strcmp(ns.v[i], ns.v[i - 1]))
			rc = cb(ns.v[i], data);
out:
	free(ns.v);
	fw_nl_close(&nl);
	return rc;
}
