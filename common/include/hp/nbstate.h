/* network-bridge's state file: what `stop` needs to give the host back,
 * written by `start` before it changes anything.  One file per NIC,
 * "<run dir>/network-bridge.<netdev>.state" (lock.h's run dir), 0600,
 * text, one item a line, `#` comments:
 *
 *   version=1
 *   netdev=eth0  port=peth0  bridge=eth0  tmp=xhpbr2   (one a line)
 *   nic_ifindex=2  nic_up=1  nic_mtu=1500  nic_mac=52:54:00:12:34:56
 *   antispoof=0
 *   addr <hex>    an RTM_NEWADDR message of the NIC, as the kernel sent it
 *   route <hex>   an RTM_NEWROUTE message through the NIC
 *
 * in this order when written; read in any order (a later line overrides
 * an earlier one of the same key), an unknown key or a bad value an
 * error.  The
 * messages are netmove.h's snapshot.  The file says that the bridge is
 * network-bridge's, so that `stop` never removes one the distribution
 * made. */
#ifndef HP_NBSTATE_H
#define HP_NBSTATE_H

#include <stdio.h>

#include "hp/netmove.h"
#include "hp/parse.h"

struct hp_nbstate {
	char netdev[HP_IFNAMSIZ]; /* the NIC's own name */
	char port[HP_IFNAMSIZ]; /* its name as the bridge's port */
	char bridge[HP_IFNAMSIZ];
	char tmp[HP_IFNAMSIZ]; /* the bridge's name until the NIC frees its own */
	int nic_ifindex;
	int nic_up;
	unsigned int nic_mtu;
	unsigned char nic_mac[6];
	int antispoof;
	struct hp_nm_snap snap; /* the NIC's addresses and routes */
};

/* "<run dir>/network-bridge.<netdev>.state"; -ENAMETOOLONG. */
int hp_nbstate_path(const char *netdev, char *buf, size_t size);

/* The text form.  read: 0, or -EINVAL with *lineno the first bad line
 * (0 when a required item is missing: netdev, port, bridge, tmp,
 * nic_ifindex), -ENOMEM.  st is emptied first; free it with
 * hp_nbstate_free whatever the result. */
int hp_nbstate_write(FILE *f, const struct hp_nbstate *st);
int hp_nbstate_read(FILE *f, struct hp_nbstate *st, unsigned int *lineno);
void hp_nbstate_free(struct hp_nbstate *st);

/* The file: saved to a temporary file beside it, synced, renamed over
 * (a crash leaves the old file or the new one, never a half); loaded with
 * 0, -ENOENT (not started), -errno, or -EINVAL after a logged line. */
int hp_nbstate_save(const char *path, const struct hp_nbstate *st);
int hp_nbstate_load(const char *path, struct hp_nbstate *st);

/* The NIC (into netdev) whose state file in the run directory names
 * bridge, or with bridge NULL the NIC of the only state file there.
 * -ENOENT when there is none, -EEXIST when bridge is NULL and there are
 * several.  Unreadable files are passed over. */
int hp_nbstate_find(const char *bridge, char netdev[HP_IFNAMSIZ]);

#endif
