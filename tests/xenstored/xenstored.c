/*
 * hp-xenstored: a small stand-in for xenstored on machines without Xen.
 *
 * It speaks the real xenstore wire protocol (xen/io/xs_wire.h) on a unix
 * socket, so the unmodified libxenstore and xenstore-utils work against it
 * when XENSTORED_PATH points at the socket.  Every client is treated as a
 * dom0 tool: relative paths resolve under /local/domain/0 and permissions
 * are stored and reported but never enforced.
 *
 * Design:
 *  - One thread, one ppoll() loop, non-blocking sockets with per-connection
 *    input and output buffers, so a slow client never stalls the others.
 *  - The tree is reference counted and copy-on-write.  A transaction starts
 *    by taking a reference on the live root; whoever modifies a shared node
 *    afterwards (the live store or the transaction) copies just the path to
 *    it.  Starting a transaction is therefore O(1) however big the store is.
 *  - Every change stamps the touched node with a new generation.  A
 *    transaction records the paths it read or wrote plus the mutations it
 *    made; at commit it fails with EAGAIN if any recorded path changed in
 *    the live store since the transaction started (removals are remembered
 *    as "tombs" while transactions are open), otherwise the mutations are
 *    replayed on the live store and fire watches as ordinary requests do.
 *  - handle_message() processes one complete message without doing I/O:
 *    replies and events are only queued.  Building with
 *    -DHP_XENSTORED_NO_MAIN lets a fuzzer include this file and drive it
 *    after store_init().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define HDR_LEN		sizeof(struct xsd_sockmsg)
#define DOM0_PATH	"/local/domain/0"
#define PATH_BUF	(sizeof(DOM0_PATH) + XENSTORE_PAYLOAD_MAX + 1)
#define PATH_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-/_@"
#define DOMID_LIMIT	0x7ff0		/* DOMID_FIRST_RESERVED */

/*
 * dom0 tools are exempt from quotas in the real xenstored; these limits
 * exist only so that a misbehaving client (or a fuzzer) cannot make us
 * grow without bound.
 */
#define OUT_PAUSE	(256 * 1024)	/* stop reading from a client this far behind */
#define OUT_MAX		(16 * 1024 * 1024)	/* ...and drop it this far behind */
#define MAX_WATCHES	8192		/* per connection */
#define MAX_TXNS	1024		/* per connection */
#define TXN_MAX_BYTES	(16 * 1024 * 1024)	/* bookkeeping per transaction */

struct node {
	unsigned int ref;	/* trees (live, transactions) sharing it */
	uint64_t gen;		/* last change of value, perms or child list */
	char *name;		/* last path component, "" for the root */
	char *value;		/* always allocated, NUL-terminated for logs */
	unsigned int vlen;
	char *perms;		/* NUL-terminated perm strings, back to back */
	unsigned int plen;
	struct node **kids;	/* creation order, as xenstored lists them */
	unsigned int nkids;
	unsigned int kcap;
};

/* A path a transaction depends on. */
struct access {
	struct access *next;
	bool subtree;		/* removal: any change below counts too */
	char path[];
};

/* A mutation made inside a transaction, replayed at commit. */
struct op {
	struct op *next;
	uint32_t type;
	unsigned int dlen;
	char *data;		/* points behind path */
	char path[];
};

struct txn {
	struct txn *next;
	uint32_t id;
	uint64_t start;		/* cur_gen when it started */
	bool broken;		/* lost bookkeeping: commit must fail */
	size_t bytes;
	struct node *root;
	struct access *acc;
	struct op *ops;
	struct op **tail;
};

/* A removal from the live tree, kept while transactions may care. */
struct tomb {
	struct tomb *next;	/* newest first */
	uint64_t gen;
	char path[];
};

struct watch {
	struct watch *next;
	unsigned int prefix;	/* bytes to strip: relative watches */
	char *token;		/* points behind path */
	char path[];
};

struct conn {
	int fd;
	unsigned int id;
	bool dead;
	size_t inlen;
	char in[HDR_LEN + XENSTORE_PAYLOAD_MAX];
	char *out;
	size_t outoff, outlen, outcap;
	struct watch *watches;
	unsigned int nwatches;
	struct txn *txns;
	unsigned int ntxns;
};

/* One request being processed. */
struct req {
	struct conn *c;
	const struct xsd_sockmsg *hdr;
	const char *data;	/* payload, with a NUL appended */
	unsigned int len;
	struct txn *t;		/* NULL outside a transaction */
	struct node **rootp;	/* the tree this request sees */
};

/* Special watch nodes: no tree node, but they do carry permissions. */
static struct special {
	const char *name;
	char *perms;
	unsigned int plen;
} specials[] = {
	{ "@introduceDomain", NULL, 0 },
	{ "@releaseDomain", NULL, 0 },
};

static struct node *live_root;
static uint64_t cur_gen;
static struct tomb *tombs;
static uint64_t lost_gen;	/* a tomb could not be recorded at this gen */
static unsigned int open_txns;
static uint32_t next_txn_id = 1;
static uint8_t introduced[65536 / 8];

static struct conn **conns;
static size_t nconns, conns_cap;
static unsigned int next_conn_id = 1;

static FILE *trace;
static volatile sig_atomic_t stop_signal;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	FILE *f = trace ? trace : stderr;
	va_list ap;

	fprintf(f, "hp-xenstored: ");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static char *memdup0(const void *p, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		if (len)
			memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

/* "parent" matches itself, everything below it, and "/" matches all. */
static bool is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return child[0] == '/';
	return !strncmp(child, parent, len) &&
	       (child[len] == '\0' || child[len] == '/');
}

/* ---- the tree ---------------------------------------------------------- */

