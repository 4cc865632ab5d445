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

/* Typed readers over hp_conf_get, with one wording for their errors.  0
 * with *out set; -ENOENT when the key is absent (*out untouched); else
 * -EINVAL for a bad value, or the -errno of reading the file, with err
 * saying which ("invalid value 'x' for 'key' at line 3 of 'path':
 * expected yes or no").  hp_conf_bool takes hp_parse_bool's words;
 * hp_conf_word one of words[0..n-1], *out its index, *line its line. */
int hp_conf_bool(const char *key, int *out, char *err, size_t size);
int hp_conf_word(const char *key, const char *const *words, size_t n, int *out, unsigned int *line,
		 char *err, size_t size);

#endif
