/* The anti-spoofing guard: host configuration, normalisation of the `ip`
 * list and the choice of backend.  The kernel work is in fw-nft.c
 * (default, in process) and fw-ipt.c (upstream's iptables rules). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "hp/conf.h"
#include "fw-priv.h"
#include "hp/log.h"
#include "hp/parse.h"

enum fw_backend { FW_NFT, FW_IPTABLES, FW_NONE };

static struct {
	int loaded;
	int rc;
	enum fw_backend backend;
	struct fw_conf guard;
	char origin[320]; /* where the backend was chosen */
	char err[512];
} conf;

static const char *const fragment_words[] = { "pass", "drop" };

static const char *const backend_names[] = {
	[FW_NFT] = "nft",
	[FW_IPTABLES] = "iptables",
	[FW_NONE] = "none",
};

static int parse_backend(const char *v, enum fw_backend *b)
{
	size_t i;

	for (i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (!strcmp(v, backend_names[i])) {
			*b = (enum fw_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* guard_log_group: none (also no, off) or an nflog group, 0-65535. */
static int log_group_read(void)
{
	char v[32];
	unsigned int line = 0;
	unsigned long n;
	int rc;

	rc = hp_conf_get("guard_log_group", v, sizeof(v), &line);
	if (rc == -ENOENT)
		return 0;
	if (!rc && (!strcmp(v, "none") || !strcmp(v, "no") || !strcmp(v, "off")))
		return 0;
	if (!rc && !hp_parse_uint(v, 65535, &n)) {
		conf.guard.log_group = (int)n;
		return 0;
	}
	if (rc && rc != -ENAMETOOLONG)
		snprintf(conf.err, sizeof(conf.err), "unable to read '%s': %s", hp_conf_path(),
			 strerror(-rc));
	else
		snprintf(
			conf.err, sizeof(conf.err),
			"invalid value '%s' for 'guard_log_group' at line %u of '%s': expected none "
			"or an nflog group, 0 to 65535",
			rc ? "(too long)" : v, line, hp_conf_path());
	return rc && rc != -ENAMETOOLONG ? rc : -EINVAL;
}

/* conf.c reads the file; the other keys belong to other tools. */
static int conf_read(void)
{
	const char *env;
	unsigned int line = 0;
	int rc, b;

	rc = hp_conf_word("antispoof", backend_names,
			  sizeof(backend_names) / sizeof(backend_names[0]), &b, &line, conf.err,
			  sizeof(conf.err));
	if (rc == 0) {
		conf.backend = (enum fw_backend)b;
		snprintf(conf.origin, sizeof(conf.origin), "antispoof=%s at line %u of '%s'",
			 backend_names[b], line, hp_conf_path());
	}
	if (rc == 0 || rc == -ENOENT)
		rc = hp_conf_bool("antispoof_strict", &conf.guard.strict, conf.err,
				  sizeof(conf.err));
	if (rc == 0 || rc == -ENOENT)
		rc = hp_conf_bool("guard_lldp", &conf.guard.lldp, conf.err, sizeof(conf.err));
	if (rc == 0 || rc == -ENOENT)
		rc = hp_conf_word("guard_fragments", fragment_words, 2, &conf.guard.nofrag, &line,
				  conf.err, sizeof(conf.err));
	if (rc == 0 || rc == -ENOENT)
		rc = log_group_read();
	if (rc && rc != -ENOENT) {
		hp_err("%s", conf.err);
		return rc;
	}
	env = getenv("XEN_HOTPLUG_ANTISPOOF");
	if (env && *env && parse_backend(env, &conf.backend)) {
		snprintf(conf.err, sizeof(conf.err),
			 "invalid value '%s' for XEN_HOTPLUG_ANTISPOOF: expected nft, iptables or "
			 "none",
			 env);
		hp_err("%s", conf.err);
		return -EINVAL;
	}
	if (env && *env)
		snprintf(conf.origin, sizeof(conf.origin), "XEN_HOTPLUG_ANTISPOOF=%s", env);
	hp_dbg("anti-spoofing: %s%s%s%s", backend_names[conf.backend],
	       conf.guard.strict ? ", strict" : "", conf.guard.lldp ? ", LLDP" : "",
	       conf.guard.nofrag ? ", no fragments" : "");
	return 0;
}

int hp_fw_init(void)
{
	if (!conf.loaded) {
		conf.loaded = 1;
		conf.backend = FW_NFT;
		conf.guard.log_group = -1;
		snprintf(conf.origin, sizeof(conf.origin), "the default");
		conf.rc = conf_read();
	}
	return conf.rc;
}

int hp_fw_filters(void)
{
	int rc = hp_fw_init();

	return rc ? rc : conf.backend == FW_NFT;
}

int hp_fw_guards(size_t naddrs)
{
	int rc = hp_fw_filters();

	return rc < 0 ? rc : rc && (naddrs || conf.guard.strict);
}

const char *fw_backend_name(void)
{
	return backend_names[conf.backend];
}

const char *fw_backend_origin(void)
{
	return conf.origin;
}

const struct fw_conf *fw_guard_conf(void)
{
	return &conf.guard;
}

const char *hp_fw_config_error(void)
{
	return conf.rc && conf.err[0] ? conf.err : NULL;
}

int hp_fw_guard_add(const struct hp_guard *g)
{
	struct fw_rules r;
	int rc;

	if ((rc = hp_fw_init()))
		return rc;
	if ((rc = fw_rules_build(g, &conf.guard, &r)))
		return rc;
	/* still clear what an earlier nft guard left (an isolated bridge's
	 * element is a port policy: every backend gets it) */
	if (conf.backend != FW_NFT)
		r.guarded = 0;
	rc = fw_nft_set(&r);
	fw_rules_free(&r);
	if (!rc && conf.backend == FW_IPTABLES && g->family == HP_FW_NETDEV) {
		/* upstream's rules match bridge ports (physdev), which an Open
		 * vSwitch port is not; upstream's vif-openvswitch had none */
		if (g->naddrs || conf.guard.strict)
			hp_warn("antispoof=iptables (%s) does not filter Open vSwitch ports: '%s' is "
				"not guarded; use antispoof=nft",
				conf.origin, g->ifname);
	} else if (!rc && conf.backend == FW_IPTABLES) {
		rc = fw_ipt_add(g, conf.guard.strict);
	}
	return rc;
}

int hp_fw_guard_del(const char *ifname, enum hp_fw_family family)
{
	int rc, crc;

	if (!ifname || hp_parse_ifname(ifname) || !fw_family_valid(family))
		return -EINVAL;
	/* A bad configuration must not leave a guard behind: clean up the
	 * nftables entries anyway, then report it. */
	crc = hp_fw_init();
	rc = fw_nft_del(ifname, family);
	if (!rc && !crc && conf.backend == FW_IPTABLES && family != HP_FW_NETDEV)
		rc = fw_ipt_del(ifname);
	return rc ? rc : crc;
}

int hp_fw_tables_ensure(enum hp_fw_family family)
{
	return fw_nft_ensure(family);
}
