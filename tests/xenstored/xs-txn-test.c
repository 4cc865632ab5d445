/*
 * xs-txn-test: exercise hp-xenstored through the real libxenstore, for the
 * parts xenstore-utils cannot reach: transaction isolation and conflicts,
 * watch delivery through xs_read_watch, DIRECTORY_PART, domain calls.
 *
 * Run with XENSTORED_PATH pointing at the daemon's socket.  Prints one TAP
 * line per check and exits non-zero if any failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static int checks, failures;

static void check(bool ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
}

/* Value at path, or NULL if it cannot be read; the caller frees. */
static char *get(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

static bool value_is(struct xs_handle *h, xs_transaction_t t,
		     const char *path, const char *want)
{
	char *v = get(h, t, path);
	bool ok = v && !strcmp(v, want);

	if (!ok)
		fprintf(stderr, "# %s: got '%s', want '%s'\n", path,
			v ? v : "(absent)", want);
	free(v);
	return ok;
}

static bool absent(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char *v = get(h, t, path);
	int err = errno;

	free(v);
	return !v && err == ENOENT;
}

static bool put(struct xs_handle *h, xs_transaction_t t, const char *path,
		const char *value)
{
	return xs_write(h, t, path, value, strlen(value));
}

/* Wait up to ms for the next watch event; true if it matches. */
static bool event_is(struct xs_handle *h, const char *path,
		     const char *token, int ms)
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
	unsigned int num;
	char **ev;
	bool ok;

	if (poll(&pfd, 1, ms) != 1) {
		fprintf(stderr, "# no event, want %s %s\n", path, token);
		return false;
	}
	ev = xs_read_watch(h, &num);
	if (!ev)
		return false;
	ok = !strcmp(ev[XS_WATCH_PATH], path) &&
	     !strcmp(ev[XS_WATCH_TOKEN], token);
	if (!ok)
		fprintf(stderr, "# event %s %s, want %s %s\n",
			ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN], path, token);
	free(ev);
	return ok;
}

static bool no_event(struct xs_handle *h, int ms)
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

static void test_commit(struct xs_handle *h)
{
	xs_transaction_t t = xs_transaction_start(h);

	check(t != XBT_NULL, "transaction starts");
	check(put(h, t, "/txn/a", "1"), "write inside transaction");
	check(value_is(h, t, "/txn/a", "1"), "transaction sees its write");
	check(absent(h, XBT_NULL, "/txn/a"), "others do not before commit");
	check(xs_transaction_end(h, t, false), "commit succeeds");
	check(value_is(h, XBT_NULL, "/txn/a", "1"), "write visible after commit");
}

static void test_abort(struct xs_handle *h)
{
	xs_transaction_t t = xs_transaction_start(h);

	check(put(h, t, "/txn/aborted", "x"), "write in doomed transaction");
	check(xs_rm(h, t, "/txn/a"), "rm in doomed transaction");
	check(xs_transaction_end(h, t, true), "abort succeeds");
	check(absent(h, XBT_NULL, "/txn/aborted"), "abort discards the write");
	check(value_is(h, XBT_NULL, "/txn/a", "1"), "abort discards the rm");
	check(!xs_transaction_end(h, t, false) && errno == ENOENT,
	      "ended transaction is gone (ENOENT)");
}

static void test_conflicts(struct xs_handle *h)
{
	xs_transaction_t t1 = xs_transaction_start(h);
	xs_transaction_t t2 = xs_transaction_start(h);
	bool ok;

	put(h, t1, "/txn/c", "one");
	put(h, t2, "/txn/c", "two");
	check(xs_transaction_end(h, t1, false), "first of two overlapping commits");
	ok = xs_transaction_end(h, t2, false);
	check(!ok && errno == EAGAIN, "second overlapping commit gets EAGAIN");
	check(value_is(h, XBT_NULL, "/txn/c", "one"), "loser's write discarded");

	/* A value read inside a transaction and changed outside conflicts. */
	put(h, XBT_NULL, "/txn/r", "old");
	t1 = xs_transaction_start(h);
	check(value_is(h, t1, "/txn/r", "old"), "read inside transaction");
	put(h, XBT_NULL, "/txn/r", "new");
	check(value_is(h, t1, "/txn/r", "old"), "transaction keeps its snapshot");
	put(h, t1, "/txn/derived", "from-old");
	ok = xs_transaction_end(h, t1, false);
	check(!ok && errno == EAGAIN, "stale read makes commit fail with EAGAIN");
	check(absent(h, XBT_NULL, "/txn/derived"), "failed commit writes nothing");

	/* Removing a parent conflicts with a write below it. */
	put(h, XBT_NULL, "/txn/p/q", "1");
	t1 = xs_transaction_start(h);
	put(h, t1, "/txn/p/q/r", "1");
	xs_rm(h, XBT_NULL, "/txn/p");
	ok = xs_transaction_end(h, t1, false);
	check(!ok && errno == EAGAIN, "concurrent rm of a parent conflicts");

	/* Disjoint transactions both commit. */
	t1 = xs_transaction_start(h);
	t2 = xs_transaction_start(h);
	put(h, t1, "/txn/d/1", "x");
	put(h, t2, "/txn/d/2", "y");
	check(xs_transaction_end(h, t1, false) && xs_transaction_end(h, t2, false),
	      "disjoint transactions both commit");
	check(value_is(h, XBT_NULL, "/txn/d/1", "x") &&
	      value_is(h, XBT_NULL, "/txn/d/2", "y"), "both writes landed");
}

