/* Private to common/vif/: how the parts of a vif script's run (vif.c)
 * reach each other.  vif-keys.c reads and validates the keys,
 * vif-watchdog.c stops a run that hangs, vif-report.c keeps the first
 * failure and writes it to xenstore, vif-hooks.c runs the vif-post.d
 * hooks with the run's variables, vif-steps.c holds the steps the run
 * adds around the tool's own (rename, hooks, connected) and the steps
 * the tools share. */
#ifndef HP_VIF_PRIV_H
#define HP_VIF_PRIV_H

#include "hp/vif.h"

/* vif-keys.c: every key online reads, validated before any change;
 * 0 or hp_vif_fail(). */
int vif_read_keys(struct hp_vif *v);
/* The keys offline needs (vifname, ip): what does not validate is
 * ignored with a warning, never passed on to a hook. */
void vif_read_keys_offline(struct hp_vif *v);

/* vif.c: the vif found (without waiting when v->admin); 0, or the
 * return of hp_vif_fail() (of hp_vif_drift() when v->admin finds no
 * link). */
int vif_locate(struct hp_vif *v);

/* vif-admin.c: xen-hotplug's verify and repair (hp/vif.h); the exit
 * status. */
int vif_admin(struct hp_vif *v);
/* The error line for v->error (or what failed); returns 1. */
int vif_admin_error(struct hp_vif *v);

/* vif-watchdog.c: armed once the run knows its vif (XEN_HOTPLUG_TIMEOUT,
 * default 30 s; 0 turns it off), stopped at the end. */
void vif_watchdog_arm(struct hp_vif *v);
void vif_watchdog_stop(void);
/* The link the watchdog takes down when the undo does not finish. */
void vif_watchdog_link(int ifindex);
/* While on, the watchdog waits for xenstored to confirm
 * hotplug-status=connected instead of cancelling. */
void vif_watchdog_committing(int on);

/* vif-report.c: the failure path of online, hotplug-error then
 * hotplug-status=error (on a fresh connection when the watchdog cut the
 * first).  Returns 1, the exit status. */
int vif_report_failure(struct hp_vif *v);

/* vif-hooks.c: the vif-post.d hooks; 0 or hp_vif_fail(). */
int vif_run_hooks(struct hp_vif *v);

/* vif-steps.c: the steps around the tool's own. */
/* A bridge port's MAC, fe:ff:ff:ff:ff:ff (upstream's, never the bridge's
 * own: a bridge takes the lowest of its ports'). */
extern const unsigned char vif_port_mac[6];
/* The guard this vif gets (hp/fw.h): the one description the guard step
 * installs and its verify looks for. */
void vif_guard_of(const struct hp_vif *v, struct hp_guard *g);
/* A tap's ifb, ifb<domid>.<devid> from XENBUS_PATH, into v->ifb:
 * 0, or -EINVAL. */
int vif_ifb_name(struct hp_vif *v);
int vif_s_rename(void *ctx);
void vif_u_rename(void *ctx);
int vif_s_hooks(void *ctx);
int vif_s_connected(void *ctx);
/* vif-verify.c: their verify */
int vif_v_rename(void *ctx);
int vif_v_connected(void *ctx);

#endif
