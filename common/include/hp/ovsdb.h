/* Open vSwitch's configuration database (RFC 7047) over its unix socket,
 * without ovs-vsctl: the reads and changes a vif script needs.  Each
 * change is one transaction, guarded by "wait" operations: a concurrent
 * change to the same port makes it fail with -EAGAIN instead of being
 * overwritten, and the caller looks again.  ovs-vswitchd applies a
 * committed change on its own; hp_ovs_wait() waits, bounded, until it
 * has (its cur_cfg reaching the next_cfg the change set).
 *
 * The socket: $XEN_HOTPLUG_OVSDB, else `ovsdb_socket` in the host
 * configuration (conf.h), else /var/run/openvswitch/db.sock; a path or
 * "unix:PATH" (OVS's own notation). */
#ifndef HP_OVSDB_H
#define HP_OVSDB_H

#include <stddef.h>

#define HP_OVS_NAMESIZ 64
#define HP_OVS_UUIDSIZ 37

struct hp_ovsdb;

/* The socket's path into buf: 0, -EINVAL for a value that is neither an
 * absolute path nor unix:PATH (a message in err), -ENAMETOOLONG. */
int hp_ovsdb_socket(char *buf, size_t size, char *err, size_t errsize);

/* Connects within timeout_ms; every later call is bounded by it too.
 * -ENOENT: no socket (Open vSwitch is not installed or not running);
 * -ECONNREFUSED: nobody listens on it (ovsdb-server died). */
int hp_ovsdb_open(struct hp_ovsdb **db, const char *path, unsigned int timeout_ms);
void hp_ovsdb_close(struct hp_ovsdb *db);
/* The server's words for the last failure ("constraint violation: ..."),
 * "" when it gave none. */
const char *hp_ovsdb_error(const struct hp_ovsdb *db);

#define HP_OVS_MAX_IDS 16
#define HP_OVS_KEYSIZ 64
#define HP_OVS_VALSIZ 256

/* A port as hp_ovs_port_get() found it. */
struct hp_ovs_port_state {
	char name[HP_OVS_NAMESIZ];
	int exists;
	char bridge[HP_OVS_NAMESIZ]; /* the bridge that has it */
	int xen; /* its interface has external_ids:xen-vm-uuid: a vif script made it */
	char port_uuid[HP_OVS_UUIDSIZ], iface_uuid[HP_OVS_UUIDSIZ], bridge_uuid[HP_OVS_UUIDSIZ];
	int want_exists; /* the bridge asked about exists */
	/* what a vif script changes, for hp_ovs_port_same() and
	 * hp_ovs_port_restore(): the VLAN columns (trunks ascending) and the
	 * interface's external_ids */
	unsigned int tag;
	unsigned short trunks[4095];
	size_t ntrunks;
	char vlan_mode[24]; /* "" when unset */
	struct {
		char key[HP_OVS_KEYSIZ], value[HP_OVS_VALSIZ];
	} ids[HP_OVS_MAX_IDS];
	size_t nids;
	int ids_cut; /* more external_ids, or longer ones, than kept here */
};

/* The port named name, and whether bridge want (NULL: none asked) exists,
 * so that a caller can refuse before it changes anything.  -EBUSY when
 * an interface of that name belongs to another port (a bond): not ours
 * to change. */
int hp_ovs_port_get(struct hp_ovsdb *db, const char *name, const char *want,
		    struct hp_ovs_port_state *st);

struct hp_ovs_id {
	const char *key, *value;
};

/* 0 when s can be a value in the database (valid UTF-8), -EINVAL. */
int hp_ovs_value_check(const char *s);

/* Another interface, as hp_ovs_iface_get() found it: a vif's twin (the
 * tap of the same guest NIC, or the tap's vif), whose iface-status and
 * iface-id a change to the port sets in the same transaction. */
struct hp_ovs_iface_state {
	int exists;
	char uuid[HP_OVS_UUIDSIZ];
	int xen; /* its external_ids have xen-vm-uuid or iface-status: a vif script's */
	char iface_id[HP_OVS_VALSIZ], status[16]; /* "" when absent */
};

/* The interface named name: 0 with st->exists 0 when there is none. */
int hp_ovs_iface_get(struct hp_ovsdb *db, const char *name, struct hp_ovs_iface_state *st);

/* The twin's external_ids iface-status and iface-id become these (NULL:
 * the key removed), in the transaction that changes the port; that
 * transaction fails with -EAGAIN when the twin (uuid) is gone. */
struct hp_ovs_twin {
	const char *uuid;
	const char *status, *iface_id;
};