static void node_put(struct node *n)
{
	unsigned int i;

	if (!n || --n->ref)
		return;
	for (i = 0; i < n->nkids; i++)
		node_put(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

static struct node *node_new(const char *name, size_t nlen,
			     const char *perms, unsigned int plen,
			     uint64_t gen)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->ref = 1;
	n->gen = gen;
	n->name = memdup0(name, nlen);
	n->value = memdup0("", 0);
	n->perms = memdup0(perms, plen);
	n->plen = plen;
	if (!n->name || !n->value || !n->perms) {
		node_put(n);
		return NULL;
	}
	return n;
}

/* Shallow copy: the children are shared with the original. */
static struct node *node_clone(const struct node *o)
{
	struct node *n;
	unsigned int i;

	n = node_new(o->name, strlen(o->name), o->perms, o->plen, o->gen);
	if (!n)
		return NULL;
	free(n->value);
	n->value = memdup0(o->value, o->vlen);
	n->vlen = o->vlen;
	if (o->nkids)
		n->kids = malloc(o->nkids * sizeof(*n->kids));
	if (!n->value || (o->nkids && !n->kids)) {
		node_put(n);
		return NULL;
	}
	for (i = 0; i < o->nkids; i++) {
		n->kids[i] = o->kids[i];
		n->kids[i]->ref++;
	}
	n->nkids = n->kcap = o->nkids;
	return n;
}

/* Make *slot private to the tree holding it, so it may be modified. */
static struct node *unshare(struct node **slot)
{
	struct node *c;

	if ((*slot)->ref == 1)
		return *slot;
	c = node_clone(*slot);
	if (!c)
		return NULL;
	(*slot)->ref--;
	*slot = c;
	return c;
}

static int kid_index(const struct node *n, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < n->nkids; i++) {
		const char *k = n->kids[i]->name;

		if (!strncmp(k, name, len) && k[len] == '\0')
			return (int)i;
	}
	return -1;
}

static struct node *add_kid(struct node *n, const char *name, size_t len,
			    uint64_t gen)
{
	struct node *k;

	if (n->nkids == n->kcap) {
		unsigned int cap = n->kcap ? 2 * n->kcap : 4;
		struct node **kids = realloc(n->kids, cap * sizeof(*kids));

		if (!kids)
			return NULL;
		n->kids = kids;
		n->kcap = cap;
	}
	/* New nodes inherit the parent's permissions, as in xenstored. */
	k = node_new(name, len, n->perms, n->plen, gen);
	if (!k)
		return NULL;
	n->kids[n->nkids++] = k;
	n->gen = gen;
	return k;
}

/* Canonical paths have no "//" or trailing '/', so "/" is the only odd one. */
static const char *first_sep(const char *path)
{
	return strcmp(path, "/") ? path : "";
}

static struct node *lookup(struct node *root, const char *path)
{
	const char *p = first_sep(path);
	struct node *n = root;

	while (n && *p) {
		size_t len;
		int i;

		p++;
		len = strcspn(p, "/");
		i = kid_index(n, p, len);
		n = i < 0 ? NULL : n->kids[i];
		p += len;
	}
	return n;
}

/*
 * Return a node at path that is private to the tree at *rootp, unsharing
 * every node on the way and creating missing ones (with empty values).
 */
static struct node *node_edit(struct node **rootp, const char *path,
			      uint64_t gen)
{
	const char *p = first_sep(path);
	struct node *n = unshare(rootp);

	while (n && *p) {
		size_t len;
		int i;

		p++;
		len = strcspn(p, "/");
		i = kid_index(n, p, len);
		n = i < 0 ? add_kid(n, p, len, gen) : unshare(&n->kids[i]);
		p += len;
	}
	return n;
}

static void parent_of(const char *path, char *buf)
{
	size_t len = (size_t)(strrchr(path, '/') - path);

	if (!len)
		len = 1;
	memcpy(buf, path, len);
	buf[len] = '\0';
}

/* Children names, each NUL-terminated, as DIRECTORY returns them. */
static char *kids_blob(const struct node *n, size_t *len)
{
	size_t total = 0, off = 0;
	unsigned int i;
	char *b;

	for (i = 0; i < n->nkids; i++)
		total += strlen(n->kids[i]->name) + 1;
	b = malloc(total + 1);
	if (!b)
		return NULL;
	for (i = 0; i < n->nkids; i++) {
		size_t l = strlen(n->kids[i]->name) + 1;

		memcpy(b + off, n->kids[i]->name, l);
		off += l;
	}
	*len = total;
	return b;
}

static uint64_t subtree_gen(const struct node *n)
{
	uint64_t g = n->gen;
	unsigned int i;

	for (i = 0; i < n->nkids; i++) {
		uint64_t k = subtree_gen(n->kids[i]);

		if (k > g)
			g = k;
	}
	return g;
}

/* ---- tombs: removals that open transactions must notice ---------------- */

static void tomb_add(const char *path, uint64_t gen)
{
	struct tomb *t;

	if (!open_txns)
		return;
	t = malloc(sizeof(*t) + strlen(path) + 1);
	if (!t) {
		/* Cannot tell who depended on it: fail them all. */
		lost_gen = gen;
		return;
	}
	t->gen = gen;
	strcpy(t->path, path);
	t->next = tombs;
	tombs = t;
}

/* Drop tombs no open transaction can conflict with any more. */
static void tomb_prune(void)
{
	uint64_t oldest = UINT64_MAX;
	struct tomb **pp = &tombs, *t;
	size_t i;

	for (i = 0; i < nconns; i++) {
		const struct txn *x;

		for (x = conns[i]->txns; x; x = x->next)
			if (x->start < oldest)
				oldest = x->start;
	}
	while (*pp && (*pp)->gen > oldest)
		pp = &(*pp)->next;
	while ((t = *pp)) {
		*pp = t->next;
		free(t);
	}
}

/* ---- store operations, on the live tree or a transaction's ------------- */

static int store_write(struct node **rootp, const char *path,
		       const char *data, unsigned int dlen, uint64_t gen)
{
	struct node *n = node_edit(rootp, path, gen);
	char *v;

	if (!n)
		return ENOMEM;
	v = memdup0(data, dlen);
	if (!v)
		return ENOMEM;
	free(n->value);
	n->value = v;
	n->vlen = dlen;
	n->gen = gen;
	return 0;
}

