/*
 * vif-bridge: attach a Xen guest's network interface to a bridge.
 *
 * Usage (as libxl runs it, for each vif of a starting or stopping guest):
 *   vif-bridge online|offline [type_if=vif] [key=value...]
 *   vif-bridge add|remove type_if=tap [key=value...]      (emulated NICs)
 *
 * Environment (libxl): vif=vif<domid>.<devid>, XENBUS_PATH=backend/vif/<domid>/<devid>
 * (relative), INTERFACE=vif<domid>.<devid>-emu for taps, netdev, script.
 * Parameters: environment < key=value arguments < xenstore, for `bridge`
 * and `ip`; `vifname`, `mtu`, `mac`, `frontend` come from xenstore only.
 *
 * xenstore read under XENBUS_PATH: bridge, vifname, mtu, mac, ip, frontend,
 * rate (taps), type (with port_lock=yes), vlan (xl-network-configuration(5):
 * the port's VLANs, on a bridge with vlan_filtering on; hp/brvlan.h).
 * Written: <frontend>/mtu, then hotplug-status=connected last (online), or
 * hotplug-error and hotplug-status=error (online failure).  Nothing is
 * written for offline, add or remove.
 *
 * Exit: 0 success, 1 failure, 2 usage.
 */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/brinfo.h"
#include "hp/brport.h"
#include "hp/brvlan.h"
#include "hp/link.h"
#include "hp/log.h"
#include "hp/vif.h"
#include "hp/xs.h"

#define MAX_BRIDGES 8

struct bridge {
	char *bridge_xs;
	char name[HP_IFNAMSIZ];
	struct hp_link br;
};

/* The tool's state (v->priv). */
struct vb {
	struct bridge bridge;
	struct hp_brport_policy policy;
	char *type_xs;
	char *vlan_xs; /* libxl's `vlan` key: the port's VLANs */
	struct hp_vlans vlans;
	struct hp_brvlan_bridge brv;
};

/* Upstream: the given bridge, `xenbrN` read as `ethN` when only the latter
 * exists (pre-4.x configurations), or the host's only bridge. */
static int find_bridge(struct hp_vif *v, struct bridge *b)
{
	char names[MAX_BRIDGES][HP_IFNAMSIZ];
	const char *want;
	int rc, n;

	if (hp_vif_read_opt(v, "bridge", &b->bridge_xs))
		return -1;
	want = b->bridge_xs ? b->bridge_xs : hp_param_str(&v->params, "bridge");
	hp_vif_hook_var(v, "bridge", want);
	if (*want && hp_parse_ifname(want))
		return hp_vif_bad(v, "bridge", want, "not a valid interface name");

	if (!*want) {
		rc = hp_link_list_bridges(v->nl, names, MAX_BRIDGES, &n);
		if (rc)
			return hp_vif_fail(v, "unable to list bridges: %s", strerror(-rc));
		if (n != 1)
			return hp_vif_fail(v,
					   "unable to choose a bridge: none was specified and the "
					   "host has %d bridges; set bridge= in the guest's vif "
					   "configuration",
					   n);
		want = names[0];
	}
	snprintf(b->name, sizeof(b->name), "%s", want);
	hp_vif_hook_var(v, "bridge", b->name);

	rc = hp_link_get(v->nl, b->name, &b->br);
	if (rc == -ENODEV && !strncmp(b->name, "xenbr", 5)) {
		char eth[HP_IFNAMSIZ];

		snprintf(eth, sizeof(eth), "eth%s", b->name + 5);
		if (!hp_link_get(v->nl, eth, &b->br) && b->br.is_bridge) {
			hp_dbg("bridge '%s' not found, using legacy '%s'", b->name, eth);
			snprintf(b->name, sizeof(b->name), "%s", eth);
			rc = 0;
		}
	}
	if (rc == -ENODEV)
		return hp_vif_fail(v, "unable to find bridge '%s': no such device", b->name);
	if (rc)
		return hp_vif_fail(v, "unable to look up bridge '%s': %s", b->name, strerror(-rc));
	if (!b->br.is_bridge)
		return hp_vif_fail(
			v, "unable to use '%s' as a bridge: it is a %s device, not a bridge",
			b->name, *b->br.kind ? b->br.kind : "plain");
	return 0;
}

