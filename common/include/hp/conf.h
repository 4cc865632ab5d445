/* The host configuration file shared by the tools:
 * /etc/xen/xen-hotplug.conf, or $XEN_HOTPLUG_CONF; `key=value` lines,
 * `#` comments, values optionally double-quoted, the last line of a key
 * winning.  A missing file means every key takes its default.  The file
 * is read once per process. */
#ifndef HP_CONF_H
#define HP_CONF_H

#include <stddef.h>

const char *hp_conf_path(void);
/* The value of `key` into buf, and its line number into *lineno when not
 * NULL.  -ENOENT when the file or the key is missing, -ENAMETOOLONG when
 * the value does not fit, -errno when the file cannot be read.  Lines
 * that are not `key=value` (no '=', or longer than 1023 characters) are
 * ignored, with a warning naming the file and the line when the file is
 * read. */
int hp_conf_get(const char *key, char *buf, size_t size, unsigned int *lineno);

#endif
