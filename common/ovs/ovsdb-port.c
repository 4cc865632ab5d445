/* A vif's port in Open vSwitch's database: the transactions of ovsdb.h
 * that read, make, put back and remove it.  The tables and columns are
 * vswitch.ovsschema's (Bridge, Port, Interface), unchanged since OVS 2.x
 * for what is used here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsdb-priv.h"

/* Guards: each fails the transaction at once unless the database still
 * is as the caller saw it (RFC 7047 5.2.6, "wait" with timeout 0). */
static int wait_no_port(struct hp_ovs_txn *t, const char *name)
{
	return hp_ovs_op(t,
			 "{'op':'wait','table':'Port','where':[['name','==',%s]],"
			 "'columns':['name'],'until':'==','rows':[],'timeout':0}",
			 name);
}

static int wait_bridge(struct hp_ovs_txn *t, const char *name)
{
	return hp_ovs_op(t,
			 "{'op':'wait','table':'Bridge','where':[['name','==',%s]],"
			 "'columns':['name'],'until':'==','rows':[{'name':%s}],'timeout':0}",
			 name, name);
}

static int wait_in_bridge(struct hp_ovs_txn *t, const struct hp_ovs_port_state *st)
{
	return hp_ovs_op(t,
			 "{'op':'wait','table':'Bridge','where':[['_uuid','==',['uuid',%s]],"
			 "['ports','includes',['uuid',%s]]],'columns':[],'until':'==',"
			 "'rows':[{}],'timeout':0}",
			 st->bridge_uuid, st->port_uuid);
}

/* The twin still there (a guard, as above); its iface-status and
 * iface-id replaced.  Returns the guard's index, -1 without a twin. */
static int wait_twin(struct hp_ovs_txn *t, const struct hp_ovs_twin *tw)
{
	if (!tw || !tw->uuid)
		return -1;
	return hp_ovs_op(t,
			 "{'op':'wait','table':'Interface','where':[['_uuid','==',['uuid',%s]]],"
			 "'columns':[],'until':'==','rows':[{}],'timeout':0}",
			 tw->uuid);
}

static void set_twin(struct hp_ovs_txn *t, const struct hp_ovs_twin *tw)
{
	if (!tw || !tw->uuid)
		return;
	hp_ovs_op(t,
		  "{'op':'mutate','table':'Interface','where':[['_uuid','==',['uuid',%s]]],"
		  "'mutations':[['external_ids','delete',['set',['iface-status','iface-id']]]",
		  tw->uuid);
	if (tw->status || tw->iface_id) {
		hp_ovs_more(t, ",['external_ids','insert',['map',[");
		if (tw->status)
			hp_ovs_more(t, "['iface-status',%s]", tw->status);
		if (tw->iface_id) /* (%s is a JSON string here: json.h) */
			hp_ovs_more(t, tw->status ? ",['iface-id',%s]" : "['iface-id',%s]",
				    tw->iface_id);
		hp_ovs_more(t, "]]]");
	}
	hp_ovs_more(t, "]}");
}

static void ids_map(struct hp_ovs_txn *t, const struct hp_ovs_port *p)
{
	size_t i;

	hp_ovs_more(t, "['map',[");
	for (i = 0; i < p->nids; i++)
		hp_ovs_more(t, i ? ",[%s,%s]" : "[%s,%s]", p->ids[i].key, p->ids[i].value);
	hp_ovs_more(t, "]]");
}

static void trunks_set(struct hp_ovs_txn *t, const struct hp_ovs_port *p)
{
	size_t i;

	hp_ovs_more(t, "['set',[");
	for (i = 0; i < p->ntrunks; i++)
		hp_ovs_more(t, i ? ",%u" : "%u", p->trunks[i]);
	hp_ovs_more(t, "]]");
}

