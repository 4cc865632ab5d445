/* The ids of Open vSwitch's integration contract (see ovs-ids.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hp/conf.h"
#include "hp/ovs-ids.h"
#include "hp/ovsdb.h"

#define INCOMING "--incoming"

int hp_ovs_id_check(const char *s, char *err, size_t errsize)
{
	const unsigned char *p;
	size_t len = strlen(s);

	if (!len) {
		snprintf(err, errsize, "empty");
		return -EINVAL;
	}
	if (len > HP_OVS_ID_MAX) {
		snprintf(err, errsize, "longer than %d bytes", HP_OVS_ID_MAX);
		return -EINVAL;
	}
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errsize, "a control character at byte %zu",
				 (size_t)(p - (const unsigned char *)s));
			return -EINVAL;
		}
	if (hp_ovs_value_check(s)) {
		snprintf(err, errsize, "not valid UTF-8");
		return -EINVAL;
	}
	return 0;
}

/* The value of field [f, f + len), into val (a small buffer for numbers):
 * 0, -ENODATA when unknown, -EINVAL when no such field. */
static int field(const char *f, size_t len, const struct hp_ovs_vm *vm, char *num, size_t numsize,
		 const char **val)
{
	static const char *const names[] = { "name", "uuid", "mac", "domid", "devid" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(f, names[i], len))
			break;
	switch (i) {
	case 0:
		*val = vm->name;
		break;
	case 1:
		*val = vm->uuid;
		break;
	case 2:
		*val = vm->mac;
		break;
	case 3:
	case 4:
		if ((i == 3 ? vm->domid : vm->devid) < 0)
			return -ENODATA;
		snprintf(num, numsize, "%d", i == 3 ? vm->domid : vm->devid);
		*val = num;
		break;
	default:
		return -EINVAL;
	}
	return *val ? 0 : -ENODATA;
}

int hp_ovs_iface_id_expand(const char *tmpl, const struct hp_ovs_vm *vm, char *out, size_t size,
			   char *err, size_t errsize)
{
	const char *p = tmpl, *close, *val;
	size_t o = 0, n;
	char num[16], why[64];
	int rc = 0;

	if (!size)
		return -ERANGE;
	out[0] = '\0';
	err[0] = '\0';
	if (!*tmpl) {
		snprintf(err, errsize, "empty template");
		return -EINVAL;
	}
	/* the whole template is checked before any value is looked at: a
	 * bad template is an error whatever the guest */
	for (p = tmpl; *p; p++) {
		if (*p == '}') {
			snprintf(err, errsize, "'}' at byte %zu closes nothing",
				 (size_t)(p - tmpl));
			return -EINVAL;
		}
		if (*p != '{')
			continue;
		if (!(close = strpbrk(p + 1, "{}")) || *close != '}') {
			snprintf(err, errsize, "'{' at byte %zu is not closed", (size_t)(p - tmpl));
			return -EINVAL;
		}
		if (field(p + 1, (size_t)(close - p - 1), vm, num, sizeof(num), &val) == -EINVAL) {
			snprintf(err, errsize,
				 "unknown field '%.*s' (known: name, uuid, mac, domid, devid)",
				 (int)(close - p + 1 > 40 ? 40 : close - p + 1), p);
			return -EINVAL;
		}
		p = close;
	}
	for (p = tmpl; *p; p++) {
		if (*p != '{') {
			if (o + 1 < size)
				out[o] = *p;
			o++;
			continue;
		}
		close = strchr(p, '}');
		if ((rc = field(p + 1, (size_t)(close - p - 1), vm, num, sizeof(num), &val))) {
			snprintf(err, errsize, "the guest's %.*s is not known",
				 (int)(close - p - 1), p + 1);
			break;
		}
		n = strlen(val);
		if (o + n < size)
			memcpy(out + o, val, n);
		o += n;
		p = close;
	}
	if (!rc && o >= size) {
		snprintf(err, errsize, "longer than %zu bytes", size - 1);
		rc = -ERANGE;
	} else if (!rc) {
		out[o] = '\0';
		if (hp_ovs_id_check(out, why, sizeof(why))) {
			snprintf(err, errsize, "the result is no id: %s", why);
			rc = -ERANGE;
		}
	}
	if (rc)
		out[0] = '\0';
	return rc;
}

int hp_ovs_iface_id_template(char *buf, size_t size, char *err, size_t errsize)
{
	const struct hp_ovs_vm all = { "n", "u", "m", 0, 0 }; /* all known */
	char out[HP_OVS_ID_MAX + 1], why[160];
	unsigned int line = 0;
	int rc;

	rc = hp_conf_get("ovs_iface_id", buf, size, &line);
	if (rc == -ENOENT) {
		snprintf(buf, size, "%s", HP_OVS_IFACE_ID_DEFAULT);
		return 0;
	}
	if (rc) {
		snprintf(err, errsize, "unable to read ovs_iface_id from '%s': %s", hp_conf_path(),
			 strerror(-rc));
		return rc;
	}
	/* every field known: only the template itself can fail */
	if (hp_ovs_iface_id_expand(buf, &all, out, sizeof(out), why, sizeof(why)) == -EINVAL) {
		snprintf(err, errsize, "invalid ovs_iface_id '%s' at line %u of '%s': %s", buf,
			 line, hp_conf_path(), why);
		return -EINVAL;
	}
	return 0;
}

int hp_ovs_vm_name_final(char *name)
{
	size_t len = strlen(name), s = strlen(INCOMING);

	if (len <= s || strcmp(name + len - s, INCOMING))
		return 0;
	name[len - s] = '\0';
	return 1;
}