static int store_perms(struct node **rootp, const char *path,
		       const char *data, unsigned int dlen, uint64_t gen)
{
	struct node *n = node_edit(rootp, path, gen);
	char *p;

	if (!n)
		return ENOMEM;
	p = memdup0(data, dlen);
	if (!p)
		return ENOMEM;
	free(n->perms);
	n->perms = p;
	n->plen = dlen;
	n->gen = gen;
	return 0;
}

static int store_rm(struct node **rootp, const char *path, uint64_t gen)
{
	char parent[PATH_BUF];
	const char *base = strrchr(path, '/') + 1;
	struct node *p;
	int i;

	parent_of(path, parent);
	p = node_edit(rootp, parent, gen);
	if (!p)
		return ENOMEM;
	i = kid_index(p, base, strlen(base));
	if (i < 0)
		return ENOENT;
	node_put(p->kids[i]);
	memmove(&p->kids[i], &p->kids[i + 1],
		(p->nkids - (unsigned int)i - 1) * sizeof(*p->kids));
	p->nkids--;
	p->gen = gen;
	if (rootp == &live_root)
		tomb_add(path, gen);
	return 0;
}

/*
 * Apply one mutation.  *changed tells whether anything happened (mkdir of
 * an existing node or rm of a missing one are successful no-ops that fire
 * no watches).
 */
static int store_apply(struct node **rootp, uint32_t type, const char *path,
		       const char *data, unsigned int dlen, bool *changed)
{
	char parent[PATH_BUF];
	bool exists = lookup(*rootp, path) != NULL;
	uint64_t gen = cur_gen + 1;
	int rc;

	*changed = false;
	switch (type) {
	case XS_WRITE:
		rc = store_write(rootp, path, data, dlen, gen);
		break;
	case XS_MKDIR:
		if (exists)
			return 0;
		rc = node_edit(rootp, path, gen) ? 0 : ENOMEM;
		break;
	case XS_RM:
		if (!strcmp(path, "/"))
			return EINVAL;
		if (!exists) {
			/* Fine if the parent exists, like xenstored. */
			parent_of(path, parent);
			return lookup(*rootp, parent) ? 0 : ENOENT;
		}
		rc = store_rm(rootp, path, gen);
		break;
	case XS_SET_PERMS:
		if (!exists)
			return ENOENT;
		rc = store_perms(rootp, path, data, dlen, gen);
		break;
	default:
		return EINVAL;
	}
	/* Even a failed attempt may have created parents: always advance. */
	cur_gen = gen;
	*changed = !rc;
	return rc;
}

/* ---- output ------------------------------------------------------------ */

static int out_reserve(struct conn *c, size_t need)
{
	size_t pending = c->outlen - c->outoff;

	if (pending + need > OUT_MAX)
		return -1;
	if (c->outoff && c->outlen + need > c->outcap) {
		memmove(c->out, c->out + c->outoff, pending);
		c->outoff = 0;
		c->outlen = pending;
	}
	if (c->outlen + need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *o;

		while (cap < c->outlen + need)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o)
			return -1;
		c->out = o;
		c->outcap = cap;
	}
	return 0;
}

/* Queue a message made of two pieces (either may be empty). */
static void conn_send(struct conn *c, uint32_t type, uint32_t req_id,
		      uint32_t tx_id, const void *a, size_t alen,
		      const void *b, size_t blen)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id,
		.len = (uint32_t)(alen + blen),
	};

	if (c->dead)
		return;
	if (out_reserve(c, HDR_LEN + alen + blen)) {
		say("conn %u: output backlog too large, dropping", c->id);
		c->dead = true;
		return;
	}
	memcpy(c->out + c->outlen, &h, HDR_LEN);
	c->outlen += HDR_LEN;
	if (alen)
		memcpy(c->out + c->outlen, a, alen);
	c->outlen += alen;
	if (blen)
		memcpy(c->out + c->outlen, b, blen);
	c->outlen += blen;
}

static const char *errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

static void send_error(const struct req *r, int err)
{
	const char *e = errno_name(err);

	conn_send(r->c, XS_ERROR, r->hdr->req_id, r->hdr->tx_id,
		  e, strlen(e) + 1, NULL, 0);
}

static int reply(const struct req *r, const void *data, size_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	conn_send(r->c, r->hdr->type, r->hdr->req_id, r->hdr->tx_id,
		  data, len, NULL, 0);
	return 0;
}

static int reply_ok(const struct req *r)
{
	return reply(r, "OK", 3);
}

static void watch_event(struct conn *c, const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;

	/* Clients drop connections on oversized messages: drop the event. */
	if (plen + tlen > XENSTORE_PAYLOAD_MAX)
		return;
	conn_send(c, XS_WATCH_EVENT, 0, 0, path, plen, token, tlen);
}

/*
 * Tell every watcher of path (or of anything above it) that it changed.
 * A removal also concerns the watches below the removed node: they get
 * their own path back.
 */
static void fire(const char *path, bool removal)
{
	size_t i;

	for (i = 0; i < nconns; i++) {
		struct conn *c = conns[i];
		const struct watch *w;

		if (c->dead)
			continue;
		for (w = c->watches; w; w = w->next) {
			if (is_child(path, w->path))
				watch_event(c, path + w->prefix, w->token);
			else if (removal && is_child(w->path, path))
				watch_event(c, w->path + w->prefix, w->token);
		}
	}
}

/* ---- transactions ------------------------------------------------------ */

static void txn_free(struct txn *t)
{
	struct access *a;
	struct op *o;

	while ((a = t->acc)) {
		t->acc = a->next;
		free(a);
	}
	while ((o = t->ops)) {
		t->ops = o->next;
		free(o);
	}
	node_put(t->root);
	free(t);
	open_txns--;
	tomb_prune();
}

static struct txn *txn_find(const struct conn *c, uint32_t id)
{
	struct txn *t;

