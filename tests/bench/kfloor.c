/* The benchmark's kernel floor: what the process floor (floor.c) costs,
 * plus the kernel work that no vif tool can avoid for the guarantee of a
 * guarded bridge port, each as one request:
 *
 *   bench-kfloor online VIF BRIDGE MAC IP
 *     one RTM_NEWLINK: VIF up and enslaved to BRIDGE (IFLA_MASTER and
 *     the flags in one request), then one nf_tables transaction making
 *     the vif's guard objects as guard v3 has them (fw-elems.c: its set
 *     and map elements, its ten counters, its ingress chain and rule)
 *   bench-kfloor offline VIF BRIDGE MAC IP
 *     one RTM_NEWLINK: VIF down and released (IFLA_MASTER 0), then one
 *     transaction removing those objects
 *
 * Each request asks for its acknowledgement: the kernel's answer is part
 * of the guarantee.  After the deleting transaction the socket is handed
 * to a child that outlives the process, as the tools do (fw-nl.c): the
 * release's wait for the destroy work is no request of ours.  No lookup,
 * no xenstore, no sysctl, no check of what is there: a floor, not a tool.
 * The guard's tables must exist (a tool's online made them).  Built at
 * bench time into build/bench-kfloor with the library's private headers;
 * never installed. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include <netlink/route/link.h>
#include <xenstore.h>

#include "fw-elems.h"
#include "fw-netdev.h"
#include "fw-nl.h"
#include "fw-rules.h"
#include "hp/parse.h"

/* As floor.c: every library the tools link stays linked (--as-needed),
 * so that the two floors differ by the kernel work alone. */
void *volatile hp_bench_keep[] = {
	(void *)rtnl_link_alloc, (void *)nl_socket_alloc, (void *)xs_open,
	(void *)nftnl_set_alloc, (void *)mnl_socket_open,
};

/* One RTM_NEWLINK on the vif by name: flags, then master (do_setlink's
 * order), acknowledged. */
static int link_set(const char *ifname, unsigned int master, int up)
{
	char buf[512];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	unsigned int portid, seq = (unsigned int)time(NULL);
	int rc;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	if (!(nl = mnl_socket_open(NETLINK_ROUTE)))
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	rc = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (rc >= 0)
		rc = mnl_cb_run(buf, (size_t)rc, seq, portid, NULL, NULL) < 0 ? -errno : 0;
	else
		rc = -errno;
out:
	mnl_socket_close(nl);
	return rc;
}

/* The vif's guard objects, made (add) or removed, in one transaction. */
static int guard(const char *ifname, const char *mac, const char *ip, int add)
{
	static struct fw_elems l;
	struct fw_conf conf = { .log_group = -1 };
	struct hp_guard g = { .ifname = ifname, .family = HP_FW_BRIDGE, .has_mac = 1 };
	struct hp_prefix p;
	struct fw_rules r;
	struct fw_nl nl;
	char comment[FW_COMMENT_MAX];
	size_t i;
	int rc;

	if (hp_parse_mac(mac, g.mac, 1) || hp_parse_prefix(ip, &p))
		return -EINVAL;
	g.addrs = &p;
	g.naddrs = 1;
	if ((rc = fw_rules_build(&g, &conf, &r)))
		return rc;
	fw_rules_comment(&r, comment, sizeof(comment));
	rc = fw_elems_build(&r, comment, &l);
	fw_rules_free(&r);
	if (rc || (rc = fw_nl_open(&nl)))
		return rc;
	rc = fw_nl_batch_begin(&nl, 0);
	/* what names a counter goes before it, what is named after it */
	if (!rc && !add)
		rc = fw_netdev_batch_del(&nl, ifname);
	for (i = 0; !rc && i < l.n; i++)
		if (l.v[i].kind == (add ? FW_COUNTER : FW_ELEM))
			rc = fw_nl_batch_elem(&nl, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
					      &l.v[i]);
	for (i = 0; !rc && i < l.n; i++)
		if (l.v[i].kind == (add ? FW_ELEM : FW_COUNTER))
			rc = fw_nl_batch_elem(&nl, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
					      &l.v[i]);
	if (!rc && add)
		rc = fw_netdev_batch_add(&nl, ifname, 0);
	if (!rc)
		rc = fw_nl_batch_commit(&nl);
	else
		fw_nl_batch_abort(&nl);
	nl.deleted = !rc && !add;
	fw_nl_close(&nl);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned int master = 0;
	int online, rc;

	if (argc != 6 || (strcmp(argv[1], "online") && strcmp(argv[1], "offline"))) {
		fprintf(stderr, "usage: bench-kfloor online|offline VIF BRIDGE MAC IP\n");
		return 2;
	}
	online = !strcmp(argv[1], "online");
	if (online && !(master = if_nametoindex(argv[3]))) {
		perror(argv[3]);
		return 1;
	}
	/* online: the guard before the port forwards; offline: after */
	if (online)
		rc = guard(argv[2], argv[4], argv[5], 1);
	else
		rc = link_set(argv[2], 0, 0);
	if (!rc)
		rc = online ? link_set(argv[2], master, 1) : guard(argv[2], argv[4], argv[5], 0);
	if (rc) {
		fprintf(stderr, "bench-kfloor %s %s: %s\n", argv[1], argv[2], strerror(-rc));
		return 1;
	}
	return 0;
}
