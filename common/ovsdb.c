/* Open vSwitch's database, the few transactions a vif script needs (see
 * ovsdb.h).  The operations are RFC 7047's (section 5.2); the tables and
 * columns are vswitch.ovsschema's (Open_vSwitch, Bridge, Port,
 * Interface), unchanged since OVS 2.x for what is used here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "jsonrpc.h"
#include "log.h"
#include "ovsdb.h"

#define DEFAULT_SOCKET "/var/run/openvswitch/db.sock"
#define DB "Open_vSwitch"

struct hp_ovsdb {
	struct hp_jsonrpc *rpc;
	unsigned int timeout_ms;
	char err[256];
};

int hp_ovsdb_socket(char *buf, size_t size, char *err, size_t errsize)
{
	const char *env = getenv("XEN_HOTPLUG_OVSDB"), *p;
	char conf[256];
	unsigned int line = 0;
	int rc;

	if (env && *env) {
		p = env;
	} else if (!(rc = hp_conf_get("ovsdb_socket", conf, sizeof(conf), &line))) {
		p = conf;
	} else if (rc == -ENOENT) {
		p = DEFAULT_SOCKET;
	} else {
		snprintf(err, errsize, "unable to read ovsdb_socket from %s: %s", hp_conf_path(),
			 strerror(-rc));
		return rc;
	}
	if (!strncmp(p, "unix:", 5))
		p += 5;
	if (*p != '/') {
		if (line)
			snprintf(err, errsize, "invalid ovsdb_socket '%s' (%s line %u): not an "
					       "absolute path or unix:PATH", conf, hp_conf_path(), line);
		else
			snprintf(err, errsize, "invalid XEN_HOTPLUG_OVSDB '%s': not an absolute "
					       "path or unix:PATH", p);
		return -EINVAL;
	}
	if (strlen(p) >= size || strlen(p) >= 108) {
		snprintf(err, errsize, "invalid ovsdb socket path '%s': too long", p);
		return -ENAMETOOLONG;
	}
	memcpy(buf, p, strlen(p) + 1);
	return 0;
}

int hp_ovsdb_open(struct hp_ovsdb **out, const char *path, unsigned int timeout_ms)
{
	struct hp_ovsdb *db = calloc(1, sizeof(*db));
	int rc;

	if (!db)
		return -ENOMEM;
	db->timeout_ms = timeout_ms;
	if ((rc = hp_jsonrpc_open(&db->rpc, path, timeout_ms))) {
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void hp_ovsdb_close(struct hp_ovsdb *db)
{
	if (!db)
		return;
	hp_jsonrpc_close(db->rpc);
	free(db);
}

const char *hp_ovsdb_error(const struct hp_ovsdb *db)
{
	return db->err;
}

int hp_ovs_value_check(const char *s)
{
	return hp_json_utf8_check(s, strlen(s));
}

/* ------------------------------------------------------------ transactions */

/* A transaction is JSON text, ["Open_vSwitch", op...], written from
 * templates (json.h: ' stands for ", %s is a quoted, escaped string). */
struct txn {
	struct hp_json j;
	int n; /* operations written */
};

static void txn_begin(struct txn *t)
{
	memset(t, 0, sizeof(*t));
	hp_json_add(&t->j, "['" DB "'");
}

/* Starts an operation; its index in the result array. */
static int op(struct txn *t, const char *tmpl, ...) __attribute__((format(printf, 2, 3)));
static int op(struct txn *t, const char *tmpl, ...)
{
	va_list ap;

	hp_json_add(&t->j, ",");
	va_start(ap, tmpl);
	hp_json_vadd(&t->j, tmpl, ap);
	va_end(ap);
	return t->n++;
}

/* Goes on with the current operation. */
static void more(struct txn *t, const char *tmpl, ...) __attribute__((format(printf, 2, 3)));
static void more(struct txn *t, const char *tmpl, ...)
{
	va_list ap;

	va_start(ap, tmpl);
	hp_json_vadd(&t->j, tmpl, ap);
	va_end(ap);
}

/* Guards: each fails the transaction at once unless the database still
 * is as the caller saw it (RFC 7047 5.2.6, "wait" with timeout 0). */
static int wait_no_port(struct txn *t, const char *name)
{
	return op(t, "{'op':'wait','table':'Port','where':[['name','==',%s]],'columns':['name'],"
		     "'until':'==','rows':[],'timeout':0}", name);
}

static int wait_bridge(struct txn *t, const char *name)
{
	return op(t, "{'op':'wait','table':'Bridge','where':[['name','==',%s]],'columns':['name'],"
		     "'until':'==','rows':[{'name':%s}],'timeout':0}", name, name);
}