/* The host's port policy for this bridge (hp/brport.h).  The lock
 * needs the guest's one MAC on one port: not an HVM guest's NIC, whose
 * vif and tap share it. */
static int find_policy(struct hp_vif *v)
{
	struct vb *vb = v->priv;
	char err[512];

	if (hp_brport_policy(vb->bridge.name, &vb->policy, err, sizeof(err)))
		return hp_vif_fail(v, "%s", err);
	if (!vb->policy.lock)
		return 0;
	if (!v->is_tap && hp_vif_read_opt(v, "type", &vb->type_xs))
		return -1;
	if (v->is_tap || (vb->type_xs && !strcmp(vb->type_xs, "vif_ioemu"))) {
		hp_info("port_lock: not for an emulated NIC's ports ('%s'): the vif and the tap "
			"share the guest's MAC",
			v->dev);
		vb->policy.lock = 0;
	} else if (!v->has_mac) {
		return hp_vif_fail(v,
				   "unable to lock the port '%s' (port_lock=yes): no mac key in "
				   "'%s'",
				   v->dev, v->xb_path);
	}
	return 0;
}

/* libxl's `vlan` key: the port's VLANs, on a bridge that filters them. */
static int check_vlan(struct hp_vif *v)
{
	struct vb *vb = v->priv;
	char err[160];
	int rc;

	if (hp_vif_read_opt(v, "vlan", &vb->vlan_xs))
		return -1;
	if (!vb->vlan_xs || !*vb->vlan_xs)
		return 0;
	if ((rc = hp_vlan_parse(vb->vlan_xs, &vb->vlans, err, sizeof(err))))
		return rc == -ENOMEM ?
			       hp_vif_fail(v, "unable to parse vlan: %s", strerror(ENOMEM)) :
			       hp_vif_bad(v, "vlan", vb->vlan_xs, err);
	if ((rc = hp_brvlan_bridge_get(v->nl, vb->bridge.br.ifindex, &vb->brv)))
		return hp_vif_fail(v, "unable to read the VLAN settings of bridge '%s': %s",
				   vb->bridge.name, strerror(-rc));
	if (!vb->brv.filtering)
		return hp_vif_fail(
			v, "unable to put '%s' on VLANs '%s' of bridge '%s': %s", v->dev,
			vb->vlan_xs, vb->bridge.name,
			vb->brv.supported ?
				"its vlan_filtering is off (ip link set BRIDGE type bridge "
				"vlan_filtering 1)" :
				"this kernel's bridges do not filter VLANs "
				"(CONFIG_BRIDGE_VLAN_FILTERING)");
	return 0;
}

/* Every check before any change: the bridge, the VLANs, the port policy, the MTU. */
static int check(struct hp_vif *v)
{
	struct vb *vb = v->priv;

	if (find_bridge(v, &vb->bridge) || check_vlan(v) || find_policy(v))
		return -1;
	/* a second online: the port is in the bridge already; its traffic is
	 * left alone, and a failure of this run does not tear it down */
	v->again = v->link.master == vb->bridge.br.ifindex;
	/* for the guard: the trunk's VLANs; no routing between isolated ports */
	v->vlans = vb->vlans.n ? &vb->vlans : NULL;
	v->isolated_bridge = vb->policy.isolated ? &vb->bridge.br : NULL;
	if (!v->mtu)
		v->mtu = vb->bridge.br.mtu;
	return 0;
}

/* Upstream's add_to_bridge. */
static int s_enslave(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	int rc;

	if (v->again)
		return HP_STEP_KEPT;
	if ((rc = hp_link_set_master(v->nl, v->link.ifindex, vb->bridge.br.ifindex)))
		return hp_vif_fail(v, "unable to attach '%s' to bridge '%s': %s", v->dev,
				   vb->bridge.name, strerror(-rc));
	return 0;
}

static void u_enslave(void *ctx)
{
	struct hp_vif *v = ctx;

	if (v->again)
		return;
	hp_link_release(v->nl, v->link.ifindex);
}

