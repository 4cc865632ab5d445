/* Logging: syslog (daemon facility), stderr and the hotplug log file, one
 * line per event, prefixed "<tool>[<dev>]: ", control characters shown as
 * \xNN so that a value cannot forge a line. */
#ifndef HP_LOG_H
#define HP_LOG_H

#include <syslog.h>

/* Reads XEN_HOTPLUG_DEBUG (non-empty and not "0": debug lines on) and
 * XEN_LOG_DIR (default /var/log/xen; lines also appended to
 * xen-hotplug.log there, as upstream's `exec 2>>` did, when the directory
 * exists). */
void hp_log_init(const char *tool);
void hp_log_set_dev(const char *dev);
void hp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hp_log_close(void);
/* From now on lines go to stderr only, not to syslog nor the log file:
 * for a run that only reads (xen-hotplug verify), which an administrator
 * or a metrics collector repeats. */
void hp_log_stderr_only(void);

#define hp_err(...) hp_log(LOG_ERR, __VA_ARGS__)
#define hp_warn(...) hp_log(LOG_WARNING, __VA_ARGS__)
#define hp_info(...) hp_log(LOG_INFO, __VA_ARGS__)
#define hp_dbg(...) hp_log(LOG_DEBUG, __VA_ARGS__)

#endif
