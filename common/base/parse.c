/* Validators for every value taken from xenstore, argv or the
 * environment.  Pure: no I/O, no logging. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/parse.h"

#define HP_MAX_IPS 64

int hp_parse_ifname(const char *s)
{
	size_t i, len;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	/* dev_valid_name() in net/core/dev.c */
	if (len == 0 || len >= HP_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f)
			return -EINVAL;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hp_parse_mac(const char *s, unsigned char mac[6], int unicast)
{
	int i, hi, lo;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[3 * i]);
		lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	if (unicast && (mac[0] & 1))
		return -EINVAL;
	return 0;
}

int hp_parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

int hp_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	uint64_t v = 0; /* 10 digits fit; unsigned long is 32 bits on armhf and i386 */
	const char *p;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

int hp_parse_mtu(const char *s, unsigned int *mtu)
{
	unsigned long v;

	if (hp_parse_uint(s, 65535, &v) || v < 68)
		return -EINVAL;
	*mtu = (unsigned int)v;
	return 0;
}

int hp_parse_prefix(const char *s, struct hp_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned long len;
	size_t alen;
	int max;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = (unsigned long)max;
	if (slash && hp_parse_uint(slash + 1, (unsigned long)max, &len))
		return -EINVAL;
	p->len = (unsigned char)len;
	return 0;
}

static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',';
}

int hp_parse_ip_list(const char *s, struct hp_prefix **out, size_t *n)
{
	struct hp_prefix *v = NULL;
	char word[INET6_ADDRSTRLEN + 8];
	size_t count = 0, len;
	const char *p = s;
	int rc = -EINVAL;

	*out = NULL;
	*n = 0;
	if (!s)
		return 0;
	while (*p) {
		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		for (len = 0; p[len] && !is_sep(p[len]); len++)
			;
		if (len >= sizeof(word) || count >= HP_MAX_IPS)
			goto err;
		if (!v && !(v = calloc(HP_MAX_IPS, sizeof(*v)))) {
			rc = -ENOMEM;
			goto err;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (hp_parse_prefix(word, &v[count]))
			goto err;
		count++;
		p += len;
	}
	*out = v;
	*n = count;
	return 0;
err:
	free(v);
	return rc;
}

/* "<domid>/<devid>" at the end of a path, both decimal. */
static int parse_ids(const char *s, unsigned int *domid, unsigned int *devid)
{
	unsigned long d, n;
	char buf[24];
	const char *slash = strchr(s, '/');
	size_t len;

	if (!slash)
		return -EINVAL;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* DOMID_FIRST_RESERVED is 0x7FF0 */
	if (hp_parse_uint(buf, 0x7FEF, &d) || hp_parse_uint(slash + 1, 0xFFFF, &n))
		return -EINVAL;
	*domid = (unsigned int)d;
	*devid = (unsigned int)n;
	return 0;
}

int hp_parse_backend_path(const char *path, unsigned int *domid, unsigned int *devid)
{
	static const char lead[] = "/local/domain/";
	const char *p = path;
	unsigned long be;

	if (!p)
		return -EINVAL;
	if (!strncmp(p, lead, sizeof(lead) - 1)) {
		const char *slash;
		char buf[8];

		p += sizeof(lead) - 1;
		slash = strchr(p, '/');
		if (!slash || slash == p || (size_t)(slash - p) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, (size_t)(slash - p));
		buf[slash - p] = '\0';
		if (hp_parse_uint(buf, 0x7FEF, &be))
			return -EINVAL;
		p = slash + 1;
	}
	if (strncmp(p, "backend/vif/", 12))
		return -EINVAL;
	return parse_ids(p + 12, domid, devid);
}

int hp_parse_vif_name(const char *s, unsigned int *domid, unsigned int *devid)
{
	char buf[HP_IFNAMSIZ];
	size_t len;
	char *dot;

	if (!s || strncmp(s, "vif", 3))
		return -EINVAL;
	len = strlen(s + 3);
	if (len >= 4 && !strcmp(s + 3 + len - 4, "-emu"))
		len -= 4;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s + 3, len);
	buf[len] = '\0';
	dot = strchr(buf, '.');
	if (!dot)
		return -EINVAL;
	*dot = '/';
	return parse_ids(buf, domid, devid);
}

int hp_parse_param_name(const char *s, size_t len)
{
	size_t i;

	if (!s || len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return -EINVAL;
	}
	return 0;
}

int hp_prefix_contains(const struct hp_prefix *net, const struct hp_prefix *p)
{
	unsigned int full, rest;

	if (net->family != p->family || net->len > p->len)
		return 0;
	full = net->len / 8u;
	rest = net->len % 8u;
	if (memcmp(net->addr, p->addr, full))
		return 0;
	return !rest || !((net->addr[full] ^ p->addr[full]) & (0xffu << (8 - rest)));
}

void hp_prefix_format(const struct hp_prefix *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, "%s/%u", addr, p->len);
}
