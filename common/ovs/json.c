/* JSON text out from templates, yajl trees in (see json.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int grow(struct hp_json *j, size_t more)
{
	size_t cap;
	char *p;

	if (j->err)
		return j->err;
	if (j->len + more + 1 <= j->cap)
		return 0;
	cap = j->cap ? j->cap : 512;
	while (cap < j->len + more + 1)
		cap *= 2;
	if (!(p = realloc(j->p, cap)))
		return j->err = -ENOMEM;
	j->p = p;
	j->cap = cap;
	return 0;
}

static void put(struct hp_json *j, const char *s, size_t n)
{
	if (grow(j, n))
		return;
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
}

int hp_json_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	unsigned int c, min;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, min = 0x80, c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, min = 0x800, c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return -EINVAL;
		}
		if (len - i - 1 < n)
			return -EINVAL;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -EINVAL;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -EINVAL;
		i += n + 1;
	}
	return 0;
}

/* RFC 8259 section 7: '"', '\' and control characters escaped. */
static void put_string(struct hp_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(s), i, start = 0;
	char esc[6] = { '\\', 'u', '0', '0' };

	if (hp_json_utf8_check(s, len)) {
		if (!j->err)
			j->err = -EINVAL;
		return;
	}
	put(j, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(j, s + start, i - start);
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(j, esc, 2);
		} else {
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(j, esc, 6);
		}
		start = i + 1;
	}
	put(j, s + start, len - start);
	put(j, "\"", 1);
}

void hp_json_vadd(struct hp_json *j, const char *tmpl, va_list ap)
{
	const char *p;
	char num[24];
	int n;

	for (p = tmpl; *p; p++) {
		if (*p == '\'') {
			put(j, "\"", 1);
		} else if (*p != '%' || !p[1]) {
			put(j, p, 1);
		} else {
			switch (*++p) {
			case 's':
				put_string(j, va_arg(ap, const char *));
				break;
			case 'd':
				n = snprintf(num, sizeof(num), "%d", va_arg(ap, int));
				put(j, num, (size_t)n);
				break;
			case 'u':
				n = snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned int));
				put(j, num, (size_t)n);
				break;
			case 'l':
				if (strncmp(p, "lld", 3)) {
					put(j, p - 1, 2);
					break;
				}
				p += 2;
				n = snprintf(num, sizeof(num), "%lld", va_arg(ap, long long));
				put(j, num, (size_t)n);
				break;
			default:
				put(j, p - 1, 2);
			}
		}
	}
}

void hp_json_add(struct hp_json *j, const char *tmpl, ...)
{
	va_list ap;

	va_start(ap, tmpl);
	hp_json_vadd(j, tmpl, ap);
	va_end(ap);
}

void hp_json_add_value(struct hp_json *j, yajl_val v)
{
	size_t i;

	switch (v ? v->type : yajl_t_null) {
	case yajl_t_string:
		put_string(j, v->u.string);
		break;
	case yajl_t_number:
		put(j, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_true:
		put(j, "true", 4);
		break;
	case yajl_t_false:
		put(j, "false", 5);
		break;
	case yajl_t_object:
		put(j, "{", 1);
		for (i = 0; i < v->u.object.len; i++) {
			if (i)
				put(j, ",", 1);
			put_string(j, v->u.object.keys[i]);
			put(j, ":", 1);
			hp_json_add_value(j, v->u.object.values[i]);
		}
		put(j, "}", 1);
		break;
	case yajl_t_array:
		put(j, "[", 1);
		for (i = 0; i < v->u.array.len; i++) {
			if (i)
				put(j, ",", 1);
			hp_json_add_value(j, v->u.array.values[i]);
		}
		put(j, "]", 1);
		break;
	default:
		put(j, "null", 4);
	}
}

void hp_json_free(struct hp_json *j)
{
	free(j->p);
	memset(j, 0, sizeof(*j));
}

yajl_val hp_json_get(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

size_t hp_json_len(yajl_val arr)
{
	return YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0;
}

yajl_val hp_json_at(yajl_val arr, size_t i)
{
	return i < hp_json_len(arr) ? arr->u.array.values[i] : NULL;
}

int hp_json_is(yajl_val v, const char *s)
{
	return YAJL_IS_STRING(v) && !strcmp(v->u.string, s);
}
