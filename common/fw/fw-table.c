/* The guard's table: see fw-table.h.
 *
 * The layout is marked by the table's comment.  The kernel cannot change
 * a table's comment, so a table upgraded in place keeps its old one and
 * gets a set `layout` whose comment is the marker instead: only such
 * tables cost one more lookup per tool run.
 *
 * Creation is one transaction that starts with `create table`
 * (NLM_F_EXCL): of two tools racing, one creates, the other fails with
 * EEXIST, looks again and finds it.  An upgrade is one transaction too,
 * and idempotent, so that two tools upgrading at once both succeed: every
 * chain of the new layout is made to exist and flushed, the ruleset is
 * loaded over the table (existing sets and their elements stay), the
 * marker set is added, and so are the elements the new layout needs for
 * each guarded vif, computed from what the old sets hold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw-elems.h"
#include "fw-nftables.h"
#include "fw-table.h"
#include "hp/log.h"

/* Bump when the chains or sets change, and teach fw_table_ready() to
 * upgrade the previous layout. */
#define FW_VERSION "xen-hotplug-ng guard v2"
#define FW_VERSION_V1 "xen-hotplug-ng guard v1"
#define FW_LAYOUT_SET "layout"

/* build/gen/guard-*.nft.h: common/fw/guard-*.nft as C strings, comment lines
 * left out */
static const char ruleset_bridge[] =
#include "guard-bridge.nft.h"
	;
static const char ruleset_inet[] =
#include "guard-inet.nft.h"
	;
static const char ruleset_netdev[] =
#include "guard-netdev.nft.h"
	;

/* The ruleset text of a family, without the `create table` line. */
static const char *ruleset(enum hp_fw_family family)
{
	return family == HP_FW_BRIDGE ? ruleset_bridge :
	       family == HP_FW_INET   ? ruleset_inet :
					ruleset_netdev;
}

static int run(const char *what, const char *text)
{
	struct fw_nftables n;
	char err[256];
	int rc;

	if ((rc = fw_nftables_open(&n, what)))
		return rc;
	rc = fw_nftables_run(&n, text, err, sizeof(err));
	if (rc && rc != -EEXIST)
		hp_err("unable to %s: %s", what, err);
	else if (rc)
		hp_dbg("unable to %s: %s", what, err);
	fw_nftables_close(&n);
	return rc;
}

static int create(struct fw_nl *nl)
{
	char *text, what[64];
	int rc;

	if (asprintf(&text, "create table %s " FW_TABLE " { comment \"" FW_VERSION "\"; }\n%s",
		     nl->fname, ruleset(nl->family)) < 0)
		return -ENOMEM;
	snprintf(what, sizeof(what), "create table %s " FW_TABLE, nl->fname);
	rc = run(what, text);
	if (!rc)
		hp_dbg("created table %s " FW_TABLE, nl->fname);
	free(text);
	return rc;
}

/* ---- upgrade from v1 --------------------------------------------------- */

struct upgrade {
	struct fw_nl *nl;
	const char *set;
	FILE *text;
	struct fw_elems *extra;
	size_t n;
};

static int upgrade_elem(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			const char *comment, void *data)
{
	struct upgrade *u = data;
	struct fw_elem e = { .set = u->set, .len = len, .has_end = key_end != NULL };
	char buf[160];
	size_t i;
	int rc;

	if (len > FW_KEY_MAX)
		return -EPROTO;
	memcpy(e.key, key, len);
	if (key_end)
		memcpy(e.key_end, key_end, len);
	u->extra->n = 0;
	if ((rc = fw_elems_v1_upgrade(u->nl->family, &e, u->extra)))
		return rc;
	for (i = 0; i < u->extra->n; i++) {
		if ((rc = fw_elem_format(&u->extra->v[i], buf, sizeof(buf))))
			return rc;
		fprintf(u->text, "add element %s " FW_TABLE " %s { %s }\n", u->nl->fname,
			u->extra->v[i].set, buf);
		u->n++;
	}
	return 0;
}

/* "add chain F T NAME; flush chain F T NAME" for every chain of the
 * ruleset: whatever the table had in them goes, in the same transaction
 * that fills them again. */
