/* What every vif script shares: upstream's vif-common.sh.  The calling
 * convention (command, type_if, vif/INTERFACE, XENBUS_PATH), the keys all
 * of them read (vifname, ip, mac, mtu, frontend), finding and renaming the
 * interface, hooks, the result protocol, the one failure path and a
 * watchdog.
 *
 * online/add runs in this order (tools fill a struct hp_vif_tool and call
 * hp_vif_main() from main(), with their own state as priv):
 *   1. the common keys, read and validated;
 *   2. the interface found, by libxl's name or, renamed already by an
 *      earlier online, by vifname (waiting for netback to create it);
 *   3. the tool's check(): its own keys and every check of the host, so
 *      that nothing is changed when any input is wrong;
 *   4. one transaction (hp/txn.h): rename to vifname, the tool's
 *      steps, the hooks, hotplug-status=connected.  A failure undoes every
 *      step that ran, in reverse, then reports hotplug-error.
 * offline/remove: the tool's detach(), the guard removed (by name, even
 * when the interface is gone), the hooks.
 *
 * verify/repair (run by xen-hotplug(8) with libxl's environment, never by
 * libxl): steps 1 to 3 as for online, without waiting for the vif and
 * without writing to xenstore on failure; then each step's verify
 * (hp/txn.h) says whether what online set up is still there, one line
 * per difference on stdout:
 *   drift TAB <vif> TAB <step> TAB <object> TAB <expected> TAB <found>
 *   error TAB <vif> TAB <message>          (what stopped the check)
 * (tabs, newlines and backslashes in a field escaped as \t \n \\).
 * repair runs again, as one transaction, only the steps that drifted (the
 * hooks never).  Exit: 0 in place (or put back), 1 a difference or a
 * failure, 2 usage.
 *
 * A tap's `rate` (read and validated in step 1 for taps only: netback
 * limits the PV vif itself) is applied by a step the tools list,
 * HP_VIF_STEP_RATE, and removed by hp_vif_rate_del() in their detach. */
#ifndef HP_VIF_H
#define HP_VIF_H

#include <stddef.h>

#include "hp/fw.h"
#include "hp/hooks.h"
#include "hp/link.h"
#include "hp/params.h"
#include "hp/parse.h"
#include "hp/rate.h"
#include "hp/txn.h"
#include "hp/xs.h"

#define HP_VIF_MAX_HOOK_VARS 8

struct hp_vif;

struct hp_vif_tool {
	const char *name; /* log tag, e.g. "vif-bridge" */
	const char *usage; /* printed by --help and on usage errors */
	enum hp_fw_family fw_family;
	/* online/add, before any change; v->link is the interface found.
	 * 0, or the return of hp_vif_fail(). */
	int (*check)(struct hp_vif *v);
	/* online/add: run after the rename, with the struct hp_vif as ctx */
	const struct hp_step *steps;
	size_t nsteps;
	/* offline/remove: v->link.ifindex is 0 when the interface is gone. */
	int (*detach)(struct hp_vif *v);
	/* online/add: what the run set up, in one log line, once the vif is
	 * up (hp_vif_s_up; may be NULL) */
	void (*attached)(struct hp_vif *v);
	/* free what the tool's state holds, whatever happened (may be NULL) */
	void (*cleanup)(struct hp_vif *v);
};

struct hp_vif {
	const struct hp_vif_tool *tool;
	void *priv; /* the tool's own state, as given to hp_vif_main */
	struct hp_params params;
	const char *argv0;
	const char *command; /* online, offline, add, remove */
	int is_tap;
	int online; /* online/add */
	const char *libxl_name; /* $vif, or $INTERFACE for a tap */
	const char *xb_path; /* XENBUS_PATH */
	char dev[HP_IFNAMSIZ]; /* the interface, after vifname */