	for (t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static int txn_charge(struct txn *t, size_t bytes)
{
	if (t->bytes + bytes > TXN_MAX_BYTES)
		return ENOSPC;
	t->bytes += bytes;
	return 0;
}

/* Remember that the outcome of t depends on path. */
static int txn_touch(struct txn *t, const char *path, bool subtree)
{
	struct access *a;

	if (!t)
		return 0;
	for (a = t->acc; a; a = a->next) {
		if (!strcmp(a->path, path)) {
			a->subtree |= subtree;
			return 0;
		}
	}
	if (txn_charge(t, sizeof(*a) + strlen(path) + 1))
		return ENOSPC;
	a = malloc(sizeof(*a) + strlen(path) + 1);
	if (!a)
		return ENOMEM;
	a->subtree = subtree;
	strcpy(a->path, path);
	a->next = t->acc;
	t->acc = a;
	return 0;
}

static struct op *op_new(struct txn *t, uint32_t type, const char *path,
			 const char *data, unsigned int dlen, int *err)
{
	size_t plen = strlen(path) + 1;
	struct op *o;

	*err = txn_charge(t, sizeof(*o) + plen + dlen);
	if (*err)
		return NULL;
	o = malloc(sizeof(*o) + plen + dlen);
	if (!o) {
		*err = ENOMEM;
		return NULL;
	}
	o->next = NULL;
	o->type = type;
	memcpy(o->path, path, plen);
	o->data = o->path + plen;
	if (dlen)
		memcpy(o->data, data, dlen);
	o->dlen = dlen;
	return o;
}

static bool txn_conflicts(const struct txn *t)
{
	const struct access *a;

	if (t->broken || t->start < lost_gen)
		return true;
	for (a = t->acc; a; a = a->next) {
		const struct node *n = lookup(live_root, a->path);
		const struct tomb *tb;

		if (n && (a->subtree ? subtree_gen(n) : n->gen) > t->start)
			return true;
		for (tb = tombs; tb && tb->gen > t->start; tb = tb->next)
			if (is_child(a->path, tb->path))
				return true;
	}
	return false;
}

static int txn_commit(struct txn *t)
{
	const struct op *o;

	if (txn_conflicts(t))
		return EAGAIN;
	for (o = t->ops; o; o = o->next) {
		bool changed;
		int rc;

		rc = store_apply(&live_root, o->type, o->path, o->data,
				 o->dlen, &changed);
		if (rc)
			say("commit of txn %u: type %u on %s failed: %s",
			    t->id, o->type, o->path, errno_name(rc));
		else if (changed)
			fire(o->path, o->type == XS_RM);
	}
	return 0;
}

/* ---- request helpers --------------------------------------------------- */

/*
 * Point v[] at the payload's NUL-terminated strings; return how many there
 * are, or -1 if the payload does not end with a NUL.
 */
static int split(const struct req *r, const char **v, int max)
{
	unsigned int off = 0;
	int n = 0;

	if (!r->len || r->data[r->len - 1])
		return -1;
	while (off < r->len) {
		if (n < max)
			v[n] = r->data + off;
		n++;
		off += (unsigned int)strlen(r->data + off) + 1;
	}
	return n;
}

static const char *one_arg(const struct req *r)
{
	const char *v[1];

	return split(r, v, 1) == 1 ? v[0] : NULL;
}

/* Validate a client path and make it absolute, as xenstored does. */
static int canon(const char *in, bool special, char *out)
{
	size_t len = in ? strlen(in) : 0;

	if (!len || strspn(in, PATH_CHARS) != len)
		return EINVAL;
	if (in[0] == '@' && !special)
		return EINVAL;
	if (in[0] == '/' || in[0] == '@') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
		memcpy(out, in, len + 1);
	} else {
		if (len > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		snprintf(out, PATH_BUF, "%s/%s", DOM0_PATH, in);
	}
	len = strlen(out);
	if (strstr(out, "//") || (len > 1 && out[len - 1] == '/'))
		return EINVAL;
	return 0;
}

static int path_arg(const struct req *r, bool special, char *path)
{
	return canon(one_arg(r), special, path);
}

static int parse_domid(const char *s, unsigned int *domid)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > 0xffff)
		return EINVAL;
	*domid = (unsigned int)v;
	return 0;
}

static bool is_introduced(unsigned int domid)
{
	return domid == 0 || (introduced[domid / 8] & (1u << (domid % 8)));
}

static struct special *find_special(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (!strcmp(specials[i].name, path))
			return &specials[i];
	return NULL;
}

/* Each perm is one of w, r, b, n followed by a decimal domid. */
static bool perms_valid(const char *p, unsigned int len)
{
	unsigned int off = 0;

	while (off < len) {
		const char *s = p + off;
		size_t l = strlen(s);

		if (l < 2 || !strchr("wrbn", s[0]) ||
		    strspn(s + 1, "0123456789") != l - 1)
			return false;
		off += (unsigned int)l + 1;
	}
	return len > 0;
}

/*
 * Carry out a mutation on the request's tree.  Outside a transaction it
 * fires watches at once; inside, it is logged for replay at commit.
 */
static int mutate(const struct req *r, uint32_t type, const char *path,
		  const char *data, unsigned int dlen)
{
	struct op *o = NULL;
	bool changed;
	int rc;

	if (r->t) {
		rc = txn_touch(r->t, path, type == XS_RM);
		if (rc)
			return rc;
		o = op_new(r->t, type, path, data, dlen, &rc);
		if (!o)
			return rc;
	}
	rc = store_apply(r->rootp, type, path, data, dlen, &changed);
	if (rc || !changed) {
		free(o);
	} else if (o) {
		*r->t->tail = o;
		r->t->tail = &o->next;
	} else {
		fire(path, type == XS_RM);
	}
	return rc ? rc : reply_ok(r);
}

/* ---- request handlers: return 0 once replied, else an errno ------------ */

