/* Open vSwitch's database (see ovsdb.h): the socket, transactions and
 * their results (RFC 7047, sections 4.1.3 and 5.2), the wait for
 * ovs-vswitchd.  The port's transactions are ovsdb-port.c's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/conf.h"
#include "hp/log.h"
#include "ovsdb-priv.h"

#define DEFAULT_SOCKET "/var/run/openvswitch/db.sock"

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
			snprintf(err, errsize,
				 "invalid ovsdb_socket '%s' (%s line %u): not an "
				 "absolute path or unix:PATH",
				 conf, hp_conf_path(), line);
		else
			snprintf(err, errsize,
				 "invalid XEN_HOTPLUG_OVSDB '%s': not an absolute "
				 "path or unix:PATH",
				 p);
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

void hp_ovs_txn_begin(struct hp_ovs_txn *t)
{
	memset(t, 0, sizeof(*t));
	hp_json_add(&t->j, "['" HP_OVS_DB "'");
}

int hp_ovs_op(struct hp_ovs_txn *t, const char *tmpl, ...)
{
	va_list ap;

	hp_json_add(&t->j, ",");
	va_start(ap, tmpl);
	hp_json_vadd(&t->j, tmpl, ap);
	va_end(ap);
	return t->n++;
}

void hp_ovs_more(struct hp_ovs_txn *t, const char *tmpl, ...)
{
	va_list ap;

	va_start(ap, tmpl);
	hp_json_vadd(&t->j, tmpl, ap);
	va_end(ap);
}

int hp_ovs_bump_cfg(struct hp_ovs_txn *t, const char *comment)
{
	int i;

	hp_ovs_op(t, "{'op':'mutate','table':'" HP_OVS_DB "','where':[],"
		     "'mutations':[['next_cfg','+=',1]]}");
	i = hp_ovs_op(t, "{'op':'select','table':'" HP_OVS_DB "','where':[],"
			 "'columns':['next_cfg']}");
	hp_ovs_op(t, "{'op':'comment','comment':%s}", comment);
	return i;
}

/* ------------------------------------------------------------ results */

const char *hp_ovs_uuid_of(yajl_val v)
{
	return hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "uuid") ?
		       YAJL_GET_STRING(hp_json_at(v, 1)) :
		       NULL;
}

size_t hp_ovs_set_len(yajl_val v)
{
	if (hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "set"))
		return hp_json_len(hp_json_at(v, 1));
	return v ? 1 : 0;
}

yajl_val hp_ovs_set_at(yajl_val v, size_t i)
{
	if (hp_json_len(v) == 2 && hp_json_is(hp_json_at(v, 0), "set"))
		return hp_json_at(hp_json_at(v, 1), i);
	return i == 0 ? v : NULL;
}

yajl_val hp_ovs_row(yajl_val res, int i, size_t r)
{
	return hp_json_at(hp_json_get(hp_json_at(res, (size_t)i), "rows"), r);
}

void hp_ovs_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int hp_ovs_commit(struct hp_ovsdb *db, struct hp_ovs_txn *t, unsigned int timeout_ms,
		  yajl_val *reply, yajl_val *res)
{
	yajl_val e;
	int rc;

	*reply = NULL;
	hp_json_add(&t->j, "]");
	if ((rc = t->j.err))
		goto out;
	/* hp_dbg returns at once when debugging is off */
	hp_dbg("ovsdb: transact %.*s", t->j.len > 2000 ? 2000 : (int)t->j.len, t->j.p);
	if ((rc = hp_jsonrpc_call(db->rpc, "transact", t->j.p, t->j.len, timeout_ms, reply)))
		goto out;
	e = hp_json_get(*reply, "error");
	*res = hp_json_get(*reply, "result");
	if ((e && !YAJL_IS_NULL(e)) || !YAJL_IS_ARRAY(*res)) {
		hp_ovs_copy(db->err, sizeof(db->err),
			    YAJL_IS_STRING(e) ? YAJL_GET_STRING(e) : "malformed transact reply");
		yajl_tree_free(*reply);
		*reply = NULL;
		rc = -EPROTO;
	}
out:
	hp_json_free(&t->j);
	return rc;
}

/* A failed commit is one more result after the operations (RFC 7047
 * 4.1.3). */
int hp_ovs_failed_op(struct hp_ovsdb *db, yajl_val res)
{
	yajl_val e, d;
	size_t i;

	for (i = 0; i < hp_json_len(res); i++) {
		e = hp_json_get(hp_json_at(res, i), "error");
		if (!YAJL_IS_STRING(e))
			continue;
		d = hp_json_get(hp_json_at(res, i), "details");
		snprintf(db->err, sizeof(db->err), "%s%s%s", YAJL_GET_STRING(e),
			 YAJL_IS_STRING(d) ? ": " : "",
			 YAJL_IS_STRING(d) ? YAJL_GET_STRING(d) : "");
		return (int)i;
	}
	return -1;
}

int hp_ovs_finish(struct hp_ovsdb *db, struct hp_ovs_txn *t, int eagain_at, int enodev_at,
		  int cfg_at, long long *cfg)
{
	yajl_val reply = NULL, res, v;
	int rc, bad;

	if ((rc = hp_ovs_commit(db, t, db->timeout_ms, &reply, &res)))
		return rc;
	bad = hp_ovs_failed_op(db, res);
	if (bad >= 0) {
		rc = bad == enodev_at ? -ENODEV : bad <= eagain_at ? -EAGAIN : -EIO;
	} else {
		v = hp_json_get(hp_ovs_row(res, cfg_at, 0), "next_cfg");
		if (YAJL_IS_INTEGER(v))
			*cfg = YAJL_GET_INTEGER(v);
		else
			rc = -EPROTO;
	}
	yajl_tree_free(reply);
	return rc;
}

int hp_ovs_wait(struct hp_ovsdb *db, long long cfg, unsigned int timeout_ms, const char *iface,
		char *err, size_t errsize)
{
	yajl_val reply = NULL, res, e;
	struct hp_ovs_txn t;
	int rc, bad, w, sel = -1;

	db->err[0] = '\0';
	if (err && errsize)
		err[0] = '\0';
	if (!cfg || !timeout_ms)
		return 0;
	hp_ovs_txn_begin(&t);
	/* the server holds the transaction until the row matches or the
	 * timeout passes (RFC 7047 5.2.6) */
	w = hp_ovs_op(&t,
		      "{'op':'wait','table':'" HP_OVS_DB "','where':[['cur_cfg','>=',%lld]],"
		      "'columns':[],'until':'==','rows':[{}],'timeout':%u}",
		      cfg, timeout_ms);
	if (iface)
		sel = hp_ovs_op(&t,
				"{'op':'select','table':'Interface','where':[['name','==',%s]],"
				"'columns':['error']}",
				iface);
	if ((rc = hp_ovs_commit(db, &t, timeout_ms + db->timeout_ms, &reply, &res)))
		return rc;
	bad = hp_ovs_failed_op(db, res);
	if (bad == w) {
		rc = -ETIMEDOUT;
	} else if (bad >= 0) {
		rc = -EIO;
	} else if (sel >= 0 && err) {
		/* a set of at most one string: "text" or ["set", []] */
		e = hp_json_get(hp_ovs_row(res, sel, 0), "error");
		if (YAJL_IS_STRING(e))
			snprintf(err, errsize, "%s", YAJL_GET_STRING(e));
	}
	yajl_tree_free(reply);
	return rc;
}
