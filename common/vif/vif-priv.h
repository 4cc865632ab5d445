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
int vif_s_rename(void *ctx);
void vif_u_rename(void *ctx);
int vif_s_hooks(void *ctx);
int vif_s_connected(void *ctx);

#endif
