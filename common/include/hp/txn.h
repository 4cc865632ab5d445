/* A transaction: named steps run in order.  When one fails, the steps
 * that ran are undone in reverse order, the failed one first (it may have
 * done part of its work), so that a failure leaves the host as it found
 * it.  Every undo is idempotent, never fails the transaction, and logs
 * what it could not undo.
 *
 * A step's run returns 0 when it changed something (its undo runs on a
 * later failure), HP_STEP_KEPT when it found its work done already or had
 * nothing to do (no undo: what it found is not ours to take away, e.g. a
 * second online's working port), anything else for a failure it has
 * reported itself.
 *
 * Test hooks, from the environment: XEN_HOTPLUG_FAIL_STEP=<n|name> makes
 * step n (from 1) or the step of that name fail before it runs, as a real
 * failure would; XEN_HOTPLUG_FAIL_IN_STEP=<n|name> makes it fail after it
 * ran, whatever it returned (KEPT included), as a failure of its last
 * action would: its own undo runs, then the others';
 * XEN_HOTPLUG_KILL_STEP=<n|name> kills the process with SIGKILL there
 * instead (a crash, or libxl's timeout). */
#ifndef HP_TXN_H
#define HP_TXN_H

#include <stddef.h>

#define HP_STEP_KEPT 0x4b455054 /* "KEPT": a value no step returns by mistake */
#define HP_TXN_MAX_STEPS 64 /* a longer transaction is refused */

struct hp_step {
	const char *name;
	int (*run)(void *ctx);
	void (*undo)(void *ctx); /* NULL: nothing to undo */
	/* What run() sets, looked at again (xen-hotplug verify and repair):
	 * 0 when it is in place, HP_STEP_DRIFT when not (the step reports
	 * each difference itself), anything else for a failure to look that
	 * it has reported.  Reads only.  NULL: nothing to look at (a step
	 * whose work cannot be seen afterwards, such as the hooks). */
	int (*verify)(void *ctx);
};

#define HP_STEP_DRIFT 0x44524654 /* "DRFT" */

/* Runs steps[0..n-1] for what ("online", "start"...).  0 when all ran;
 * otherwise, after the undo, the failed step's return (1 for an injected
 * failure or a cancellation). */
int hp_txn_run(const char *what, const struct hp_step *steps, size_t n, void *ctx);

/* The steps' verify, in order: 0 when every step's work is in place,
 * HP_STEP_DRIFT when some is not, else the failing verify's return.
 * With repair, each step that drifted is run again (the same run() online
 * used; XEN_HOTPLUG_FAIL_STEP applies) and verified once more, so that a
 * step that did not put its work back fails the repair; the steps after
 * it are verified (and repaired) against the host as it is then.  A
 * failure undoes, in reverse, the steps this repair ran, as
 * hp_txn_run() would: steps that had not drifted are never run nor
 * undone.  Returns 0 after a repair that put everything back. */
int hp_txn_check(const char *what, const struct hp_step *steps, size_t n, void *ctx, int repair);
/* A point of a run that is no transaction (a vif script's offline):
 * XEN_HOTPLUG_KILL_STEP=<n|name> kills the process there as in
 * hp_txn_run(), n counting from 1. */
void hp_txn_kill_point(const char *what, const char *name, size_t n);
/* The name of the step whose verify or run is running (for the lines a
 * verify writes), or NULL. */
const char *hp_txn_step(void);

/* Async-signal-safe: the running transaction fails before its next step,
 * and is undone (the watchdog's way to stop a run that took too long). */
void hp_txn_cancel(void);
int hp_txn_cancelled(void);
/* The name of the step the last failed transaction failed at, or NULL. */
const char *hp_txn_failed(void);

#endif