/* A new Interface and Port of p's name, in bridge p->bridge. */
static void insert_port(struct hp_ovs_txn *t, const struct hp_ovs_port *p)
{
	hp_ovs_op(t,
		  "{'op':'insert','table':'Interface','uuid-name':'iface','row':{'name':%s,"
		  "'external_ids':",
		  p->name);
	ids_map(t, p);
	hp_ovs_more(t, "}}");

	hp_ovs_op(t,
		  "{'op':'insert','table':'Port','uuid-name':'port','row':{'name':%s,"
		  "'interfaces':['named-uuid','iface']",
		  p->name);
	if (p->tag)
		hp_ovs_more(t, ",'tag':%u", p->tag);
	if (p->ntrunks) {
		hp_ovs_more(t, ",'trunks':");
		trunks_set(t, p);
	}
	if (p->vlan_mode)
		hp_ovs_more(t, ",'vlan_mode':%s", p->vlan_mode);
	hp_ovs_more(t, "}}");

	hp_ovs_op(t,
		  "{'op':'mutate','table':'Bridge','where':[['name','==',%s]],"
		  "'mutations':[['ports','insert',['named-uuid','port']]]}",
		  p->bridge);
}

/* The existing port st as p says: every VLAN column written (absent ones
 * cleared); the external_ids replaced as a whole (p->replace_ids), or
 * those given replaced and the others kept (a map insert keeps existing
 * keys: they are deleted first). */
static void update_port(struct hp_ovs_txn *t, const struct hp_ovs_port *p,
			const struct hp_ovs_port_state *st)
{
	size_t i;

	hp_ovs_op(t,
		  "{'op':'update','table':'Port','where':[['_uuid','==',['uuid',%s]]],"
		  "'row':{",
		  st->port_uuid);
	if (p->tag)
		hp_ovs_more(t, "'tag':%u", p->tag);
	else
		hp_ovs_more(t, "'tag':['set',[]]");
	hp_ovs_more(t, ",'trunks':");
	trunks_set(t, p);
	if (p->vlan_mode)
		hp_ovs_more(t, ",'vlan_mode':%s}}", p->vlan_mode);
	else
		hp_ovs_more(t, ",'vlan_mode':['set',[]]}}");

	if (p->replace_ids) {
		hp_ovs_op(t,
			  "{'op':'update','table':'Interface','where':[['_uuid','==',"
			  "['uuid',%s]]],'row':{'external_ids':",
			  st->iface_uuid);
		ids_map(t, p);
		hp_ovs_more(t, "}}");
		return;
	}
	hp_ovs_op(t,
		  "{'op':'mutate','table':'Interface','where':[['_uuid','==',['uuid',%s]]],"
		  "'mutations':[['external_ids','delete',['set',[",
		  st->iface_uuid);
	for (i = 0; i < p->nids; i++)
		hp_ovs_more(t, i ? ",%s" : "%s", p->ids[i].key);
	for (i = 0; i < p->ndel_ids; i++)
		hp_ovs_more(t, i || p->nids ? ",%s" : "%s", p->del_ids[i]);
	hp_ovs_more(t, "]]],['external_ids','insert',");
	ids_map(t, p);
	hp_ovs_more(t, "]]}");
}

/* Port st out of its bridge, its rows deleted (as ovs-vsctl del-port). */
static void remove_port(struct hp_ovs_txn *t, const struct hp_ovs_port_state *st)
{
	hp_ovs_op(t,
		  "{'op':'mutate','table':'Bridge','where':[['_uuid','==',['uuid',%s]]],"
		  "'mutations':[['ports','delete',['uuid',%s]]]}",
		  st->bridge_uuid, st->port_uuid);
	hp_ovs_op(t, "{'op':'delete','table':'Port','where':[['_uuid','==',['uuid',%s]]]}",
		  st->port_uuid);
	hp_ovs_op(t, "{'op':'delete','table':'Interface','where':[['_uuid','==',['uuid',%s]]]}",
		  st->iface_uuid);
}

/* ------------------------------------------------------------ reading */

static int cmp_ushort(const void *a, const void *b)
{
	return (int)*(const unsigned short *)a - (int)*(const unsigned short *)b;
}

