/* The step engine shared by network-bridge and the vif tools' online. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp/log.h"
#include "hp/parse.h"
#include "hp/txn.h"

/* kept, below, is a mask of steps */
_Static_assert(HP_TXN_MAX_STEPS <= 64, "a transaction's steps fit in a uint64_t");

static volatile sig_atomic_t cancelled;
static const char *failed_step, *current_step;

void hp_txn_cancel(void)
{
	cancelled = 1;
}

int hp_txn_cancelled(void)
{
	return cancelled;
}

const char *hp_txn_failed(void)
{
	return failed_step;
}

const char *hp_txn_step(void)
{
	return current_step;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Does the environment variable name step i (from 0), by number or name? */
static int named(const char *var, const struct hp_step *s, size_t i)
{
	const char *v = getenv(var);
	unsigned long n;

	if (!v || !*v)
		return 0;
	if (!hp_parse_uint(v, 1000, &n))
		return n == i + 1;
	return !strcmp(v, s->name);
}

void hp_txn_kill_point(const char *what, const char *name, size_t n)
{
	struct hp_step s = { name, NULL, NULL, NULL };

	if (n && named("XEN_HOTPLUG_KILL_STEP", &s, n - 1)) {
		hp_err("%s: killed before step %zu '%s' by XEN_HOTPLUG_KILL_STEP", what, n, name);
		raise(SIGKILL);
	}
}

int hp_txn_run(const char *what, const struct hp_step *steps, size_t n, void *ctx)
{
	uint64_t kept = 0;
	double t0;
	size_t i, j;
	int rc = 0;

	if (n > HP_TXN_MAX_STEPS) {
		hp_err("%s: %zu steps, at most %d", what, n, HP_TXN_MAX_STEPS);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct hp_step *s = &steps[i];

		if (named("XEN_HOTPLUG_KILL_STEP", s, i)) {
			hp_err("%s: killed before step %zu '%s' by XEN_HOTPLUG_KILL_STEP", what,
			       i + 1, s->name);
			raise(SIGKILL);
		}
		if (cancelled) {
			hp_err("%s: cancelled before step %zu '%s'", what, i + 1, s->name);
			rc = 1;
			kept |= 1ULL << i; /* it never ran */
			break;
		}
		if (named("XEN_HOTPLUG_FAIL_STEP", s, i)) {
			hp_err("%s: step %zu '%s' failed: injected by XEN_HOTPLUG_FAIL_STEP", what,
			       i + 1, s->name);
			rc = 1;
			kept |= 1ULL << i; /* it never ran */
			break;
		}
		t0 = now_ms();
		current_step = s->name;
		rc = s->run(ctx);
		current_step = NULL;
		/* where a run's wall time goes (XEN_HOTPLUG_DEBUG=1) */
		hp_dbg("%s: step %zu '%s': %s in %.3f ms", what, i + 1, s->name,
		       rc == HP_STEP_KEPT ? "kept" :
		       rc		  ? "failed" :
					    "done",
		       now_ms() - t0);
		if (rc != HP_STEP_KEPT && rc) {
			break;
		} else if (named("XEN_HOTPLUG_FAIL_IN_STEP", s, i)) {
			/* as if its last action failed: what it did (or found
			 * done) is its own undo's to judge */
			hp_err("%s: step %zu '%s' failed: injected inside it by "
			       "XEN_HOTPLUG_FAIL_IN_STEP",
			       what, i + 1, s->name);
			rc = 1;
			break;
		} else if (rc == HP_STEP_KEPT) {
			kept |= 1ULL << i;
			rc = 0;
		} else if (cancelled) {
			hp_err("%s: cancelled during step %zu '%s'", what, i + 1, s->name);
			rc = 1;
			break;
		}
	}
	if (!rc)
		return 0;
	j = i + 1;
	failed_step = steps[i].name;
	hp_err("%s failed at step %zu '%s': undoing steps %zu to 1", what, j, steps[i].name, j);
	while (j-- > 0) {
		if (!steps[j].undo || (kept & (1ULL << j)))
			continue;
		hp_dbg("%s: undoing step %zu '%s'", what, j + 1, steps[j].name);
		steps[j].undo(ctx);
	}
	return rc;
}

/* Steps ran (a mask) undone in reverse, from step last down. */
static void undo_ran(const char *what, const struct hp_step *steps, size_t last, uint64_t ran,
		     void *ctx)
{
	size_t j = last + 1;

	while (j-- > 0) {
		if (!steps[j].undo || !(ran & (1ULL << j)))
			continue;
		hp_dbg("%s: undoing step %zu '%s'", what, j + 1, steps[j].name);
		steps[j].undo(ctx);
	}
}

int hp_txn_check(const char *what, const struct hp_step *steps, size_t n, void *ctx, int repair)
{
	uint64_t ran = 0;
	int rc = 0, drift = 0;
	size_t i;

	if (n > HP_TXN_MAX_STEPS) {
		hp_err("%s: %zu steps, at most %d", what, n, HP_TXN_MAX_STEPS);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct hp_step *s = &steps[i];

		if (!s->verify)
			continue;
		current_step = s->name;
		rc = s->verify(ctx);
		if (rc && rc != HP_STEP_DRIFT)
			break;
		if (!rc)
			continue;
		drift = 1;
		rc = 0;
		if (!repair)
			continue;
		if (cancelled) {
			hp_err("%s: cancelled before step %zu '%s'", what, i + 1, s->name);
			rc = 1;
			break;
		}
		if (named("XEN_HOTPLUG_FAIL_STEP", s, i)) {
			hp_err("%s: step %zu '%s' failed: injected by XEN_HOTPLUG_FAIL_STEP", what,
			       i + 1, s->name);
			rc = 1;
			break;
		}
		hp_info("%s: running step %zu '%s' again", what, i + 1, s->name);
		ran |= 1ULL << i; /* a failed run may have done part of its work */
		rc = s->run(ctx);
		if (rc == HP_STEP_KEPT)
			rc = 0;
		if (!rc && (rc = s->verify(ctx)) == HP_STEP_DRIFT) {
			hp_err("%s: step %zu '%s' ran and did not put its work back", what, i + 1,
			       s->name);
			rc = 1;
		}
		if (rc)
			break;
	}
	current_step = NULL;
	if (!rc)
		return repair || !drift ? 0 : HP_STEP_DRIFT;
	if (!repair)
		return rc;
	failed_step = steps[i].name;
	hp_err("%s failed at step %zu '%s': undoing the steps it ran", what, i + 1, steps[i].name);
	undo_ran(what, steps, i, ran, ctx);
	return rc;
}
