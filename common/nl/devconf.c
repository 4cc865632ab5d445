/* Per-interface IP settings: rtnetlink where the kernel takes them,
 * /proc/sys (of the caller's network namespace) otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/ip.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hp/devconf.h"
#include "nl-priv.h"
#include "hp/parse.h"

static int set_inet(struct hp_nl *nl, int ifindex, int id, int val)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int rc;

	if (chg && (rc = rtnl_link_inet_set_conf(chg, (unsigned int)id, (uint32_t)val)) < 0) {
		rtnl_link_put(chg);
		return hp_nl_errno(rc);
	}
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_devconf_set_proxy_arp(struct hp_nl *nl, int ifindex, int on)
{
	return set_inet(nl, ifindex, IPV4_DEVCONF_PROXY_ARP, on ? 1 : 0);
}

int hp_devconf_set_rp_filter(struct hp_nl *nl, int ifindex, int mode)
{
	return set_inet(nl, ifindex, IPV4_DEVCONF_RP_FILTER, mode);
}

static int conf_path(char *buf, size_t size, int family, const char *ifname, const char *key)
{
	/* "all" and "default" are no link names but are valid here */
	if (hp_parse_ifname(ifname))
		return -EINVAL;
	/* a '.' in a name is a '/' in the sysctl name, but not in the path */
	snprintf(buf, size, "/proc/sys/net/%s/conf/%s/%s", family == AF_INET6 ? "ipv6" : "ipv4",
		 ifname, key);
	return 0;
}

static int read_int(const char *path, int *val)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%d", val) != 1)
		return -EIO;
	return 0;
}

static int write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

int hp_devconf_set_proxy_ndp(const char *ifname, int on)
{
	char path[96];
	int rc, cur;

	if ((rc = conf_path(path, sizeof(path), AF_INET6, ifname, "proxy_ndp")))
		return rc;
	if (!read_int(path, &cur) && !!cur == !!on)
		return 0;
	return write_str(path, on ? "1\n" : "0\n");
}

int hp_devconf_set_ipv6_off(const char *ifname)
{
	char path[96];
	int rc;

	if ((rc = conf_path(path, sizeof(path), AF_INET6, ifname, "disable_ipv6")))
		return rc;
	rc = write_str(path, "1\n");
	if (rc == -ENOENT && access("/proc/sys/net/ipv6", F_OK))
		return 0; /* no IPv6 in this kernel */
	return rc;
}

int hp_devconf_forwarding(int family, const char *ifname, int *on)
{
	char path[96];
	int rc, v;

	if ((rc = conf_path(path, sizeof(path), family, ifname, "forwarding")))
		return rc;
	if ((rc = read_int(path, &v)))
		return rc;
	*on = v != 0;
	return 0;
}

int hp_devconf_ipv6_disabled(const char *ifname, int *off)
{
	char path[96];
	int rc, v;

	if ((rc = conf_path(path, sizeof(path), AF_INET6, ifname, "disable_ipv6")))
		return rc;
	rc = read_int(path, &v);
	if (rc == -ENOENT && access("/proc/sys/net/ipv6", F_OK)) {
		*off = 1; /* no IPv6 in this kernel */
		return 0;
	}
	if (rc)
		return rc;
	*off = v != 0;
	return 0;
}

int hp_devconf_get(int family, const char *ifname, const char *key, int *val)
{
	char path[96];
	int rc;

	if (strchr(key, '/') || strlen(key) > 32)
		return -EINVAL;
	if ((rc = conf_path(path, sizeof(path), family, ifname, key)))
		return rc;
	return read_int(path, val);
}