/* tag, trunks, vlan_mode: each an optional value, or a set. */
static void read_vlans(yajl_val port, struct hp_ovs_port_state *st)
{
	yajl_val tag = hp_ovs_set_at(hp_json_get(port, "tag"), 0);
	yajl_val trunks = hp_json_get(port, "trunks");
	yajl_val mode = hp_ovs_set_at(hp_json_get(port, "vlan_mode"), 0);
	size_t i, n = hp_ovs_set_len(trunks);

	if (YAJL_IS_INTEGER(tag) && YAJL_GET_INTEGER(tag) > 0 && YAJL_GET_INTEGER(tag) < 4095)
		st->tag = (unsigned int)YAJL_GET_INTEGER(tag);
	for (i = 0; i < n && st->ntrunks < sizeof(st->trunks) / sizeof(st->trunks[0]); i++) {
		yajl_val x = hp_ovs_set_at(trunks, i);

		if (YAJL_IS_INTEGER(x) && YAJL_GET_INTEGER(x) >= 0 && YAJL_GET_INTEGER(x) < 4095)
			st->trunks[st->ntrunks++] = (unsigned short)YAJL_GET_INTEGER(x);
	}
	qsort(st->trunks, st->ntrunks, sizeof(st->trunks[0]), cmp_ushort);
	if (YAJL_IS_STRING(mode))
		hp_ovs_copy(st->vlan_mode, sizeof(st->vlan_mode), YAJL_GET_STRING(mode));
}

/* ["map", [[k, v]...]]: kept when they fit, xen-vm-uuid noted. */
static void read_ids(yajl_val map, struct hp_ovs_port_state *st)
{
	yajl_val ids = hp_json_at(map, 1);
	size_t i;

	for (i = 0; i < hp_json_len(ids); i++) {
		yajl_val kv = hp_json_at(hp_json_at(ids, i), 0),
			 vv = hp_json_at(hp_json_at(ids, i), 1);
		const char *k = YAJL_IS_STRING(kv) ? YAJL_GET_STRING(kv) : NULL;
		const char *val = YAJL_IS_STRING(vv) ? YAJL_GET_STRING(vv) : NULL;

		if (!k || !val)
			continue;
		if (!strcmp(k, "xen-vm-uuid"))
			st->xen = 1;
		if (st->nids == HP_OVS_MAX_IDS || strlen(k) >= HP_OVS_KEYSIZ ||
		    strlen(val) >= HP_OVS_VALSIZ) {
			st->ids_cut = 1;
			continue;
		}
		hp_ovs_copy(st->ids[st->nids].key, HP_OVS_KEYSIZ, k);
		hp_ovs_copy(st->ids[st->nids].value, HP_OVS_VALSIZ, val);
		st->nids++;
	}
}

int hp_ovs_port_get(struct hp_ovsdb *db, const char *name, const char *want,
		    struct hp_ovs_port_state *st)
{
	yajl_val reply = NULL, res, port, iface, ifs, br;
	const char *pu, *iu;
	struct hp_ovs_txn t;
	int rc;

