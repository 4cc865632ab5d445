/* vif-nat's address rules (see natip.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/natip.h"

static uint32_t get4(const struct hp_prefix *p)
{
	return (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 | (uint32_t)p->addr[2] << 8 |
	       p->addr[3];
}

static void set4(struct hp_prefix *p, uint32_t a, unsigned char len)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->addr[0] = (unsigned char)(a >> 24);
	p->addr[1] = (unsigned char)(a >> 16);
	p->addr[2] = (unsigned char)(a >> 8);
	p->addr[3] = (unsigned char)a;
	p->len = len;
}

int hp_nat_default_ip(unsigned int domid, unsigned int devid, struct hp_prefix *guest)
{
	if (domid > HP_NAT_MAX_DOMID || devid > HP_NAT_MAX_DEVID)
		return -ERANGE;
	set4(guest, 10u << 24 | (domid / 256) << 16 | (domid % 256) << 8 | (devid + 1), 16);
	return 0;
}

/* Unicast, not 0/8, loopback, multicast or reserved. */
static int unicast4(uint32_t a)
{
	unsigned int hi = a >> 24;

	return hi != 0 && hi != 127 && hi < 224;
}

int hp_nat_router_ip(const struct hp_prefix *guest, struct hp_prefix *router)
{
	uint32_t g, r, mask, d;

	if (guest->family != AF_INET || guest->len > 32)
		return -EINVAL;
	g = get4(guest);
	d = g & 0xff;
	if (!unicast4(g) || d == 0 || d == 255)
		return -EINVAL;
	r = d <= 127 ? g + 127 : g - 127;
	if (guest->len <= 30) {
		mask = guest->len ? 0xffffffffu << (32 - guest->len) : 0;
		if ((g & ~mask) == 0 || (g & ~mask) == ~mask)
			return -EINVAL; /* the guest is the network or broadcast address */
		if ((r & mask) != (g & mask) || (r & ~mask) == 0 || (r & ~mask) == ~mask)
			return -ERANGE;
	}
	set4(router, r, 32);
	return 0;
}

void hp_nat_hostname(unsigned int domid, unsigned int devid, char *buf, size_t size)
{
	if (devid)
		snprintf(buf, size, "dom%u-%u", domid, devid + 1);
	else
		snprintf(buf, size, "dom%u", domid);
}

int hp_nat_addrs(unsigned int domid, unsigned int devid, const struct hp_prefix *ips, size_t nips,
		 struct hp_nat *out, const char **why)
{
	int rc;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (nips > 1) {
		*why = "vif-nat takes one IPv4 address";
		return -EINVAL;
	}
	if (nips == 1) {
		if (ips[0].family != AF_INET) {
			*why = "vif-nat takes one IPv4 address, not IPv6";
			return -EINVAL;
		}
		out->guest = ips[0];
	} else if (hp_nat_default_ip(domid, devid, &out->guest)) {
		*why = domid > HP_NAT_MAX_DOMID ?
			       "the domain id is reserved; set ip" :
			       "the default address rule 10.<domid/256>.<domid%256>.<devid+1> "
			       "covers devids up to 126; set ip";
		return -ERANGE;
	}
	rc = hp_nat_router_ip(&out->guest, &out->router);
	if (rc == -EINVAL)
		*why = "not a usable IPv4 host address (unicast, last octet 1 to 254, not the "
		       "network or broadcast address)";
	else if (rc)
		*why = "the router address (last octet +/-127) would fall outside the network "
		       "or on its network or broadcast address; use a /24 or larger network, "
		       "or a /31 or /32";
	if (rc)
		return rc;
	hp_nat_hostname(domid, devid, out->hostname, sizeof(out->hostname));
	return 0;
}
