/* libFuzzer target: every parser of parse.h, and the guard's
 * normalisation of the `ip` list (fw_rules_build).  The first byte picks
 * the parser, the rest is the string.  Checked beyond "no crash": a
 * formatted prefix parses back to itself; a parsed MAC, MTU, name or path
 * satisfies what the header promises; normalised guard entries never
 * overlap (the kernel refuses overlapping interval elements).
 * `make fuzz` builds and runs it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-priv.h"
#include "hp/parse.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static int covers(const struct hp_prefix *a, const struct hp_prefix *b)
{
	unsigned int i;

	if (a->family != b->family || a->len > b->len)
		return 0;
	for (i = 0; i < a->len; i++)
		if ((a->addr[i / 8] ^ b->addr[i / 8]) & (0x80u >> (i % 8)))
			return 0;
	return 1;
}

static void prefix_roundtrip(const struct hp_prefix *p)
{
	struct hp_prefix q;
	char buf[64];

	CHECK(p->family == AF_INET || p->family == AF_INET6);
	CHECK(p->len <= (p->family == AF_INET ? 32 : 128));
	hp_prefix_format(p, buf, sizeof(buf));
	CHECK(hp_parse_prefix(buf, &q) == 0);
	CHECK(q.family == p->family && q.len == p->len);
	CHECK(!memcmp(q.addr, p->addr, p->family == AF_INET ? 4 : 16));
}

static void ip_list(const char *s)
{
	struct hp_prefix *v;
	struct fw_rules r;
	struct hp_guard g = { .ifname = "vif1.0", .family = HP_FW_BRIDGE };
	const struct fw_conf c = { .log_group = -1 }; /* the defaults */
	size_t n, i, j;

	if (hp_parse_ip_list(s, &v, &n))
		return;
	CHECK(n <= 64 && (n == 0) == (v == NULL));
	for (i = 0; i < n; i++)
		prefix_roundtrip(&v[i]);
	g.addrs = v;
	g.naddrs = n;
	CHECK(fw_rules_build(&g, &c, &r) == 0);
	CHECK(r.n <= n && r.guarded == (n > 0));
	for (i = 0; i < r.n; i++) {
		for (j = 0; j < r.n; j++)
			CHECK(i == j || (!covers(&r.addrs[i], &r.addrs[j])));
	}
	/* every input address is still allowed */
	for (i = 0; i < n; i++) {
		for (j = 0; j < r.n && !covers(&r.addrs[j], &v[i]); j++)
			;
		CHECK(j < r.n);
	}
	fw_rules_free(&r);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_prefix p;
	unsigned char mac[6];
	unsigned int u, d, n;
	unsigned long ul;
	char *s;

	if (size < 1)
		return 0;
	if (!(s = malloc(size)))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 10) {
	case 0:
		ip_list(s);
		break;
	case 1:
		if (!hp_parse_prefix(s, &p))
			prefix_roundtrip(&p);
		break;
	case 2:
		if (!hp_parse_mac(s, mac, data[0] & 0x80)) {
			CHECK(strlen(s) == 17);
			CHECK(!(data[0] & 0x80) || !(mac[0] & 1));
		}
		break;
	case 3:
		if (!hp_parse_mtu(s, &u))
			CHECK(u >= 68 && u <= 65535);
		break;
	case 4:
		if (!hp_parse_ifname(s))
			CHECK(strlen(s) >= 1 && strlen(s) <= 15 && !strchr(s, '/') &&
			      !strchr(s, ':') && strcmp(s, ".") && strcmp(s, ".."));
		break;
	case 5:
		if (!hp_parse_backend_path(s, &d, &n))
			CHECK(strstr(s, "backend/vif/") != NULL);
		break;
	case 6:
		if (!hp_parse_vif_name(s, &d, &n))
			CHECK(!strncmp(s, "vif", 3));
		break;
	case 7:
		if (!hp_parse_uint(s, 65535, &ul))
			CHECK(ul <= 65535);
		break;
	case 8:
		hp_parse_param_name(s, strlen(s));
		break;
	case 9:
		if (!hp_parse_uint(s, (unsigned long)-1, &ul))
			CHECK(s[0] >= '0' && s[0] <= '9');
		break;
	}
	free(s);
	return 0;
}