	memset(st, 0, sizeof(*st));
	db->err[0] = '\0';
	hp_ovs_copy(st->name, sizeof(st->name), name);
	hp_ovs_txn_begin(&t);
	hp_ovs_op(&t,
		  "{'op':'select','table':'Port','where':[['name','==',%s]],"
		  "'columns':['_uuid','interfaces','tag','trunks','vlan_mode']}",
		  name);
	hp_ovs_op(&t,
		  "{'op':'select','table':'Interface','where':[['name','==',%s]],"
		  "'columns':['_uuid','external_ids']}",
		  name);
	if (want)
		hp_ovs_op(&t,
			  "{'op':'select','table':'Bridge','where':[['name','==',%s]],"
			  "'columns':['name']}",
			  want);
	if ((rc = hp_ovs_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (hp_ovs_failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	st->want_exists = want && hp_ovs_row(res, 2, 0);
	port = hp_ovs_row(res, 0, 0);
	iface = hp_ovs_row(res, 1, 0);
	if (!port && !iface)
		goto out; /* absent */
	pu = hp_ovs_uuid_of(hp_json_get(port, "_uuid"));
	iu = hp_ovs_uuid_of(hp_json_get(iface, "_uuid"));
	ifs = hp_json_get(port, "interfaces");
	/* ours only when it is one interface of the same name */
	if (!pu || !iu || hp_ovs_set_len(ifs) != 1 || !hp_ovs_uuid_of(hp_ovs_set_at(ifs, 0)) ||
	    strcmp(hp_ovs_uuid_of(hp_ovs_set_at(ifs, 0)), iu)) {
		hp_ovs_copy(db->err, sizeof(db->err),
			    !pu ? "an interface of that name is in another port" :
				  "the port has other interfaces than one of its own name");
		rc = -EBUSY;
		goto out;
	}
	hp_ovs_copy(st->port_uuid, sizeof(st->port_uuid), pu);
	hp_ovs_copy(st->iface_uuid, sizeof(st->iface_uuid), iu);
	read_vlans(port, st);
	read_ids(hp_json_get(iface, "external_ids"), st);
	yajl_tree_free(reply);
	reply = NULL;

	/* which bridge has it: a second look, with the port's uuid */
	hp_ovs_txn_begin(&t);
	hp_ovs_op(&t,
		  "{'op':'select','table':'Bridge','where':[['ports','includes',"
		  "['uuid',%s]]],'columns':['_uuid','name']}",
		  st->port_uuid);
	if ((rc = hp_ovs_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (hp_ovs_failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	br = hp_ovs_row(res, 0, 0);
	if (!hp_ovs_uuid_of(hp_json_get(br, "_uuid")) || !YAJL_IS_STRING(hp_json_get(br, "name"))) {
		/* unreferenced rows are collected at once: it went meanwhile */
		rc = -EAGAIN;
		goto out;
	}
	hp_ovs_copy(st->bridge_uuid, sizeof(st->bridge_uuid),
		    hp_ovs_uuid_of(hp_json_get(br, "_uuid")));
	hp_ovs_copy(st->bridge, sizeof(st->bridge), YAJL_GET_STRING(hp_json_get(br, "name")));
	st->exists = 1;
out:
	yajl_tree_free(reply);
	return rc;
}

int hp_ovs_iface_get(struct hp_ovsdb *db, const char *name, struct hp_ovs_iface_state *st)
{
	yajl_val reply = NULL, res, row, ids, kv, vv;
	struct hp_ovs_txn t;
	const char *k, *u;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	db->err[0] = '\0';
	hp_ovs_txn_begin(&t);
	hp_ovs_op(&t,
		  "{'op':'select','table':'Interface','where':[['name','==',%s]],"
		  "'columns':['_uuid','external_ids']}",
		  name);
	if ((rc = hp_ovs_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (hp_ovs_failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	row = hp_ovs_row(res, 0, 0);
	if (!(u = hp_ovs_uuid_of(hp_json_get(row, "_uuid"))))
		goto out; /* absent */
	st->exists = 1;
	hp_ovs_copy(st->uuid, sizeof(st->uuid), u);
	ids = hp_json_at(hp_json_get(row, "external_ids"), 1);
	for (i = 0; i < hp_json_len(ids); i++) {
		kv = hp_json_at(hp_json_at(ids, i), 0);
		vv = hp_json_at(hp_json_at(ids, i), 1);
		if (!YAJL_IS_STRING(kv) || !YAJL_IS_STRING(vv))
			continue;
		k = YAJL_GET_STRING(kv);
		if (!strcmp(k, "xen-vm-uuid"))
			st->xen = 1;
		if (!strcmp(k, "iface-status")) {
			st->xen = 1;
			hp_ovs_copy(st->status, sizeof(st->status), YAJL_GET_STRING(vv));
		}
		if (!strcmp(k, "iface-id"))
			hp_ovs_copy(st->iface_id, sizeof(st->iface_id), YAJL_GET_STRING(vv));
	}
out:
	yajl_tree_free(reply);
	return rc;
}

/* ------------------------------------------------------------ changes */

int hp_ovs_port_set(struct hp_ovsdb *db, const struct hp_ovs_port *p,
		    const struct hp_ovs_port_state *st, long long *cfg)
{
	int moving = st->exists && strcmp(st->bridge, p->bridge), guard, enodev = -1, cfg_at;
	char comment[192];
	struct hp_ovs_txn t;

	db->err[0] = '\0';
	hp_ovs_txn_begin(&t);
	wait_twin(&t, p->twin);
	if (!st->exists) {
		guard = wait_no_port(&t, p->name);
		enodev = wait_bridge(&t, p->bridge);
		insert_port(&t, p);
	} else if (!moving) {
		guard = wait_in_bridge(&t, st);
		update_port(&t, p, st);
	} else {
		guard = wait_in_bridge(&t, st);
		enodev = wait_bridge(&t, p->bridge);
		remove_port(&t, st);
		insert_port(&t, p);
	}
	set_twin(&t, p->twin);
	snprintf(comment, sizeof(comment), "xen-hotplug: %s port %s in bridge %s",
		 !st->exists ? "add" :
		 moving	     ? "move" :
			       "update",
		 p->name, p->bridge);
	cfg_at = hp_ovs_bump_cfg(&t, comment);
	return hp_ovs_finish(db, &t, guard, enodev, cfg_at, cfg);
}

int hp_ovs_port_del(struct hp_ovsdb *db, const struct hp_ovs_port_state *st,
		    const struct hp_ovs_twin *twin, long long *cfg)
{
	char comment[192];
	struct hp_ovs_txn t;
	int guard, cfg_at;

	db->err[0] = '\0';
	*cfg = 0;
	if (!st->exists)
		return 0;
	hp_ovs_txn_begin(&t);
	wait_twin(&t, twin);
	guard = wait_in_bridge(&t, st);
	remove_port(&t, st);
	set_twin(&t, twin);
	snprintf(comment, sizeof(comment), "xen-hotplug: del-port %s from bridge %s", st->name,
		 st->bridge);
	cfg_at = hp_ovs_bump_cfg(&t, comment);
	return hp_ovs_finish(db, &t, guard, -1, cfg_at, cfg);
}

int hp_ovs_port_same(const struct hp_ovs_port *p, const struct hp_ovs_port_state *st)
{
	size_t i, j;

	if (!st->exists || strcmp(st->bridge, p->bridge) || st->tag != p->tag ||
	    st->ntrunks != p->ntrunks || strcmp(st->vlan_mode, p->vlan_mode ? p->vlan_mode : ""))
		return 0;
	for (i = 0; i < p->ntrunks; i++)
		if (st->trunks[i] != p->trunks[i])
			return 0;
	for (i = 0; i < p->nids; i++) {
		for (j = 0; j < st->nids; j++)
			if (!strcmp(st->ids[j].key, p->ids[i].key))
				break;
		if (j == st->nids || strcmp(st->ids[j].value, p->ids[i].value))
			return 0;
	}
	for (i = 0; i < p->ndel_ids; i++)
		for (j = 0; j < st->nids; j++)
			if (!strcmp(st->ids[j].key, p->del_ids[i]))
				return 0;
	return 1;
}

int hp_ovs_port_restore(struct hp_ovsdb *db, const struct hp_ovs_port_state *was,
			const struct hp_ovs_port_state *now, const struct hp_ovs_twin *twin,
			long long *cfg)
{
	struct hp_ovs_id ids[HP_OVS_MAX_IDS];
	struct hp_ovs_port p = { .name = was->name,
				 .bridge = was->bridge,
				 .tag = was->tag,
				 .trunks = was->trunks,
				 .ntrunks = was->ntrunks,
				 .vlan_mode = *was->vlan_mode ? was->vlan_mode : NULL,
				 .ids = ids,
				 .nids = was->nids,
				 .replace_ids = !was->ids_cut,
				 .twin = twin };
	size_t i;

	if (!was->exists)
		return hp_ovs_port_del(db, now, twin, cfg);
	for (i = 0; i < was->nids; i++)
		ids[i] = (struct hp_ovs_id){ was->ids[i].key, was->ids[i].value };
	return hp_ovs_port_set(db, &p, now, cfg);
}