static int do_read(struct req *r)
{
	char path[PATH_BUF];
	const struct node *n;
	int rc;

	rc = path_arg(r, false, path);
	if (!rc)
		rc = txn_touch(r->t, path, false);
	if (rc)
		return rc;
	n = lookup(*r->rootp, path);
	if (!n)
		return ENOENT;
	return reply(r, n->value, n->vlen);
}

static int do_directory(struct req *r)
{
	char path[PATH_BUF];
	const struct node *n;
	size_t len;
	char *b;
	int rc;

	rc = path_arg(r, false, path);
	if (!rc)
		rc = txn_touch(r->t, path, false);
	if (rc)
		return rc;
	n = lookup(*r->rootp, path);
	if (!n)
		return ENOENT;
	b = kids_blob(n, &len);
	if (!b)
		return ENOMEM;
	rc = reply(r, b, len);
	free(b);
	return rc;
}

/*
 * Reply "<gen>\0" and the children list from byte offset on, as much as
 * fits; the final chunk carries an extra "\0".  libxenstore restarts if
 * the generation changes between chunks.
 */
static int directory_chunk(const struct req *r, const struct node *n,
			   unsigned long off)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len, take = 0, genlen;
	char *b;

	b = kids_blob(n, &len);
	if (!b)
		return ENOMEM;
	genlen = (size_t)snprintf(buf, 24, "%" PRIu64, n->gen) + 1;
	while (off < len && off + take < len) {
		size_t k = strlen(b + off + take) + 1;

		if (genlen + take + k + 1 > sizeof(buf))
			break;
		take += k;
	}
	if (off < len)
		memcpy(buf + genlen, b + off, take);
	free(b);
	if (off >= len || off + take == len)
		buf[genlen + take++] = '\0';
	return reply(r, buf, genlen + take);
}

static int do_directory_part(struct req *r)
{
	char path[PATH_BUF];
	const struct node *n;
	const char *v[2];
	int rc;

	if (split(r, v, 2) != 2)
		return EINVAL;
	rc = canon(v[0], false, path);
	if (!rc)
		rc = txn_touch(r->t, path, false);
	if (rc)
		return rc;
	n = lookup(*r->rootp, path);
	if (!n)
		return ENOENT;
	return directory_chunk(r, n, strtoul(v[1], NULL, 10));
}

static int do_get_perms(struct req *r)
{
	char path[PATH_BUF];
	const struct special *s;
	const struct node *n;
	int rc;

	rc = path_arg(r, true, path);
	if (rc)
		return rc;
	if (path[0] == '@') {
		s = find_special(path);
		return s ? reply(r, s->perms, s->plen) : ENOENT;
	}
	rc = txn_touch(r->t, path, false);
	if (rc)
		return rc;
	n = lookup(*r->rootp, path);
	if (!n)
		return ENOENT;
	return reply(r, n->perms, n->plen);
}

static int do_set_special_perms(struct req *r, const char *path,
				const char *perms, unsigned int plen)
{
	struct special *s = find_special(path);
	char *p;

	if (!s)
		return ENOENT;
	p = memdup0(perms, plen);
	if (!p)
		return ENOMEM;
	free(s->perms);
	s->perms = p;
	s->plen = plen;
	return reply_ok(r);
}

static int do_set_perms(struct req *r)
{
	char path[PATH_BUF];
	const char *v[1], *perms;
	unsigned int plen;
	int rc;

	if (split(r, v, 1) < 2)
		return EINVAL;
	perms = v[0] + strlen(v[0]) + 1;
	plen = r->len - (unsigned int)(perms - r->data);
	if (!perms_valid(perms, plen))
		return EINVAL;
	rc = canon(v[0], true, path);
	if (rc)
		return rc;
	if (path[0] == '@')
		return do_set_special_perms(r, path, perms, plen);
	return mutate(r, XS_SET_PERMS, path, perms, plen);
}

static int do_write(struct req *r)
{
	char path[PATH_BUF];
	size_t plen = strnlen(r->data, r->len);
	int rc;

	/* The value is binary and unterminated; the path must end in NUL. */
	if (plen == r->len)
		return EINVAL;
	rc = canon(r->data, false, path);
	if (rc)
		return rc;
	return mutate(r, XS_WRITE, path, r->data + plen + 1,
		      r->len - (unsigned int)plen - 1);
}

static int do_mkdir(struct req *r)
{
	char path[PATH_BUF];
	int rc = path_arg(r, false, path);

	return rc ? rc : mutate(r, XS_MKDIR, path, NULL, 0);
}

static int do_rm(struct req *r)
{
	char path[PATH_BUF];
	int rc = path_arg(r, false, path);

	return rc ? rc : mutate(r, XS_RM, path, NULL, 0);
}

static int do_watch(struct req *r)
{
	char path[PATH_BUF];
	const char *v[2];
	struct watch *w, **pp;
	size_t plen;
	int rc;

	if (split(r, v, 2) != 2)
		return EINVAL;
	rc = canon(v[0], true, path);
	if (rc)
		return rc;
	for (pp = &r->c->watches; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->path, path) && !strcmp((*pp)->token, v[1]))
			return EEXIST;
	if (r->c->nwatches >= MAX_WATCHES)
		return ENOSPC;
	plen = strlen(path) + 1;
	w = malloc(sizeof(*w) + plen + strlen(v[1]) + 1);
	if (!w)
		return ENOMEM;
	w->next = NULL;
	memcpy(w->path, path, plen);
	w->token = w->path + plen;
	strcpy(w->token, v[1]);
	/* Relative watches get relative event paths. */
	w->prefix = v[0][0] != '/' && v[0][0] != '@' ?
		    (unsigned int)sizeof(DOM0_PATH) : 0;
	*pp = w;
	r->c->nwatches++;
	reply_ok(r);
	/* xenstored fires every new watch once, straight away. */
	watch_event(r->c, w->path + w->prefix, w->token);
	return 0;
}

