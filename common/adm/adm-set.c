/* Which vifs a command of xen-hotplug acts on (hp/adm.h): the host's
 * xenstore and netlink connections and its vifs, those named, those a
 * repair may touch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hp/adm.h"
#include "hp/log.h"

int hp_adm_set_open(struct hp_adm_set *h)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = hp_xs_open(&h->xs))) {
		hp_err("unable to connect to xenstore (%s): %s",
		       getenv("XENSTORED_PATH") ?: "default path", strerror(-rc));
		return rc;
	}
	if ((rc = hp_nl_open(&h->nl))) {
		hp_err("unable to open a netlink socket: %s", strerror(-rc));
		return rc;
	}
	if ((rc = hp_adm_vifs(h->xs, &h->v, &h->n))) {
		hp_err("unable to read the vifs from xenstore (backend/vif): %s", strerror(-rc));
		return rc;
	}
	if (h->n && !(h->sel = calloc(h->n, 1))) {
		hp_err("unable to select vifs: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

void hp_adm_set_close(struct hp_adm_set *h)
{
	hp_adm_vifs_free(h->v, h->n);
	free(h->sel);
	hp_nl_close(h->nl);
	hp_xs_close(h->xs);
	memset(h, 0, sizeof(*h));
}

int hp_adm_set_select(struct hp_adm_set *h, char *const *names, int nnames, const char **unknown)
{
	int i, found;
	size_t k;

	if (h->n)
		memset(h->sel, !nnames, h->n);
	for (i = 0; i < nnames; i++) {
		for (k = 0, found = 0; k < h->n; k++) {
			if (!strcmp(h->v[k].dev, names[i]) || !strcmp(h->v[k].libxl_name, names[i]))
				h->sel[k] = found = 1;
		}
		if (!found) {
			if (h->n)
				memset(h->sel, 0, h->n);
			*unknown = names[i];
			return -ENOENT;
		}
	}
	return 0;
}

int hp_adm_on_bridge(const struct hp_adm_vif *v, const char *br)
{
	size_t len;

	if (!v->bridge || !*v->bridge)
		return !strcmp(v->tool, "vif-bridge"); /* the host's only bridge: the tool says */
	if (strcmp(v->tool, "vif-openvswitch"))
		return !strcmp(v->bridge, br);
	len = strcspn(v->bridge, ".:");
	return len == strlen(br) && !strncmp(v->bridge, br, len);
}

const char *hp_adm_why_not_repaired(const struct hp_adm_vif *v, int named)
{
	const char *s = v->hotplug_status;

	if (!v->tool[0])
		return v->why_not;
	if (!v->online || strcmp(v->online, "1"))
		return "not online (being detached?)";
	if (v->is_tap || (s && !strcmp(s, "connected")))
		return NULL;
	if (s && !strcmp(s, "error"))
		return "its online failed (hotplug-status error)";
	return named ? NULL : "its hotplug-status is not connected (name it to repair it)";
}
