/* The host configuration file shared by the tools:
 * /etc/xen/xen-hotplug.conf, or $XEN_HOTPLUG_CONF; `key=value` lines,
 * `#` comments, values optionally double-quoted.  A missing file means
 * every key takes its default.  (fw.c parses the same file for its own
 * keys; it may move onto this reader later.) */
#ifndef HP_CONF_H
#define HP_CONF_H

#include <stddef.h>

const char *hp_conf_path(void);
/* The value of the last `key=` line into buf.  -ENOENT when the file or
 * the key is missing, -ENAMETOOLONG when the value does not fit, -errno
 * when the file cannot be read.  Malformed lines are skipped. */
int hp_conf_get(const char *key, char *buf, size_t size);

#endif
