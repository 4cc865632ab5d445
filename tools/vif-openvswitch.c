/*
 * vif-openvswitch: attach a Xen guest's network interface to an Open
 * vSwitch bridge.
 *
 * Usage (as libxl runs it, with script=vif-openvswitch in the vif spec):
 *   vif-openvswitch online|offline [type_if=vif] [bridge=BR] [key=value...]
 *   vif-openvswitch add|remove type_if=tap [bridge=BR] [key=value...]   (emulated NICs)
 *
 * Environment (libxl): vif=vif<domid>.<devid>, XENBUS_PATH (relative),
 * INTERFACE=vif<domid>.<devid>-emu for taps.  XEN_HOTPLUG_OVSDB: the
 * OVSDB socket (else ovsdb_socket in xen-hotplug.conf, else
 * /var/run/openvswitch/db.sock); XEN_HOTPLUG_OVS_WAIT_MS: how long to
 * wait for ovs-vswitchd to apply a change (default 10000).
 *
 * xenstore read under XENBUS_PATH: bridge (NAME[.TAG][:TRUNK[:TRUNK...]],
 * upstream's syntax), vlan (xl-network-configuration(5)), vifname, mtu,
 * mac, ip, frontend, frontend-id, iface-id (a toolstack's, optional);
 * /local/domain/<frontend-id>/vm, and name and uuid under it.  Written:
 * <frontend>/mtu when `mtu` is set, then hotplug-status=connected
 * (online), or hotplug-error and hotplug-status=error (online failure).
 * Nothing for offline, add or remove.  xen-hotplug.conf: ovsdb_socket,
 * ovs_iface_id (the iface-id template, hp/ovs-ids.h).
 *
 * OVSDB, one transaction per change (hp/ovsdb.h), no ovs-vsctl:
 * Port and Interface named as the vif in the bridge, tag, trunks and
 * vlan_mode from the VLANs, the interface's external_ids xen-vm-name,
 * xen-vm-uuid and attached-mac, as upstream's, and Open vSwitch's
 * integration contract beside them (its Documentation/topics/
 * integration.rst), by which OVN binds the port to its logical one:
 * iface-id (the backend's key, else the template), vm-id (the uuid),
 * iface-status.  The name is the domain's final one (without xl's
 * "--incoming" while it is being received).  Of an HVM guest's vif and
 * tap, the vif is active and has the iface-id while both are there, the
 * tap inactive without one; when one goes, the other (its device still
 * there) is made active with the iface-id, in the same transaction.
 *
 * online/add: check() reads and validates every key, connects to the
 * database and looks the port and the bridge up, before any change; then
 * the steps (hp/txn.h), each undone on a later failure:
 *   prepare-port  link down, MAC fe:ff:ff:ff:ff:ff, addresses flushed
 *   mtu           the `mtu` key on the link and in the frontend
 *   guard         the anti-spoofing guard (hp/fw.h, nftables netdev
 *                 family: an ingress chain on the vif, which runs before
 *                 Open vSwitch's kernel datapath takes the frame), before
 *                 the port exists in OVS (undo: removed; a second online
 *                 refreshes it and keeps it)
 *   add-port      the port created, updated or moved; ovs-vswitchd waited
 *                 for (undo: removed, or put back as it was)
 *   up            the link up
 * A second online (the port in place, the link up) keeps what it finds:
 * only a changed VLAN or id is written, and put back on a failure.
 * offline/remove: the port removed from whichever bridge has it, also
 * when the vif is gone; the link down; the guard removed (common/vif/vif.c,
 * by name, also when the vif is gone).
 *
 * Exit: 0 success, 1 failure, 2 usage.
 */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/link.h"
#include "hp/log.h"
#include "hp/ovs-ids.h"
#include "hp/ovsdb.h"
#include "hp/parse.h"
#include "hp/vif.h"
#include "hp/vlan.h"
#include "hp/xs.h"

#define CONNECT_MS 5000
#define DEFAULT_APPLY_MS 10000
#define TRIES 3 /* a port changed by someone else meanwhile: look again */

#define ACTIVE "active"
#define INACTIVE "inactive"

