/* network-bridge's strict policy on its bridge: see fw-bridge-policy.h.
 * Written in nft syntax and run through libnftables, loaded with
 * dlopen() as fw-nft.c does for its one-time creation: this runs once per
 * `network-bridge start`, never on a vif's hot path. */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-bridge-policy.h"
#include "fw.h"
#include "log.h"
#include "parse.h"

#define POLICY_TABLE "bridge xen_hotplug"

struct nft {
	void *h;
	struct nft_ctx *ctx;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_error)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *nft, const char *buf);
};

static int nft_open(struct nft *n)
{
	memset(n, 0, sizeof(*n));
	if (!(n->h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL))) {
		hp_err("unable to load libnftables: %s", dlerror());
		return -EOPNOTSUPP;
	}
	*(void **)&n->ctx_new = dlsym(n->h, "nft_ctx_new");
	*(void **)&n->ctx_free = dlsym(n->h, "nft_ctx_free");
	*(void **)&n->buffer_error = dlsym(n->h, "nft_ctx_buffer_error");
	*(void **)&n->get_error = dlsym(n->h, "nft_ctx_get_error_buffer");
	*(void **)&n->buffer_output = dlsym(n->h, "nft_ctx_buffer_output");
	*(void **)&n->run = dlsym(n->h, "nft_run_cmd_from_buffer");
	if (!n->ctx_new || !n->ctx_free || !n->buffer_error || !n->get_error ||
	    !n->buffer_output || !n->run || !(n->ctx = n->ctx_new(0))) {
		hp_err("unable to use libnftables");
		dlclose(n->h);
		n->h = NULL;
		return -EOPNOTSUPP;
	}
	n->buffer_output(n->ctx);
	n->buffer_error(n->ctx);
	return 0;
}

static void nft_close(struct nft *n)
{
	if (n->ctx)
		n->ctx_free(n->ctx);
	if (n->h)
		dlclose(n->h);
}

/* Runs text as one transaction; 0 or -EIO, the first line of nft's
 * message in err. */
static int nft_run(struct nft *n, const char *text, char *err, size_t size)
{
	const char *msg, *end;

	if (!n->run(n->ctx, text))
		return 0;
	msg = n->get_error(n->ctx);
	if (!msg)
		msg = "";
	/* "Error: ..." is on the first line, or after the input's lines */
	if ((end = strstr(msg, "Error: ")))
		msg = end + 7;
	end = strchr(msg, '\n');
	snprintf(err, size, "%.*s", (int)(end ? end - msg : (long)strlen(msg)), msg);
	return -EIO;
}

int hp_fw_bridge_policy_add(const char *bridge, const char *uplink, int *full)
{
	char *text = NULL, err[256];
	struct nft n;
	int rc;

	*full = 0;
	if (hp_parse_ifname(bridge) || hp_parse_ifname(uplink))
		return -EINVAL;
	if ((rc = nft_open(&n)))
		return rc;
	/* the guard module makes its table, so that the layout is its own */
	if ((rc = hp_fw_tables_ensure(HP_FW_BRIDGE)))
		goto out;
	/* flush + add: the one rule, however often this runs */
	if (asprintf(&text,
		     "add set " POLICY_TABLE " strict_uplinks { type ifname; comment \"uplinks of "
		     "network-bridge antispoof=yes bridges\"; }\n"
		     "add chain " POLICY_TABLE " strict_forward { type filter hook forward priority "
		     "-300; policy accept; }\n"
		     "flush chain " POLICY_TABLE " strict_forward\n"
		     "add rule " POLICY_TABLE " strict_forward oifname @strict_uplinks iifname != "
		     "@guarded drop\n"
		     "add element " POLICY_TABLE " strict_uplinks { \"%s\" }\n",
		     uplink) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = nft_run(&n, text, err, sizeof(err)))) {
		hp_err("unable to install the antispoof policy of '%s' in table " POLICY_TABLE ": %s",
		       bridge, err);
		goto out;
	}
	free(text);
	text = NULL;
	if (asprintf(&text,
		     "add set " POLICY_TABLE " strict_bridges { type ifname; comment \"network-bridge "
		     "antispoof=yes bridges\"; }\n"
		     "add chain " POLICY_TABLE " strict_ports { type filter hook prerouting priority "
		     "-299; policy accept; }\n"
		     "flush chain " POLICY_TABLE " strict_ports\n"
		     "add rule " POLICY_TABLE " strict_ports meta ibrname @strict_bridges iifname != "
		     "@strict_uplinks iifname != @guarded drop\n"
		     "add element " POLICY_TABLE " strict_bridges { \"%s\" }\n",
		     bridge) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (nft_run(&n, text, err, sizeof(err)))
		hp_warn("the kernel refused 'meta ibrname' (%s; needs CONFIG_NFT_BRIDGE_META): "
			"unguarded guests on '%s' are kept off the uplink '%s' only, not off dom0 "
			"and the other guests", err, bridge, uplink);
	else
		*full = 1;
out:
	free(text);
	nft_close(&n);
	return rc;
}

int hp_fw_bridge_policy_del(const char *bridge, const char *uplink)
{
	char *text = NULL, err[256];
	struct nft n;
	int rc;

	if (hp_parse_ifname(bridge) || hp_parse_ifname(uplink))
		return -EINVAL;
	if ((rc = nft_open(&n)))
		return rc;
	/* One element per run: a missing one fails only its own run
	 * (nft 1.0.6 has no `destroy element`). */
	if (asprintf(&text, "delete element " POLICY_TABLE " strict_uplinks { \"%s\" }", uplink) >= 0)
		nft_run(&n, text, err, sizeof(err));
	free(text);
	if (asprintf(&text, "delete element " POLICY_TABLE " strict_bridges { \"%s\" }", bridge) >= 0)
		nft_run(&n, text, err, sizeof(err));
	free(text);
	nft_close(&n);
	return 0;
}
