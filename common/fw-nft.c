/* nftables backend of the anti-spoofing guard.
 *
 * One table per family (`table bridge xen_hotplug` for bridged vifs,
 * `table inet xen_hotplug` for routed ones) holds static chains and sets
 * that are created once, in one transaction that starts with `create
 * table` (NLM_F_EXCL): two tools racing to create it both succeed, one
 * of them by finding it there.  Per-vif state lives only in set elements
 * keyed by interface name, so a vif costs a few hash-set elements whatever
 * the number of vifs, and the chains never change.
 *
 * The hot path (elements) talks nf_tables netlink directly through
 * libnftnl and libmnl.  The one-time creation uses libnftables, loaded
 * with dlopen() only then: linking it costs every tool run about 760 000
 * instructions of dynamic linking (see FW-NOTES.md).
 *
 * The `guarded` element of a vif carries a comment listing what was
 * installed for it ("mac=.. 10.0.0.3/32 .."), so that removal needs one
 * lookup, not a dump of every vif's elements.  When that is not usable
 * (too long for a comment, edited by hand) the sets are dumped and
 * scanned for the name instead. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "fw-priv.h"
#include "log.h"

#define FW_TABLE "xen_hotplug"
/* Bump when the chains or sets change: a table with another marker is
 * refused rather than mixed with a layout it does not have. */
#define FW_VERSION "xen-hotplug-ng guard v1"
/* nft(8) refuses longer comments when a saved ruleset is loaded again. */
#define FW_COMMENT_MAX 128
#define FW_IFLEN 16 /* IFNAMSIZ: meta iifname loads 16 bytes */
#define FW_MAX_ELEMS (2 * 64 + 8)
#define FW_BATCH_SIZE (64 * 1024)
#define FW_RETRIES 8
#define FW_RELEASE_DELAY_MS 100 /* well over an RCU grace period */

struct elem {
	const char *set;
	unsigned char key[32];
	unsigned char key_end[32];
	uint32_t len;
	int has_end;
	const char *comment;
};

struct elems {
	struct elem v[FW_MAX_ELEMS];
	size_t n;
};

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	const char *fname; /* "bridge" or "inet", for messages */
	char *buf;
	int deleted; /* a committed batch deleted elements */
};

static const char *const elem_sets[] = {
	"macs", "nomac", "addrs4", "addrs6", "nets4", "nets6", "guarded",
};

/* ---- netlink plumbing ------------------------------------------------ */

static int nl_open(struct nl *nl, enum hp_fw_family family)
{
	memset(nl, 0, sizeof(*nl));
	nl->family = family == HP_FW_BRIDGE ? NFPROTO_BRIDGE : NFPROTO_INET;
	nl->fname = family == HP_FW_BRIDGE ? "bridge" : "inet";
	nl->seq = (uint32_t)time(NULL);
	if (!(nl->buf = calloc(1, FW_BATCH_SIZE))) /* padding is sent */
		return -ENOMEM;
	if (!(nl->sock = mnl_socket_open(NETLINK_NETFILTER)) ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = -errno;

		if (nl->sock)
			mnl_socket_close(nl->sock);
		nl->sock = NULL;
		free(nl->buf);
		nl->buf = NULL;
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

/* After a transaction that deleted elements, the kernel frees them after
 * an RCU grace period, and releasing the last nf_tables socket of the
 * process waits for that (nft_rcv_nl_event flushes nf_tables_destroy_list
 * on NETLINK_URELEASE, under the commit mutex, so that every other
 * nf_tables transaction on the host waits too): 5 to 15 ms here, two
 * thirds of an offline.  Left alone, the destroy work drains the list
 * within a grace period without that mutex.  So a child, forked without
 * exec, holds a reference to the socket until this process has exited
 * (the pipe's EOF) and a little longer, and its close then finds nothing
 * to flush: neither libxl nor the next vif waits.  If the fork fails, we
 * wait ourselves. */
static void release_later(int fd)
{
	int p[2], lo, hi;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		lo = fd < p[0] ? fd : p[0];
		hi = fd < p[0] ? p[0] : fd;
		/* stdio too: nobody waits on our pipes for this child */
		if (lo > 0)
			close_range(0, (unsigned int)lo - 1, 0);
		if (hi > lo + 1)
			close_range((unsigned int)lo + 1, (unsigned int)hi - 1, 0);
		close_range((unsigned int)hi + 1, ~0U, 0);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		nanosleep(&(struct timespec){ .tv_nsec = FW_RELEASE_DELAY_MS * 1000000L }, NULL);
		_exit(0);
	}
	/* p[1] stays open until we exit: that is the child's signal */
	close(p[0]);
}

static void nl_close(struct nl *nl)
{
	if (nl->sock && nl->deleted)
		release_later(mnl_socket_get_fd(nl->sock));
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

/* Sends one request and runs cb on the answer (a dump: every part).  No
 * ACK is asked for: a lookup is answered by one message, the object or
 * an error. */
static int nl_request(struct nl *nl, struct nlmsghdr *nlh, int dump, mnl_cb_t cb, void *data)
{
	char rbuf[32768]; /* MNL_SOCKET_DUMP_SIZE in newer libmnl */
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, (size_t)len, seq, nl->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EPROTO;
	} while (dump && ret == MNL_CB_OK);
	return 0;
}

/* A batch is processed synchronously inside sendmsg(): when it returns,
 * every error the kernel had to report is queued on the socket already.
 * No message asks for an ACK, so an empty queue means success. */
static int nl_batch_send(struct nl *nl, struct mnl_nlmsg_batch *b)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	int first = 0;
	ssize_t len;

	if (mnl_socket_sendto(nl->sock, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh;
		int left;

		len = recv(mnl_socket_get_fd(nl->sock), rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		left = (int)len;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type == NLMSG_ERROR && e->error && !first)
				first = e->error;
		}
	}
	return first;
}