/* The tool's state (v->priv). */
struct ovs {
	char *bridge_xs, *vlan_xs, *fe_id, *vm, *vm_name, *vm_uuid, *iface_id_xs;
	char bridge[HP_IFNAMSIZ];
	struct hp_vlans vlans;
	unsigned short trunks[HP_VLAN_MAX];
	struct hp_ovs_port port;
	struct hp_ovs_id ids[6];
	const char *del_ids[6];
	char iface_id[HP_OVS_ID_MAX + 1]; /* "" when none could be made */
	char mac[18];
	char sock[128];
	struct hp_ovsdb *db;
	struct hp_ovs_port_state was, now; /* the port before this run; for the undo */
	int changed; /* add-port committed a change */
	int late; /* ovs-vswitchd did not apply it in time */
	/* the other interface of the guest's NIC (a vif's tap, a tap's vif) */
	char twin_name[HP_OVS_NAMESIZ];
	struct hp_ovs_iface_state twin;
	int twin_live; /* in Open vSwitch, made by a vif script, its device there */
	struct hp_ovs_twin twin_set, twin_undo;
};

static unsigned int apply_ms(void)
{
	const char *s = getenv("XEN_HOTPLUG_OVS_WAIT_MS");
	unsigned long ms;

	if (s && !hp_parse_uint(s, 60000, &ms))
		return (unsigned int)ms;
	return DEFAULT_APPLY_MS;
}

/* ------------------------------------------------------------ reading */

/* VLANs from the bridge suffix or the vlan key (not both), as Open
 * vSwitch columns: the PVID is the tag, the others trunks.  With a tag
 * and trunks the port is native-untagged: OVS's default for that pair
 * is an access port that drops the trunks ("ignoring trunks in favor of
 * implicit vlan"), which is what upstream's bridge=BR.TAG:TRUNK gets. */
static int read_vlans(struct hp_vif *v, const char *want)
{
	struct ovs *o = v->priv;
	struct hp_vlans key = { 0 };
	char err[160];
	size_t i;
	int rc;

	rc = hp_vlan_parse_ovs_bridge(want, o->bridge, sizeof(o->bridge), &o->vlans, err,
				      sizeof(err));
	if (rc == -ENOMEM)
		return hp_vif_fail(v, "unable to parse bridge '%s': %s", want, strerror(ENOMEM));
	if (rc)
		return hp_vif_bad(v, "bridge", want, err);
	hp_vif_hook_var(v, "bridge", o->bridge);

	if (hp_vif_read_opt(v, "vlan", &o->vlan_xs))
		return -1;
	if (o->vlan_xs) {
		rc = hp_vlan_parse(o->vlan_xs, &key, err, sizeof(err));
		if (rc == -ENOMEM)
			return hp_vif_fail(v, "unable to parse vlan: %s", strerror(ENOMEM));
		if (rc)
			return hp_vif_bad(v, "vlan", o->vlan_xs, err);
		if (key.n && o->vlans.n) {
			hp_vlans_free(&key);
			return hp_vif_bad(v, "vlan", o->vlan_xs,
					  "the bridge key gives VLANs already; use one of the two");
		}
		if (key.n) {
			hp_vlans_free(&o->vlans);
			o->vlans = key;
		}
	}

	o->port.tag = o->vlans.pvid;
	for (i = 0; i < o->vlans.n; i++) {
		const struct hp_vlan *x = &o->vlans.v[i];

		if (x->id == o->vlans.pvid)
			continue;
		if (x->flags & HP_VLAN_UNTAGGED) {
			char why[128];

			snprintf(why, sizeof(why),
				 "VLAN %u is untagged (u) but not the PVID: Open "
				 "vSwitch sends only the PVID untagged",
				 x->id);
			return hp_vif_bad(v, "vlan", o->vlan_xs ? o->vlan_xs : "", why);
		}
		o->trunks[o->port.ntrunks++] = x->id;
	}
	o->port.trunks = o->trunks;
	o->port.vlan_mode = o->port.tag && o->port.ntrunks ? "native-untagged" : NULL;
	return 0;
}

/* An optional xenstore node; NULL when missing or unreadable (the
 * external ids are informative: their absence fails nothing). */
static char *read_info(struct hp_vif *v, const char *path)
{
	char *val = NULL;
	int rc = hp_xs_read(v->xs, path, &val);

	if (rc) {
		hp_dbg("no '%s': %s", path, strerror(-rc));
		return NULL;
	}
	if (hp_ovs_value_check(val)) {
		hp_warn("ignoring '%s': not valid UTF-8", path);
		free(val);
		return NULL;
	}
	return val;
}

/* One of the keys this tool writes: set to value, or removed when there
 * is none (a second online does not leave a stale one). */
