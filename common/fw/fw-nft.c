/* nftables backend of the anti-spoofing guard: one vif's update.
 *
 * The table (fw-table.c) holds static chains and sets, created once; a
 * vif is a few set elements keyed by its interface name (fw-elems.c), so
 * it costs the same whatever the number of vifs and the chains never
 * change.  An update reads what the kernel holds for the name, then
 * removes what is stale and adds what is new in one atomic batch
 * (fw-nl.c).
 *
 * What was installed is read back from the comment of the vif's `guarded`
 * element: one lookup, not a dump of every vif's elements.  When that is
 * not usable (too long for a comment, edited by hand, a table of an older
 * layout) the sets are dumped and scanned for the name instead.
 *
 * The netdev family (Open vSwitch ports) has one more per-vif object, the
 * vif's ingress chain (fw-netdev.c): made to exist in the batch that adds
 * the elements, deleted, when it is there, in the batch that removes
 * them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netfilter/nf_tables.h>

#include "fw-elems.h"
#include "fw-priv.h"
#include "fw-netdev.h"
#include "fw-table.h"
#include "hp/log.h"

#define FW_RETRIES 8

struct scan {
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
	struct fw_elem *e;

	if (len < FW_IFLEN || len > FW_KEY_MAX || memcmp(key, sc->key, FW_IFLEN))
		return 0;
	if (!sc->found++ && comment)
		snprintf(sc->comment, FW_COMMENT_MAX, "%s", comment);
	if (!sc->out)
		return 0;
	if (sc->out->n >= FW_MAX_ELEMS)
		return -E2BIG;
	e = &sc->out->v[sc->out->n++];
	memset(e, 0, sizeof(*e));
	e->set = sc->set;
	e->len = len;
	memcpy(e->key, key, len);
	if (key_end) {
		e->has_end = 1;
		memcpy(e->key_end, key_end, len);
	}
	return 0;
}

/* What the kernel holds for ifname, into old.  exact: from the `guarded`
 * comment (one lookup); otherwise by dumping every set. */
static int state_read(struct fw_nl *nl, const char *ifname, int exact, struct fw_elems *old,
		      char *comment)
{
	struct scan sc = { .set = "guarded", .comment = comment };
	struct fw_rules r;
	size_t i;
	int rc;

	old->n = 0;
	comment[0] = '\0';
	fw_key_ifname(sc.key, ifname);
	if (exact) {
		if ((rc = fw_nl_set_elems(nl, sc.set, sc.key, FW_IFLEN, scan_cb, &sc)))
			return rc;
		if (!sc.found)
			return 0;
		if (!fw_comment_rules(ifname, nl->family, comment, &r)) {
			rc = fw_elems_build(&r, comment, old);
			fw_rules_free(&r);
			return rc;
		}
		hp_dbg("unusable state '%s' for '%s': scanning the sets", comment, ifname);
	}
	sc.out = old;
	for (i = 0; i < fw_elem_nsets; i++) {
		sc.set = fw_elem_sets[i];
		sc.found = 0;
		if ((rc = fw_nl_set_elems(nl, sc.set, NULL, 0, scan_cb, &sc)))
			return rc;
	}
	return 0;
}

enum chain_op { CHAIN_NONE, CHAIN_SET, CHAIN_DEL };

/* One transaction: remove what old has and new lacks (and the `guarded`
 * element when its comment changes), add new; and the netdev family's
 * vif chain set or deleted. */
