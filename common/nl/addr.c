/* Addresses over rtnetlink with libnl-route-3. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/addr.h"
#include "nl-priv.h"

static struct rtnl_addr *build(int ifindex, const struct hp_prefix *p)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!a)
		return NULL;
	if (!(local = hp_nl_addr(p))) {
		rtnl_addr_put(a);
		return NULL;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, p->family);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, p->len);
	nl_addr_put(local);
	return a;
}

int hp_addr_add(struct hp_nl *nl, int ifindex, const struct hp_prefix *p, unsigned int flags)
{
	struct rtnl_addr *a = build(ifindex, p);
	struct nl_msg *msg = NULL;
	int rc;

	if (!a)
		return -ENOMEM;
	if (flags)
		rtnl_addr_set_flags(a, flags);
	rc = rtnl_addr_build_add_request(a, NLM_F_EXCL, &msg);
	rtnl_addr_put(a);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	return rc == -EEXIST ? 0 : rc;
}

int hp_addr_del(struct hp_nl *nl, int ifindex, const struct hp_prefix *p)
{
	struct rtnl_addr *a = build(ifindex, p);
	struct nl_msg *msg = NULL;
	int rc;

	if (!a)
		return -ENOMEM;
	rc = rtnl_addr_build_delete_request(a, 0, &msg);
	rtnl_addr_put(a);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	/* gone already: EADDRNOTAVAIL from the kernel; ENODEV for the link */
	return rc == -EADDRNOTAVAIL || rc == -ENODEV ? 0 : rc;
}

int hp_addr_list(struct hp_nl *nl, int ifindex, int family, struct hp_addr **out, size_t *n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct hp_addr *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = rtnl_addr_alloc_cache(hp_nl_sock(nl), &cache);
	if (rc < 0)
		return hp_nl_errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct hp_addr x = { 0 };
		const char *label;

		if (ifindex && rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		if (family != AF_UNSPEC && rtnl_addr_get_family(a) != family)
			continue;
		if (hp_nl_prefix(rtnl_addr_get_local(a), &x.prefix))
			continue;
		x.prefix.len = (unsigned char)rtnl_addr_get_prefixlen(a);
		x.ifindex = rtnl_addr_get_ifindex(a);
		x.scope = (unsigned int)rtnl_addr_get_scope(a);
		x.flags = rtnl_addr_get_flags(a);
		label = rtnl_addr_get_label(a);
		snprintf(x.label, sizeof(x.label), "%s", label ? label : "");
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				nl_cache_free(cache);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = x;
	}
	nl_cache_free(cache);
	*out = v;
	*n = cnt;
	return 0;
}

int hp_addr_first(struct hp_nl *nl, int ifindex, int family, struct hp_prefix *out)
{
	struct hp_addr *v;
	size_t n, i;
	int rc;

	if ((rc = hp_addr_list(nl, ifindex, family, &v, &n)))
		return rc;
	rc = -EADDRNOTAVAIL;
	for (i = 0; i < n; i++) {
		if (family == AF_INET && (v[i].flags & IFA_F_SECONDARY))
			continue;
		if (family == AF_INET6 &&
		    (v[i].scope != RT_SCOPE_UNIVERSE ||
		     (v[i].flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED))))
			continue;
		*out = v[i].prefix;
		rc = 0;
		break;
	}
	free(v);
	return rc;
}
