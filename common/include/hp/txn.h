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
 * failure would; XEN_HOTPLUG_KILL_STEP=<n|name> kills the process with
 * SIGKILL there instead (a crash, or libxl's timeout). */
#ifndef HP_TXN_H
#define HP_TXN_H

#include <stddef.h>

#define HP_STEP_KEPT 0x4b455054 /* "KEPT": a value no step returns by mistake */
#define HP_TXN_MAX_STEPS 64 /* a longer transaction is refused */

struct hp_step {
	const char *name;
	int (*run)(void *ctx);
	void (*undo)(void *ctx); /* NULL: nothing to undo */
};

/* Runs steps[0..n-1] for what ("online", "start"...).  0 when all ran;
 * otherwise, after the undo, the failed step's return (1 for an injected
 * failure or a cancellation). */
int hp_txn_run(const char *what, const struct hp_step *steps, size_t n, void *ctx);

/* Async-signal-safe: the running transaction fails before its next step,
 * and is undone (the watchdog's way to stop a run that took too long). */
void hp_txn_cancel(void);
int hp_txn_cancelled(void);
/* The name of the step the last failed transaction failed at, or NULL. */
const char *hp_txn_failed(void);

#endif
