/* The guard's tables: see fw-table.h.
 *
 * The layout is marked by a table's comment.  The kernel cannot change
 * a table's comment, so a table upgraded in place keeps its old one and
 * gets a set `layout` whose comment is the marker instead: only such
 * tables cost one more lookup per tool run.
 *
 * Creation is one transaction that starts with `create table`
 * (NLM_F_EXCL): of two tools racing, one creates, the other fails with
 * EEXIST, looks again and finds it.  The netdev and bridge tables are
 * made together; a tool run looks at the netdev one only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "fw-migrate.h"
#include "fw-nftables.h"
#include "fw-table.h"
#include "hp/log.h"

/* build/gen/guard-*.nft.h: common/fw/guard-*.nft as C strings, comment
 * lines left out */
static const char ruleset_bridge[] =
#include "guard-bridge.nft.h"
	;
static const char ruleset_inet[] =
#include "guard-inet.nft.h"
	;
static const char ruleset_netdev[] =
#include "guard-netdev.nft.h"
	;

#define FW_RETRIES 8

const char *fw_table_ruleset(enum fw_table t)
{
	return t == FW_T_BRIDGE ? ruleset_bridge : t == FW_T_INET ? ruleset_inet : ruleset_netdev;
}

int fw_table_run(const char *what, const char *text)
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

int fw_table_layout(struct fw_nl *nl, enum fw_table t, enum fw_layout *layout)
{
	char comment[FW_COMMENT_MAX], marker[FW_COMMENT_MAX];
	int rc, found;

	*layout = FW_LAYOUT_NONE;
	if ((rc = fw_nl_table_comment(nl, t, &found, comment, sizeof(comment))) || !found)
		return rc;
	if (!strcmp(comment, FW_VERSION)) {
		*layout = FW_LAYOUT_CURRENT;
		return 0;
	}
	if ((rc = fw_nl_set_comment(nl, t, FW_LAYOUT_SET, &found, marker, sizeof(marker))))
		return rc;
	if (found)
		*layout = !strcmp(marker, FW_VERSION)	 ? FW_LAYOUT_CURRENT :
			  !strcmp(marker, FW_VERSION_V2) ? FW_LAYOUT_OLD :
							   FW_LAYOUT_UNKNOWN;
	else
		*layout = !strcmp(comment, FW_VERSION_V2) || !strcmp(comment, FW_VERSION_V1) ?
				  FW_LAYOUT_OLD :
				  FW_LAYOUT_UNKNOWN;
	if (*layout == FW_LAYOUT_UNKNOWN)
		hp_err("table %s " FW_TABLE " has layout '%s', which this version does not know: "
		       "remove it with 'nft delete table %s " FW_TABLE
		       "' once no guarded vif is up",
		       fw_table_family(t), found ? marker : comment, fw_table_family(t));
	return 0;
}

/* "create table F xen_hotplug { comment V; }" and its ruleset, for each
 * table of the list, in one transaction. */
static int create(const enum fw_table *t, size_t n)
{
	char *text = NULL, what[96] = "create table";
	size_t size, i;
	FILE *f;
	int rc;

	if (!(f = open_memstream(&text, &size)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fprintf(f, "create table %s " FW_TABLE " { comment \"" FW_VERSION "\"; }\n%s",
			fw_table_family(t[i]), fw_table_ruleset(t[i]));
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s %s " FW_TABLE,
			 i ? " and" : "", fw_table_family(t[i]));
	}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	if (!(rc = fw_table_run(what, text)))
		hp_dbg("done: %s", what);
	free(text);
	return rc;
}

/* "add chain F T NAME; flush chain F T NAME" for every chain of the
 * ruleset: whatever the table had in them goes, in the same transaction
 * that fills them again. */
static void flush_chains(enum fw_table t, FILE *f)
{
	const char *s = fw_table_ruleset(t), *name;
	size_t len;

	for (; *s; s += strcspn(s, "\n"), s += *s == '\n') {
		name = s + strspn(s, " \t");
		if (strncmp(name, "chain ", 6))
			continue;
		name += 6;
		len = strcspn(name, " \t{\n");
		fprintf(f, "add chain %s " FW_TABLE " %.*s\nflush chain %s " FW_TABLE " %.*s\n",
			fw_table_family(t), (int)len, name, fw_table_family(t), (int)len, name);
	}
}

/* A map of table netdev that the current ruleset has and v1's and v2's
 * had not: a table that has it was refilled already. */
#define FW_REFILLED_PROBE "c_mac"

/* An older netdev table (Open vSwitch ports, v2) gets the new chains and
 * sets in place, in one transaction that only adds (and refills the
 * shared chains): an older tool still running keeps working, its vifs
 * judged by the new rules.  Its vifs' new elements follow (fw-migrate.c).
 * Once: tools that upgrade at once would otherwise refill it in turn,
 * each refill a transaction that makes the other's migration start again. */
