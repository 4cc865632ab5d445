/* The verify of each step the run adds (rename, connected) and of the
 * steps the tools share (hp/vif.h): what the step's run sets, read back
 * from the kernel and xenstore and compared with what the same run would
 * set now (the keys and check() of this run).  Each difference is one
 * hp_vif_drift() line; a step whose work another step's drift explains
 * (the VLANs of a port that is not in its bridge) says nothing. */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/addr.h"
#include "hp/devconf.h"
#include "hp/fw.h"
#include "hp/link.h"
#include "hp/tc.h"
#include "hp/xs.h"
#include "vif-priv.h"

int hp_vif_link_now(struct hp_vif *v, struct hp_link *out)
{
	int rc = hp_link_get_index(v->nl, v->link.ifindex, out);

	if (rc)
		return hp_vif_fail(v, "unable to look up '%s': %s", v->dev, strerror(-rc));
	return 0;
}

int hp_vif_sysctl(struct hp_vif *v, int family, const char *ifname, const char *key, int *val)
{
	int rc = hp_devconf_get(family, ifname, key, val);

	if (rc)
		return hp_vif_fail(v, "unable to read net.%s.conf.%s.%s: %s",
				   family == AF_INET6 ? "ipv6" : "ipv4", ifname, key,
				   strerror(-rc));
	return 0;
}

static void fmt_mac(const unsigned char *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- the run's own steps ------------------------------------------------- */

int vif_v_rename(void *ctx)
{
	struct hp_vif *v = ctx;
	char want[HP_IFNAMSIZ + 2], have[HP_IFNAMSIZ + 2];
	struct hp_link l;

	if (hp_vif_link_now(v, &l))
		return -1;
	if (!strcmp(l.name, v->dev))
		return 0;
	snprintf(want, sizeof(want), "'%s'", v->dev);
	snprintf(have, sizeof(have), "'%s'", l.name);
	return hp_vif_drift(v, "name", want, have);
}

int vif_v_connected(void *ctx)
{
	struct hp_vif *v = ctx;
	char *s = NULL, have[80];
	int rc;

	if (v->is_tap)
		return 0;
	rc = hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &s);
	if (rc && rc != -ENOENT)
		return hp_vif_fail(v, "unable to read '%s/hotplug-status': %s", v->xb_path,
				   strerror(-rc));
	if (s && !strcmp(s, "connected")) {
		free(s);
		return 0;
	}
	snprintf(have, sizeof(have), s ? "'%.60s'" : "none", s);
	free(s);
	return hp_vif_drift(v, "hotplug-status", "'connected'", have);
}

/* ---- the shared steps ------------------------------------------------------ */

int hp_vif_v_prepare_port(void *ctx)
{
	struct hp_vif *v = ctx;
	char want[24], have[160], word[64];
	struct hp_addr *a = NULL;
	struct hp_link l;
	size_t n = 0, i, len;
	int rc, drift = 0, val, off;

	if (hp_vif_link_now(v, &l))
		return -1;
	if (memcmp(l.mac, vif_port_mac, 6)) {
		fmt_mac(vif_port_mac, want, sizeof(want));
		fmt_mac(l.mac, have, sizeof(have));
		drift = hp_vif_drift(v, "mac", want, have);
	}
	if ((rc = hp_addr_list(v->nl, l.ifindex, AF_UNSPEC, &a, &n)))
		return hp_vif_fail(v, "unable to list the addresses of '%s': %s", v->dev,
				   strerror(-rc));
	have[0] = '\0';
	for (i = 0; i < n; i++) {
		hp_prefix_format(&a[i].prefix, word, sizeof(word));
		len = strlen(have);
		snprintf(have + len, sizeof(have) - len, "%s%s", len ? " " : "", word);
	}
	free(a);
	if (n)
		drift = hp_vif_drift(v, "addresses", "none", have);
	if (hp_vif_sysctl(v, AF_INET, l.name, "rp_filter", &val))
		return -1;
	if (val != 1) {
		snprintf(have, sizeof(have), "%d", val);
		drift = hp_vif_drift(v, "rp_filter", "1", have);
	}
	if ((rc = hp_devconf_ipv6_disabled(l.name, &off)))
		return hp_vif_fail(v, "unable to read net.ipv6.conf.%s.disable_ipv6: %s", l.name,
				   strerror(-rc));
	if (!off)
		drift = hp_vif_drift(v, "disable_ipv6", "1", "0");
	return drift;
}

