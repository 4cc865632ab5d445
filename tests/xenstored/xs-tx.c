/*
 * hp-xs-tx: xenstore operations in transactions, through the real
 * libxenstore, for the test world: guest_create writes a vif's nodes as
 * libxl does (libxl__device_generic_add: one transaction with rm, mkdir,
 * set_perms and writes), which xenstore-write and xenstore-chmod, one
 * transaction per process, cannot do.
 *
 *   hp-xs-tx [-v] [-r RETRIES] <SCRIPT
 *
 * SCRIPT, one operation per line:
 *   write PATH [VALUE]   VALUE is the rest of the line, may be empty;
 *                        \\ \n \t \xHH are unescaped (a value may hold any byte
 *                        but NUL)
 *   mkdir PATH
 *   rm PATH              a missing node is not an error (as libxl's rm)
 *   perms PATH SPEC...   xenstore-chmod's syntax: n0 r5 (owner first)
 *   sleep MS             inside the transaction (contention tests)
 *   commit               end this transaction, start the next one
 * Each transaction is replayed from its first line when its commit gets
 * EAGAIN, up to RETRIES times (100).  -v: print "retries N" (the total).
 * Exit 0, or 1 with "hp-xs-tx: line N: ..." on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define MAX_PERMS 16

struct op {
	int lineno;
	char *verb, *path, *rest; /* rest: the value or the perms */
};

static int die(int lineno, const char *what, const char *path)
{
	fprintf(stderr, "hp-xs-tx: line %d: %s %s: %s\n", lineno, what, path ? path : "",
		strerror(errno));
	return -1;
}

static int parse_perms(const char *spec, struct xs_permissions *p, unsigned int *num)
{
	const char *s = spec;
	char *end;

	*num = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*num == MAX_PERMS)
			return -1;
		switch (*s) {
		case 'n':
			p[*num].perms = XS_PERM_NONE;
			break;
		case 'r':
			p[*num].perms = XS_PERM_READ;
			break;
		case 'w':
			p[*num].perms = XS_PERM_WRITE;
			break;
		case 'b':
			p[*num].perms = XS_PERM_READ | XS_PERM_WRITE;
			break;
		default:
			return -1;
		}
		p[*num].id = (unsigned int)strtoul(s + 1, &end, 10);
		if (end == s + 1 || (*end && *end != ' '))
			return -1;
		(*num)++;
		s = end;
	}
	return *num ? 0 : -1;
}

/* One operation; -1 with errno set on failure. */
static int run_op(struct xs_handle *h, xs_transaction_t t, const struct op *o)
{
	struct xs_permissions p[MAX_PERMS];
	unsigned int num;

	if (!strcmp(o->verb, "write"))
		return xs_write(h, t, o->path, o->rest, (unsigned int)strlen(o->rest)) ? 0 : -1;
	if (!strcmp(o->verb, "mkdir"))
		return xs_mkdir(h, t, o->path) ? 0 : -1;
	if (!strcmp(o->verb, "rm"))
		return xs_rm(h, t, o->path) || errno == ENOENT ? 0 : -1;
	if (!strcmp(o->verb, "perms")) {
		if (parse_perms(o->rest, p, &num)) {
			errno = EINVAL;
			return -1;
		}
		return xs_set_permissions(h, t, o->path, p, num) ? 0 : -1;
	}
	if (!strcmp(o->verb, "sleep")) {
		struct timespec ts = { .tv_sec = atoi(o->path) / 1000,
				       .tv_nsec = (atoi(o->path) % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

/* ops[0..n) in one transaction, replayed on EAGAIN. */
static int run_tx(struct xs_handle *h, const struct op *ops, int n, int retries, int *used)
{
	int i, try;

	for (try = 0; try <= retries; try++) {
		xs_transaction_t t = xs_transaction_start(h);

		if (t == XBT_NULL)
			return die(n ? ops[0].lineno : 0, "transaction_start", NULL);
		for (i = 0; i < n; i++) {
			if (run_op(h, t, &ops[i])) {
				int err = errno;

				xs_transaction_end(h, t, true);
				errno = err;
				return die(ops[i].lineno, ops[i].verb, ops[i].path);
			}
		}
		if (xs_transaction_end(h, t, false))
			return 0;
		if (errno != EAGAIN)
			return die(n ? ops[n - 1].lineno : 0, "transaction_end", NULL);
		(*used)++;
	}
	errno = EAGAIN;
	return die(n ? ops[n - 1].lineno : 0, "transaction_end", "(retries exhausted)");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Backslash escapes, in place; -1 for a bad one. */
static int unescape(char *s)
{
	char *o = s;
	int hi, lo;

	for (; *s; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case '\\':
			*o++ = '\\';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'x':
			if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 || !(hi | lo))
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		default:
			return -1;
		}
	}
	*o = '\0';
	return 0;
}

/* Splits one line in place; 0, or -1 for a malformed line. */
static int parse_line(char *line, int lineno, struct op *o)
{
	char *sp;

	line[strcspn(line, "\n")] = '\0';
	o->lineno = lineno;
	o->verb = line;
	o->path = o->rest = (char *)"";
	if ((sp = strchr(line, ' '))) {
		*sp = '\0';
		o->path = sp + 1;
		if ((sp = strchr(o->path, ' '))) {
			*sp = '\0';
			o->rest = sp + 1;
		}
	}
	if (!strcmp(o->verb, "commit"))
		return 0;
	if (!strcmp(o->verb, "write") && unescape(o->rest))
		return -1;
	return *o->path ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct xs_handle *h = NULL;
	struct op *ops = NULL;
	char **lines = NULL;
	int opt, retries = 100, verbose = 0, n = 0, cap = 0, used = 0, first = 0, i, rc = 1;
	size_t len = 0;
	char *line = NULL;

	while ((opt = getopt(argc, argv, "vr:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'r':
			retries = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: hp-xs-tx [-v] [-r RETRIES] <SCRIPT\n");
			return 2;
		}
	}
	while (getline(&line, &len, stdin) != -1) {
		if (n == cap) {
			struct op *o2;
			char **l2;

			cap = cap ? 2 * cap : 64;
			if (!(o2 = realloc(ops, (size_t)cap * sizeof(*ops))))
				goto out;
			ops = o2;
			if (!(l2 = realloc(lines, (size_t)cap * sizeof(*lines))))
				goto out;
			lines = l2;
		}
		lines[n] = line;
		line = NULL;
		len = 0;
		if (parse_line(lines[n], n + 1, &ops[n])) {
			fprintf(stderr, "hp-xs-tx: line %d: malformed\n", n + 1);
			n++;
			goto out;
		}
		n++;
	}
	h = xs_open(0);
	if (!h) {
		die(0, "xs_open", getenv("XENSTORED_PATH"));
		goto out;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && strcmp(ops[i].verb, "commit"))
			continue;
		if (i > first && run_tx(h, ops + first, i - first, retries, &used))
			goto out;
		first = i + 1;
	}
	if (verbose)
		printf("retries %d\n", used);
	rc = 0;
out:
	if (h)
		xs_close(h);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(ops);
	free(line);
	return rc;
}
