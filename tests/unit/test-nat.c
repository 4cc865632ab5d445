/* Unit tests for common/nat/natip.c: vif-nat's address rules. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/natip.h"
#include "hp/parse.h"
#include "check.h"

static const char *fmt(const struct hp_prefix *p)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	hp_prefix_format(p, buf[i], sizeof(buf[i]));
	return buf[i];
}

static int router_of(const char *guest, char *out)
{
	struct hp_prefix g, r;
	int rc;

	if (hp_parse_prefix(guest, &g))
		return -100;
	rc = hp_nat_router_ip(&g, &r);
	if (!rc)
		strcpy(out, fmt(&r));
	return rc;
}

static void test_default(void)
{
	struct hp_prefix g;

	CHECK(hp_nat_default_ip(1, 0, &g) == 0 && !strcmp(fmt(&g), "10.0.1.1/16"));
	CHECK(hp_nat_default_ip(1, 3, &g) == 0 && !strcmp(fmt(&g), "10.0.1.4/16"));
	CHECK(hp_nat_default_ip(256, 0, &g) == 0 && !strcmp(fmt(&g), "10.1.0.1/16"));
	CHECK(hp_nat_default_ip(300, 1, &g) == 0 && !strcmp(fmt(&g), "10.1.44.2/16"));
	CHECK(hp_nat_default_ip(32751, 126, &g) == 0 && !strcmp(fmt(&g), "10.127.239.127/16"));
	CHECK(hp_nat_default_ip(32752, 0, &g) == -ERANGE);
	CHECK(hp_nat_default_ip(1, 127, &g) == -ERANGE);
	CHECK(hp_nat_default_ip(1, 255, &g) == -ERANGE);
}

static void test_router(void)
{
	char r[64];

	/* upstream's rule where it worked */
	CHECK(router_of("10.0.1.1/16", r) == 0 && !strcmp(r, "10.0.1.128/32"));
	CHECK(router_of("10.0.1.127/16", r) == 0 && !strcmp(r, "10.0.1.254/32"));
	CHECK(router_of("192.168.1.5/24", r) == 0 && !strcmp(r, "192.168.1.132/32"));
	/* upstream overflowed: 200 + 127 = 327 */
	CHECK(router_of("192.168.1.200/24", r) == 0 && !strcmp(r, "192.168.1.73/32"));
	CHECK(router_of("10.0.1.128/16", r) == 0 && !strcmp(r, "10.0.1.1/32"));
	CHECK(router_of("10.0.1.254/16", r) == 0 && !strcmp(r, "10.0.1.127/32"));
	/* host addresses only */
	CHECK(router_of("10.0.1.0/16", r) == -EINVAL);
	CHECK(router_of("10.0.1.255/16", r) == -EINVAL);
	CHECK(router_of("192.168.1.0/24", r) == -EINVAL);
	CHECK(router_of("127.0.0.1", r) == -EINVAL);
	CHECK(router_of("0.0.0.5", r) == -EINVAL);
	CHECK(router_of("224.0.0.5", r) == -EINVAL);
	CHECK(router_of("255.255.255.254", r) == -EINVAL);
	CHECK(router_of("2001:db8::1", r) == -EINVAL);
	/* the router must be in the guest's network, not its broadcast */
	CHECK(router_of("10.0.0.5/25", r) == -ERANGE);
	CHECK(router_of("10.0.0.200/25", r) == -ERANGE);
	CHECK(router_of("10.0.0.1/30", r) == -ERANGE);
	CHECK(router_of("10.0.0.5/32", r) == 0 && !strcmp(r, "10.0.0.132/32"));
	CHECK(router_of("10.0.0.5/31", r) == 0 && !strcmp(r, "10.0.0.132/32"));
	CHECK(router_of("10.0.0.5", r) == 0 && !strcmp(r, "10.0.0.132/32"));
	CHECK(router_of("172.16.0.128/24", r) == 0 && !strcmp(r, "172.16.0.1/32"));
}

