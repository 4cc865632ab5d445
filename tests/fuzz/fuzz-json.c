/* libFuzzer target: the OVSDB client's JSON (common/ovs/json.c) and JSON-RPC
 * framing (common/ovs/jsonrpc.c), what a server's bytes go through.  The
 * first byte picks:
 *   even: the rest as a server's stream, framed in chunks whose sizes
 *         come from the data; the frames must be the same as framing all
 *         at once; each frame yajl parses is written back (the echo
 *         reply's path) and that text parses and writes back to itself;
 *   odd:  the rest as a string through the writer's %s: refused exactly
 *         when it is not UTF-8, else yajl reads back the same string.
 * `make fuzz` builds and runs it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonrpc.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void rewrite(const char *text, size_t len)
{
	struct hp_json a = { 0 }, b = { 0 };
	char *s = malloc(len + 1), err[64];
	yajl_val v, w;

	CHECK(s != NULL);
	memcpy(s, text, len);
	s[len] = '\0';
	v = yajl_tree_parse(s, err, sizeof(err));
	if (v) {
		hp_json_add_value(&a, v);
		if (!a.err) {
			w = yajl_tree_parse(a.p, err, sizeof(err));
			CHECK(w != NULL);
			hp_json_add_value(&b, w);
			CHECK(!b.err && !strcmp(a.p, b.p));
			yajl_tree_free(w);
		}
	}
	yajl_tree_free(v);
	hp_json_free(&a);
	hp_json_free(&b);
	free(s);
}

static void stream(const uint8_t *data, size_t size)
{
	struct hp_jsonrpc_frame st = { 0 }, all = { 0 };
	const char *buf = (const char *)data;
	size_t start = 0, avail = 0, step = 1;
	long n, m;

	while (start < size) {
		/* the whole rest at once, as a reference */
		memset(&all, 0, sizeof(all));
		m = hp_jsonrpc_frame(&all, buf + start, size - start);
		/* the same bytes arriving in pieces */
		memset(&st, 0, sizeof(st));
		avail = 0;
		n = 0;
		while (n == 0 && avail < size - start) {
			step = (buf[start + avail] & 7) + 1;
			avail = avail + step > size - start ? size - start : avail + step;
			n = hp_jsonrpc_frame(&st, buf + start, avail);
		}
		CHECK(n == m);
		if (n <= 0)
			return;
		/* brackets are counted, not matched: yajl refuses a "{]" */
		CHECK((size_t)n <= size - start &&
		      (buf[start + n - 1] == '}' || buf[start + n - 1] == ']'));
		rewrite(buf + start, (size_t)n);
		start += (size_t)n;
	}
}

static void string(const uint8_t *data, size_t size)
{
	struct hp_json j = { 0 };
	char *s = malloc(size + 1), err[64];
	yajl_val v;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	hp_json_add(&j, "[%s]", s);
	if (hp_json_utf8_check(s, strlen(s))) {
		CHECK(j.err == -EINVAL);
	} else {
		CHECK(j.err == 0);
		v = yajl_tree_parse(j.p, err, sizeof(err));
		CHECK(v && hp_json_is(hp_json_at(v, 0), s));
		yajl_tree_free(v);
	}
	hp_json_free(&j);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		string(data + 1, size - 1);
	else
		stream(data + 1, size - 1);
	return 0;
}
