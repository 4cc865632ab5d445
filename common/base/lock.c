/* Named locks over flock(2); see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hp/lock.h"

const char *hp_run_dir(void)
{
	const char *d = getenv("XEN_HOTPLUG_RUN_DIR");

	return d && *d ? d : HP_RUN_DIR_DEFAULT;
}

int hp_run_path(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", hp_run_dir(), name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* 0 does not wait (-EWOULDBLOCK when held). */
static int take(const char *name, unsigned int timeout_ms, int *out)
{
	char path[4096], file[256];
	unsigned int waited = 0;
	int fd, rc;

	*out = -1;
	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	if (snprintf(file, sizeof(file), "%s.lock", name) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	if ((rc = hp_run_path(file, path, sizeof(path))))
		return rc;
	if (mkdir(hp_run_dir(), 0755) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	/* Polling, not a blocking flock(): the wait stays bounded without
	 * signals, and a few milliseconds of latency do not matter here. */
	for (;;) {
		struct timespec ts = { 0, 10 * 1000000L };

		if (!flock(fd, LOCK_EX | LOCK_NB))
			break;
		rc = -errno;
		if (rc != -EWOULDBLOCK && rc != -EINTR) {
			close(fd);
			return rc;
		}
		if (waited >= timeout_ms) {
			close(fd);
			return timeout_ms ? -ETIMEDOUT : -EWOULDBLOCK;
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
	*out = fd;
	return 0;
}

int hp_lock_take(const char *name, int *fd)
{
	return take(name, HP_LOCK_WAIT_MS, fd);
}

void hp_lock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}