static void test_hostname(void)
{
	char h[24];

	hp_nat_hostname(1, 0, h, sizeof(h));
	CHECK(!strcmp(h, "dom1"));
	hp_nat_hostname(1, 1, h, sizeof(h));
	CHECK(!strcmp(h, "dom1-2"));
	hp_nat_hostname(32751, 126, h, sizeof(h));
	CHECK(!strcmp(h, "dom32751-127"));
}

static void test_addrs(void)
{
	struct hp_prefix *ips;
	struct hp_nat n;
	const char *why;
	size_t k;

	CHECK(hp_nat_addrs(5, 0, NULL, 0, &n, &why) == 0 && !strcmp(fmt(&n.guest), "10.0.5.1/16") &&
	      !strcmp(fmt(&n.router), "10.0.5.128/32") && !strcmp(n.hostname, "dom5") && !why);
	CHECK(hp_parse_ip_list("192.168.7.9/24", &ips, &k) == 0);
	CHECK(hp_nat_addrs(5, 2, ips, k, &n, &why) == 0 &&
	      !strcmp(fmt(&n.guest), "192.168.7.9/24") &&
	      !strcmp(fmt(&n.router), "192.168.7.136/32") && !strcmp(n.hostname, "dom5-3"));
	free(ips);
	CHECK(hp_parse_ip_list("10.0.0.1 10.0.0.2", &ips, &k) == 0);
	CHECK(hp_nat_addrs(5, 0, ips, k, &n, &why) == -EINVAL && why && strstr(why, "one"));
	free(ips);
	CHECK(hp_parse_ip_list("2001:db8::5", &ips, &k) == 0);
	CHECK(hp_nat_addrs(5, 0, ips, k, &n, &why) == -EINVAL && why && strstr(why, "IPv6"));
	free(ips);
	CHECK(hp_parse_ip_list("10.0.0.0/24", &ips, &k) == 0);
	CHECK(hp_nat_addrs(5, 0, ips, k, &n, &why) == -EINVAL && why);
	free(ips);
	CHECK(hp_parse_ip_list("10.0.0.1/26", &ips, &k) == 0);
	CHECK(hp_nat_addrs(5, 0, ips, k, &n, &why) == -ERANGE && why && strstr(why, "outside"));
	free(ips);
	CHECK(hp_nat_addrs(5, 127, NULL, 0, &n, &why) == -ERANGE && why && strstr(why, "126"));
	CHECK(hp_nat_addrs(40000, 0, NULL, 0, &n, &why) == -ERANGE && why &&
	      strstr(why, "reserved"));
}

/* The default rule gives every guest and router address of every domain
 * and vif once, and only valid host addresses (upstream: devid 127's
 * guest was devid 0's router, and devids >= 128 gave x.y.z.255+). */
static void test_distinct(void)
{
	unsigned char *seen = calloc(1u << 21, 1); /* a bit per address of 10/8 */
	unsigned int domid, devid, dup = 0, invalid = 0, count = 0;
	struct hp_nat n;
	const char *why;

	if (!seen) {
		failed++;
		return;
	}
	for (domid = 0; domid <= HP_NAT_MAX_DOMID; domid++) {
		for (devid = 0; devid <= HP_NAT_MAX_DEVID; devid++) {
			const struct hp_prefix *p[2] = { &n.guest, &n.router };
			int i;

			if (hp_nat_addrs(domid, devid, NULL, 0, &n, &why)) {
				invalid++;
				continue;
			}
			for (i = 0; i < 2; i++) {
				unsigned int a = (unsigned int)p[i]->addr[1] << 16 |
						 (unsigned int)p[i]->addr[2] << 8 | p[i]->addr[3];

				if (p[i]->addr[0] != 10 || p[i]->addr[3] == 0 ||
				    p[i]->addr[3] == 255)
					invalid++;
				if (seen[a / 8] & (1u << (a % 8)))
					dup++;
				seen[a / 8] |= (unsigned char)(1u << (a % 8));
				count++;
			}
		}
	}
	free(seen);
	CHECK(dup == 0);
	CHECK(invalid == 0);
	CHECK(count == 2u * (HP_NAT_MAX_DOMID + 1) * (HP_NAT_MAX_DEVID + 1));
}

int main(void)
{
	test_default();
	test_router();
	test_hostname();
	test_addrs();
	test_distinct();
	printf("test-nat: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