/* The name of bridge ifindex into buf, for a message. */
static const char *name_of(struct hp_vif *v, int ifindex, char *buf, size_t size)
{
	struct hp_link l;

	if (!ifindex)
		snprintf(buf, size, "none");
	else if (hp_link_get_index(v->nl, ifindex, &l))
		snprintf(buf, size, "ifindex %d", ifindex);
	else
		snprintf(buf, size, "'%s'", l.name);
	return buf;
}

static int v_enslave(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	char want[HP_IFNAMSIZ + 2], have[32];
	struct hp_link l;

	if (hp_vif_link_now(v, &l))
		return -1;
	if (l.master == vb->bridge.br.ifindex)
		return 0;
	snprintf(want, sizeof(want), "'%s'", vb->bridge.name);
	return hp_vif_drift(v, "bridge", want, name_of(v, l.master, have, sizeof(have)));
}

/* PVID implies untagged, whichever way a list says it. */
static int same_vlans(const struct hp_vlans *a, const struct hp_vlans *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		unsigned int fa = a->v[i].flags, fb = b->v[i].flags;

		fa |= fa & HP_VLAN_PVID ? HP_VLAN_UNTAGGED : 0;
		fb |= fb & HP_VLAN_PVID ? HP_VLAN_UNTAGGED : 0;
		if (a->v[i].id != b->v[i].id || fa != fb)
			return 0;
	}
	return 1;
}

/* The port's entries are exactly the `vlan` key's (the bridge's default
 * VLAN gone unless listed); a port not in its bridge has enslave's drift. */
static int v_vlan(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	struct hp_brport_info p;
	char want[256], have[256];
	int rc, drift = 0;

	if (!vb->vlans.n)
		return 0;
	rc = hp_brport_info_get(v->nl, v->link.ifindex, &p);
	if (rc == -ENODEV)
		return 0;
	if (rc)
		return hp_vif_fail(v, "unable to read the VLANs of '%s': %s", v->dev,
				   strerror(-rc));
	if (p.master == vb->bridge.br.ifindex && !same_vlans(&p.vlans, &vb->vlans)) {
		hp_vlans_format(&vb->vlans, want, sizeof(want));
		hp_vlans_format(&p.vlans, have, sizeof(have));
		drift = hp_vif_drift(v, "vlans", want, have);
	}
	hp_brport_info_free(&p);
	return drift;
}

static void fmt_flags(const struct hp_brport_flags *f, char *buf, size_t size)
{
	snprintf(buf, size,
		 "learning %s, flood %s, locked %s, isolated %s, bpdu_guard %s, root_block %s",
		 f->learning ? "on" : "off", f->unicast_flood ? "on" : "off",
		 f->locked ? "on" : "off", f->isolated ? "on" : "off", f->bpdu_guard ? "on" : "off",
		 f->root_block ? "on" : "off");
}

/* The flags s_policy sets (the others left as the port has them), and
 * the locked port's sticky entry. */
static int v_policy(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	struct hp_brport_info p;
	struct hp_brport_flags want = HP_BRPORT_FLAGS_LEAVE;
	char ws[160], hs[160];
	int rc, drift = 0, found, is_static, sticky;

	want.bpdu_guard = want.root_block = 1;
	if (vb->policy.lock)
		want.learning = want.unicast_flood = 0, want.locked = 1;
	if (vb->policy.isolated)
		want.isolated = 1;
	rc = hp_brport_flags_get(v->nl, v->link.ifindex, &p);
	if (rc == -ENODEV)
		return 0;
	if (rc)
		return hp_vif_fail(v, "unable to read the port flags of '%s': %s", v->dev,
				   strerror(-rc));
	hp_brport_info_free(&p);
	if (p.master != vb->bridge.br.ifindex)
		return 0;
	if ((want.learning >= 0 && want.learning != p.flags.learning) ||
	    (want.unicast_flood >= 0 && want.unicast_flood != p.flags.unicast_flood) ||
	    (want.locked >= 0 && want.locked != p.flags.locked) ||
	    (want.isolated >= 0 && want.isolated != p.flags.isolated) ||
	    want.bpdu_guard != p.flags.bpdu_guard || want.root_block != p.flags.root_block) {
		struct hp_brport_flags w = p.flags;

		if (want.learning >= 0)
			w.learning = want.learning, w.unicast_flood = want.unicast_flood,
			w.locked = want.locked;
		if (want.isolated >= 0)
			w.isolated = want.isolated;
		w.bpdu_guard = want.bpdu_guard;
		w.root_block = want.root_block;
		fmt_flags(&w, ws, sizeof(ws));
		fmt_flags(&p.flags, hs, sizeof(hs));
		drift = hp_vif_drift(v, "port flags", ws, hs);
	}
	if (!vb->policy.lock)
		return drift;
	if ((rc = hp_brport_fdb_get(v->nl, v->link.ifindex, v->mac, &found, &is_static, &sticky)))
		return hp_vif_fail(v, "unable to read the forwarding entries of '%s': %s", v->dev,
				   strerror(-rc));
	if (!found || !is_static || !sticky) {
		snprintf(ws, sizeof(ws), "%s static sticky", v->mac_s);
		snprintf(hs, sizeof(hs),
			 !found	    ? "none" :
			 !is_static ? "%s learned" :
				      "%s not sticky",
			 v->mac_s);
		drift = hp_vif_drift(v, "forwarding entry", ws, hs);
	}
	return drift;
}