/* ---- element keys ------------------------------------------------------ */

static void key_ifname(unsigned char *k, const char *ifname)
{
	memset(k, 0, FW_IFLEN);
	memcpy(k, ifname, strnlen(ifname, FW_IFLEN - 1));
}

static struct elem *elem_new(struct elems *l, const char *set, const char *ifname)
{
	struct elem *e;

	if (l->n >= FW_MAX_ELEMS)
		return NULL;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->set = set;
	key_ifname(e->key, ifname);
	e->len = FW_IFLEN;
	return e;
}

/* The elements that implement r, the `guarded` one last. */
static int rules_elems(const struct fw_rules *r, const char *comment, struct elems *l)
{
	struct elem *e;
	size_t i;

	if (!r->guarded)
		return 0;
	if (r->has_mac) {
		if (!(e = elem_new(l, "macs", r->ifname)))
			return -E2BIG;
		memcpy(e->key + FW_IFLEN, r->mac, 6);
		e->len = FW_IFLEN + 8; /* registers are 4 bytes: 6 is padded to 8 */
	} else if (!elem_new(l, "nomac", r->ifname)) {
		return -E2BIG;
	}
	for (i = 0; i < r->n; i++) {
		const struct hp_prefix *p = &r->addrs[i];
		unsigned int alen = p->family == AF_INET ? 4 : 16, max = alen * 8, b;
		int exact = p->len == max;

		if (!(e = elem_new(l, p->family == AF_INET ? (exact ? "addrs4" : "nets4")
							   : (exact ? "addrs6" : "nets6"),
				   r->ifname)))
			return -E2BIG;
		memcpy(e->key + FW_IFLEN, p->addr, alen);
		e->len = FW_IFLEN + alen;
		if (!exact) {
			e->has_end = 1;
			memcpy(e->key_end, e->key, e->len);
			for (b = p->len; b < max; b++)
				e->key_end[FW_IFLEN + b / 8] |= (unsigned char)(0x80u >> (b % 8));
		}
	}
	if (!(e = elem_new(l, "guarded", r->ifname)))
		return -E2BIG;
	e->comment = comment;
	return 0;
}

static int elem_eq(const struct elem *a, const struct elem *b)
{
	return !strcmp(a->set, b->set) && a->len == b->len && a->has_end == b->has_end &&
	       !memcmp(a->key, b->key, a->len) && (!a->has_end || !memcmp(a->key_end, b->key_end, a->len));
}

/* "mac=00:16:3e:00:00:01 10.0.0.3/32 fd00::/64"; "mac=any" when there is
 * no MAC; a trailing "+" when the list did not fit. */
