/* vif-nat's DHCP host entries, pluggable:
 *
 *   none     nothing (the default)
 *   dnsmasq  one file per vif, "<dir>/<vif name>", holding one dhcp-host
 *            line "<mac>,tag:<vif name>,<ip>,<hostname>", for a dnsmasq
 *            started with --dhcp-hostsdir=<dir>: it reads new files by
 *            itself (inotify), so no restart and no lock; a removed or
 *            changed file is followed by a SIGHUP (see below).  The tag (dnsmasq
 *            tags every request with the interface it came in on) limits
 *            the entry to its vif.  Files are written to a dot-file (which
 *            dnsmasq ignores) and renamed into place.
 *   isc      upstream's line "host <hostname> { hardware ethernet <mac>;
 *            fixed-address <ip>; option routers <router>; option host-name
 *            "<hostname>"; }" in dhcpd.conf, under the lock "vif-nat-dhcp"
 *            (hp/lock.h), file replaced by rename, then the restart
 *            command (forks; its failure is only logged, as upstream).
 *
 * Configuration (conf.h; environment first):
 *   XEN_HOTPLUG_NAT_DHCP / nat_dhcp = none|dnsmasq|isc
 *   XEN_HOTPLUG_NAT_DHCP_DIR / nat_dhcp_hostsdir (default /etc/xen/dnsmasq-hosts.d)
 *   XEN_HOTPLUG_NAT_DHCP_PIDFILE / nat_dhcp_dnsmasq_pidfile (default
 *       /run/dnsmasq/dnsmasq.pid, Debian's dnsmasq service): the dnsmasq
 *       that gets SIGHUP when an entry is removed or changed, because it
 *       keeps what a deleted or changed file held until then
 *   nat_dhcp_isc_conf (default: the first of /etc/dhcp/dhcpd.conf,
 *       /etc/dhcp3/dhcpd.conf, /etc/dhcpd.conf that exists)
 *   nat_dhcp_isc_restart (default: "<init script> restart" for the first
 *       of /etc/init.d/{isc-dhcp-server,dhcp-server,dhcp3-server,dhcp,dhcpd})
 * and upstream's per-vif `dhcp` parameter: `no` turns DHCP off for the
 * vif; `yes` turns it on, with dnsmasq unless nat_dhcp names a backend. */
#ifndef HP_DHCP_H
#define HP_DHCP_H

#include <stddef.h>

#include "hp/parse.h"

enum hp_dhcp_mode { HP_DHCP_NONE, HP_DHCP_DNSMASQ, HP_DHCP_ISC };

struct hp_dhcp_conf {
	enum hp_dhcp_mode mode;
	char dir[256];
	char pidfile[256];
	char isc_conf[256];
	char isc_restart[256];
};

struct hp_dhcp_host {
	const char *ifname; /* the vif: the dnsmasq file and tag */
	const unsigned char *mac;
	const struct hp_prefix *ip;
	const struct hp_prefix *router;
	const char *hostname;
};

/* dhcp_param: the `dhcp` parameter or NULL.  -EINVAL with a message in
 * err for a bad value or a missing file. */
int hp_dhcp_config(const char *dhcp_param, struct hp_dhcp_conf *c, char *err, size_t esize);
const char *hp_dhcp_mode_name(enum hp_dhcp_mode m);
/* Replaces the vif's entry (idempotent). */
int hp_dhcp_host_add(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h);
/* Removes it (ifname and hostname needed); 0 when it is not there. */
int hp_dhcp_host_del(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h);

/* The entry hp_dhcp_host_add() makes is there, as it makes it: 0; 1 when
 * not; -errno.  dnsmasq only: ISC's dhcpd.conf is not looked at (0). */
int hp_dhcp_host_check(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h);
/* Every dnsmasq host file of ours in c->dir (one line, tagged with the
 * file's own name, as hp_dhcp_host_add() writes it): cb with the vif's
 * name; a non-zero return stops the walk and is returned.  No
 * directory: 0. */
int hp_dhcp_hosts_each(const struct hp_dhcp_conf *c, int (*cb)(const char *ifname, void *data),
		       void *data);

#endif