static void flush_chains(struct fw_nl *nl, FILE *f)
{
	const char *s = ruleset(nl->family), *name;
	size_t len;

	for (; *s; s += strcspn(s, "\n"), s += *s == '\n') {
		name = s + strspn(s, " \t");
		if (strncmp(name, "chain ", 6))
			continue;
		name += 6;
		len = strcspn(name, " \t{\n");
		fprintf(f, "add chain %s " FW_TABLE " %.*s\nflush chain %s " FW_TABLE " %.*s\n",
			nl->fname, (int)len, name, nl->fname, (int)len, name);
	}
}

static int upgrade_v1(struct fw_nl *nl)
{
	static const char *const v1_sets[] = { "macs", "addrs6", "nets6" };
	struct upgrade u = { .nl = nl };
	char *text = NULL, what[80];
	size_t size, i;
	int rc = -ENOMEM;

	if (!(u.extra = calloc(1, sizeof(*u.extra))) || !(u.text = open_memstream(&text, &size)))
		goto out;
	flush_chains(nl, u.text);
	fputs(ruleset(nl->family), u.text);
	fprintf(u.text,
		"add set %s " FW_TABLE " " FW_LAYOUT_SET " { type ifname; comment \"" FW_VERSION
		"\"; }\n",
		nl->fname);
	for (i = 0, rc = 0; !rc && i < sizeof(v1_sets) / sizeof(v1_sets[0]); i++) {
		u.set = v1_sets[i];
		rc = fw_nl_set_elems(nl, u.set, NULL, 0, upgrade_elem, &u);
	}
	if (fclose(u.text) && !rc)
		rc = -ENOMEM;
	u.text = NULL;
	if (rc) {
		hp_err("unable to read table %s " FW_TABLE " to upgrade it: %s", nl->fname,
		       strerror(-rc));
		goto out;
	}
	snprintf(what, sizeof(what), "upgrade table %s " FW_TABLE " from '" FW_VERSION_V1 "'",
		 nl->fname);
	if (!(rc = run(what, text)))
		hp_info("upgraded table %s " FW_TABLE " to '" FW_VERSION "' (%zu elements added)",
			nl->fname, u.n);
out:
	if (u.text)
		fclose(u.text);
	free(text);
	free(u.extra);
	return rc;
}

/* ---- the check ------------------------------------------------------- */

int fw_table_ready(struct fw_nl *nl, int create_it, enum fw_table_state *state)
{
	char comment[FW_COMMENT_MAX], layout[FW_COMMENT_MAX];
	int rc, found, crc = 0;

	*state = FW_TABLE_ABSENT;
	if ((rc = fw_nl_table_comment(nl, &found, comment, sizeof(comment))))
		return rc;
	if (!found && create_it) {
		/* -EEXIST: another tool was first, which is fine */
		crc = create(nl);
		if (crc && crc != -EEXIST)
			return crc;
		if ((rc = fw_nl_table_comment(nl, &found, comment, sizeof(comment))))
			return rc;
	}
	if (!found) {
		if (!create_it)
			return 0;
		hp_err("unable to create table %s " FW_TABLE ": %s", nl->fname,
		       strerror(crc ? -crc : ENOENT));
		return crc ? crc : -ENOENT;
	}
	*state = FW_TABLE_CURRENT;
	if (!strcmp(comment, FW_VERSION))
		return 0;
	if ((rc = fw_nl_set_comment(nl, FW_LAYOUT_SET, &found, layout, sizeof(layout))))
		return rc;
	if (found && !strcmp(layout, FW_VERSION))
		return 0;
	if (!found && !strcmp(comment, FW_VERSION_V1)) {
		if (!(rc = upgrade_v1(nl)))
			return 0;
		*state = FW_TABLE_OLD;
		return create_it ? rc : 0;
	}
	*state = FW_TABLE_OLD;
	hp_err("table %s " FW_TABLE " has layout '%s', which this version does not know: remove it "
	       "with 'nft delete table %s " FW_TABLE "' once no guarded vif is up",
	       nl->fname, found ? layout : comment, nl->fname);
	return -EPROTO;
}