static void add_id(struct ovs *o, const char *key, const char *value)
{
	if (value && *value)
		o->ids[o->port.nids++] = (struct hp_ovs_id){ key, value };
	else
		o->del_ids[o->port.ndel_ids++] = key;
}

/* The iface-id: the backend's `iface-id` key when a toolstack wrote one
 * (dom0's: a guest cannot write its backend directory, so it cannot pick
 * another guest's logical port), else the host's template over the
 * guest's values.  A template that needs a value the guest lacks leaves
 * the interface without one, with a warning (as upstream, the ids fail
 * nothing); a bad key or template fails. */
static int make_iface_id(struct hp_vif *v, int domid, int devid)
{
	struct ovs *o = v->priv;
	struct hp_ovs_vm vm = { o->vm_name, o->vm_uuid, NULL, domid, devid };
	char tmpl[256], err[320];
	int rc;

	if (hp_vif_read_opt(v, "iface-id", &o->iface_id_xs))
		return -1;
	if (o->iface_id_xs) {
		if (hp_ovs_id_check(o->iface_id_xs, err, sizeof(err)))
			return hp_vif_bad(v, "iface-id", o->iface_id_xs, err);
		snprintf(o->iface_id, sizeof(o->iface_id), "%s", o->iface_id_xs);
		return 0;
	}
	if (hp_ovs_iface_id_template(tmpl, sizeof(tmpl), err, sizeof(err)))
		return hp_vif_fail(v, "%s", err);
	if (v->has_mac) {
		snprintf(o->mac, sizeof(o->mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
			 v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		vm.mac = o->mac;
	}
	rc = hp_ovs_iface_id_expand(tmpl, &vm, o->iface_id, sizeof(o->iface_id), err, sizeof(err));
	if (rc)
		hp_warn("no iface-id for '%s' (ovs_iface_id '%s'): %s", v->dev, tmpl, err);
	return 0;
}

/* Upstream's openvswitch_external_id_all (the guest's name and uuid from
 * its vm directory, its MAC) and the iface-id.  The name is the final
 * one: during a migration xl attaches the receiving domain's vifs while
 * it is still called <name>--incoming (ovs-ids.h). */
static int read_ids(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	unsigned int pd, pn;
	int d = -1, n = -1;
	unsigned long domid;
	char path[160];

	if (!hp_parse_backend_path(v->xb_path, &pd, &pn)) {
		d = (int)pd;
		n = (int)pn;
	}
	if (!hp_xs_read_key(v->xs, v->xb_path, "frontend-id", &o->fe_id) &&
	    !hp_parse_uint(o->fe_id, 0x7fef, &domid))
		d = (int)domid;
	if (d < 0)
		return make_iface_id(v, d, n);
	snprintf(path, sizeof(path), "/local/domain/%d/vm", d);
	o->vm = read_info(v, path);
	if (o->vm && (strncmp(o->vm, "/vm/", 4) || strlen(o->vm) > 100 || strstr(o->vm, ".."))) {
		hp_warn("ignoring '%s' = '%s': not a /vm/ path", path, o->vm);
		free(o->vm);
		o->vm = NULL;
	}
	if (o->vm) {
		snprintf(path, sizeof(path), "%s/name", o->vm);
		o->vm_name = read_info(v, path);
		if (o->vm_name && hp_ovs_vm_name_final(o->vm_name))
			hp_dbg("the domain is being received: its name will be '%s'", o->vm_name);
		snprintf(path, sizeof(path), "%s/uuid", o->vm);
		o->vm_uuid = read_info(v, path);
	}
	return make_iface_id(v, d, n);
}

/* The twin: a vif's tap is <vif>-emu, a tap's vif its name without it
 * (libxl names them so, vifname included).  It counts when it is a vif
 * script's interface in Open vSwitch and its device exists: at a
 * domain's destruction libxl stops the device model (its tap goes) before
 * it runs the vifs' offline (xen.git libxl_domain.c, libxl__destroy_domid),
 * and a tap gone is no survivor. */
static int read_twin(struct hp_vif *v, char *err, size_t errsize)
{
	struct ovs *o = v->priv;
	struct hp_link link;
	size_t len = strlen(v->dev);
	int rc;

	memset(&o->twin, 0, sizeof(o->twin));
	o->twin_live = 0;
	if (v->is_tap) {
		if (len <= 4 || strcmp(v->dev + len - 4, "-emu"))
			return 0;
		snprintf(o->twin_name, sizeof(o->twin_name), "%.*s", (int)(len - 4), v->dev);
	} else if (len + 4 < HP_IFNAMSIZ) {
		snprintf(o->twin_name, sizeof(o->twin_name), "%s-emu", v->dev);
	} else {
		return 0;
	}
	if ((rc = hp_ovs_iface_get(o->db, o->twin_name, &o->twin))) {
		snprintf(err, errsize, "unable to look up interface '%s' in Open vSwitch: %s%s%s",
			 o->twin_name, strerror(-rc), *hp_ovsdb_error(o->db) ? ": " : "",
			 hp_ovsdb_error(o->db));
		return rc;
	}
	if (!o->twin.exists || !o->twin.xen)
		return 0;
	rc = hp_link_get(v->nl, o->twin_name, &link);
	if (rc && rc != -ENODEV) {
		snprintf(err, errsize, "unable to look up '%s': %s", o->twin_name, strerror(-rc));
		return rc;
	}
	o->twin_live = !rc;
	return 0;
}

/* The twin's keys set to status and id (NULL or "": none), in the
 * transaction (o->port.twin), unless they are so already; the undo puts
 * back what was. */
static void plan_twin(struct ovs *o, const char *status, const char *id)
{
	if (id && !*id)
		id = NULL;
	o->port.twin = NULL;
	if (!o->twin_live ||
	    (!strcmp(o->twin.status, status) && !strcmp(o->twin.iface_id, id ? id : "")))
		return;
	o->twin_set = (struct hp_ovs_twin){ o->twin.uuid, status, id };
	o->twin_undo = (struct hp_ovs_twin){ o->twin.uuid, *o->twin.status ? o->twin.status : NULL,
					     *o->twin.iface_id ? o->twin.iface_id : NULL };
	o->port.twin = &o->twin_set;
}

/* The integration contract's keys beside upstream's.  Of a guest NIC's
 * vif and tap, while both are there, the PV vif is active (its guest's
 * PV driver takes the NIC over from the emulated one) and carries the
 * iface-id; the tap is inactive and carries none: OVN does not read
 * iface-status, it binds any interface with the iface-id ("Invalid
 * configuration" when two have it), so the id goes where the traffic is. */
static void plan_ids(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	int active = !v->is_tap || !o->twin_live;

	o->port.nids = 0;
	o->port.ndel_ids = 0;
	add_id(o, "xen-vm-name", o->vm_name);
	add_id(o, "xen-vm-uuid", o->vm_uuid);
	add_id(o, "attached-mac", v->mac_s);
	add_id(o, "vm-id", o->vm_uuid);
	add_id(o, "iface-status", active ? ACTIVE : INACTIVE);
	add_id(o, "iface-id", active ? o->iface_id : NULL);
	o->port.ids = o->ids;
	o->port.del_ids = o->del_ids;
	/* a vif coming (back) while its tap is there: the tap steps aside;
	 * a tap coming while its vif is there: the vif stays (or becomes)
	 * the active one */
	if (!v->is_tap)
		plan_twin(o, INACTIVE, NULL);
	else
		plan_twin(o, ACTIVE, *o->twin.iface_id ? o->twin.iface_id : o->iface_id);
}

static int connect_db(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	char err[256];
	int rc;

	if (hp_ovsdb_socket(o->sock, sizeof(o->sock), err, sizeof(err)))
		return hp_vif_fail(v, "%s", err);
	rc = hp_ovsdb_open(&o->db, o->sock, CONNECT_MS);
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		return hp_vif_fail(v,
				   "unable to connect to Open vSwitch at '%s': %s (is "
				   "openvswitch-switch installed and running?)",
				   o->sock, strerror(-rc));
	if (rc)
		return hp_vif_fail(v, "unable to connect to Open vSwitch at '%s': %s", o->sock,
				   strerror(-rc));
	return 0;
}

/* The port as the database has it now, and whether this run may use it. */
static int look(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	char err[320];
	int rc, i;

	/* -EAGAIN: the port went between the two reads */
	for (i = 0;
	     (rc = hp_ovs_port_get(o->db, v->dev, o->bridge, &o->was)) == -EAGAIN && i < TRIES; i++)
		;

	if (rc == -EBUSY)
		return hp_vif_fail(v, "unable to add port '%s': %s", v->dev, hp_ovsdb_error(o->db));
	if (rc)
		return hp_vif_fail(v, "unable to look up port '%s' in Open vSwitch: %s%s%s", v->dev,
				   strerror(-rc), *hp_ovsdb_error(o->db) ? ": " : "",
				   hp_ovsdb_error(o->db));
	if (!o->was.want_exists)
		return hp_vif_fail(v,
				   "unable to add port '%s' to bridge '%s': no such Open vSwitch "
				   "bridge",
				   v->dev, o->bridge);
	/* The name is our device's (common/vif/vif.c found it, a name another
	 * guest held would have failed there): a port of that name in
	 * another bridge is stale, typically from before a host crash.
	 * Made by a vif script, it moves; made by someone else, we stop. */
	if (o->was.exists && strcmp(o->was.bridge, o->bridge)) {
		if (!o->was.xen)
			return hp_vif_fail(v,
					   "unable to add port '%s' to bridge '%s': it is a port "
					   "of bridge '%s' that no Xen vif script made; remove "
					   "it or choose another vifname",
					   v->dev, o->bridge, o->was.bridge);
		hp_warn("moving port '%s' from bridge '%s' (a stale port of a Xen guest) to '%s'",
			v->dev, o->was.bridge, o->bridge);
	}
	if (read_twin(v, err, sizeof(err)))
		return hp_vif_fail(v, "%s", err);
	plan_ids(v);
	return 0;
}

/* Everything before any change: the keys, the external ids, the
 * database reachable, the bridge there, the port as it is. */
static int check(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	const char *want;

	if (hp_vif_read_opt(v, "bridge", &o->bridge_xs))
		return -1;
	want = o->bridge_xs ? o->bridge_xs : hp_param_str(&v->params, "bridge");
	hp_vif_hook_var(v, "bridge", want);
	if (!*want)
		return hp_vif_fail(v, "unable to choose a bridge: none was specified; set bridge= "
				      "in the guest's vif configuration");
	if (read_vlans(v, want))
		return -1;
	v->vlans = o->vlans.n ? &o->vlans : NULL; /* the guard passes the trunks' tags */
	/* ovs-vswitchd owns an interface's qdiscs: adding the port replaces
	 * the root one and deletes the ingress one (measured), so hp/tc.h's
	 * limit cannot stay; OVS's own columns are the way (not done yet). */
	if (v->is_tap && v->rate_s)
		hp_warn("rate '%s' is not applied to the Open vSwitch port '%s' (not supported yet)",
			v->rate_s, v->dev);
	o->port.name = v->dev;
	o->port.bridge = o->bridge;
	if (read_ids(v) || connect_db(v) || look(v))
		return -1;
	/* A second online finds the port in place and the link up: its
	 * traffic is left alone, and a failure of this run does not tear it
	 * down.  A port in place on a link that is down is a stale one (OVS
	 * keeps its database across reboots) on a new vif: set up as new. */
	v->again = o->was.exists && !strcmp(o->was.bridge, o->bridge) && (v->link.flags & IFF_UP);
	return 0;
}

/* ------------------------------------------------------------ steps */

/* One transaction (o->was is what it changed, for the undo), then the
 * bounded wait for ovs-vswitchd to open the port. */
static int s_add_port(void *ctx)
{
	struct hp_vif *v = ctx;
	struct ovs *o = v->priv;
	long long cfg = 0;
	char err[256];
	int rc, i;

	if (v->again && hp_ovs_port_same(&o->port, &o->was) && !o->port.twin)
		return HP_STEP_KEPT;
	for (i = 0;; i++) {
		rc = hp_ovs_port_set(o->db, &o->port, &o->was, &cfg);
		if (rc != -EAGAIN || i + 1 == TRIES)
			break;
		hp_dbg("port '%s' changed meanwhile, looking again", v->dev);
		if (look(v))
			return -1;
	}
	/* refused (-EAGAIN, -ENODEV, -EIO), the transaction changed nothing;
	 * lost on its way (a timeout, the connection), the undo looks */
	if (rc != -EAGAIN && rc != -ENODEV && rc != -EIO)
		o->changed = 1;
	if (rc == -ENODEV)
		return hp_vif_fail(v,
				   "unable to add port '%s' to bridge '%s': no such Open vSwitch "
				   "bridge",
				   v->dev, o->bridge);
	if (rc)
		return hp_vif_fail(v, "unable to add port '%s' to bridge '%s': %s%s%s", v->dev,
				   o->bridge, strerror(-rc), *hp_ovsdb_error(o->db) ? ": " : "",
				   hp_ovsdb_error(o->db));

	rc = hp_ovs_wait(o->db, cfg, apply_ms(), v->dev, err, sizeof(err));
	if (rc == -ETIMEDOUT) {
		o->late = 1;
		return hp_vif_fail(v,
				   "unable to add port '%s' to bridge '%s': ovs-vswitchd did not "
				   "apply the change within %u ms (is it running?)",
				   v->dev, o->bridge, apply_ms());
	}
	if (rc)
		return hp_vif_fail(v,
				   "unable to add port '%s' to bridge '%s': waiting for "
				   "ovs-vswitchd: %s",
				   v->dev, o->bridge, strerror(-rc));
	if (*err)
		return hp_vif_fail(v, "unable to add port '%s' to bridge '%s': ovs-vswitchd: %s",
				   v->dev, o->bridge, err);
	return 0;
}

/* The port as this run found it: gone when it made it, else its bridge,
 * VLANs and ids back; and ovs-vswitchd given the time to apply that
 * (unless it did not answer already), so that the link is as it was when
 * the undo ends.  A port someone else moved meanwhile is left alone. */
static void u_add_port(void *ctx)
{
	struct hp_vif *v = ctx;
	struct ovs *o = v->priv;
	long long cfg = 0;
	int rc, i;

	if (!o->changed)
		return;
	for (i = 0; i < TRIES; i++) {
		rc = hp_ovs_port_get(o->db, v->dev, NULL, &o->now);
		if (!rc && o->now.exists && strcmp(o->now.bridge, o->bridge)) {
			hp_warn("port '%s' is in bridge '%s' now: left as it is", v->dev,
				o->now.bridge);
			return;
		}
		if (!rc)
			rc = hp_ovs_port_restore(o->db, &o->was, &o->now,
						 o->port.twin ? &o->twin_undo : NULL, &cfg);
		if (rc != -EAGAIN)
			break;
	}
	if (rc) {
		hp_err("unable to %s port '%s' again: %s%s%s",
		       o->was.exists ? "put back" : "remove", v->dev, strerror(-rc),
		       *hp_ovsdb_error(o->db) ? ": " : "", hp_ovsdb_error(o->db));
		return;
	}
	if (!o->late && (rc = hp_ovs_wait(o->db, cfg, apply_ms(), NULL, NULL, 0)))
		hp_warn("ovs-vswitchd has not applied the undo for '%s' yet: %s", v->dev,
			strerror(-rc));
}

static void fmt_port(const char *bridge, unsigned int tag, const unsigned short *trunks, size_t n,
		     const char *mode, char *buf, size_t size)
{
	size_t i, len;

	snprintf(buf, size, "a port of bridge '%s'", bridge);
	if (tag) {
		len = strlen(buf);
		snprintf(buf + len, size - len, ", tag %u", tag);
	}
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, i ? ",%u" : ", trunks %u", trunks[i]);
	}
	if (mode && *mode) {
		len = strlen(buf);
		snprintf(buf + len, size - len, ", %s", mode);
	}
}