int hp_vif_v_mtu(void *ctx)
{
	struct hp_vif *v = ctx;
	char want[16], have[80], *fe_mtu = NULL;
	struct hp_link l;
	const char *fe;
	int rc, drift = 0;

	if (!v->mtu)
		return 0;
	if (hp_vif_link_now(v, &l))
		return -1;
	snprintf(want, sizeof(want), "%u", v->mtu);
	if (l.mtu != v->mtu) {
		snprintf(have, sizeof(have), "%u", l.mtu);
		drift = hp_vif_drift(v, "mtu", want, have);
	}
	if (v->is_tap || !(fe = hp_vif_frontend_path(v)))
		return drift;
	rc = hp_xs_read_key(v->xs, fe, "mtu", &fe_mtu);
	if (rc && rc != -ENOENT)
		return hp_vif_fail(v, "unable to read '%s/mtu': %s", fe, strerror(-rc));
	if (!fe_mtu || strcmp(fe_mtu, want)) {
		snprintf(have, sizeof(have), fe_mtu ? "'%.60s'" : "none", fe_mtu);
		drift = hp_vif_drift(v, "frontend mtu", want, have);
	}
	free(fe_mtu);
	return drift;
}

int hp_vif_v_up(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_link l;

	if (hp_vif_link_now(v, &l))
		return -1;
	return l.flags & IFF_UP ? 0 : hp_vif_drift(v, "link", "up", "down");
}

int hp_vif_v_guard(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_guard g;
	char want[256], have[384];
	int rc;

	vif_guard_of(v, &g); /* what the guard step installs */
	rc = hp_fw_guard_verify(&g, want, sizeof(want), have, sizeof(have));
	if (rc < 0)
		return hp_vif_fail(v, "unable to read the anti-spoofing guard of '%s': %s", v->dev,
				   strerror(-rc));
	return rc ? hp_vif_drift(v, "guard", want, have) : 0;
}

static void fmt_rate(unsigned int bytes, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f Mbit/s", bytes * 8.0 / 1e6);
}

int hp_vif_rate_verify(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_tc_state st;
	char want[160], have[256], r1[32], r2[32];
	int rc;

	if (!v->is_tap || !v->rate_s || vif_ifb_name(v))
		return 0;
	if ((rc = hp_tc_limit_get(v->nl, v->link.ifindex, v->ifb, &st)))
		return hp_vif_fail(v, "unable to read the rate limit of '%s': %s", v->dev,
				   strerror(-rc));
	if (hp_tc_limit_same(&st, &v->rate))
		return 0;
	fmt_rate(v->rate.rate, r1, sizeof(r1));
	snprintf(want, sizeof(want), "%s both ways (tbf 4850: on '%s', ingress redirected to '%s')",
		 r1, v->dev, v->ifb);
	fmt_rate(st.root_rate, r1, sizeof(r1));
	fmt_rate(st.ifb_rate, r2, sizeof(r2));
	snprintf(have, sizeof(have), "tbf on '%s': %s; ingress: %s; '%s': %s", v->dev,
		 st.root ? r1 : "none",
		 !st.ingress ? "none" :
		 st.redirect ? "redirected" :
			       "no redirect",
		 v->ifb,
		 !st.ifb     ? "none" :
		 !st.ifb_up  ? "down" :
		 st.ifb_root ? r2 :
			       "no tbf");
	return hp_vif_drift(v, "rate", want, have);
}
