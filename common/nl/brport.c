/* Bridge port policies (see brport.h): configuration, port flags and
 * static forwarding entries, requests built by hand and sent through
 * nl.c's one path. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/brport.h"
#include "hp/conf.h"
#include "hp/log.h"
#include "nl-priv.h"
#include "hp/parse.h"

#define LIST_MAX 1024 /* a configuration line */

static struct {
	int loaded;
	int rc;
	int lock;
	char isolated[LIST_MAX];
	char err[LIST_MAX + 128];
} conf;

int hp_brport_list_has(const char *list, const char *name)
{
	char word[HP_IFNAMSIZ];
	const char *p = list, *e;
	int found = 0;
	size_t len;

	while (p && *p) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		e = p + strcspn(p, " \t,");
		len = (size_t)(e - p);
		if (len >= sizeof(word))
			return -EINVAL;
		memcpy(word, p, len);
		word[len] = '\0';
		if (hp_parse_ifname(word))
			return -EINVAL;
		if (!strcmp(word, name))
			found = 1; /* the rest is still checked */
		p = e;
	}
	return found;
}

static int conf_read(void)
{
	const char *path = hp_conf_path();
	unsigned int line = 0;
	int rc;

	rc = hp_conf_bool("port_lock", &conf.lock, conf.err, sizeof(conf.err));
	if (rc && rc != -ENOENT)
		return rc;
	rc = hp_conf_get("port_isolated", conf.isolated, sizeof(conf.isolated), &line);
	if (rc == -ENOENT) {
		conf.isolated[0] = '\0';
		return 0;
	}
	if (rc == -ENAMETOOLONG)
		snprintf(conf.err, sizeof(conf.err),
			 "invalid value for 'port_isolated' in '%s': too long", path);
	else if (rc)
		snprintf(conf.err, sizeof(conf.err), "unable to read '%s': %s", path,
			 strerror(-rc));
	else if (hp_brport_list_has(conf.isolated, "") < 0)
		snprintf(
			conf.err, sizeof(conf.err),
			"invalid value '%s' for 'port_isolated' at line %u of '%s': expected bridge "
			"names separated by spaces or commas",
			conf.isolated, line, path);
	else
		return 0;
	return rc && rc != -ENAMETOOLONG ? rc : -EINVAL;
}

int hp_brport_policy(const char *bridge, struct hp_brport_policy *p, char *err, size_t size)
{
	if (!conf.loaded) {
		conf.loaded = 1;
		conf.rc = conf_read();
	}
	if (conf.rc) {
		snprintf(err, size, "%s", conf.err);
		return conf.rc;
	}
	p->lock = conf.lock;
	p->isolated = conf.isolated[0] && hp_brport_list_has(conf.isolated, bridge) == 1;
	return 0;
}

static int put_flag(struct nl_msg *msg, int attr, int v)
{
	return v < 0 ? 0 : nla_put_u8(msg, attr, (uint8_t)v);
}

int hp_brport_set(struct hp_nl *nl, int ifindex, const struct hp_brport_flags *f)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nl_msg *msg;
	struct nlattr *pi;

	if (ifindex <= 0)
		return -ENODEV;
	if (!(msg = nlmsg_alloc_simple(RTM_SETLINK, 0)))
		return -ENOMEM;
	/* nested, or the kernel reads it as the old one-byte port state */
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) ||
	    put_flag(msg, IFLA_BRPORT_LEARNING, f->learning) < 0 ||
	    put_flag(msg, IFLA_BRPORT_UNICAST_FLOOD, f->unicast_flood) < 0 ||
	    put_flag(msg, IFLA_BRPORT_LOCKED, f->locked) < 0 ||
	    put_flag(msg, IFLA_BRPORT_ISOLATED, f->isolated) < 0 ||
	    put_flag(msg, IFLA_BRPORT_GUARD, f->bpdu_guard) < 0 ||
	    put_flag(msg, IFLA_BRPORT_PROTECT, f->root_block) < 0 || nla_nest_end(msg, pi) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return hp_nl_talk(nl, msg);
}

static struct nl_msg *fdb_msg(int type, int flags, int ifindex, const unsigned char mac[6])
{
	struct ndmsg ndm = {
		.ndm_family = AF_BRIDGE,
		.ndm_ifindex = ifindex,
		.ndm_state = NUD_NOARP, /* static (NUD_PERMANENT is a local address) */
		.ndm_flags = NTF_MASTER | (type == RTM_NEWNEIGH ? NTF_STICKY : 0),
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
		    nla_put(msg, NDA_LLADDR, 6, mac) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int hp_brport_fdb_add(struct hp_nl *nl, int ifindex, const unsigned char mac[6])
{
	if (ifindex <= 0)
		return -ENODEV;
	/* replace: `bridge fdb add` (NLM_F_EXCL) fails when the MAC was
	 * learned already */
	return hp_nl_talk(nl, fdb_msg(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, mac));
}

int hp_brport_fdb_del(struct hp_nl *nl, int ifindex, const unsigned char mac[6])
{
	int rc;

	if (ifindex <= 0)
		return 0;
	rc = hp_nl_talk(nl, fdb_msg(RTM_DELNEIGH, 0, ifindex, mac));
	return rc == -ENOENT || rc == -ENODEV || rc == -EINVAL ? 0 : rc;
}