static void test_watches(struct xs_handle *h, struct xs_handle *w)
{
	xs_transaction_t t;

	check(xs_watch(w, "/txn/w", "tok"), "watch registers");
	check(event_is(w, "/txn/w", "tok", 2000), "initial event fires");
	put(h, XBT_NULL, "/txn/w/k", "v");
	check(event_is(w, "/txn/w/k", "tok", 2000), "event for a child write");
	put(h, XBT_NULL, "/txn/other", "v");
	check(no_event(w, 200), "no event for an unrelated path");

	t = xs_transaction_start(h);
	put(h, t, "/txn/w/intx", "v");
	check(no_event(w, 200), "no event before commit");
	xs_transaction_end(h, t, false);
	check(event_is(w, "/txn/w/intx", "tok", 2000), "event on commit");

	check(xs_watch(w, "/txn/deep/a/b", "deep"), "watch below a subtree");
	check(event_is(w, "/txn/deep/a/b", "deep", 2000), "its initial event");
	put(h, XBT_NULL, "/txn/deep/a/b", "1");
	check(event_is(w, "/txn/deep/a/b", "deep", 2000), "event on creation");
	xs_rm(h, XBT_NULL, "/txn/deep");
	check(event_is(w, "/txn/deep/a/b", "deep", 2000),
	      "rm of an ancestor fires watches below it");

	check(xs_watch(w, "rel", "rtok"), "relative watch registers");
	check(event_is(w, "rel", "rtok", 2000), "relative initial event");
	put(h, XBT_NULL, "/local/domain/0/rel/x", "1");
	check(event_is(w, "rel/x", "rtok", 2000), "relative event path");

	check(xs_unwatch(w, "/txn/w", "tok"), "unwatch");
	put(h, XBT_NULL, "/txn/w/k", "again");
	check(no_event(w, 200), "no event after unwatch");
}

static void test_domains(struct xs_handle *h, struct xs_handle *w)
{
	char *p = xs_get_domain_path(h, 0);

	check(p && !strcmp(p, "/local/domain/0"), "xs_get_domain_path(0)");
	free(p);
	p = xs_get_domain_path(h, 7);
	check(p && !strcmp(p, "/local/domain/7"), "xs_get_domain_path(7)");
	free(p);

	check(xs_watch(w, "@introduceDomain", "intro"), "@introduceDomain watch");
	check(event_is(w, "@introduceDomain", "intro", 2000), "its initial event");
	check(!xs_is_domain_introduced(h, 5), "domain 5 not introduced");
	check(xs_introduce_domain(h, 5, 1234, 7), "introduce domain 5");
	check(event_is(w, "@introduceDomain", "intro", 2000),
	      "@introduceDomain fires");
	check(xs_is_domain_introduced(h, 5), "domain 5 introduced");
	check(xs_release_domain(h, 5), "release domain 5");
	check(!xs_is_domain_introduced(h, 5), "domain 5 released");
}

static void test_big_directory(struct xs_handle *h)
{
	xs_transaction_t t = xs_transaction_start(h);
	char path[64], **names;
	unsigned int i, num = 0;
	bool ok = true;

	/* 600 names of 11 bytes exceed one payload: DIRECTORY_PART needed. */
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/txn/big/child-%04u", i);
		ok &= put(h, t, path, "");
	}
	check(ok && xs_transaction_end(h, t, false), "600 children written");
	names = xs_directory(h, XBT_NULL, "/txn/big", &num);
	check(names && num == 600, "xs_directory lists all 600");
	ok = names != NULL;
	for (i = 0; ok && i < num; i++) {
		snprintf(path, sizeof(path), "child-%04u", i);
		ok = !strcmp(names[i], path);
	}
	check(ok, "in creation order");
	free(names);
}

static void test_perms(struct xs_handle *h)
{
	struct xs_permissions set[2] = {
		{ .id = 3, .perms = XS_PERM_NONE },
		{ .id = 5, .perms = XS_PERM_READ },
	}, *got;
	unsigned int num = 0;

	put(h, XBT_NULL, "/txn/perm/leaf", "x");
	check(xs_set_permissions(h, XBT_NULL, "/txn/perm", set, 2),
	      "set permissions");
	got = xs_get_permissions(h, XBT_NULL, "/txn/perm", &num);
	check(got && num == 2 && got[0].id == 3 && got[0].perms == XS_PERM_NONE &&
	      got[1].id == 5 && got[1].perms == XS_PERM_READ,
	      "permissions read back");
	free(got);
	put(h, XBT_NULL, "/txn/perm/new", "x");
	got = xs_get_permissions(h, XBT_NULL, "/txn/perm/new", &num);
	check(got && num == 2 && got[0].id == 3 && got[1].id == 5,
	      "new child inherits parent permissions");
	free(got);
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *w = xs_open(0);

	if (!h || !w) {
		perror("xs_open");
		return 2;
	}
	test_commit(h);
	test_abort(h);
	test_conflicts(h);
	test_watches(h, w);
	test_domains(h, w);
	test_big_directory(h);
	test_perms(h);
	xs_close(w);
	xs_close(h);
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
