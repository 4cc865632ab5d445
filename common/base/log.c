/* Logging to syslog (daemon facility), stderr and, like upstream's
 * `exec 2>>$XEN_LOG_DIR/xen-hotplug.log`, the hotplug log file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hp/log.h"

#define HP_LOG_LINE 1024

static struct {
	const char *tool;
	char dev[64];
	int debug;
	int logfd;
	int syslog_open;
	int stderr_only;
} st = { .tool = "hotplug", .logfd = -1 };

static int env_true(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0 && strcmp(v, "no") != 0;
}

void hp_log_init(const char *tool)
{
	const char *dir = getenv("XEN_LOG_DIR");
	char path[4096];

	st.tool = tool;
	st.debug = env_true("XEN_HOTPLUG_DEBUG");
	if (!dir || !*dir)
		dir = "/var/log/xen";
	/* O_APPEND keeps concurrent runs' lines whole; a missing directory
	 * (no Xen installed) just means no file. */
	if ((size_t)snprintf(path, sizeof(path), "%s/xen-hotplug.log", dir) < sizeof(path))
		st.logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

void hp_log_set_dev(const char *dev)
{
	snprintf(st.dev, sizeof(st.dev), "%s", dev ? dev : "");
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* One event, one line: a control character from a value (a newline in a
 * xenstore key) would forge another line, so it is shown as \xNN. */
static void escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 5 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

void hp_log(int level, const char *fmt, ...)
{
	char raw[HP_LOG_LINE], msg[HP_LOG_LINE], line[HP_LOG_LINE + 128];
	int saved = errno, n;
	va_list ap;

	if (level == LOG_DEBUG && !st.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape(raw, msg, sizeof(msg));
	if (st.dev[0])
		n = snprintf(line, sizeof(line), "%s[%s]: %s\n", st.tool, st.dev, msg);
	else
		n = snprintf(line, sizeof(line), "%s: %s\n", st.tool, msg);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	write_all(STDERR_FILENO, line, (size_t)n);
	if (st.stderr_only)
		goto out;
	if (st.logfd >= 0)
		write_all(st.logfd, line, (size_t)n);
	if (!st.syslog_open) {
		openlog(st.tool, LOG_NDELAY, LOG_DAEMON);
		st.syslog_open = 1;
	}
	/* syslog adds the tool name itself; keep the device prefix. */
	if (st.dev[0])
		syslog(level, "[%s]: %s", st.dev, msg);
	else
		syslog(level, "%s", msg);
out:
	errno = saved;
}

void hp_log_stderr_only(void)
{
	st.stderr_only = 1;
}

void hp_log_close(void)
{
	if (st.logfd >= 0)
		close(st.logfd);
	st.logfd = -1;
	if (st.syslog_open)
		closelog();
	st.syslog_open = 0;
}
