/* The host configuration file (see conf.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CONF_DEFAULT "/etc/xen/xen-hotplug.conf"

const char *hp_conf_path(void)
{
	const char *p = getenv("XEN_HOTPLUG_CONF");

	return p && *p ? p : CONF_DEFAULT;
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int hp_conf_get(const char *key, char *buf, size_t size)
{
	char *line = NULL, *k, *v, *eq;
	size_t cap = 0, len;
	int rc = -ENOENT;
	FILE *f;

	if (!(f = fopen(hp_conf_path(), "re")))
		return errno == ENOENT ? -ENOENT : -errno;
	while (getline(&line, &cap, f) >= 0) {
		k = strip(line);
		if (!*k || *k == '#' || !(eq = strchr(k, '=')))
			continue;
		*eq = '\0';
		k = strip(k);
		if (strcmp(k, key))
			continue;
		v = strip(eq + 1);
		len = strlen(v);
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			v[--len] = '\0';
			v++;
			len--;
		}
		if (len >= size) {
			rc = -ENAMETOOLONG;
			continue;
		}
		memcpy(buf, v, len + 1);
		rc = 0;
	}
	free(line);
	fclose(f);
	return rc;
}
