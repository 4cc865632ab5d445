/* xenstore through libxenstore: one connection per run (XENSTORED_PATH
 * is honoured by the library).  Paths may be relative, as libxl's
 * XENBUS_PATH is: xenstored resolves them under the caller's domain. */
#ifndef HP_XS_H
#define HP_XS_H

struct hp_xs;

int hp_xs_open(struct hp_xs **xs);
void hp_xs_close(struct hp_xs *xs);
/* *val is malloc'd; -ENOENT when the node does not exist. */
int hp_xs_read(struct hp_xs *xs, const char *path, char **val);
/* "<dir>/<key>": -ENOENT when missing, -ENAMETOOLONG if too long. */
int hp_xs_read_key(struct hp_xs *xs, const char *dir, const char *key, char **val);
/* The names under path: *names is one malloc'd block (free it alone),
 * *n of them; -ENOENT when path does not exist. */
int hp_xs_dir(struct hp_xs *xs, const char *path, char ***names, unsigned int *n);
int hp_xs_write(struct hp_xs *xs, const char *path, const char *val);
int hp_xs_write_key(struct hp_xs *xs, const char *dir, const char *key, const char *val);
/* Async-signal-safe, for a watchdog: from now on the connection reads
 * end of file, so that a call blocked on a hung xenstored returns an
 * error (through libxenstore's own error path) instead of blocking, and
 * nothing more is sent.  Later calls fail with -ECONNABORTED. */
void hp_xs_abort(struct hp_xs *xs);
/* The result protocol: hotplug-error = msg then hotplug-status = error in
 * one transaction (retried on EAGAIN). */
int hp_xs_report_error(struct hp_xs *xs, const char *dir, const char *msg);
/* hotplug-status = connected: the last write of a successful online. */
int hp_xs_report_connected(struct hp_xs *xs, const char *dir);

#endif