	/* backend keys; NULL when absent */
	char *vifname, *ip_xs, *mac_s, *mtu_s, *frontend;
	/* the backend directory's keys, listed once for the optional ones
	 * (hp_vif_read_opt); listed: 1 done, -1 failed (each key is read) */
	char **xb_keys;
	unsigned int nxb_keys;
	int xb_listed;
	const char *ip; /* effective `ip`: xenstore > argument > environment */
	struct hp_prefix *ips;
	size_t nips;
	int ips_invalid; /* offline only: `ip` did not parse, ips is empty */
	unsigned char mac[6];
	int has_mac;
	unsigned int mtu; /* 0 when no `mtu` key */
	char *rate_s; /* a tap's `rate` key, NULL when absent (or not a tap) */
	struct hp_rate rate;
	int rate_created; /* this run made the tap's ifb */
	char ifb[HP_IFNAMSIZ]; /* ifb<domid>.<devid>: what the tap receives, limited */

	struct hp_xs *xs;
	struct hp_nl *nl;
	struct hp_link link; /* read when found, renamed by the rename step */
	struct hp_link found; /* the vif as netback made it, before any step (undo) */
	int again; /* a second online: check() found the vif in place */
	/* set by the tool's check() for the guard (hp/fw.h): the port's
	 * VLANs, and the bridge whose ports are isolated (port_isolated) */
	const struct hp_vlans *vlans;
	const struct hp_link *isolated_bridge;
	int renamed; /* this run renamed the interface */

	/* tool-specific hook variables (bridge, main_ip...) */
	struct hp_hook_var hook_vars[HP_VIF_MAX_HOOK_VARS];
	size_t n_hook_vars;

	int admin; /* HP_VIF_VERIFY or HP_VIF_REPAIR: xen-hotplug's run */

	char error[512]; /* the first failure, for hotplug-error */
	int reported; /* a hook's fatal wrote hotplug-error itself */
	char xb_buf[64], fe_buf[64];
};

#define HP_VIF_VERIFY 1
#define HP_VIF_REPAIR 2

int hp_vif_main(int argc, char **argv, const struct hp_vif_tool *tool, void *priv);

/* For a step's verify: one difference, written as the line above.
 * Returns HP_STEP_DRIFT, for `return hp_vif_drift(...)`. */
int hp_vif_drift(struct hp_vif *v, const char *object, const char *expected, const char *found);
/* The vif's link as the kernel has it now (by ifindex): 0, or the
 * return of hp_vif_fail(). */
int hp_vif_link_now(struct hp_vif *v, struct hp_link *out);
/* A sysctl of the vif or another link ("rp_filter", AF_INET): 0 with
 * *val, or the return of hp_vif_fail(). */
int hp_vif_sysctl(struct hp_vif *v, int family, const char *ifname, const char *key, int *val);

/* A failure: logged, and kept for hotplug-error when it is the first.
 * Returns -1, for `return hp_vif_fail(...)` from a check or a step. */
