/* A vif script's failures (vif-priv.h): the first one kept for
 * hotplug-error, every one logged, and the report libxl reads. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hp/log.h"
#include "hp/txn.h"
#include "hp/xs.h"
#include "vif-priv.h"

int hp_vif_fail(struct hp_vif *v, const char *fmt, ...)
{
	char msg[sizeof(v->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s", msg);
	if (!v->error[0])
		memcpy(v->error, msg, sizeof(msg));
	return -1;
}

/* A value as it may be shown in a message: no control characters (a
 * newline would forge a log line), long values cut. */
static const char *printable(const char *val, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; val[i] && o + 5 < size; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (val[i])
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o < size ? o : size - 1] = '\0';
	return buf;
}

int hp_vif_bad(struct hp_vif *v, const char *key, const char *val, const char *why)
{
	char buf[160];

	return hp_vif_fail(v, "invalid %s '%s' (%s/%s): %s", key, printable(val, buf, sizeof(buf)),
			   v->xb_path, key, why);
}

int vif_report_failure(struct hp_vif *v)
{
	struct hp_xs *xs = v->xs;
	int rc = -ENOTCONN;

	if (v->admin) /* xen-hotplug's run: xenstore is not ours to write */
		return vif_admin_error(v);
	if (!v->online || v->is_tap || !v->xb_path || v->reported)
		return 1;
	if (!v->error[0])
		snprintf(v->error, sizeof(v->error), "%s of '%s' failed at step '%s'%s", v->command,
			 v->libxl_name, hp_txn_failed() ?: "?",
			 hp_txn_cancelled() ? ": timed out" : "");
	if (xs)
		rc = hp_xs_report_error(xs, v->xb_path, v->error);
	if (rc == -ECONNABORTED || rc == -ENOTCONN) {
		xs = NULL;
		if (!(rc = hp_xs_open(&xs)))
			rc = hp_xs_report_error(xs, v->xb_path, v->error);
		hp_xs_close(xs);
	}
	if (rc)
		hp_err("unable to write hotplug-error to '%s': %s", v->xb_path, strerror(-rc));
	return 1;
}
