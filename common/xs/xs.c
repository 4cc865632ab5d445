/* xenstore through libxenstore.  The only file that includes xenstore.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "hp/log.h"
#include "hp/xs.h"

#define HP_XS_PATH_MAX 3072 /* XENSTORE_ABS_PATH_MAX */
#define HP_XS_TX_RETRIES 16

struct hp_xs {
	struct xs_handle *h;
	int fd; /* libxenstore's socket or xenbus device, -1 if unknown */
	volatile sig_atomic_t aborted;
};

/* libxenstore does not say which fd it uses; it opens exactly one, and
 * the kernel gives the lowest free number: the one free just before. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int is_channel(int fd)
{
	struct stat sb;

	return fd >= 0 && !fstat(fd, &sb) && (S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode));
}

static int err_or(int fallback)
{
	return errno > 0 ? -errno : -fallback;
}

int hp_xs_open(struct hp_xs **out)
{
	struct hp_xs *xs = calloc(1, sizeof(*xs));

	int fd;

	if (!xs)
		return -ENOMEM;
	fd = lowest_free_fd();
	xs->h = xs_open(0);
	if (!xs->h) {
		int rc = err_or(ECONNREFUSED);

		free(xs);
		return rc;
	}
	xs->fd = is_channel(fd) ? fd : -1;
	*out = xs;
	return 0;
}

void hp_xs_abort(struct hp_xs *xs)
{
	int null;

	if (!xs || xs->aborted)
		return;
	xs->aborted = 1;
	if (xs->fd < 0 || (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return;
	dup2(null, xs->fd);
	close(null);
}

void hp_xs_close(struct hp_xs *xs)
{
	if (!xs)
		return;
	xs_close(xs->h);
	free(xs);
}

int hp_xs_read(struct hp_xs *xs, const char *path, char **val)
{
	unsigned int len;
	char *v;

	if (xs->aborted)
		return -ECONNABORTED;
	errno = 0;
	v = xs_read(xs->h, XBT_NULL, path, &len);
	if (!v)
		return err_or(EIO);
	/* a value may hold a NUL; everything we read is text */
	if (strlen(v) != len) {
		free(v);
		return -EINVAL;
	}
	hp_dbg("read %s = '%s'", path, v);
	*val = v;
	return 0;
}

int hp_xs_dir(struct hp_xs *xs, const char *path, char ***names, unsigned int *n)
{
	char **v;

	*names = NULL;
	*n = 0;
	if (xs->aborted)
		return -ECONNABORTED;
	errno = 0;
	v = xs_directory(xs->h, XBT_NULL, path, n);
	if (!v)
		return err_or(EIO);
	*names = v;
	return 0;
}

static int join(char *buf, size_t size, const char *dir, const char *key)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, key) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int hp_xs_read_key(struct hp_xs *xs, const char *dir, const char *key, char **val)
{
	char path[HP_XS_PATH_MAX];
	int rc = join(path, sizeof(path), dir, key);

	return rc ? rc : hp_xs_read(xs, path, val);
}

static int write_tx(struct hp_xs *xs, xs_transaction_t t, const char *path, const char *val)
{
	if (xs->aborted)
		return -ECONNABORTED;
	hp_dbg("write %s = '%s'", path, val);
	if (!xs_write(xs->h, t, path, val, (unsigned int)strlen(val)))
		return err_or(EIO);
	return 0;
}

int hp_xs_write(struct hp_xs *xs, const char *path, const char *val)
{
	return write_tx(xs, XBT_NULL, path, val);
}

int hp_xs_write_key(struct hp_xs *xs, const char *dir, const char *key, const char *val)
{
	char path[HP_XS_PATH_MAX];
	int rc = join(path, sizeof(path), dir, key);

	return rc ? rc : hp_xs_write(xs, path, val);
}

int hp_xs_report_error(struct hp_xs *xs, const char *dir, const char *msg)
{
	char epath[HP_XS_PATH_MAX], spath[HP_XS_PATH_MAX];
	int rc, i;

	if ((rc = join(epath, sizeof(epath), dir, "hotplug-error")) ||
	    (rc = join(spath, sizeof(spath), dir, "hotplug-status")))
		return rc;
	for (i = 0; i < HP_XS_TX_RETRIES; i++) {
		xs_transaction_t t;

		if (xs->aborted)
			return -ECONNABORTED;
		t = xs_transaction_start(xs->h);
		if (t == XBT_NULL)
			return err_or(EIO);
		if ((rc = write_tx(xs, t, epath, msg)) || (rc = write_tx(xs, t, spath, "error"))) {
			xs_transaction_end(xs->h, t, true);
			return rc;
		}
		errno = 0;
		if (xs_transaction_end(xs->h, t, false))
			return 0;
		if (errno != EAGAIN)
			return err_or(EIO);
	}
	return -EAGAIN;
}

int hp_xs_report_connected(struct hp_xs *xs, const char *dir)
{
	return hp_xs_write_key(xs, dir, "hotplug-status", "connected");
}