int hp_vif_fail(struct hp_vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "invalid <key> '<val>' (<XENBUS_PATH>/<key>): <why>" through hp_vif_fail. */
int hp_vif_bad(struct hp_vif *v, const char *key, const char *val, const char *why);
/* Read an optional backend key; *val NULL when missing; -1 on failure.
 * The backend directory is listed on the first call (libxl wrote every
 * key before it ran the script): a key it does not hold is missing
 * without a read of its own. */
int hp_vif_read_opt(struct hp_vif *v, const char *key, char **val);
/* A tool-specific variable for the hooks (value borrowed). */
void hp_vif_hook_var(struct hp_vif *v, const char *name, const char *value);
/* The frontend directory: the `frontend` key, else from XENBUS_PATH. */
const char *hp_vif_frontend_path(struct hp_vif *v);
/* Replace the ip list (a copy is taken), e.g. vif-nat's guard on the
 * guest's /32.  0 or -ENOMEM. */
int hp_vif_set_ips(struct hp_vif *v, const struct hp_prefix *p, size_t n);
/* hp_fw_guard_add for this vif, its mac and ip list; 0 or hp_vif_fail(). */
int hp_vif_guard_add(struct hp_vif *v);
/* The undo of hp_vif_guard_add. */
void hp_vif_guard_del(struct hp_vif *v);
/* 1 when the host's guard filters this vif (the backend filters, and it
 * has ip entries or the host is strict), else 0. */
int hp_vif_guarded(const struct hp_vif *v);

/* Routed guests (vif-route, vif-nat) reach only dom0 when dom0 does not
 * forward: a warning naming the sysctl, when forwarding is off on dev
 * ("all" for the host-wide switch). */
void hp_vif_warn_forwarding(int family, const char *dev);

/* 1 when ifindex is this vif, or the same guest NIC's twin (the PV vif
 * "x" and the emulated NIC's tap "x-emu" share the guest's addresses). */
int hp_vif_is_ours(struct hp_vif *v, int ifindex);

/* Steps the tools share (vif-steps.c), each KEPT when v->again (and then
 * never undone, even when it fails):
 * prepare-port, upstream's setup_bridge_port (down, MAC fe:ff:ff:ff:ff:ff,
 * addresses flushed, no IPv6 link-local; undone: down, netback's MAC);
 * mtu, v->mtu on the link and in the frontend's `mtu` (KEPT when 0;
 * undone: netback's MTU); up, then the tool's attached() (undone: down). */
int hp_vif_s_prepare_port(void *ctx);
void hp_vif_u_prepare_port(void *ctx);
int hp_vif_v_prepare_port(void *ctx);
int hp_vif_s_mtu(void *ctx);
void hp_vif_u_mtu(void *ctx);
int hp_vif_v_mtu(void *ctx);
int hp_vif_s_up(void *ctx);
void hp_vif_u_down(void *ctx);
int hp_vif_v_up(void *ctx);
#define HP_VIF_STEP_PREPARE_PORT                                              \
	{                                                                     \
		"prepare-port", hp_vif_s_prepare_port, hp_vif_u_prepare_port, \
			hp_vif_v_prepare_port                                 \
	}
#define HP_VIF_STEP_MTU                                         \
	{                                                       \
		"mtu", hp_vif_s_mtu, hp_vif_u_mtu, hp_vif_v_mtu \
	}
#define HP_VIF_STEP_UP                                        \
	{                                                     \
		"up", hp_vif_s_up, hp_vif_u_down, hp_vif_v_up \
	}
/* guard: hp_vif_guard_add, before the vif can forward anything (undone:
 * hp_vif_guard_del). */
int hp_vif_s_guard(void *ctx);
void hp_vif_u_guard(void *ctx);
int hp_vif_v_guard(void *ctx);
#define HP_VIF_STEP_GUARD                                               \
	{                                                               \
		"guard", hp_vif_s_guard, hp_vif_u_guard, hp_vif_v_guard \
	}

/* The step that limits a tap both ways to its `rate` (hp/tc.h): what
 * netback does for the guest's PV vif, for its emulated NIC, which has no
 * limit otherwise until the guest's PV drivers take over.  List it before
 * `up`: a limit set later lets the first frames through at line rate.
 * KEPT for a vif, a tap without `rate`, and a second add (the limit is
 * then updated in place, never removed by this run's undo). */
int hp_vif_rate_add(void *ctx);
void hp_vif_rate_undo(void *ctx);
int hp_vif_rate_verify(void *ctx);
#define HP_VIF_STEP_RATE                                                      \
	{                                                                     \
		"rate", hp_vif_rate_add, hp_vif_rate_undo, hp_vif_rate_verify \
	}
/* For detach: a tap's limit and its ifb removed, also when the tap is
 * gone (the ifb is named after XENBUS_PATH); nothing for a vif.  0, or
 * the return of hp_vif_fail(). */
int hp_vif_rate_del(struct hp_vif *v);

#endif