static int do_unwatch(struct req *r)
{
	char path[PATH_BUF];
	const char *v[2];
	struct watch **pp, *w;
	int rc;

	if (split(r, v, 2) < 2)
		return EINVAL;
	rc = canon(v[0], true, path);
	if (rc)
		return rc;
	for (pp = &r->c->watches; (w = *pp); pp = &w->next) {
		if (!strcmp(w->path, path) && !strcmp(w->token, v[1])) {
			*pp = w->next;
			free(w);
			r->c->nwatches--;
			return reply_ok(r);
		}
	}
	return ENOENT;
}

static int do_txn_start(struct req *r)
{
	struct conn *c = r->c;
	char buf[16];
	struct txn *t;

	if (r->t)
		return EBUSY;
	if (c->ntxns >= MAX_TXNS)
		return ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	do {
		t->id = next_txn_id++;
	} while (!t->id || txn_find(c, t->id));
	t->start = cur_gen;
	t->root = live_root;
	live_root->ref++;
	t->tail = &t->ops;
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	open_txns++;
	snprintf(buf, sizeof(buf), "%" PRIu32, t->id);
	return reply(r, buf, strlen(buf) + 1);
}

static int do_txn_end(struct req *r)
{
	const char *arg = one_arg(r);
	struct txn **pp;
	bool commit;
	int rc = 0;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	if (!r->t)
		return ENOENT;
	commit = arg[0] == 'T';
	for (pp = &r->c->txns; *pp != r->t; pp = &(*pp)->next)
		;
	*pp = r->t->next;
	r->c->ntxns--;
	if (commit)
		rc = txn_commit(r->t);
	txn_free(r->t);
	r->t = NULL;
	r->rootp = &live_root;
	return rc ? rc : reply_ok(r);
}

static int do_get_domain_path(struct req *r)
{
	char buf[32];
	unsigned int domid;
	int rc = parse_domid(one_arg(r), &domid);

	if (rc)
		return rc;
	snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	return reply(r, buf, strlen(buf) + 1);
}

static int do_introduce(struct req *r)
{
	const char *v[3];
	unsigned int domid;

	if (split(r, v, 3) < 3 || parse_domid(v[0], &domid) ||
	    !domid || domid >= DOMID_LIMIT)
		return EINVAL;
	if (!is_introduced(domid)) {
		introduced[domid / 8] |= (uint8_t)(1u << (domid % 8));
		fire("@introduceDomain", false);
	}
	return reply_ok(r);
}

static int do_release(struct req *r)
{
	unsigned int domid;

	if (parse_domid(one_arg(r), &domid) || !domid)
		return EINVAL;
	if (!is_introduced(domid))
		return ENOENT;
	introduced[domid / 8] &= (uint8_t)~(1u << (domid % 8));
	fire("@releaseDomain", false);
	return reply_ok(r);
}

static int do_is_introduced(struct req *r)
{
	unsigned int domid;

	if (parse_domid(one_arg(r), &domid))
		return EINVAL;
	return reply(r, is_introduced(domid) ? "T" : "F", 2);
}

static int do_resume(struct req *r)
{
	unsigned int domid;

	if (parse_domid(one_arg(r), &domid))
		return EINVAL;
	return is_introduced(domid) ? reply_ok(r) : ENOENT;
}

static int do_set_target(struct req *r)
{
	const char *v[2];
	unsigned int a, b;

	if (split(r, v, 2) < 2 || parse_domid(v[0], &a) ||
	    parse_domid(v[1], &b))
		return EINVAL;
	return reply_ok(r);
}

static void conn_drop_state(struct conn *c)
{
	struct watch *w;
	struct txn *t;

	while ((w = c->watches)) {
		c->watches = w->next;
		free(w);
	}
	c->nwatches = 0;
	while ((t = c->txns)) {
		c->txns = t->next;
		c->ntxns--;
		txn_free(t);
	}
}

static int do_reset_watches(struct req *r)
{
	conn_drop_state(r->c);
	r->t = NULL;
	r->rootp = &live_root;
	return reply_ok(r);
}

/* Only "print" means anything here; everything else is acknowledged. */
static int do_control(struct req *r)
{
	const char *v[2];

	if (split(r, v, 2) == 2 && !strcmp(v[0], "print"))
		say("conn %u: print: %s", r->c->id, v[1]);
	return reply_ok(r);
}

static const struct handler {
	const char *name;
	int (*fn)(struct req *r);
	bool notx;		/* tx_id is ignored */
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL]		= { "CONTROL", do_control, true },
	[XS_DIRECTORY]		= { "DIRECTORY", do_directory, false },
	[XS_READ]		= { "READ", do_read, false },
	[XS_GET_PERMS]		= { "GET_PERMS", do_get_perms, false },
	[XS_WATCH]		= { "WATCH", do_watch, true },
	[XS_UNWATCH]		= { "UNWATCH", do_unwatch, true },
	[XS_TRANSACTION_START]	= { "TRANSACTION_START", do_txn_start, false },
	[XS_TRANSACTION_END]	= { "TRANSACTION_END", do_txn_end, false },
	[XS_INTRODUCE]		= { "INTRODUCE", do_introduce, false },
	[XS_RELEASE]		= { "RELEASE", do_release, false },
	[XS_GET_DOMAIN_PATH]	= { "GET_DOMAIN_PATH", do_get_domain_path, false },
	[XS_WRITE]		= { "WRITE", do_write, false },
	[XS_MKDIR]		= { "MKDIR", do_mkdir, false },
	[XS_RM]			= { "RM", do_rm, false },
	[XS_SET_PERMS]		= { "SET_PERMS", do_set_perms, false },
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED",
				      do_is_introduced, false },
	[XS_RESUME]		= { "RESUME", do_resume, false },
	[XS_SET_TARGET]		= { "SET_TARGET", do_set_target, false },
	[XS_RESET_WATCHES]	= { "RESET_WATCHES", do_reset_watches, true },
	[XS_DIRECTORY_PART]	= { "DIRECTORY_PART", do_directory_part, false },
};

