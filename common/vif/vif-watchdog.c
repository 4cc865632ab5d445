/* The watchdog of a vif script's run (vif-priv.h).
 *
 * A hung xenstored or kernel must not hold the device until libxl's
 * SIGKILL, nor leave it half set up.  When XEN_HOTPLUG_TIMEOUT (30 s)
 * passes, the handler cancels the transaction (no further step starts),
 * makes the xenstore connection read end-of-file (a call blocked on a hung
 * xenstored returns an error) and kills a running hook: the run then fails
 * through the normal path, undoing every step in normal context, and
 * reports what it can.  If it is still running LAST_WORD_S later, the
 * handler takes the interface down (a down port forwards nothing) and
 * exits 1.
 *
 * Once hotplug-status=connected is being written (the last step), the
 * first stage does not cancel: xenstored gets LAST_WORD_S more to confirm
 * it.  Unconfirmed by then, the run fails like any other: the interface
 * is taken down and the exit status is 1.  A request still queued on the
 * socket dies with it: the C xenstored (4.17, socket_can_process) frees a
 * connection whose peer has closed without reading what it holds, so
 * connected does not land after a failure (tests/xenstore.bats). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/link.h"
#include "hp/process.h"
#include "hp/txn.h"
#include "hp/xs.h"
#include "vif-priv.h"

#define DEFAULT_TIMEOUT_S 30 /* libxl kills a hotplug script at 40 s */
#define LAST_WORD_S 3 /* after the watchdog: the undo and the report */

static struct hp_vif *watched;
static volatile sig_atomic_t dog_stage, dog_ifindex, committing;
static char dog_msg[200];
static size_t dog_len;

static void say(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

static void watchdog(int sig)
{
	int saved = errno; /* the interrupted code's */
	ssize_t n;

	(void)sig;
	if (dog_stage++ == 0) {
		n = write(STDERR_FILENO, dog_msg, dog_len);
		(void)n;
		if (committing) {
			say("  (waiting for xenstored to take hotplug-status=connected)\n");
		} else {
			hp_txn_cancel();
			hp_process_abort();
			if (watched && watched->xs)
				hp_xs_abort(watched->xs);
		}
		alarm(LAST_WORD_S);
		errno = saved;
		return;
	}
	if (dog_ifindex > 0)
		hp_link_down_now(dog_ifindex);
	say(committing ? "  (xenstored did not confirm hotplug-status=connected: the interface "
			 "was taken down)\n" :
			 "  (undo did not finish: the interface was taken down)\n");
	_exit(1);
}

void vif_watchdog_arm(struct hp_vif *v)
{
	const char *s = getenv("XEN_HOTPLUG_TIMEOUT");
	unsigned long secs = DEFAULT_TIMEOUT_S;
	struct sigaction sa;
	int n;

	watched = v;
	if (s && hp_parse_uint(s, 3600, &secs))
		secs = DEFAULT_TIMEOUT_S;
	if (secs == 0)
		return;
	n = snprintf(dog_msg, sizeof(dog_msg),
		     "%s[%s]: %s timed out after %lu s (xenstored, a hook or the kernel did "
		     "not answer): stopping\n",
		     v->tool->name, v->libxl_name ? v->libxl_name : "", v->command, secs);
	dog_len = n < 0 ? 0 : (size_t)n < sizeof(dog_msg) ? (size_t)n : sizeof(dog_msg) - 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waits return EINTR */
	alarm((unsigned int)secs);
}

void vif_watchdog_stop(void)
{
	alarm(0);
	watched = NULL;
}

void vif_watchdog_link(int ifindex)
{
	dog_ifindex = ifindex;
}

void vif_watchdog_committing(int on)
{
	committing = on;
}