/* A port of one interface of the same name. */
struct hp_ovs_port {
	const char *name;
	const char *bridge;
	unsigned int tag; /* the access or native VLAN, 0: none */
	const unsigned short *trunks;
	size_t ntrunks;
	const char *vlan_mode; /* NULL: OVS's default (access with a tag, else trunk) */
	const struct hp_ovs_id *ids; /* the interface's external_ids to set */
	size_t nids;
	const char *const *del_ids; /* and those to remove (not among ids) */
	size_t ndel_ids;
	int replace_ids; /* the interface's external_ids become exactly ids */
	const struct hp_ovs_twin *twin; /* NULL: no twin to change */
};

/* Makes the port as described, in one transaction, from the state st
 * that hp_ovs_port_get() returned: created when absent; updated in place
 * when in p->bridge already (its traffic is not interrupted: external_ids
 * given are replaced, others kept unless p->replace_ids); moved when in
 * another bridge (the caller decides whether it may).  -ENODEV when p->bridge does not
 * exist, -EAGAIN when the port changed since st was read, -EINVAL when a
 * value is not valid UTF-8, -EIO with hp_ovsdb_error() when the server
 * refused.  *cfg is what to pass to hp_ovs_wait(). */
int hp_ovs_port_set(struct hp_ovsdb *db, const struct hp_ovs_port *p,
		    const struct hp_ovs_port_state *st, long long *cfg);

/* Removes the port st names from its bridge, its interface with it,
 * and changes twin (NULL: none) in the same transaction.  Absent
 * (st->exists 0) is a success with *cfg 0, the twin unchanged.  -EAGAIN
 * as above. */
int hp_ovs_port_del(struct hp_ovsdb *db, const struct hp_ovs_port_state *st,
		    const struct hp_ovs_twin *twin, long long *cfg);

/* 1 when the port st is p already (bridge, VLAN columns, the values of
 * p's external_ids, none of p's del_ids): setting it would change
 * nothing (p->twin is not looked at). */
int hp_ovs_port_same(const struct hp_ovs_port *p, const struct hp_ovs_port_state *st);

/* The undo of hp_ovs_port_set: from now (a fresh hp_ovs_port_get), the
 * port put back as was found it: removed when it did not exist, else in
 * was->bridge with its VLAN columns and external_ids (its other columns
 * stay as they are; a port moved here from another bridge lost them in
 * the move); twin (NULL: none) put back in the same transaction.
 * Returns as hp_ovs_port_set. */
int hp_ovs_port_restore(struct hp_ovsdb *db, const struct hp_ovs_port_state *was,
			const struct hp_ovs_port_state *now, const struct hp_ovs_twin *twin,
			long long *cfg);

/* Waits up to timeout_ms for ovs-vswitchd to apply cfg (0: returns at
 * once); then, for iface (NULL: none), the interface's error column into
 * err ("" when none: ovs-vswitchd opened the device).  -ETIMEDOUT when
 * ovs-vswitchd did not (it is not running, or hangs). */
int hp_ovs_wait(struct hp_ovsdb *db, long long cfg, unsigned int timeout_ms, const char *iface,
		char *err, size_t errsize);

/* Every port of one interface of its own name, as ovs-vsctl would show
 * it (xen-hotplug's status and gc): one transaction of three selects. */
struct hp_ovs_port_info {
	char name[HP_OVS_NAMESIZ];
	char bridge[HP_OVS_NAMESIZ];
	unsigned int tag; /* 0: none */
	char trunks[128]; /* "20,30", "" */
	char vlan_mode[24];
	int xen; /* external_ids:xen-vm-uuid: a Xen vif script made it */
	char vm_name[64], vm_uuid[40], mac[24]; /* Xen's external ids, "" */
	long long ofport; /* -1: ovs-vswitchd could not open it; 0: not yet */
	char error[128]; /* the interface's error column */
	char port_uuid[HP_OVS_UUIDSIZ], iface_uuid[HP_OVS_UUIDSIZ], bridge_uuid[HP_OVS_UUIDSIZ];
};
/* *out malloc'd (free it), *n ports. */
int hp_ovs_ports_list(struct hp_ovsdb *db, struct hp_ovs_port_info **out, size_t *n);
/* Removes a port hp_ovs_ports_list() found, as hp_ovs_port_del() does:
 * -EAGAIN when it changed meanwhile.  *cfg for hp_ovs_wait(). */
int hp_ovs_port_info_del(struct hp_ovsdb *db, const struct hp_ovs_port_info *p, long long *cfg);

#endif
