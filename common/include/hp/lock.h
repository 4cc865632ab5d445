/* Named host-wide locks: flock(2) on a file under the run directory
 * (/run/xen-hotplug, or $XEN_HOTPLUG_RUN_DIR).  The kernel releases a lock
 * when its holder dies, even by SIGKILL, so no stale lock survives a
 * crash; the lock file itself stays, empty, and is reused. */
#ifndef HP_LOCK_H
#define HP_LOCK_H

#include <stddef.h>

#define HP_RUN_DIR_DEFAULT "/run/xen-hotplug"

/* The run directory: $XEN_HOTPLUG_RUN_DIR when set and non-empty, else
 * HP_RUN_DIR_DEFAULT. */
const char *hp_run_dir(void);
/* "<run dir>/<name>" into buf; -ENAMETOOLONG when it does not fit. */
int hp_run_path(const char *name, char *buf, size_t size);

#define HP_LOCK_WAIT_MS 30000

/* Takes the exclusive lock "<run dir>/<name>.lock", creating the
 * directory (0755) and the file (0600) as needed, waiting up to
 * HP_LOCK_WAIT_MS for a holder to release it.  *fd is the lock, for
 * hp_lock_release().  -ETIMEDOUT when another process keeps it; -EINVAL
 * for an empty name or one with '/'. */
int hp_lock_take(const char *name, int *fd);
/* Releases and closes; fd < 0 is accepted and ignored. */
void hp_lock_release(int fd);

#endif