static void log_request(const struct req *r, const char *name, int rc)
{
	char args[161];
	unsigned int i, n = r->len < 160 ? r->len : 160;

	if (!trace)
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)r->data[i];

		args[i] = ch == '\0' ? '|' : (ch < 0x20 || ch > 0x7e) ? '?' : (char)ch;
	}
	args[n] = '\0';
	fprintf(trace, "conn %u %s req=%" PRIu32 " tx=%" PRIu32 " [%s%s] -> %s\n",
		r->c->id, name, r->hdr->req_id, r->hdr->tx_id, args,
		r->len > n ? "..." : "", rc ? errno_name(rc) : "OK");
}

/*
 * Process one complete message: hdr plus hdr->len bytes of payload.  Only
 * queues output.  Returns -1 if the connection must be closed.
 */
static int handle_message(struct conn *c, const struct xsd_sockmsg *hdr,
			  const char *payload)
{
	char data[XENSTORE_PAYLOAD_MAX + 1];
	struct req r = {
		.c = c, .hdr = hdr, .data = data, .rootp = &live_root,
	};
	const struct handler *h = NULL;
	int rc;

	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -1;
	r.len = hdr->len;
	memcpy(data, payload, hdr->len);
	data[hdr->len] = '\0';

	if (hdr->type < XS_TYPE_COUNT && handlers[hdr->type].fn)
		h = &handlers[hdr->type];
	if (!h) {
		rc = ENOSYS;
	} else if (!h->notx && hdr->tx_id &&
		   !(r.t = txn_find(c, hdr->tx_id))) {
		rc = ENOENT;
	} else {
		if (r.t)
			r.rootp = &r.t->root;
		rc = h->fn(&r);
	}
	if (rc)
		send_error(&r, rc);
	log_request(&r, h ? h->name : "UNKNOWN", rc);
	return 0;
}

/* ---- the store's lifetime ---------------------------------------------- */

static int store_init(void)
{
	static const struct {
		const char *path, *value;
	} init[] = {
		{ "/tool", "" },
		{ "/local/domain/0/name", "Domain-0" },
		{ "/local/domain/0/domid", "0" },
	};
	size_t i;

	cur_gen = 1;
	live_root = node_new("", 0, "n0", 3, cur_gen);
	if (!live_root)
		return -1;
	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		if (store_write(&live_root, init[i].path, init[i].value,
				(unsigned int)strlen(init[i].value), ++cur_gen))
			return -1;
	}
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		specials[i].perms = memdup0("n0", 3);
		specials[i].plen = 3;
		if (!specials[i].perms)
			return -1;
	}
	return 0;
}

static void store_fini(void)
{
	struct tomb *t;
	size_t i;

	node_put(live_root);
	live_root = NULL;
	while ((t = tombs)) {
		tombs = t->next;
		free(t);
	}
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		free(specials[i].perms);
		specials[i].perms = NULL;
	}
}

/* ---- connections ------------------------------------------------------- */

static struct conn *conn_new(int fd)
{
	struct conn *c;

	if (nconns == conns_cap) {
		size_t cap = conns_cap ? 2 * conns_cap : 64;
		struct conn **n = realloc(conns, cap * sizeof(*n));

		if (!n)
			return NULL;
		conns = n;
		conns_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->id = next_conn_id++;
	conns[nconns++] = c;
	return c;
}

static void conn_free(struct conn *c)
{
	conn_drop_state(c);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c);
}

/* Handle every complete message in the input buffer. */
static void conn_process(struct conn *c)
{
	size_t off = 0;

	while (!c->dead && c->inlen - off >= HDR_LEN) {
		struct xsd_sockmsg hdr;

		memcpy(&hdr, c->in + off, HDR_LEN);
		if (hdr.len > XENSTORE_PAYLOAD_MAX) {
			say("conn %u: payload of %" PRIu32 " bytes, dropping",
			    c->id, hdr.len);
			c->dead = true;
			break;
		}
		if (c->inlen - off < HDR_LEN + hdr.len)
			break;
		if (handle_message(c, &hdr, c->in + off + HDR_LEN) < 0)
			c->dead = true;
		off += HDR_LEN + hdr.len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

static void conn_read(struct conn *c)
{
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true;
		return;
	}
	c->inlen += (size_t)n;
	conn_process(c);
}

static void conn_flush(struct conn *c)
{
	while (!c->dead && c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
				 c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			c->dead = true;
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
}

static short conn_events(const struct conn *c)
{
	size_t pending = c->outlen - c->outoff;
	short ev = 0;

	/* A client that does not read its replies gets no more served. */
	if (pending < OUT_PAUSE)
		ev |= POLLIN;
	if (pending)
		ev |= POLLOUT;
	return ev;
}

/*
 * Free dead connections; returns how many went.  Each leaves conns[] before
 * it is freed: freeing its transactions walks conns[] (tomb_prune).
 */
static size_t conns_reap(void)
{
	size_t i = 0, gone = 0;

	while (i < nconns) {
		struct conn *c = conns[i];

		if (!c->dead) {
			i++;
			continue;
		}
		memmove(&conns[i], &conns[i + 1],
			(nconns - i - 1) * sizeof(*conns));
		nconns--;
		conn_free(c);
		gone++;
	}
	return gone;
}

static void conns_free_all(void)
{
	size_t i;

	for (i = 0; i < nconns; i++)
		conns[i]->dead = true;
	conns_reap();
	free(conns);
	conns = NULL;
	conns_cap = 0;
}

#ifndef HP_XENSTORED_NO_MAIN

/* ---- the daemon -------------------------------------------------------- */

static bool accept_paused;

static void accept_all(int lfd)
{
	int i;

	/* Bounded, so a connection storm cannot starve existing clients. */
	for (i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Retry once a connection has gone. */
				say("accept: %s", strerror(errno));
				accept_paused = true;
			}
			return;
		}
		if (!conn_new(fd)) {
			say("out of memory for a new connection");
			close(fd);
		}
	}
}

