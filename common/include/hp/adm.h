/* The administrator's view of the host (xen-hotplug(8)): the vifs this
 * domain backs, read from xenstore; each checked (verify) or put back
 * (repair) by the vif tool that set it up, run as libxl runs it, so that
 * "what online set up" has one definition, the tool's own keys, check()
 * and steps; what the kernel has for each; and what a Xen vif script made
 * that no vif backs any more (gc).  Never on the hotplug path: a process
 * per vif is started here. */
#ifndef HP_ADM_H
#define HP_ADM_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "hp/brinfo.h"
#include "hp/fw.h"
#include "hp/link.h"
#include "hp/ovsdb.h"
#include "hp/tc.h"
#include "hp/xs.h"

/* One difference a tool's verify found (hp/vif.h's drift line). */
struct hp_adm_diff {
	char *step, *object, *expected, *found;
};

/* A vif, or an emulated NIC's tap (the same backend directory, a second
 * entry), as xenstore describes it. */
struct hp_adm_vif {
	unsigned int domid, devid;
	int is_tap;
	char dev[HP_IFNAMSIZ]; /* the interface: vifname, else libxl's name */
	char libxl_name[HP_IFNAMSIZ]; /* vif<domid>.<devid>, -emu for a tap */
	char be[48]; /* backend/vif/<domid>/<devid>, relative as libxl gives it */
	char *domain; /* /local/domain/<domid>/name, NULL */
	/* backend keys, NULL when absent */
	char *script, *type, *bridge, *ip, *mac, *mtu, *vlan, *rate, *vifname, *gatewaydev;
	char *state, *online, *hotplug_status, *hotplug_error;
	char tool[24]; /* "vif-bridge"...: the script is ours; "" otherwise */
	const char *why_not; /* why not checked, when tool is "" or a key is bad */

	/* the tool's verify or repair, after hp_adm_run() */
	int ran;
	int exit_status;
	struct hp_adm_diff *diffs;
	size_t ndiffs;
	char *error; /* what stopped it (its error line), NULL */
	char *log; /* its stderr, NULL */
};

/* Every vif this domain backs (backend/vif, relative: in a driver domain
 * its own), ordered by domain, device, vif before tap.  -ENOENT is no
 * error: *n is 0.  Values that do not validate as libxl writes them (a
 * vifname that is no interface name) leave tool "" with why_not said. */
int hp_adm_vifs(struct hp_xs *xs, struct hp_adm_vif **out, size_t *n);
void hp_adm_vifs_free(struct hp_adm_vif *v, size_t n);

/* ---- which vifs a command acts on (adm-set.c) ---- */

struct hp_adm_set {
	struct hp_xs *xs;
	struct hp_nl *nl;
	struct hp_adm_vif *v; /* every vif, hp_adm_vifs() */
	size_t n;
	unsigned char *sel; /* n flags: the command acts on v[i] */
};
/* Connects to xenstore and rtnetlink and reads the vifs; a failure is
 * logged.  0 or -errno (close it all the same). */
int hp_adm_set_open(struct hp_adm_set *h);
void hp_adm_set_close(struct hp_adm_set *h);
/* The vifs named (by their name or libxl's), or, with none, all.
 * -ENOENT with *unknown the first name no vif has: nothing selected. */
int hp_adm_set_select(struct hp_adm_set *h, char *const *names, int nnames, const char **unknown);
/* Is v on bridge br by its `bridge` key (vif-openvswitch's BR[.TAG]
 * [:TRUNK...] is BR; no key: a vif-bridge vif may be on any)? */
int hp_adm_on_bridge(const struct hp_adm_vif *v, const char *br);
/* Why repair may not act on v, or NULL: it must be ours, online (not
 * being detached), and its online must have succeeded (hotplug-status
 * connected); named, also when its hotplug-status was lost; never after
 * a failed online (hotplug-status error: libxl's to retry). */
const char *hp_adm_why_not_repaired(const struct hp_adm_vif *v, int named);

/* The directory the vif tools are in: $XEN_HOTPLUG_TOOL_DIR, else the
 * one compiled in (make install's). */
const char *hp_adm_tool_dir(void);

/* Runs `TOOL verify|repair type_if=vif|tap` for each v[i] with run[i]
 * set and tool non-empty, as libxl runs it (script, XENBUS_TYPE,
 * XENBUS_PATH, XENBUS_BASE_PATH, netdev, vif, INTERFACE), at most
 * `parallel` at once; fills ran, exit_status, diffs, error, log.  0, or
 * -errno when nothing could be run. */