static int wait_in_bridge(struct txn *t, const struct hp_ovs_port_state *st)
{
	return op(t, "{'op':'wait','table':'Bridge','where':[['_uuid','==',['uuid',%s]],"
		     "['ports','includes',['uuid',%s]]],'columns':[],'until':'==','rows':[{}],"
		     "'timeout':0}", st->bridge_uuid, st->port_uuid);
}

/* next_cfg += 1, read back: what hp_ovs_wait waits for.  The comment is
 * what ovsdb-tool show-log shows, as it shows ovs-vsctl's command line. */
static int bump_cfg(struct txn *t, const char *comment)
{
	int i;

	op(t, "{'op':'mutate','table':'" DB "','where':[],'mutations':[['next_cfg','+=',1]]}");
	i = op(t, "{'op':'select','table':'" DB "','where':[],'columns':['next_cfg']}");
	op(t, "{'op':'comment','comment':%s}", comment);
	return i;
}

/* A new Interface and Port of p's name, in bridge p->bridge. */
static void insert_port(struct txn *t, const struct hp_ovs_port *p)
{
	size_t i;

	op(t, "{'op':'insert','table':'Interface','uuid-name':'iface','row':{'name':%s,"
	      "'external_ids':['map',[", p->name);
	for (i = 0; i < p->nids; i++)
		more(t, i ? ",[%s,%s]" : "[%s,%s]", p->ids[i].key, p->ids[i].value);
	more(t, "]]}}");

	op(t, "{'op':'insert','table':'Port','uuid-name':'port','row':{'name':%s,"
	      "'interfaces':['named-uuid','iface']", p->name);
	if (p->tag)
		more(t, ",'tag':%u", p->tag);
	if (p->ntrunks) {
		more(t, ",'trunks':['set',[");
		for (i = 0; i < p->ntrunks; i++)
			more(t, i ? ",%u" : "%u", p->trunks[i]);
		more(t, "]]");
	}
	if (p->vlan_mode)
		more(t, ",'vlan_mode':%s", p->vlan_mode);
	more(t, "}}");

	op(t, "{'op':'mutate','table':'Bridge','where':[['name','==',%s]],"
	      "'mutations':[['ports','insert',['named-uuid','port']]]}", p->bridge);
}

/* The existing port st as p says: every VLAN column written (absent ones
 * cleared), the external_ids given replaced and the others kept (a map
 * insert keeps existing keys: they are deleted first). */
static void update_port(struct txn *t, const struct hp_ovs_port *p,
			const struct hp_ovs_port_state *st)
{
	size_t i;

	op(t, "{'op':'update','table':'Port','where':[['_uuid','==',['uuid',%s]]],'row':{",
	   st->port_uuid);
	if (p->tag)
		more(t, "'tag':%u", p->tag);
	else
		more(t, "'tag':['set',[]]");
	more(t, ",'trunks':['set',[");
	for (i = 0; i < p->ntrunks; i++)
		more(t, i ? ",%u" : "%u", p->trunks[i]);
	more(t, "]]");
	if (p->vlan_mode)
		more(t, ",'vlan_mode':%s}}", p->vlan_mode);
	else
		more(t, ",'vlan_mode':['set',[]]}}");

	op(t, "{'op':'mutate','table':'Interface','where':[['_uuid','==',['uuid',%s]]],"
	      "'mutations':[['external_ids','delete',['set',[", st->iface_uuid);
	for (i = 0; i < p->nids; i++)
		more(t, i ? ",%s" : "%s", p->ids[i].key);
	more(t, "]]],['external_ids','insert',['map',[");
	for (i = 0; i < p->nids; i++)
		more(t, i ? ",[%s,%s]" : "[%s,%s]", p->ids[i].key, p->ids[i].value);
	more(t, "]]]]}");
}

/* Port st out of its bridge, its rows deleted (as ovs-vsctl del-port). */
static void remove_port(struct txn *t, const struct hp_ovs_port_state *st)
{
	op(t, "{'op':'mutate','table':'Bridge','where':[['_uuid','==',['uuid',%s]]],"
	      "'mutations':[['ports','delete',['uuid',%s]]]}", st->bridge_uuid, st->port_uuid);
	op(t, "{'op':'delete','table':'Port','where':[['_uuid','==',['uuid',%s]]]}", st->port_uuid);
	op(t, "{'op':'delete','table':'Interface','where':[['_uuid','==',['uuid',%s]]]}",
	   st->iface_uuid);
}

/* ------------------------------------------------------------ results */

/* ["uuid", "..."] -> the string */
static const char *uuid_of(yajl_val v)
{
	return hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "uuid")
		       ? YAJL_GET_STRING(hp_json_at(v, 1))
		       : NULL;
}

/* An OVSDB set, ["set", [...]] or a lone atom: its elements. */
static size_t set_len(yajl_val v)
{
	if (hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "set"))
		return hp_json_len(hp_json_at(v, 1));
	return v ? 1 : 0;
}