static void rules_comment(const struct fw_rules *r, char *buf, size_t size)
{
	char word[64];
	size_t len, i;

	if (r->has_mac)
		snprintf(buf, size, "mac=%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0], r->mac[1],
			 r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	else
		snprintf(buf, size, "mac=any");
	for (i = 0; i < r->n; i++) {
		hp_prefix_format(&r->addrs[i], word, sizeof(word));
		len = strlen(buf);
		if (len + 1 + strlen(word) + 2 >= size) {
			snprintf(buf + len, size - len, " +");
			return;
		}
		snprintf(buf + len, size - len, " %s", word);
	}
}

/* The inverse of rules_comment(); -EINVAL when it cannot be trusted. */
static int comment_rules(const char *ifname, const char *comment, struct fw_rules *r)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->guarded = 1;
	if (strncmp(comment, "mac=", 4) || !(copy = strdup(comment)))
		return -EINVAL;
	if (!(r->addrs = calloc(64, sizeof(*r->addrs)))) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "mac=any"))
			r->has_mac = 0;
		else if (!strncmp(tok, "mac=", 4))
			rc = hp_parse_mac(tok + 4, r->mac, 0) ? -EINVAL : (r->has_mac = 1, 0);
		else if (r->n >= 64 || hp_parse_prefix(tok, &r->addrs[r->n++]))
			rc = -EINVAL; /* "+" (truncated) included */
	}
	free(copy);
	if (rc)
		fw_rules_free(r);
	return rc;
}

/* ---- reading the kernel's state -------------------------------------- */

static int udata_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **out = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	/* The comment type is 0 for tables and set elements alike. */
	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && len && !v[len - 1])
		*out = v;
	return MNL_CB_OK;
}

static const char *udata_comment(const void *ud, uint32_t len)
{
	const char *c = NULL;

	if (ud && len)
		nftnl_udata_parse(ud, len, udata_comment_cb, &c);
	return c;
}

struct table_reply {
	int found;
	char comment[FW_COMMENT_MAX];
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_reply *tr = data;
	struct nftnl_table *t = nftnl_table_alloc();
	const char *c = NULL;
	const void *ud;
	uint32_t len = 0;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		tr->found = 1;
		if (nftnl_table_is_set(t, NFTNL_TABLE_USERDATA)) {
			ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
			c = udata_comment(ud, len);
		}
		snprintf(tr->comment, sizeof(tr->comment), "%s", c ? c : "");
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int table_get(struct nl *nl, struct table_reply *tr)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc;

	memset(tr, 0, sizeof(*tr));
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETTABLE, nl->family, 0, ++nl->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	rc = nl_request(nl, nlh, 0, table_cb, tr);
	return rc == -ENOENT ? 0 : rc;
}

struct scan {
	const char *set;
	unsigned char key[FW_IFLEN];
	struct elems *out;
	char *comment; /* the first match's comment, FW_COMMENT_MAX bytes */
	int found;
	int full;
};

static int scan_elem_cb(struct nftnl_set_elem *se, void *data)
{
	struct scan *sc = data;
	const void *k, *ke, *ud;
	uint32_t klen = 0, kelen = 0, udlen = 0;
	const char *c;
	struct elem *e;

	k = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY, &klen);
	if (!k || klen < FW_IFLEN || klen > sizeof(e->key) || memcmp(k, sc->key, FW_IFLEN))
		return 0;
	sc->found++;
	if (sc->comment && nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_USERDATA)) {
		ud = nftnl_set_elem_get(se, NFTNL_SET_ELEM_USERDATA, &udlen);
		if ((c = udata_comment(ud, udlen)))
			snprintf(sc->comment, FW_COMMENT_MAX, "%s", c);
	}
	if (!sc->out)
		return 0;
	if (sc->out->n >= FW_MAX_ELEMS) {
		sc->full = 1;
		return 0;
	}
	e = &sc->out->v[sc->out->n++];
	memset(e, 0, sizeof(*e));
	e->set = sc->set;
	e->len = klen;
	memcpy(e->key, k, klen);
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_KEY_END)) {
		ke = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY_END, &kelen);
		if (ke && kelen == klen) {
			e->has_end = 1;
			memcpy(e->key_end, ke, kelen);
		}
	}
	return 0;
}

static int scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, scan_elem_cb, data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* The elements of `set` for ifname: one lookup (key given) or a dump. */
static int set_scan(struct nl *nl, struct scan *sc, int lookup)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;
	int rc;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, sc->set);
	if (lookup) {
		if (!(e = nftnl_set_elem_alloc())) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, sc->key, FW_IFLEN);
		nftnl_set_elem_add(s, e);
	}
	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETSETELEM, nl->family,
				    lookup ? 0 : NLM_F_DUMP, ++nl->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	rc = nl_request(nl, nlh, !lookup, scan_cb, sc);
	if (rc == -ENOENT && lookup)
		return 0;
	return rc ? rc : sc->full ? -E2BIG : 0;
}