/* In the bridge and still down: no frame crosses on the wrong VLAN. */
static int s_vlan(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	int rc;

	if (v->again || !vb->vlans.n)
		return HP_STEP_KEPT;
	if ((rc = hp_brvlan_port_set(v->nl, v->link.ifindex, &vb->vlans, vb->brv.default_pvid)))
		return hp_vif_fail(v, "unable to put '%s' on VLANs '%s': %s", v->dev, vb->vlan_xs,
				   strerror(-rc));
	return 0;
}

static void u_vlan(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;

	if (v->again)
		return;
	hp_brvlan_port_unset(v->nl, v->link.ifindex, &vb->vlans, vb->brv.default_pvid);
}

/* After enslave (flags and entries belong to the port), before up.
 * Every guest port: the bridge's STP protections (a guest never becomes
 * the root bridge nor moves the topology: a BPDU disables its port), and
 * the host's port policy. */
static int s_policy(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	struct hp_brport_flags f = HP_BRPORT_FLAGS_LEAVE;
	int rc;

	f.bpdu_guard = f.root_block = 1;
	if (vb->policy.lock)
		f.learning = f.unicast_flood = 0, f.locked = 1;
	if (vb->policy.isolated)
		f.isolated = 1;
	if ((rc = hp_brport_set(v->nl, v->link.ifindex, &f)))
		return hp_vif_fail(
			v,
			"unable to set the port flags of '%s' on bridge '%s' (bpdu_guard, "
			"root_block%s%s): %s",
			v->dev, vb->bridge.name, vb->policy.lock ? ", locked" : "",
			vb->policy.isolated ? ", isolated" : "", strerror(-rc));
	if (vb->policy.lock && (rc = hp_brport_fdb_add(v->nl, v->link.ifindex, v->mac)))
		return hp_vif_fail(v,
				   "unable to add the forwarding entry of '%s' for %s on bridge "
				   "'%s': %s",
				   v->dev, v->mac_s, vb->bridge.name, strerror(-rc));
	return v->again ? HP_STEP_KEPT : 0;
}

/*
 * port_lock and a guest with two ports.  A bridge holds one forwarding
 * entry per MAC and VLAN, so the online of a second port for the same
 * guest takes the sticky entry from the first: the receiving side of `xl
 * migrate` attaches the new domain's vif while the sending domain still
 * exists, suspended, and the new port, locked with learning off, would
 * drop every frame of the resumed guest if the entry stayed on the old
 * one (an entry on both ports cannot exist).  When the port that took it
 * goes (the migration failed and the receiver's copy is destroyed, or
 * its online failed and was undone), the entry goes with it, and the
 * first port, locked, would then drop all the guest sends once it
 * resumes there.  So whoever removes a locked port gives the MAC back:
 * when no port of the bridge holds an entry for it any more, the locked
 * port whose guest has that MAC (its backend's `mac` key; a port is
 * named after its backend by libxl, or by its alias once renamed) gets
 * the entry again.  The usual offline (a migration that succeeded, a
 * guest that stopped) finds the MAC held or no such port: one link dump
 * and, per bridge with locked ports, one entry lookup; no xenstore read.
 */