static yajl_val set_at(yajl_val v, size_t i)
{
	if (hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "set"))
		return hp_json_at(hp_json_at(v, 1), i);
	return i == 0 ? v : NULL;
}

/* Row r of the result of operation i (a select). */
static yajl_val row(yajl_val res, int i, size_t r)
{
	return hp_json_at(hp_json_get(hp_json_at(res, (size_t)i), "rows"), r);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Sends the transaction: *res is its result array, inside *reply (the
 * caller frees it).  A JSON-RPC error fails; operations' errors are
 * failed_op()'s. */
static int txn_commit(struct hp_ovsdb *db, struct txn *t, unsigned int timeout_ms,
		      yajl_val *reply, yajl_val *res)
{
	yajl_val e;
	int rc;

	hp_json_add(&t->j, "]");
	if ((rc = t->j.err))
		goto out;
	if (hp_log_debug_enabled())
		hp_dbg("ovsdb: transact %.*s", t->j.len > 2000 ? 2000 : (int)t->j.len, t->j.p);
	if ((rc = hp_jsonrpc_call(db->rpc, "transact", t->j.p, t->j.len, timeout_ms, reply)))
		goto out;
	e = hp_json_get(*reply, "error");
	*res = hp_json_get(*reply, "result");
	if ((e && !YAJL_IS_NULL(e)) || !YAJL_IS_ARRAY(*res)) {
		copy(db->err, sizeof(db->err),
		     YAJL_IS_STRING(e) ? YAJL_GET_STRING(e) : "malformed transact reply");
		yajl_tree_free(*reply);
		*reply = NULL;
		rc = -EPROTO;
	}
out:
	hp_json_free(&t->j);
	return rc;
}

/* The index of the first failed operation (its words into db->err), or
 * -1.  A failed commit is one more result after the operations
 * (RFC 7047 4.1.3). */
static int failed_op(struct hp_ovsdb *db, yajl_val res)
{
	yajl_val e, d;
	size_t i;

	for (i = 0; i < hp_json_len(res); i++) {
		e = hp_json_get(hp_json_at(res, i), "error");
		if (!YAJL_IS_STRING(e))
			continue;
		d = hp_json_get(hp_json_at(res, i), "details");
		snprintf(db->err, sizeof(db->err), "%s%s%s", YAJL_GET_STRING(e),
			 YAJL_IS_STRING(d) ? ": " : "", YAJL_IS_STRING(d) ? YAJL_GET_STRING(d) : "");
		return (int)i;
	}
	return -1;
}

/* Commits t and reads next_cfg from operation cfg_at into *cfg; the
 * failure of operation eagain_at means -EAGAIN, of enodev_at -ENODEV
 * (-1: none), of any other -EIO. */
static int finish(struct hp_ovsdb *db, struct txn *t, int eagain_at, int enodev_at, int cfg_at,
		  long long *cfg)
{
	yajl_val reply = NULL, res, v;
	int rc, bad;

	if ((rc = txn_commit(db, t, db->timeout_ms, &reply, &res)))
		return rc;
	bad = failed_op(db, res);
	if (bad >= 0) {
		rc = bad == eagain_at ? -EAGAIN : bad == enodev_at ? -ENODEV : -EIO;
	} else {
		v = hp_json_get(row(res, cfg_at, 0), "next_cfg");
		if (YAJL_IS_INTEGER(v))
			*cfg = YAJL_GET_INTEGER(v);
		else
			rc = -EPROTO;
	}
	yajl_tree_free(reply);
	return rc;
}

/* ------------------------------------------------------------ the port */

int hp_ovs_port_get(struct hp_ovsdb *db, const char *name, const char *want,
		    struct hp_ovs_port_state *st)
{
	yajl_val reply = NULL, res, port, iface, ifs, ids, br;
	const char *pu, *iu;
	struct txn t;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	db->err[0] = '\0';
	copy(st->name, sizeof(st->name), name);
	txn_begin(&t);
	op(&t, "{'op':'select','table':'Port','where':[['name','==',%s]],"
	       "'columns':['_uuid','interfaces']}", name);
	op(&t, "{'op':'select','table':'Interface','where':[['name','==',%s]],"
	       "'columns':['_uuid','external_ids']}", name);
	if (want)
		op(&t, "{'op':'select','table':'Bridge','where':[['name','==',%s]],"
		       "'columns':['name']}", want);
	if ((rc = txn_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	st->want_exists = want && row(res, 2, 0);
	port = row(res, 0, 0);
	iface = row(res, 1, 0);
	if (!port && !iface)
		goto out; /* absent */
	pu = uuid_of(hp_json_get(port, "_uuid"));
	iu = uuid_of(hp_json_get(iface, "_uuid"));
	ifs = hp_json_get(port, "interfaces");
	/* ours only when it is one interface of the same name */
	if (!pu || !iu || set_len(ifs) != 1 || !uuid_of(set_at(ifs, 0)) ||
	    strcmp(uuid_of(set_at(ifs, 0)), iu)) {
		copy(db->err, sizeof(db->err),
		     !pu ? "an interface of that name is in another port"
			 : "the port has other interfaces than one of its own name");
		rc = -EBUSY;
		goto out;
	}
	copy(st->port_uuid, sizeof(st->port_uuid), pu);
	copy(st->iface_uuid, sizeof(st->iface_uuid), iu);
	ids = hp_json_at(hp_json_get(iface, "external_ids"), 1); /* ["map", [[k, v]...]] */
	for (i = 0; i < hp_json_len(ids); i++)
		if (hp_json_is(hp_json_at(hp_json_at(ids, i), 0), "xen-vm-uuid"))
			st->xen = 1;
	yajl_tree_free(reply);
	reply = NULL;

	/* which bridge has it: a second look, with the port's uuid */
	txn_begin(&t);
	op(&t, "{'op':'select','table':'Bridge','where':[['ports','includes',['uuid',%s]]],"
	       "'columns':['_uuid','name']}", st->port_uuid);
	if ((rc = txn_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	br = row(res, 0, 0);
	if (!uuid_of(hp_json_get(br, "_uuid")) || !YAJL_IS_STRING(hp_json_get(br, "name"))) {
		/* unreferenced rows are collected at once: it went meanwhile */
		rc = -EAGAIN;
		goto out;
	}
	copy(st->bridge_uuid, sizeof(st->bridge_uuid), uuid_of(hp_json_get(br, "_uuid")));
	copy(st->bridge, sizeof(st->bridge), YAJL_GET_STRING(hp_json_get(br, "name")));
	st->exists = 1;
out:
	yajl_tree_free(reply);
	return rc;
}

int hp_ovs_port_set(struct hp_ovsdb *db, const struct hp_ovs_port *p,
		    const struct hp_ovs_port_state *st, long long *cfg)
{
	int moving = st->exists && strcmp(st->bridge, p->bridge), guard, enodev = -1, cfg_at;
	char comment[192];
	struct txn t;

	db->err[0] = '\0';
	txn_begin(&t);
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
	snprintf(comment, sizeof(comment), "xen-hotplug: %s port %s in bridge %s",
		 !st->exists ? "add" : moving ? "move" : "update", p->name, p->bridge);
	cfg_at = bump_cfg(&t, comment);
	return finish(db, &t, guard, enodev, cfg_at, cfg);
}

int hp_ovs_port_del(struct hp_ovsdb *db, const struct hp_ovs_port_state *st, long long *cfg)
{
	char comment[192];
	struct txn t;
	int guard, cfg_at;

	db->err[0] = '\0';
	*cfg = 0;
	if (!st->exists)
		return 0;
	txn_begin(&t);
	guard = wait_in_bridge(&t, st);
	remove_port(&t, st);
	snprintf(comment, sizeof(comment), "xen-hotplug: del-port %s from bridge %s", st->name,
		 st->bridge);
	cfg_at = bump_cfg(&t, comment);
	return finish(db, &t, guard, -1, cfg_at, cfg);
}

int hp_ovs_wait(struct hp_ovsdb *db, long long cfg, unsigned int timeout_ms, const char *iface,
		char *err, size_t errsize)
{
	yajl_val reply = NULL, res, e;
	struct txn t;
	int rc, bad, w, sel = -1;

	db->err[0] = '\0';
	if (err && errsize)
		err[0] = '\0';
	if (!cfg || !timeout_ms)
		return 0;
	txn_begin(&t);
	/* the server holds the transaction until the row matches or the
	 * timeout passes (RFC 7047 5.2.6) */
	w = op(&t, "{'op':'wait','table':'" DB "','where':[['cur_cfg','>=',%lld]],'columns':[],"
		   "'until':'==','rows':[{}],'timeout':%u}", cfg, timeout_ms);
	if (iface)
		sel = op(&t, "{'op':'select','table':'Interface','where':[['name','==',%s]],"
			     "'columns':['error']}", iface);
	if ((rc = txn_commit(db, &t, timeout_ms + db->timeout_ms, &reply, &res)))
		return rc;
	bad = failed_op(db, res);
	if (bad == w) {
		rc = -ETIMEDOUT;
	} else if (bad >= 0) {
		rc = -EIO;
	} else if (sel >= 0 && err) {
		/* a set of at most one string: "text" or ["set", []] */
		e = hp_json_get(row(res, sel, 0), "error");
		if (YAJL_IS_STRING(e))
			snprintf(err, errsize, "%s", YAJL_GET_STRING(e));
	}
	yajl_tree_free(reply);
	return rc;
}