/* The port as add-port makes it (bridge, VLAN columns, the external ids
 * it sets); what it found is kept for add-port's transaction. */
static int v_add_port(void *ctx)
{
	struct hp_vif *v = ctx;
	struct ovs *o = v->priv;
	char want[256], have[256];

	if (look(v))
		return -1;
	if (hp_ovs_port_same(&o->port, &o->was))
		return 0;
	fmt_port(o->bridge, o->port.tag, o->port.trunks, o->port.ntrunks, o->port.vlan_mode, want,
		 sizeof(want));
	if (!o->was.exists)
		snprintf(have, sizeof(have), "no port");
	else
		fmt_port(o->was.bridge, o->was.tag, o->was.trunks, o->was.ntrunks, o->was.vlan_mode,
			 have, sizeof(have));
	if (o->was.exists && !strcmp(have, want))
		snprintf(have, sizeof(have), "other external ids");
	return hp_vif_drift(v, "ovs port", want, have);
}

static void attached(struct hp_vif *v)
{
	struct ovs *o = v->priv;

	hp_info("%s: %s port of Open vSwitch bridge '%s'%s%s", v->command,
		v->again ? "still a" : "now a", o->bridge, o->port.tag ? ", tagged" : "",
		o->port.ntrunks ? ", trunks" : "");
}

