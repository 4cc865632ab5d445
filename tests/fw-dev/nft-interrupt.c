/* LD_PRELOAD into a tool (build/hp-nft-interrupt.so): just before the
 * first nf_tables batch that deletes a chain of a bridge table (the
 * upgrade from guard v1 or v2, fw-migrate.c) goes out, another
 * transaction commits (`nft add table netdev hp_interrupt; delete table
 * netdev hp_interrupt`, as another tool's work would), so that the kernel
 * refuses the batch, begun with the older generation, with ERESTART.
 * Once per process.  Built without sanitizers, like hp-xenshim.so: an
 * ASan tool that loads it needs ASAN_OPTIONS=verify_asan_link_order=0. */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len);

/* a message of buf[0..len) deletes a chain of a bridge table */
static int deletes_bridge_chain(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELCHAIN) &&
		    g->nfgen_family == NFPROTO_BRIDGE)
			return 1;
	}
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	static ssize_t (*real)(const struct mnl_socket *, const void *, size_t);
	static int done;

	if (!real)
		real = (ssize_t(*)(const struct mnl_socket *, const void *, size_t))dlsym(
			RTLD_NEXT, "mnl_socket_sendto");
	if (!done && deletes_bridge_chain(buf, len)) {
		done = 1;
		unsetenv("LD_PRELOAD");
		if (system("nft 'add table netdev hp_interrupt; delete table netdev hp_interrupt'"))
			abort(); /* the test cannot do what it says */
	}
	return real(nl, buf, len);
}