static int refill_netdev(struct fw_nl *nl)
{
	char *text = NULL, probe[FW_COMMENT_MAX];
	size_t size;
	FILE *f;
	int rc, found;

	if ((rc = fw_nl_set_comment(nl, FW_T_NETDEV, FW_REFILLED_PROBE, &found, probe,
				    sizeof(probe))) ||
	    found)
		return rc;
	if (!(f = open_memstream(&text, &size)))
		return -ENOMEM;
	flush_chains(FW_T_NETDEV, f);
	fputs(fw_table_ruleset(FW_T_NETDEV), f);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	rc = fw_table_run("upgrade table netdev " FW_TABLE, text);
	free(text);
	return rc;
}

int fw_table_ready(struct fw_nl *nl, int create_it, int deep, enum fw_table_state *state)
{
	enum fw_layout l[3], old[3];
	enum fw_table todo[2];
	size_t ntodo;
	int rc = 0, attempt = 0, pass, any_old;

	*state = FW_TABLE_ABSENT;
	/* a pass that changed the tables is followed by one that looks at
	 * them: only a pass that another tool's change undid counts as an
	 * attempt */
	for (pass = 0; attempt < FW_RETRIES && pass < 2 * FW_RETRIES; pass++) {
		if ((rc = fw_table_layout(nl, FW_T_NETDEV, &l[FW_T_NETDEV])))
			return rc;
		if (l[FW_T_NETDEV] == FW_LAYOUT_UNKNOWN)
			return -EPROTO;
		if (l[FW_T_NETDEV] == FW_LAYOUT_CURRENT && !deep) {
			*state = FW_TABLE_CURRENT;
			return 0;
		}
		/* the rare path: creation, migration, a table gone by hand */
		if ((rc = fw_table_layout(nl, FW_T_BRIDGE, &l[FW_T_BRIDGE])) ||
		    (rc = fw_table_layout(nl, FW_T_INET, &l[FW_T_INET])))
			return rc;
		if (l[FW_T_BRIDGE] == FW_LAYOUT_UNKNOWN)
			return -EPROTO;
		memcpy(old, l, sizeof(old));
		if (old[FW_T_INET] != FW_LAYOUT_OLD)
			old[FW_T_INET] = FW_LAYOUT_NONE; /* current or unknown: not ours to move */
		any_old = old[FW_T_NETDEV] == FW_LAYOUT_OLD || old[FW_T_BRIDGE] == FW_LAYOUT_OLD ||
			  old[FW_T_INET] == FW_LAYOUT_OLD;
		if (!any_old && l[FW_T_NETDEV] == FW_LAYOUT_CURRENT &&
		    l[FW_T_BRIDGE] == FW_LAYOUT_CURRENT) {
			*state = FW_TABLE_CURRENT;
			return 0;
		}
		if (!any_old && !create_it && l[FW_T_NETDEV] == FW_LAYOUT_NONE)
			return 0; /* nothing of ours: nothing to remove */
		/* the new tables first: what only adds */
		ntodo = 0;
		if (l[FW_T_NETDEV] == FW_LAYOUT_NONE)
			todo[ntodo++] = FW_T_NETDEV;
		if (l[FW_T_BRIDGE] == FW_LAYOUT_NONE)
			todo[ntodo++] = FW_T_BRIDGE;
		/* another tool was first, or changed the ruleset under the
		 * migration: look again, at every table (that tool's new netdev
		 * table says nothing of the older ones it may not have moved) */
		if (ntodo && (rc = create(todo, ntodo)) == -EEXIST) {
			attempt++;
			deep = 1;
			continue;
		}
		if (!rc && l[FW_T_NETDEV] == FW_LAYOUT_OLD)
			rc = refill_netdev(nl);
		/* then the vifs of the older tables, onto their own ingress */
		if (!rc && any_old)
			rc = fw_migrate(nl, old);
		if (rc == -EAGAIN) {
			fw_nl_backoff(attempt++);
			deep = 1;
			continue;
		}
		if (rc) {
			*state = any_old ? FW_TABLE_OLD : FW_TABLE_ABSENT;
			hp_err("unable to %s the guard's tables: %s",
			       any_old ? "upgrade" : "create", strerror(-rc));
			return create_it ? rc : 0;
		}
		deep = 0;
	}
	hp_err("unable to set up the guard's tables: they kept changing");
	return -EBUSY;
}

int fw_table_inet_ready(struct fw_nl *nl)
{
	static const enum fw_table inet = FW_T_INET;
	enum fw_layout l;
	int rc, attempt;

	for (attempt = 0; attempt < FW_RETRIES; attempt++) {
		if ((rc = fw_table_layout(nl, FW_T_INET, &l)))
			return rc;
		if (l == FW_LAYOUT_CURRENT)
			return 0;
		if (l != FW_LAYOUT_NONE) {
			hp_err("unable to keep isolated ports apart through dom0: table inet " FW_TABLE
			       " has an older layout");
			return -EPROTO;
		}
		if ((rc = create(&inet, 1)) && rc != -EEXIST)
			return rc;
	}
	return -EBUSY;
}
