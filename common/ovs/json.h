/* JSON for the OVSDB client: text written from templates, text read
 * with yajl's tree parser (yajl is on every Xen dom0 already: libxenlight
 * depends on it).  Only jsonrpc.c and ovsdb.c use this header. */
#ifndef HP_JSON_H
#define HP_JSON_H

#include <stdarg.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* Text under construction; err is sticky (-ENOMEM, or -EINVAL for a
 * string that is not UTF-8), checked once at the end. */
struct hp_json {
	char *p; /* NUL-terminated */
	size_t len, cap;
	int err;
};

/* Appends tmpl, with every ' written as " (templates stay readable in C),
 * %s as a JSON string (quoted, escaped), %d, %u and %lld as printf
 * writes them; nothing else is special (printf's format checking
 * applies to callers that declare it).
 *   hp_json_add(j, "['name','==',%s]", name); */
void hp_json_add(struct hp_json *j, const char *tmpl, ...);
void hp_json_vadd(struct hp_json *j, const char *tmpl, va_list ap);
/* Appends a parsed value (recursion as deep as the value: the framing
 * in jsonrpc.c bounds it). */
void hp_json_add_value(struct hp_json *j, yajl_val v);
void hp_json_free(struct hp_json *j);

/* 0 when s[0..len) is valid UTF-8 (no overlong forms, no surrogates). */
int hp_json_utf8_check(const char *s, size_t len);

/* Reading a yajl tree; every one takes NULL and wrong types, and gives
 * NULL, 0 or "absent" back. */
yajl_val hp_json_get(yajl_val obj, const char *key);
size_t hp_json_len(yajl_val arr);
yajl_val hp_json_at(yajl_val arr, size_t i);
int hp_json_is(yajl_val v, const char *s); /* a string equal to s */

#endif