static int grow_pollfds(struct pollfd **pfd, size_t *cap, size_t need)
{
	struct pollfd *p;

	if (need <= *cap)
		return 0;
	p = realloc(*pfd, need * 2 * sizeof(*p));
	if (!p)
		return -1;
	*pfd = p;
	*cap = need * 2;
	return 0;
}

static int serve(int lfd)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0, n, i;
	sigset_t none;
	int rc = 0;

	sigemptyset(&none);
	while (!stop_signal) {
		if (grow_pollfds(&pfd, &cap, nconns + 1)) {
			say("out of memory");
			rc = -1;
			break;
		}
		pfd[0].fd = accept_paused ? -1 : lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nconns; i++) {
			pfd[i + 1].fd = conns[i]->fd;
			pfd[i + 1].events = conn_events(conns[i]);
		}
		n = nconns + 1;
		/* Signals are blocked except while waiting here: no races. */
		if (ppoll(pfd, n, NULL, &none) < 0) {
			if (errno == EINTR)
				continue;
			say("ppoll: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (i = 1; i < n; i++) {
			short re = pfd[i].revents;

			if (re & POLLNVAL)
				conns[i - 1]->dead = true;
			else if (re & (POLLIN | POLLHUP | POLLERR))
				conn_read(conns[i - 1]);
		}
		if (pfd[0].revents & POLLIN)
			accept_all(lfd);
		/* Replies and events may have been queued for anyone. */
		for (i = 0; i < nconns; i++)
			if (conns[i]->outlen)
				conn_flush(conns[i]);
		if (conns_reap())
			accept_paused = false;
	}
	free(pfd);
	return rc;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Hundreds of clients need more descriptors than the usual soft limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* A socket nobody answers on is stale; anything else is not ours to remove. */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		say("%s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!rc) {
		say("%s: another daemon is listening there", path);
		return -1;
	}
	return unlink(path);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		say("socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (remove_stale(path, &sa))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old = umask(077);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(path, 0600) || listen(fd, SOMAXCONN)) {
		say("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Written aside and renamed, so a reader never sees a partial pid. */
static int write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Close every inherited descriptor above stderr except those in keep[]:
 * whoever started us may wait for EOF on a pipe we would hold open.
 */
static void close_inherited(const int *keep, int n)
{
	unsigned int lo = 3;

	for (;;) {
		unsigned int next = UINT_MAX;
		int i;

		for (i = 0; i < n; i++)
			if (keep[i] >= (int)lo && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > lo)
			close_range(lo, next - 1, 0);
		if (next == UINT_MAX)
			break;
		lo = next + 1;
	}
}

/*
 * Fork; the parent waits until the child reports readiness through the
 * pipe and exits 0, or 1 if the child died first.  Returns the write end
 * of the pipe in the child.
 */
static int daemonize(int lfd)
{
	int p[2], keep[3], null;
	char ok;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		do {
			n = read(p[0], &ok, 1);
		} while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	keep[0] = lfd;
	keep[1] = p[1];
	keep[2] = trace ? fileno(trace) : -1;
	close_inherited(keep, 3);
	setsid();
	if (chdir("/"))
		return -1;
	/* All three: bats and $(...) wait for inherited pipes to close. */
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		return -1;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	return p[1];
}

/* The daemon chdirs to "/", so remember paths absolutely. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *r;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&r, "%s/%s", cwd, path) < 0)
		return NULL;
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hp-xenstored --socket PATH [--pidfile FILE] [--daemon] [--log FILE]\n"
		"\n"
		"A small xenstored for machines without Xen, speaking the xenstore\n"
		"wire protocol on a unix socket.  Point libxenstore and xenstore-utils\n"
		"at it with XENSTORED_PATH=PATH.\n"
		"\n"
		"  --socket PATH   listen here (a stale socket is replaced)\n"
		"  --pidfile FILE  write the daemon's pid; removed on SIGTERM/SIGINT\n"
		"  --daemon        detach; returns once the socket accepts clients\n"
		"  --log FILE      append a one-line trace of every request\n"
		"  --help          show this help\n");
}

struct options {
	char *socket;
	char *pidfile;
	const char *log;
	bool daemon;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "s:p:dl:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			free(o->socket);
			o->socket = absolute(optarg);
			break;
		case 'p':
			free(o->pidfile);
			o->pidfile = absolute(optarg);
			break;
		case 'd':
			o->daemon = true;
			break;
		case 'l':
			o->log = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !o->socket) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int run(struct options *o)
{
	int lfd, ready = -1, rc = 1;

	if (o->log) {
		trace = fopen(o->log, "a");
		if (!trace) {
			fprintf(stderr, "hp-xenstored: %s: %s\n", o->log,
				strerror(errno));
			return 1;
		}
		setvbuf(trace, NULL, _IOLBF, 0);
	}
	if (store_init()) {
		say("out of memory");
		return 1;
	}
	lfd = listen_on(o->socket);
	if (lfd < 0)
		return 1;
	if (o->daemon && (ready = daemonize(lfd)) < 0)
		goto out;
	if (o->pidfile && write_pidfile(o->pidfile)) {
		say("%s: %s", o->pidfile, strerror(errno));
		goto out;
	}
	if (ready >= 0) {
		if (write(ready, "1", 1) != 1)
			goto out;
		close(ready);
		ready = -1;
	}
	say("listening on %s", o->socket);
	rc = serve(lfd) ? 1 : 0;
	say("exiting on signal %d", (int)stop_signal);
out:
	if (ready >= 0)
		close(ready);
	close(lfd);
	unlink(o->socket);
	if (o->pidfile)
		unlink(o->pidfile);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { NULL, NULL, NULL, false };
	int rc = 2;

	if (!parse_options(argc, argv, &o)) {
		raise_fd_limit();
		setup_signals();
		rc = run(&o);
	}
	conns_free_all();
	store_fini();
	if (trace)
		fclose(trace);
	free(o.socket);
	free(o.pidfile);
	return rc;
}

#endif /* HP_XENSTORED_NO_MAIN */
