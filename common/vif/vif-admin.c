/* xen-hotplug's verify and repair of one vif (hp/vif.h): the run's keys,
 * the vif found without waiting, the tool's check(), then each step's
 * verify (hp/txn.h) over the same step table online runs; for repair, the
 * steps that drifted run again as one transaction.  Nothing is written to
 * xenstore but what a repaired step writes itself: a failure is reported
 * on stdout, for xen-hotplug, never as hotplug-error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/log.h"
#include "hp/xs.h"
#include "vif-priv.h"

static struct {
	int quiet; /* the confirming pass after a repair writes no line */
	char last[256]; /* its last difference */
} out;

/* One field of a line: tabs, newlines, backslashes and other control
 * characters escaped, so that a value (a xenstore key) cannot forge a
 * field or a line. */
static void field(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\\')
			fputs("\\\\", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

int hp_vif_drift(struct hp_vif *v, const char *object, const char *expected, const char *found)
{
	const char *step = hp_txn_step() ?: "find";

	hp_dbg("%s: %s: expected %s, found %s", step, object, expected, found);
	if (out.quiet) {
		snprintf(out.last, sizeof(out.last), "%s: expected %s, found %s", object, expected,
			 found);
		return HP_STEP_DRIFT;
	}
	fputs("drift\t", stdout);
	field(v->dev);
	putchar('\t');
	field(step);
	putchar('\t');
	field(object);
	putchar('\t');
	field(expected);
	putchar('\t');
	field(found);
	putchar('\n');
	return HP_STEP_DRIFT;
}

int vif_admin_error(struct hp_vif *v)
{
	if (!v->error[0])
		snprintf(v->error, sizeof(v->error), "%s of '%s' failed at step '%s'", v->command,
			 v->dev, hp_txn_failed() ?: "?");
	fputs("error\t", stdout);
	field(v->dev);
	putchar('\t');
	field(v->error);
	putchar('\n');
	return 1;
}

/* An online that failed is libxl's to retry (it has told the toolstack
 * already): repair does not turn its hotplug-status=error into a running
 * port. */
static int online_failed(struct hp_vif *v)
{
	char *status = NULL, *err = NULL;
	int failed;

	if (v->is_tap || hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &status))
		return 0;
	failed = !strcmp(status, "error");
	if (failed) {
		hp_xs_read_key(v->xs, v->xb_path, "hotplug-error", &err);
		hp_vif_fail(v,
			    "not repaired: its online failed ('%s'); detach and attach the vif "
			    "again (xl network-detach, network-attach)",
			    err ? err : "no hotplug-error");
	}
	free(status);
	free(err);
	return failed;
}

int vif_admin(struct hp_vif *v)
{
	struct hp_step steps[HP_TXN_MAX_STEPS];
	int repair = v->admin == HP_VIF_REPAIR, rc;
	size_t n = 0, i;

	if (!repair)
		hp_log_stderr_only();
	if (vif_read_keys(v))
		return vif_admin_error(v);
	if ((rc = vif_locate(v)))
		return rc == HP_STEP_DRIFT ? 1 : vif_admin_error(v);
	/* a repair that hangs is stopped, but takes no working link down */
	vif_watchdog_link(0);
	v->found = v->link;
	if (v->tool->check && v->tool->check(v))
		return vif_admin_error(v);
	if (repair && online_failed(v))
		return vif_admin_error(v);
	/* The steps act on what drifted: none may keep it as a second online
	 * keeps a working port. */
	if (repair)
		v->again = 0;
	if (v->tool->nsteps + 2 > HP_TXN_MAX_STEPS)
		return hp_vif_fail(v, "too many steps"), vif_admin_error(v);
	steps[n++] = (struct hp_step){ "rename", vif_s_rename, vif_u_rename, vif_v_rename };
	for (i = 0; i < v->tool->nsteps; i++)
		steps[n++] = v->tool->steps[i];
	/* no hooks: what they did cannot be looked at, nor done twice */
	steps[n++] = (struct hp_step){ "connected", vif_s_connected, NULL, vif_v_connected };
	rc = hp_txn_check(v->command, steps, n, v, repair);
	if (rc == HP_STEP_DRIFT)
		return 1;
	if (rc)
		return vif_admin_error(v);
	if (!repair)
		return 0;
	/* a later step may have undone an earlier one's work: look again */
	out.quiet = 1;
	rc = hp_txn_check("verify", steps, n, v, 0);
	out.quiet = 0;
	if (rc == HP_STEP_DRIFT)
		hp_vif_fail(v, "repair left a difference: %s", out.last);
	else if (rc)
		return vif_admin_error(v);
	return rc ? vif_admin_error(v) : 0;
}