int hp_adm_run(struct hp_adm_vif *v, size_t n, const unsigned char *run, const char *command,
	       unsigned int parallel);

/* What the kernel (and Open vSwitch) has for a vif, for status. */
struct hp_adm_state {
	int link; /* the interface exists */
	struct hp_link l;
	char master[HP_IFNAMSIZ]; /* its bridge's name, "" */
	const struct hp_brport_info *bp; /* its bridge port (the host's reading), NULL */
	int rate; /* a tap's rate limit of ours is there (its ifb exists) */
	char ifb[HP_IFNAMSIZ];
	struct hp_tc_state tc;
	int guard; /* guard state in some family: in g */
	struct hp_fw_guard_info g;
	const struct hp_ovs_port_info *op; /* its Open vSwitch port, NULL */
};

/* A reading of the whole host, for hp_adm_state_get(): the bridge ports,
 * the names each guard table holds, Open vSwitch's ports (when its
 * database answers). */
struct hp_adm_host;
int hp_adm_host_read(struct hp_nl *nl, struct hp_adm_host **h);
void hp_adm_host_free(struct hp_adm_host *h);
/* "" when Open vSwitch was read (or is not there), else why not. */
const char *hp_adm_host_ovs_error(const struct hp_adm_host *h);
/* st points into h: valid while h is. */
int hp_adm_state_get(struct hp_nl *nl, const struct hp_adm_host *h, const struct hp_adm_vif *v,
		     struct hp_adm_state *st);

/* ---- repair --watch (adm-watch.c) ---- */

/* Waits for link events; half a second after a bridge (only: that one)
 * was created again or came up, and after its last event, calls
 * repair(bridge, data); after events were lost, repair(NULL, data).
 * Until *stop is set (by a signal handler); 0, or -errno. */
int hp_adm_watch(const char *only, int (*repair)(const char *bridge, void *data), void *data,
		 volatile sig_atomic_t *stop);

/* ---- showing it (adm-show.c, adm-json.c, adm-prom.c) ---- */

struct hp_adm_view {
	const struct hp_adm_vif *v;
	struct hp_adm_state st;
};
struct hp_adm_orphan;

/* The backend's state in XenbusState's words ("Connected"), "-". */
const char *hp_adm_state_name(const struct hp_adm_vif *v);
/* One line a vif; verbose: the details under each. */
void hp_adm_show_table(FILE *f, const struct hp_adm_view *w, size_t n, int verbose);
/* verify's lines: "VIF: OBJECT: expected E, found F" + suffix, then
 * what stopped the tool. */
void hp_adm_show_diffs(FILE *f, const struct hp_adm_vif *v, const char *suffix);
void hp_adm_show_orphan(FILE *f, const struct hp_adm_orphan *o);
/* The JSON document of the README (version 1); ovs_error "" when none. */
void hp_adm_show_json(FILE *f, const struct hp_adm_view *w, size_t n, const struct hp_adm_orphan *o,
		      size_t no, const char *ovs_error);
/* node_exporter's textfile format (Prometheus text exposition 0.0.4). */
void hp_adm_show_prometheus(FILE *f, const struct hp_adm_view *w, size_t n, size_t norphans,
			    int verified);

/* What a Xen vif script made and no vif of vifs backs (gc). */
enum hp_adm_kind { HP_ADM_GUARD, HP_ADM_IFB, HP_ADM_OVS_PORT, HP_ADM_DHCP };
struct hp_adm_orphan {
	enum hp_adm_kind kind;
	char name[HP_OVS_NAMESIZ]; /* the vif's name (the ifb's for an ifb) */
	enum hp_fw_family family; /* HP_ADM_GUARD */
	char owner[HP_IFNAMSIZ]; /* the link whose presence keeps it: the vif, a tap */
	int owner_exists; /* that link is there: kept (xenstored lost its state?) */
	struct hp_ovs_port_info op; /* HP_ADM_OVS_PORT */
};
/* Looks at the kernel after the vifs were read from xenstore: an object
 * whose vif a concurrent online adds is on a link that exists, which
 * keeps it.  *out malloc'd. */
int hp_adm_orphans(struct hp_nl *nl, const struct hp_adm_vif *vifs, size_t nvifs,
		   struct hp_adm_orphan **out, size_t *n);
/* Removes one (never one whose owner exists: -EBUSY), through the same
 * removal offline uses; gone already is a success. */
int hp_adm_orphan_remove(struct hp_nl *nl, const struct hp_adm_orphan *o);
const char *hp_adm_kind_name(enum hp_adm_kind k);

#endif