static const struct hp_step steps[] = {
	HP_VIF_STEP_PREPARE_PORT,
	HP_VIF_STEP_MTU,
	HP_VIF_STEP_GUARD, /* before the port is added and can forward anything */
	{ "add-port", s_add_port, u_add_port, v_add_port },
	HP_VIF_STEP_UP,
};

/* The iface-id of the port being removed, NULL when it has none. */
static const char *port_iface_id(struct ovs *o)
{
	size_t i;

	for (i = 0; i < o->was.nids; i++)
		if (!strcmp(o->was.ids[i].key, "iface-id"))
			return o->was.ids[i].value;
	return NULL;
}

/* The port out of Open vSwitch, whichever bridge has it: 0, or -1 with
 * the failure reported. */
static int remove_port(struct hp_vif *v)
{
	struct ovs *o = v->priv;
	char err[320];
	long long cfg;
	int rc, i;

	if (connect_db(v))
		return -1;
	for (i = 0;; i++) {
		rc = hp_ovs_port_get(o->db, v->dev, NULL, &o->was);
		if (!rc && o->was.exists)
			hp_vif_hook_var(v, "bridge", o->was.bridge);
		/* the twin survives it: active, with the iface-id it has or
		 * this one's (the port goes all the same when the twin cannot
		 * be looked at) */
		if (!rc && read_twin(v, err, sizeof(err)))
			hp_warn("%s: leaving it as it is", err);
		if (!rc)
			plan_twin(o, ACTIVE,
				  *o->twin.iface_id ? o->twin.iface_id : port_iface_id(o));
		if (!rc)
			rc = hp_ovs_port_del(o->db, &o->was, o->port.twin, &cfg);
		if (rc != -EAGAIN || i + 1 == TRIES)
			break;
	}
	if (rc)
		return hp_vif_fail(v, "unable to remove port '%s' from Open vSwitch: %s%s%s",
				   v->dev, strerror(-rc), *hp_ovsdb_error(o->db) ? ": " : "",
				   hp_ovsdb_error(o->db));
	/* committed: ovs-vswitchd applies it when it runs */
	if (o->was.exists && (rc = hp_ovs_wait(o->db, cfg, apply_ms(), NULL, NULL, 0)))
		hp_warn("ovs-vswitchd has not applied the removal of '%s' yet: %s", v->dev,
			strerror(-rc));
	if (o->was.exists)
		hp_info("%s: removed from Open vSwitch bridge '%s'", v->command, o->was.bridge);
	else
		hp_info("%s: no Open vSwitch port '%s'", v->command, v->dev);
	return 0;
}