/* What the kernel holds for ifname, into old.  exact: from the `guarded`
 * comment (one lookup); otherwise by dumping every set. */
static int state_read(struct nl *nl, const char *ifname, int exact, struct elems *old, char *comment)
{
	struct fw_rules r;
	struct scan sc = { .set = "guarded", .comment = comment };
	size_t i;
	int rc;

	old->n = 0;
	comment[0] = '\0';
	key_ifname(sc.key, ifname);
	if (exact) {
		if ((rc = set_scan(nl, &sc, 1)))
			return rc;
		if (!sc.found)
			return 0;
		if (!comment_rules(ifname, comment, &r)) {
			rc = rules_elems(&r, comment, old);
			fw_rules_free(&r);
			return rc;
		}
		hp_dbg("unusable state '%s' for '%s': scanning the sets", comment, ifname);
	}
	for (i = 0; i < sizeof(elem_sets) / sizeof(elem_sets[0]); i++) {
		sc.set = elem_sets[i];
		sc.out = old;
		if ((rc = set_scan(nl, &sc, 0)))
			return rc;
	}
	return 0;
}

/* ---- one-time creation -------------------------------------------------- */

/* IPv6 needs neighbour discovery and MLD from the unspecified address
 * (RFC 4862 DAD, RFC 3810 5.2.13) and from link-local addresses, which the
 * guest derives itself, so any fe80::/10 source passes once the frame's
 * MAC is the vif's own. */
static int ruleset_text(enum hp_fw_family family, char **out)
{
	const int br = family == HP_FW_BRIDGE;
	const char *fam = br ? "bridge" : "inet";

	return asprintf(out,
		"create table %s " FW_TABLE " { comment \"" FW_VERSION "\"; }\n"
		"table %s " FW_TABLE " {\n"
		"  set guarded { type ifname; comment \"guarded vifs, with what was installed\"; }\n"
		"  set nomac { type ifname; comment \"guarded vifs without a MAC\"; }\n"
		"  set macs { type ifname . ether_addr; }\n"
		"  set addrs4 { type ifname . ipv4_addr; }\n"
		"  set nets4 { type ifname . ipv4_addr; flags interval; }\n"
		"  set addrs6 { type ifname . ipv6_addr; }\n"
		"  set nets6 { type ifname . ipv6_addr; flags interval; }\n"
		"  chain prerouting {\n"
		"    type filter hook prerouting priority -300; policy accept;\n"
		"    iifname @guarded jump guard\n"
		"  }\n"
		"  chain guard {\n"
		"    iifname != @nomac iifname . ether saddr != @macs drop\n"
		"%s"
		"    %s jump guard_ip4\n"
		"    %s jump guard_ip6\n"
		"    drop\n"
		"  }\n"
		"%s"
		"  chain guard_ip4 {\n"
		"    udp sport 67 drop\n"
		"    iifname . ip saddr @addrs4 accept\n"
		"    iifname . ip saddr @nets4 accept\n"
		"    ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n"
		"    drop\n"
		"  }\n"
		"  chain guard_ip6 {\n"
		"    icmpv6 type { nd-router-advert, nd-redirect } drop\n"
		"    udp sport 547 drop\n"
		"    iifname . ip6 saddr @addrs6 accept\n"
		"    iifname . ip6 saddr @nets6 accept\n"
		"    ip6 saddr fe80::/10 accept\n"
		"    ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld2-listener-report } accept\n"
		"    drop\n"
		"  }\n"
		"}\n",
		fam, fam, br ? "    ether type arp jump guard_arp\n" : "",
		br ? "ether type ip" : "meta nfproto ipv4", br ? "ether type ip6" : "meta nfproto ipv6",
		br ? "  chain guard_arp {\n"
		     "    arp htype != 1 drop\n"
		     "    arp ptype != ip drop\n"
		     "    arp hlen != 6 drop\n"
		     "    arp plen != 4 drop\n"
		     "    iifname != @nomac iifname . arp saddr ether != @macs drop\n"
		     "    iifname . arp saddr ip @addrs4 accept\n"
		     "    iifname . arp saddr ip @nets4 accept\n"
		     "    arp operation request arp saddr ip 0.0.0.0 accept\n"
		     "    drop\n"
		     "  }\n"
		   : "") < 0 ? -ENOMEM : 0;
}

/* libnftables' interface (nftables/libnftables.h), declared here so that
 * only the run time needs the library, and only to create the tables. */
