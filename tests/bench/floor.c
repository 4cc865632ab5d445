/* The benchmark's floor: a program that links what vif-bridge links
 * (libnl-route-3, libxenstore, libnftnl, libmnl) and does nothing, so that
 * its cost is exec, the dynamic loader and the libraries' constructors.
 * Built at bench time into build/bench-floor; never installed. */
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <netlink/route/link.h>
#include <xenstore.h>

/* Referenced so that --as-needed keeps every library. */
void *volatile hp_bench_keep[] = {
	(void *)rtnl_link_alloc,
	(void *)nl_socket_alloc,
	(void *)xs_open,
	(void *)nftnl_set_alloc,
	(void *)mnl_socket_open,
};

int main(void)
{
	return 0;
}