/* The backend directory, beside ours, of the vif libxl named libxl_name. */
static int sibling_path(const struct hp_vif *v, const char *libxl_name, char *out, size_t size)
{
	const char *end = v->xb_path + strlen(v->xb_path);
	unsigned int domid, devid;
	int slashes = 0;

	if (hp_parse_vif_name(libxl_name, &domid, &devid))
		return -EINVAL;
	while (end > v->xb_path && slashes < 2)
		if (*--end == '/')
			slashes++;
	if (slashes < 2)
		return -EINVAL;
	snprintf(out, size, "%.*s/%u/%u", (int)(end - v->xb_path), v->xb_path, domid, devid);
	return 0;
}

/* 1 when the guest behind bridge port ifindex has our MAC, else 0. */
static int serves_our_mac(struct hp_vif *v, int ifindex, char *name, size_t size)
{
	unsigned char mac[6];
	char path[256], *val = NULL;
	struct hp_link l;
	int rc;

	if (hp_link_get_index(v->nl, ifindex, &l) ||
	    sibling_path(v, *l.alias ? l.alias : l.name, path, sizeof(path)))
		return 0;
	snprintf(name, size, "%s", l.name);
	rc = hp_xs_read_key(v->xs, path, "mac", &val);
	if (rc && rc != -ENOENT)
		hp_warn("unable to read '%s/mac': %s", path, strerror(-rc));
	rc = !rc && !hp_parse_mac(val, mac, 1) && !memcmp(mac, v->mac, 6);
	free(val);
	return rc;
}

/* See above: our MAC back on the port that still serves it, in bridge
 * br (0: every bridge with locked ports; the vif is gone and with it
 * the name of its bridge).  0, or the return of hp_vif_fail(). */
static int give_back(struct hp_vif *v, int br)
{
	struct vb *vb = v->priv;
	struct hp_brport_info *ports = NULL;
	char name[HP_IFNAMSIZ];
	size_t n = 0, i, j;
	int rc, holder, failed = 0;

	if (!vb->policy.lock || !v->has_mac)
		return 0;
	if ((rc = hp_brport_list(v->nl, &ports, &n)))
		return hp_vif_fail(v, "unable to list the bridge ports: %s", strerror(-rc));
	for (i = 0; i < n; i++) {
		int b = ports[i].master;

		if ((br && b != br) || ports[i].flags.locked != 1 ||
		    ports[i].ifindex == v->link.ifindex)
			continue;
		for (j = 0; j < i && (ports[j].master != b || ports[j].flags.locked != 1); j++)
			;
		if (j < i)
			continue; /* this bridge was looked at already */
		rc = hp_brport_fdb_port(v->nl, b, v->mac, &holder);
		if (!rc)
			continue; /* held: by a port that took it, or not ours to give */
		if (rc != -ENOENT) {
			failed = hp_vif_fail(v, "unable to look up the forwarding entry for %s: %s",
					     v->mac_s, strerror(-rc));
			continue;
		}
		for (j = i; j < n; j++) {
			if (ports[j].master != b || ports[j].flags.locked != 1 ||
			    ports[j].ifindex == v->link.ifindex ||
			    !serves_our_mac(v, ports[j].ifindex, name, sizeof(name)))
				continue;
			if ((rc = hp_brport_fdb_add(v->nl, ports[j].ifindex, v->mac)))
				failed = hp_vif_fail(
					v,
					"unable to give the forwarding entry for %s back "
					"to '%s', which still serves it: %s",
					v->mac_s, name, strerror(-rc));
			else
				hp_info("%s: forwarding entry for %s given back to '%s' (port_lock), "
					"which still serves it",
					v->command, v->mac_s, name);
			break;
		}
	}
	hp_brport_list_free(ports, n);
	return failed;
}

/* What a port gets when it joins a bridge. */
static void u_policy(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vb *vb = v->priv;
	struct hp_brport_flags f = { 1, 1, 0, 0, 0, 0 };

	if (v->again)
		return;

	if (vb->policy.lock)
		hp_brport_fdb_del(v->nl, v->link.ifindex, v->mac);
	hp_brport_set(v->nl, v->link.ifindex, &f);
	give_back(v, vb->bridge.br.ifindex);
}

