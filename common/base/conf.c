/* The host configuration file (see conf.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/conf.h"
#include "hp/log.h"
#include "hp/parse.h"

#define CONF_DEFAULT "/etc/xen/xen-hotplug.conf"
#define CONF_MAX_SIZE (64 * 1024)
#define CONF_LINE_MAX 1024

static struct {
	int loaded;
	int rc;
	char *text; /* the file, NUL-terminated */
} st;

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

/* Said once, when the file is read: a line that is no `key=value` would
 * otherwise leave a default in force without a word ("antispoof none"). */
static void lint(void)
{
	const char *p, *nl, *c;
	unsigned int n = 0;
	size_t len;

	for (p = st.text; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		n++;
		for (c = p; c < p + len && isspace((unsigned char)*c); c++)
			;
		if (c == p + len || *c == '#')
			continue;
		if (len >= CONF_LINE_MAX)
			hp_warn("ignoring line %u of '%s': longer than %d characters", n,
				hp_conf_path(), CONF_LINE_MAX - 1);
		else if (!memchr(c, '=', len - (size_t)(c - p)))
			hp_warn("ignoring line %u of '%s': '%.*s' is not key=value", n,
				hp_conf_path(), (int)(len - (size_t)(c - p)), c);
	}
}

static void conf_free(void)
{
	free(st.text);
	st.text = NULL;
}

static int load(void)
{
	size_t len;
	FILE *f;

	st.loaded = 1;
	if (!(f = fopen(hp_conf_path(), "re")))
		return errno == ENOENT ? 0 : -errno;
	st.text = malloc(CONF_MAX_SIZE + 1);
	if (!st.text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(st.text, 1, CONF_MAX_SIZE, f);
	st.text[len] = '\0';
	fclose(f);
	if (len == CONF_MAX_SIZE)
		hp_warn("only the first %d bytes of '%s' are read", CONF_MAX_SIZE, hp_conf_path());
	atexit(conf_free);
	lint();
	return 0;
}

int hp_conf_get(const char *key, char *buf, size_t size, unsigned int *lineno)
{
	char line[CONF_LINE_MAX], *k, *v, *eq;
	const char *p, *nl;
	unsigned int n = 0;
	size_t len;
	int rc = -ENOENT;

	if (!st.loaded)
		st.rc = load();
	if (st.rc)
		return st.rc;
	for (p = st.text; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		n++;
		if (len >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		k = strip(line);
		if (!*k || *k == '#' || !(eq = strchr(k, '=')))
			continue;
		*eq = '\0';
		if (strcmp(strip(k), key))
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
		if (lineno)
			*lineno = n;
		rc = 0;
	}
	return rc;
}

/* The value of key, or the error: -ENOENT is no error. */
static int typed(const char *key, char *val, size_t vsize, unsigned int *line, const char *expect,
		 char *err, size_t size)
{
	int rc = hp_conf_get(key, val, vsize, line);

	if (rc == -ENAMETOOLONG) {
		snprintf(err, size, "invalid value for '%s' in '%s': too long, expected %s", key,
			 hp_conf_path(), expect);
		return -EINVAL;
	}
	if (rc && rc != -ENOENT)
		snprintf(err, size, "unable to read '%s': %s", hp_conf_path(), strerror(-rc));
	return rc;
}

static int bad(const char *key, const char *val, unsigned int line, const char *expect, char *err,
	       size_t size)
{
	snprintf(err, size, "invalid value '%s' for '%s' at line %u of '%s': expected %s", val, key,
		 line, hp_conf_path(), expect);
	return -EINVAL;
}

int hp_conf_bool(const char *key, int *out, char *err, size_t size)
{
	static const char expect[] = "yes or no";
	unsigned int line = 0;
	char val[16];
	int rc;

	if ((rc = typed(key, val, sizeof(val), &line, expect, err, size)))
		return rc;
	if (hp_parse_bool(val, out))
		return bad(key, val, line, expect, err, size);
	return 0;
}

int hp_conf_word(const char *key, const char *const *words, size_t n, int *out, unsigned int *line,
		 char *err, size_t size)
{
	char val[64], expect[160] = "";
	size_t i, o = 0;
	int rc;

	for (i = 0; i < n && o < sizeof(expect); i++)
		o += (size_t)snprintf(expect + o, sizeof(expect) - o, "%s%s",
				      i == 0	 ? "" :
				      i + 1 == n ? " or " :
						   ", ",
				      words[i]);
	if ((rc = typed(key, val, sizeof(val), line, expect, err, size)))
		return rc;
	for (i = 0; i < n; i++) {
		if (!strcmp(val, words[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return bad(key, val, *line, expect, err, size);
}
