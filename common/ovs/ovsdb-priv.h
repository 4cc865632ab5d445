/* Shared by ovsdb.c (the connection, transactions, their results, the
 * wait for ovs-vswitchd) and ovsdb-port.c (the port's transactions), and
 * by nothing else. */
#ifndef HP_OVSDB_PRIV_H
#define HP_OVSDB_PRIV_H

#include "json.h"
#include "jsonrpc.h"
#include "hp/ovsdb.h"

#define HP_OVS_DB "Open_vSwitch"

struct hp_ovsdb {
	struct hp_jsonrpc *rpc;
	unsigned int timeout_ms;
	char err[256];
};

/* A transaction is JSON text, ["Open_vSwitch", op...], written from
 * templates (json.h: ' stands for ", %s is a quoted, escaped string). */
struct hp_ovs_txn {
	struct hp_json j;
	int n; /* operations written */
};

void hp_ovs_txn_begin(struct hp_ovs_txn *t);
/* Starts an operation; its index in the result array. */
int hp_ovs_op(struct hp_ovs_txn *t, const char *tmpl, ...) __attribute__((format(printf, 2, 3)));
/* Goes on with the current operation. */
void hp_ovs_more(struct hp_ovs_txn *t, const char *tmpl, ...) __attribute__((format(printf, 2, 3)));
/* next_cfg += 1, read back: what hp_ovs_wait waits for.  The comment is
 * what ovsdb-tool show-log shows, as it shows ovs-vsctl's command line. */
int hp_ovs_bump_cfg(struct hp_ovs_txn *t, const char *comment);

/* Sends the transaction: *res is its result array, inside *reply (the
 * caller frees it with yajl_tree_free).  A JSON-RPC error fails;
 * operations' errors are hp_ovs_failed_op()'s.  t is freed. */
int hp_ovs_commit(struct hp_ovsdb *db, struct hp_ovs_txn *t, unsigned int timeout_ms,
		  yajl_val *reply, yajl_val *res);
/* The index of the first failed operation (its words into db->err), or -1. */
int hp_ovs_failed_op(struct hp_ovsdb *db, yajl_val res);
/* Commits t and reads next_cfg from operation cfg_at into *cfg; the
 * failure of an operation up to eagain_at (the guards come first) means
 * -EAGAIN, of enodev_at -ENODEV (-1: none), of any other -EIO. */
int hp_ovs_finish(struct hp_ovsdb *db, struct hp_ovs_txn *t, int eagain_at, int enodev_at,
		  int cfg_at, long long *cfg);

/* Reading results: ["uuid", "..."] -> the string; an OVSDB set (["set",
 * [...]] or a lone atom): its length and elements; row r of the result of
 * operation i (a select). */
const char *hp_ovs_uuid_of(yajl_val v);
size_t hp_ovs_set_len(yajl_val v);
yajl_val hp_ovs_set_at(yajl_val v, size_t i);
yajl_val hp_ovs_row(yajl_val res, int i, size_t r);
void hp_ovs_copy(char *dst, size_t size, const char *src);

#endif
