/* The keys every vif script reads (vif-priv.h): upstream's vif-common.sh
 * reads vifname, ip, mac, mtu and frontend for every tool.  Validated
 * before any change; on offline, what does not validate is ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/log.h"
#include "hp/xs.h"
#include "vif-priv.h"

/* Is key in the backend directory?  Most optional keys are missing
 * (vifname, mtu, vlan, rate...): one listing answers for all of them
 * instead of a round trip to xenstored each.  When the listing fails,
 * every key is read. */
static int listed(struct hp_vif *v, const char *key)
{
	unsigned int i;

	if (!v->xb_listed)
		v->xb_listed = hp_xs_dir(v->xs, v->xb_path, &v->xb_keys, &v->nxb_keys) ? -1 : 1;
	if (v->xb_listed < 0)
		return 1;
	for (i = 0; i < v->nxb_keys; i++)
		if (!strcmp(v->xb_keys[i], key))
			return 1;
	return 0;
}

int hp_vif_read_opt(struct hp_vif *v, const char *key, char **val)
{
	int rc;

	if (!listed(v, key)) {
		*val = NULL;
		return 0;
	}
	rc = hp_xs_read_key(v->xs, v->xb_path, key, val);

	if (rc == -ENOENT) {
		*val = NULL;
		return 0;
	}
	if (rc)
		return hp_vif_fail(v, "unable to read '%s/%s' from xenstore: %s", v->xb_path, key,
				   strerror(-rc));
	return 0;
}

/* vifname, with -emu for a tap, into v->dev: 0, or -EINVAL. */
static int use_vifname(struct hp_vif *v)
{
	char want[HP_IFNAMSIZ + 8];

	snprintf(want, sizeof(want), "%s%s", v->vifname, v->is_tap ? "-emu" : "");
	if (strlen(v->vifname) >= HP_IFNAMSIZ || hp_parse_ifname(want))
		return -EINVAL;
	memcpy(v->dev, want, strlen(want) + 1); /* fits: validated */
	return 0;
}

/* A tap's `rate`: netback's own parse, without its silent fallback to no
 * limit (a guest that was meant to be limited is not run unlimited). */
static int read_rate(struct hp_vif *v)
{
	int rc;

	if (hp_vif_read_opt(v, "rate", &v->rate_s))
		return -1;
	if (!v->rate_s)
		return 0;
	rc = hp_parse_rate(v->rate_s, &v->rate);
	if (rc == -ERANGE)
		return hp_vif_bad(v, "rate", v->rate_s, "below the lowest limit, 656 bytes/s");
	if (rc)
		return hp_vif_bad(v, "rate", v->rate_s,
				  "not <bytes>,<microseconds> with both above 0, as libxl "
				  "writes it");
	return 0;
}

int vif_read_keys(struct hp_vif *v)
{
	int rc;

	if (hp_vif_read_opt(v, "vifname", &v->vifname) || hp_vif_read_opt(v, "ip", &v->ip_xs) ||
	    hp_vif_read_opt(v, "mac", &v->mac_s) || hp_vif_read_opt(v, "mtu", &v->mtu_s) ||
	    hp_vif_read_opt(v, "frontend", &v->frontend))
		return -1;

	if (v->vifname && *v->vifname && use_vifname(v))
		return hp_vif_bad(v, "vifname", v->vifname,
				  "not a valid interface name (1 to 15 characters, no '/', "
				  "':' or spaces, with -emu for a tap)");

	v->ip = v->ip_xs ? v->ip_xs : hp_param_str(&v->params, "ip");
	rc = hp_parse_ip_list(v->ip, &v->ips, &v->nips);
	if (rc == -ENOMEM)
		return hp_vif_fail(v, "unable to parse the ip list: %s", strerror(ENOMEM));
	if (rc)
		return hp_vif_bad(v, "ip", v->ip,
				  "not a list of IPv4/IPv6 addresses or networks (at most 64)");

	if (v->mac_s) {
		if (hp_parse_mac(v->mac_s, v->mac, 1))
			return hp_vif_bad(v, "mac", v->mac_s,
					  "not a unicast MAC address xx:xx:xx:xx:xx:xx");
		v->has_mac = 1;
	}
	if (v->mtu_s && hp_parse_mtu(v->mtu_s, &v->mtu))
		return hp_vif_bad(v, "mtu", v->mtu_s, "not a number from 68 to 65535");
	if (v->is_tap && read_rate(v))
		return -1;

	if (v->frontend && (strncmp(v->frontend, "/local/domain/", 14) ||
			    strlen(v->frontend) > 128 || strstr(v->frontend, "..")))
		return hp_vif_bad(v, "frontend", v->frontend,
				  "not a /local/domain/<domid>/... path");

	if (hp_fw_init())
		return hp_vif_fail(v, "%s",
				   hp_fw_config_error() ?: "invalid firewall configuration");
	return 0;
}

void vif_read_keys_offline(struct hp_vif *v)
{
	int rc;

	rc = hp_xs_read_key(v->xs, v->xb_path, "vifname", &v->vifname);
	if (rc && rc != -ENOENT)
		hp_warn("unable to read '%s/vifname': %s", v->xb_path, strerror(-rc));
	if (v->vifname && *v->vifname && use_vifname(v)) {
		hp_warn("ignoring invalid vifname '%s'", v->vifname);
		free(v->vifname);
		v->vifname = NULL;
	}
	hp_log_set_dev(v->dev);
	/* the ip list lets vif-route and vif-nat remove what they added */
	if (!hp_xs_read_key(v->xs, v->xb_path, "ip", &v->ip_xs))
		v->ip = v->ip_xs;
	else
		v->ip = hp_param_str(&v->params, "ip");
	if (hp_parse_ip_list(v->ip, &v->ips, &v->nips)) {
		hp_warn("ignoring invalid ip list '%s'", v->ip);
		v->ips_invalid = 1;
	}
}

const char *hp_vif_frontend_path(struct hp_vif *v)
{
	unsigned int domid, devid;

	if (v->frontend)
		return v->frontend;
	if (hp_parse_backend_path(v->xb_path, &domid, &devid))
		return NULL;
	snprintf(v->fe_buf, sizeof(v->fe_buf), "/local/domain/%u/device/vif/%u", domid, devid);
	return v->fe_buf;
}

int hp_vif_set_ips(struct hp_vif *v, const struct hp_prefix *p, size_t n)
{
	struct hp_prefix *c = NULL;

	if (n && !(c = malloc(n * sizeof(*c))))
		return -ENOMEM;
	if (n)
		memcpy(c, p, n * sizeof(*c));
	free(v->ips);
	v->ips = c;
	v->nips = n;
	return 0;
}