struct nft_ctx;
#define FW_NFT_CTX_DEFAULT 0

struct nftables_api {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_error)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *nft, const char *buf);
};

/* Runs the creation transaction.  Failing because the table appeared
 * meanwhile is fine: the caller looks again. */
static int table_create(struct nl *nl, enum hp_fw_family family)
{
	struct nftables_api api;
	struct nft_ctx *ctx = NULL;
	char *text = NULL, *end;
	void *h;
	int rc;

	if (!(h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL))) {
		hp_err("unable to load libnftables to create table %s " FW_TABLE ": %s", nl->fname,
		       dlerror());
		return -ELIBACC;
	}
	*(void **)&api.ctx_new = dlsym(h, "nft_ctx_new");
	*(void **)&api.ctx_free = dlsym(h, "nft_ctx_free");
	*(void **)&api.buffer_error = dlsym(h, "nft_ctx_buffer_error");
	*(void **)&api.get_error = dlsym(h, "nft_ctx_get_error_buffer");
	*(void **)&api.buffer_output = dlsym(h, "nft_ctx_buffer_output");
	*(void **)&api.run = dlsym(h, "nft_run_cmd_from_buffer");
	rc = -ELIBBAD;
	if (!api.ctx_new || !api.ctx_free || !api.buffer_error || !api.get_error ||
	    !api.buffer_output || !api.run)
		goto out;
	rc = -ENOMEM;
	if ((rc = ruleset_text(family, &text)) || !(ctx = api.ctx_new(FW_NFT_CTX_DEFAULT)))
		goto out;
	api.buffer_output(ctx);
	api.buffer_error(ctx);
	rc = 0;
	if (api.run(ctx, text)) {
		const char *msg = api.get_error(ctx);

		/* The first line says why; the rest quotes the input. */
		end = msg ? strchr(msg, '\n') : NULL;
		hp_dbg("creating table %s " FW_TABLE ": %.*s", nl->fname,
		       msg ? (int)(end ? end - msg : (long)strlen(msg)) : 0, msg ? msg : "");
		rc = -EEXIST;
	} else {
		hp_dbg("created table %s " FW_TABLE, nl->fname);
	}
out:
	if (rc == -ELIBBAD)
		hp_err("unable to use libnftables to create table %s " FW_TABLE, nl->fname);
	if (ctx)
		api.ctx_free(ctx);
	free(text);
	dlclose(h);
	return rc;
}

/* The table exists and has our layout (creating it when create is set);
 * *present = 0 when it does not exist and create is not set. */
static int table_ready(struct nl *nl, enum hp_fw_family family, int create, int *present)
{
	struct table_reply tr;
	int rc, crc = 0;

	*present = 0;
	if ((rc = table_get(nl, &tr)))
		return rc;
	if (!tr.found && create) {
		crc = table_create(nl, family);
		if (crc == -ELIBACC || crc == -ELIBBAD || crc == -ENOMEM)
			return crc;
		if ((rc = table_get(nl, &tr)))
			return rc;
	}
	if (!tr.found) {
		if (create) {
			hp_err("unable to create table %s " FW_TABLE ": %s", nl->fname,
			       strerror(-crc));
			return crc ? crc : -ENOENT;
		}
		return 0;
	}
	if (strcmp(tr.comment, FW_VERSION)) {
		hp_err("table %s " FW_TABLE " has layout '%s', expected '" FW_VERSION "': remove it "
		       "with 'nft delete table %s " FW_TABLE "' once no guarded vif is up",
		       nl->fname, tr.comment, nl->fname);
		return -EPROTO;
	}
	*present = 1;
	return 0;
}

/* ---- the update ------------------------------------------------------- */

static int batch_elem(struct nl *nl, struct mnl_nlmsg_batch *b, int type, const struct elem *el)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nftnl_udata_buf *ud = NULL;
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (!s || !e)
		goto out;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, el->set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, el->key, el->len);
	if (el->has_end)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, el->key_end, el->len);
	if (type == NFT_MSG_NEWSETELEM && el->comment) {
		if (!(ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) ||
		    !nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, el->comment))
			goto out;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	}
	nftnl_set_elem_add(s, e);
	e = NULL;
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), (uint16_t)type, nl->family,
				    type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0, ++nl->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	rc = mnl_nlmsg_batch_next(b) ? 0 : -E2BIG;
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	if (e)
		nftnl_set_elem_free(e);
	if (s)
		nftnl_set_free(s);
	return rc;
}