/* Upstream: del-port and the link down, each whatever the other did; the
 * port goes also when the vif is gone (netback removed it first). */
static int detach(struct hp_vif *v)
{
	int failed, rc;

	hp_vif_hook_var(v, "bridge", hp_param_str(&v->params, "bridge"));
	failed = remove_port(v);
	if (v->link.ifindex && (rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) && rc != -ENODEV)
		return failed ? -1 :
				hp_vif_fail(v, "unable to bring '%s' down: %s", v->dev,
					    strerror(-rc));
	return failed;
}

static void cleanup(struct hp_vif *v)
{
	struct ovs *o = v->priv;

	hp_ovsdb_close(o->db);
	hp_vlans_free(&o->vlans);
	free(o->bridge_xs);
	free(o->vlan_xs);
	free(o->fe_id);
	free(o->vm);
	free(o->vm_name);
	free(o->vm_uuid);
	free(o->iface_id_xs);
}

static const struct hp_vif_tool tool = {
	.name = "vif-openvswitch",
	.usage = "usage: vif-openvswitch online|offline [type_if=vif] [bridge=BR[.TAG][:TRUNK...]] "
		 "[key=value...]\n"
		 "       vif-openvswitch add|remove type_if=tap [bridge=BR] [key=value...]\n"
		 "Adds the Xen vif named by $vif (or the tap named by $INTERFACE) to an Open\n"
		 "vSwitch bridge, as described under $XENBUS_PATH in xenstore.  Run by libxl.\n",
	.fw_family = HP_FW_NETDEV,
	.check = check,
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.detach = detach,
	.attached = attached,
	.cleanup = cleanup,
};

int main(int argc, char **argv)
{
	struct ovs o = { 0 };

	return hp_vif_main(argc, argv, &tool, &o);
}
