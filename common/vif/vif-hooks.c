/* A vif script's vif-post.d hooks (vif-priv.h), with upstream's
 * variables: the run's own, then the tool's (bridge, main_ip...).  The
 * hooks themselves run through hp/hooks.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/hooks.h"
#include "hp/txn.h"
#include "hp/xs.h"
#include "vif-priv.h"

void hp_vif_hook_var(struct hp_vif *v, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < v->n_hook_vars; i++) {
		if (!strcmp(v->hook_vars[i].name, name)) {
			v->hook_vars[i].value = value;
			return;
		}
	}
	if (v->n_hook_vars < HP_VIF_MAX_HOOK_VARS)
		v->hook_vars[v->n_hook_vars++] = (struct hp_hook_var){ name, value };
}

int vif_run_hooks(struct hp_vif *v)
{
	char mtu[16] = "";
	struct hp_hook_var vars[10 + HP_VIF_MAX_HOOK_VARS] = {
		{ "command", v->command },
		{ "type_if", v->is_tap ? "tap" : "vif" },
		{ "dev", v->dev },
		{ "vif", v->is_tap ? getenv("vif") : v->libxl_name },
		{ "ip", v->ip && !v->ips_invalid ? v->ip : "" },
		{ "mac", v->mac_s && v->has_mac ? v->mac_s : "" },
		{ "mtu", mtu },
		{ "vifname", v->vifname ? v->vifname : "" },
		{ "XENBUS_PATH", v->xb_path },
	};
	size_t n = 9;
	int rc, status;
	char *st = NULL;

	if (v->mtu)
		snprintf(mtu, sizeof(mtu), "%u", v->mtu);
	memcpy(vars + n, v->hook_vars, v->n_hook_vars * sizeof(vars[0]));
	n += v->n_hook_vars;

	rc = hp_hooks_run("vif", "post", v->argv0, &v->params, vars, n, &status);
	if (rc == -ECHILD && hp_txn_cancelled())
		return hp_vif_fail(v, "a vif-post.d hook in '%s' did not finish in time",
				   hp_script_dir());
	if (rc == -ECHILD) {
		/* A hook that called fatal has reported its own message. */
		if (v->online && !v->is_tap &&
		    !hp_xs_read_key(v->xs, v->xb_path, "hotplug-status", &st) &&
		    !strcmp(st, "error"))
			v->reported = 1;
		free(st);
		return hp_vif_fail(v, "a vif-post.d hook in '%s' failed with status %d",
				   hp_script_dir(), status);
	}
	if (rc)
		return hp_vif_fail(v, "unable to run the vif-post.d hooks: %s", strerror(-rc));
	return 0;
}