static int apply(struct fw_nl *nl, const char *ifname, enum chain_op op, const struct fw_elems *old,
		 const char *old_comment, const struct fw_elems *new, const char *new_comment)
{
	size_t i, ndel = 0;
	int rc;

	if ((rc = fw_nl_batch_begin(nl)))
		return rc;
	if (op == CHAIN_DEL) {
		rc = fw_netdev_batch_del(nl, ifname);
		ndel++;
	}
	for (i = 0; !rc && i < old->n; i++) {
		const struct fw_elem *e = &old->v[i];
		int keep = fw_elems_has(new, e);

		if (keep && !strcmp(e->set, "guarded") && strcmp(old_comment, new_comment))
			keep = 0;
		if (!keep) {
			rc = fw_nl_batch_elem(nl, NFT_MSG_DELSETELEM, e->set, e->key, e->len,
					      e->has_end ? e->key_end : NULL, NULL);
			ndel++;
		}
	}
	for (i = 0; !rc && i < new->n; i++) {
		const struct fw_elem *e = &new->v[i];

		rc = fw_nl_batch_elem(nl, NFT_MSG_NEWSETELEM, e->set, e->key, e->len,
				      e->has_end ? e->key_end : NULL, e->comment);
	}
	if (!rc && op == CHAIN_SET)
		rc = fw_netdev_batch_add(nl, ifname);
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

static void backoff(int attempt)
{
	struct timespec ts = { 0, (long)(1000000L << attempt) }; /* 1, 2, 4.. ms */

	nanosleep(&ts, NULL);
}

static int update(const struct fw_rules *r)
{
	struct fw_elems *old, *new = NULL;
	char new_comment[FW_COMMENT_MAX] = "", old_comment[FW_COMMENT_MAX];
	enum fw_table_state state = FW_TABLE_ABSENT;
	struct fw_nl nl;
	enum chain_op op = CHAIN_NONE;
	int rc, attempt, exact = 1, chain = 0;

	if ((rc = fw_nl_open(&nl, r->family))) {
		if (!r->guarded) {
			hp_dbg("no nf_tables netlink (%s): nothing to remove", strerror(-rc));
			return 0;
		}
		hp_dbg("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = -ENOMEM;
	if (!(old = calloc(1, sizeof(*old))) || !(new = calloc(1, sizeof(*new))))
		goto out;
	if (r->guarded) {
		fw_rules_comment(r, new_comment, sizeof(new_comment));
		if ((rc = fw_elems_build(r, new_comment, new)))
			goto out;
	}
	for (attempt = 0; attempt < FW_RETRIES; attempt++) {
		if ((rc = fw_table_ready(&nl, r->guarded, &state)) || state == FW_TABLE_ABSENT)
			break;
		/* an older layout that could not be upgraded: remove by name */
		if (state == FW_TABLE_OLD)
			exact = 0;
		if ((rc = state_read(&nl, r->ifname, exact, old, old_comment)))
			break;
		if (r->family == HP_FW_NETDEV) {
			if ((rc = fw_netdev_chain_get(&nl, r->ifname, &chain)))
				break;
			op = r->guarded ? CHAIN_SET : chain ? CHAIN_DEL : CHAIN_NONE;
		}
		rc = apply(&nl, r->ifname, op, old, old_comment, new, new_comment);
		if (!rc)
			break;
		if (transient(rc)) {
			backoff(attempt);
		} else if (exact && (rc == -ENOENT || rc == -EEXIST || rc == -ENOTEMPTY)) {
			/* The comment did not match the sets: look at the sets. */
			hp_dbg("state of '%s' out of step (%s): rescanning", r->ifname,
			       strerror(-rc));
			exact = 0;
		} else {
			break;
		}
	}
	/* the caller reports the failure; the table is for the debug log */
	if (rc)
		hp_dbg("unable to %s the guard of '%s' in table %s " FW_TABLE ": %s",
		       r->guarded ? "install" : "remove", r->ifname, nl.fname, strerror(-rc));
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

	if ((rc = fw_nl_open(&nl, family))) {
		hp_err("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = fw_table_ready(&nl, 1, &state);
	fw_nl_close(&nl);
	return rc;
}

int fw_nft_del(const char *ifname, enum hp_fw_family family)
{
	struct fw_rules r = { .family = family };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	return update(&r);
}