static int in_list(const struct elems *l, const struct elem *e)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (elem_eq(&l->v[i], e))
			return 1;
	return 0;
}

/* One transaction: remove what old has and new lacks (and the `guarded`
 * element when its comment changes), add new. */
static int apply(struct nl *nl, const struct elems *old, const char *old_comment,
		 const struct elems *new, const char *new_comment)
{
	struct mnl_nlmsg_batch *b;
	size_t i, n = 0, ndel = 0;
	int rc = 0;

	if (!(b = mnl_nlmsg_batch_start(nl->buf, FW_BATCH_SIZE)))
		return -ENOMEM;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), ++nl->seq);
	mnl_nlmsg_batch_next(b);
	for (i = 0; !rc && i < old->n; i++) {
		const struct elem *e = &old->v[i];
		int keep = in_list(new, e);

		if (keep && !strcmp(e->set, "guarded") && strcmp(old_comment, new_comment))
			keep = 0;
		if (!keep) {
			rc = batch_elem(nl, b, NFT_MSG_DELSETELEM, e);
			n++;
			ndel++;
		}
	}
	for (i = 0; !rc && i < new->n; i++) {
		rc = batch_elem(nl, b, NFT_MSG_NEWSETELEM, &new->v[i]);
		n++;
	}
	if (!rc && n) {
		nftnl_batch_end(mnl_nlmsg_batch_current(b), ++nl->seq);
		mnl_nlmsg_batch_next(b);
		rc = nl_batch_send(nl, b);
		if (!rc && ndel)
			nl->deleted = 1;
	}
	mnl_nlmsg_batch_stop(b);
	return rc;
}

static int transient(int rc)
{
	return rc == -EAGAIN || rc == -EBUSY || rc == -EINTR || rc == -ENOBUFS;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, (long)(1000000L << attempt) }; /* 1, 2, 4.. ms */

	nanosleep(&ts, NULL);
}

static int update(const struct fw_rules *r)
{
	struct elems *old, *new = NULL;
	char new_comment[FW_COMMENT_MAX] = "", old_comment[FW_COMMENT_MAX];
	struct nl nl;
	int rc, attempt, present, exact = 1;

	if ((rc = nl_open(&nl, r->family))) {
		if (!r->guarded) {
			hp_dbg("no nf_tables netlink (%s): nothing to remove", strerror(-rc));
			return 0;
		}
		hp_err("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = -ENOMEM;
	if (!(old = calloc(1, sizeof(*old))) || !(new = calloc(1, sizeof(*new))))
		goto out;
	if (r->guarded) {
		rules_comment(r, new_comment, sizeof(new_comment));
		if ((rc = rules_elems(r, new_comment, new)))
			goto out;
	}
	for (attempt = 0; attempt < FW_RETRIES; attempt++) {
		if ((rc = table_ready(&nl, r->family, r->guarded, &present)) || !present)
			break;
		if ((rc = state_read(&nl, r->ifname, exact, old, old_comment)))
			break;
		rc = apply(&nl, old, old_comment, new, new_comment);
		if (!rc)
			break;
		if (transient(rc)) {
			backoff(attempt);
		} else if (exact && (rc == -ENOENT || rc == -EEXIST || rc == -ENOTEMPTY)) {
			/* The comment did not match the sets: look at the sets. */
			hp_dbg("state of '%s' out of step (%s): rescanning", r->ifname,
			       strerror(-rc));
			exact = 0;
		} else {
			break;
		}
	}
	if (rc)
		hp_err("unable to %s the guard of '%s' in table %s " FW_TABLE ": %s",
		       r->guarded ? "install" : "remove", r->ifname, nl.fname, strerror(-rc));
	else if (present)
		hp_dbg("%s guard of '%s': %s", r->guarded ? "installed" : "removed", r->ifname,
		       r->guarded ? new_comment : "");
out:
	free(old);
	free(new);
	nl_close(&nl);
	return rc;
}

int fw_nft_set(const struct fw_rules *r)
{
	return update(r);
}

int fw_nft_ensure(enum hp_fw_family family)
{
	struct nl nl;
	int rc, present;

	if ((rc = nl_open(&nl, family))) {
		hp_err("unable to open an nf_tables netlink socket: %s", strerror(-rc));
		return rc;
	}
	rc = table_ready(&nl, family, 1, &present);
	nl_close(&nl);
	return rc;
}

int fw_nft_del(const char *ifname, enum hp_fw_family family)
{
	struct fw_rules r = { .family = family };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	return update(&r);
}