static void attached(struct hp_vif *v)
{
	struct vb *vb = v->priv;

	hp_info("%s: attached to bridge '%s', mtu %u%s%s%s", v->command, vb->bridge.name, v->mtu,
		hp_vif_guarded(v) ? ", guarded" : "", vb->policy.lock ? ", locked" : "",
		vb->policy.isolated ? ", isolated" : "");
}

static const struct hp_step steps[] = {
	HP_VIF_STEP_PREPARE_PORT,
	HP_VIF_STEP_MTU,
	HP_VIF_STEP_RATE,
	HP_VIF_STEP_GUARD,
	{ "enslave", s_enslave, u_enslave, v_enslave },
	{ "vlan", s_vlan, u_vlan, v_vlan },
	{ "port-policy", s_policy, u_policy, v_policy },
	HP_VIF_STEP_UP,
};

/* The guest's MAC and the host's port policy, for give_back(); what
 * cannot be read is skipped with a warning (nothing to give back). */
static void detach_policy(struct hp_vif *v)
{
	struct vb *vb = v->priv;
	char err[512];

	if (v->is_tap)
		return;
	if (hp_brport_policy("", &vb->policy, err, sizeof(err))) {
		hp_warn("%s", err);
		vb->policy.lock = 0;
	}
	if (!vb->policy.lock)
		return;
	if (hp_xs_read_key(v->xs, v->xb_path, "mac", &v->mac_s))
		return;
	if (hp_parse_mac(v->mac_s, v->mac, 1))
		hp_warn("ignoring invalid mac '%s'", v->mac_s);
	else
		v->has_mac = 1;
}

/* Upstream's remove_from_bridge; the bridge itself need not exist.  One
 * line in the log whatever happened (upstream: "Successful vif-bridge
 * offline"), also when netback has removed the vif already. */
static int detach(struct hp_vif *v)
{
	struct vb *vb = v->priv;
	const char *name = NULL;
	struct hp_link *m = &vb->bridge.br;
	int rc, rate = hp_vif_rate_del(v);

	hp_vif_hook_var(v, "bridge", hp_param_str(&v->params, "bridge"));
	detach_policy(v);
	if (!v->link.ifindex) {
		hp_info("%s: '%s' is gone already: nothing to detach", v->command, v->dev);
		rc = give_back(v, 0);
		return rc ? rc : rate;
	}
	if (!v->link.master) {
		if ((rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) && rc != -ENODEV)
			return hp_vif_fail(v, "unable to bring '%s' down: %s", v->dev,
					   strerror(-rc));
	} else {
		if (!hp_link_get_index(v->nl, v->link.master, m) && m->is_bridge) {
			name = m->name;
			hp_vif_hook_var(v, "bridge", name);
		}
		/* down and out of the bridge: one request */
		if ((rc = hp_link_release(v->nl, v->link.ifindex)) && rc != -ENODEV)
			return hp_vif_fail(
				v, "unable to bring '%s' down and detach it from bridge '%s': %s",
				v->dev, name ?: "?", strerror(-rc));
	}
	hp_info("%s: detached%s%s%s%s", v->command, name ? " from bridge '" : "", name ?: "",
		name ? "'" : "", v->link.master ? "" : " (it was in no bridge)");
	rc = give_back(v, name ? m->ifindex : 0);
	return rc ? rc : rate;
}

static void cleanup(struct hp_vif *v)
{
	struct vb *vb = v->priv;

	free(vb->bridge.bridge_xs);
	free(vb->type_xs);
	free(vb->vlan_xs);
	hp_vlans_free(&vb->vlans);
}

static const struct hp_vif_tool tool = {
	.name = "vif-bridge",
	.usage =
		"usage: vif-bridge online|offline [type_if=vif] [bridge=BR] [ip=\"A B\"] [key=value...]\n"
		"       vif-bridge add|remove type_if=tap [bridge=BR] [key=value...]\n"
		"Attaches the Xen vif named by $vif (or the tap named by $INTERFACE) to a\n"
		"bridge, as described under $XENBUS_PATH in xenstore.  Run by libxl.\n",
	.fw_family = HP_FW_BRIDGE,
	.check = check,
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.detach = detach,
	.attached = attached,
	.cleanup = cleanup,
};

int main(int argc, char **argv)
{
	struct vb vb = { 0 };

	return hp_vif_main(argc, argv, &tool, &vb);
}
