/* Validators and parsers for every value that comes from xenstore, the
 * command line or the environment.  Pure functions: no I/O, no logging.
 * All return 0 or -EINVAL (-ENOMEM where they allocate). */
#ifndef HP_PARSE_H
#define HP_PARSE_H

#include <stddef.h>

#define HP_IFNAMSIZ 16 /* IFNAMSIZ, including the NUL */

struct hp_prefix {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network byte order; IPv4 in the first 4 */
	unsigned char len; /* prefix length; 32/128 when none was given */
};

/* A Linux interface name: 1..15 bytes, no '/', ':', whitespace or control
 * characters, not "." or "..". */
int hp_parse_ifname(const char *s);
/* "xx:xx:xx:xx:xx:xx" (hex, either case); rejects multicast addresses
 * when unicast is non-zero. */
int hp_parse_mac(const char *s, unsigned char mac[6], int unicast);
/* Decimal MTU in 68..65535 (the IPv4 minimum and netback's maximum). */
int hp_parse_mtu(const char *s, unsigned int *mtu);
/* Decimal without sign, leading '+' or junk, at most max. */
int hp_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* A configuration switch: yes, true, 1 -> 1; no, false, 0 -> 0. */
int hp_parse_bool(const char *s, int *out);
/* "a.b.c.d[/n]" or an IPv6 address "[/n]".  Host bits set under the
 * prefix are accepted (upstream accepts them; iptables masks them). */
int hp_parse_prefix(const char *s, struct hp_prefix *p);
/* The `ip` key: addresses separated by spaces, tabs, newlines or commas,
 * as upstream's unquoted shell word splitting did.  Empty gives n = 0 and
 * *out = NULL.  At most 64 entries.  *out is malloc'd. */
int hp_parse_ip_list(const char *s, struct hp_prefix **out, size_t *n);
/* "[/local/domain/<n>/]backend/<type>/<domid>/<devid>" with type "vif". */
int hp_parse_backend_path(const char *path, unsigned int *domid, unsigned int *devid);
/* "vif<domid>.<devid>[-emu]": libxl's own name of a vif, never a vifname
 * (to find XENBUS_PATH for an emulated NIC when the caller did not give
 * it, upstream's tap convention; the backend of a port whose alias or
 * unrenamed name is libxl's). */
int hp_parse_vif_name(const char *s, unsigned int *domid, unsigned int *devid);
/* A shell-variable-like parameter name: [A-Za-z_][A-Za-z0-9_]*. */
int hp_parse_param_name(const char *s, size_t len);
/* Does network net (its first net->len bits) hold p, whose prefix length
 * is at least as long?  Same family only. */
int hp_prefix_contains(const struct hp_prefix *net, const struct hp_prefix *p);
/* Format a prefix as text ("10.0.0.1/32"); buf of at least 50 bytes. */
void hp_prefix_format(const struct hp_prefix *p, char *buf, size_t size);

#endif
