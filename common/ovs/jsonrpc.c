/* JSON-RPC 1.0 over a unix stream socket (see jsonrpc.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "jsonrpc.h"
#include "hp/log.h"

struct hp_jsonrpc {
	int fd;
	char *buf; /* received, not yet consumed; one spare byte for a NUL */
	size_t len, cap;
	struct hp_jsonrpc_frame fr;
	long long next_id;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, for poll(): 0 when it has passed. */
static int left(long long deadline)
{
	long long d = deadline - now_ms();

	return d <= 0 ? 0 : d > 1000000 ? 1000000 : (int)d;
}

/* poll one event; 0, -ETIMEDOUT, or -errno */
static int wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int n;

	for (;;) {
		n = poll(&p, 1, left(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int hp_jsonrpc_open(struct hp_jsonrpc **out, const char *path, unsigned int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + timeout_ms;
	struct hp_jsonrpc *rpc;
	socklen_t sl = sizeof(int);
	int fd, rc, soerr = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* a unix socket's backlog is full: EAGAIN, wait for it */
		if (errno != EAGAIN && errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		if ((rc = wait_fd(fd, POLLOUT, deadline)))
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
			rc = soerr ? -soerr : -errno;
			goto fail;
		}
	}
	rpc = calloc(1, sizeof(*rpc));
	if (!rpc) {
		rc = -ENOMEM;
		goto fail;
	}
	rpc->fd = fd;
	rpc->next_id = 1;
	*out = rpc;
	return 0;
fail:
	close(fd);
	return rc;
}

void hp_jsonrpc_close(struct hp_jsonrpc *rpc)
{
	if (!rpc)
		return;
	close(rpc->fd);
	free(rpc->buf);
	free(rpc);
}

long hp_jsonrpc_frame(struct hp_jsonrpc_frame *st, const char *buf, size_t len)
{
	size_t i;

	for (i = st->pos; i < len; i++) {
		char c = buf[i];

		if (st->in_str) {
			if (st->esc)
				st->esc = 0;
			else if (c == '\\')
				st->esc = 1;
			else if (c == '"')
				st->in_str = 0;
			continue;
		}
		if (!st->started) {
			/* whitespace between messages */
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (c != '{')
				return -EPROTO;
			st->started = 1;
		}
		switch (c) {
		case '"':
			st->in_str = 1;
			break;
		case '{':
		case '[':
			if (++st->depth > HP_JSONRPC_MAX_DEPTH)
				return -EPROTO;
			break;
		case '}':
		case ']':
			if (--st->depth == 0) {
				st->pos = i + 1;
				return (long)(i + 1);
			}
			break;
		}
	}
	st->pos = len;
	return 0;
}

static int send_all(struct hp_jsonrpc *rpc, const char *p, size_t n, long long deadline)
{
	ssize_t w;
	int rc;

	while (n) {
		w = send(rpc->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return errno == EPIPE ? -ECONNRESET : -errno;
			if ((rc = wait_fd(rpc->fd, POLLOUT, deadline)))
				return rc;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_request(struct hp_jsonrpc *rpc, long long id, const char *method,
			const char *params, size_t len, long long deadline)
{
	char head[96];
	int n, rc;

	n = snprintf(head, sizeof(head), "{\"id\":%lld,\"method\":\"%s\",\"params\":", id, method);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	if ((rc = send_all(rpc, head, (size_t)n, deadline)) ||
	    (rc = send_all(rpc, params, len, deadline)))
		return rc;
	return send_all(rpc, "}", 1, deadline);
}

/* The server's echo request (its inactivity probe): the same params back. */
static int answer_echo(struct hp_jsonrpc *rpc, yajl_val msg, long long deadline)
{
	struct hp_json j = { 0 };
	int rc;

	hp_json_add(&j, "{'id':");
	hp_json_add_value(&j, hp_json_get(msg, "id"));
	hp_json_add(&j, ",'result':");
	hp_json_add_value(&j, hp_json_get(msg, "params"));
	hp_json_add(&j, ",'error':null}");
	rc = j.err ? j.err : send_all(rpc, j.p, j.len, deadline);
	hp_json_free(&j);
	return rc;
}

/* Reads until one whole message is buffered; its length. */
static long next_message(struct hp_jsonrpc *rpc, long long deadline)
{
	long n;
	ssize_t r;
	int rc;

	for (;;) {
		n = hp_jsonrpc_frame(&rpc->fr, rpc->buf, rpc->len);
		if (n)
			return n;
		if (rpc->len >= HP_JSONRPC_MAX_MSG)
			return -EMSGSIZE;
		if (rpc->cap - rpc->len < 4097) {
			size_t cap = rpc->cap ? rpc->cap * 2 : 16384;
			char *b = realloc(rpc->buf, cap);

			if (!b)
				return -ENOMEM;
			rpc->buf = b;
			rpc->cap = cap;
		}
		r = recv(rpc->fd, rpc->buf + rpc->len, rpc->cap - rpc->len - 1, 0);
		if (r > 0) {
			rpc->len += (size_t)r;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if ((rc = wait_fd(rpc->fd, POLLIN, deadline)))
			return rc;
	}
}

/* Drops the first n bytes of the buffer (one message). */
static void consume(struct hp_jsonrpc *rpc, size_t n)
{
	memmove(rpc->buf, rpc->buf + n, rpc->len - n);
	rpc->len -= n;
	memset(&rpc->fr, 0, sizeof(rpc->fr));
}

int hp_jsonrpc_call(struct hp_jsonrpc *rpc, const char *method, const char *params, size_t len,
		    unsigned int timeout_ms, yajl_val *reply)
{
	long long deadline = now_ms() + timeout_ms, id = rpc->next_id++;
	char errbuf[128], save;
	yajl_val msg, v;
	long n;
	int rc;

	if ((rc = send_request(rpc, id, method, params, len, deadline)))
		return rc;
	for (;;) {
		if ((n = next_message(rpc, deadline)) < 0)
			return (int)n;
		save = rpc->buf[n];
		rpc->buf[n] = '\0';
		msg = yajl_tree_parse(rpc->buf, errbuf, sizeof(errbuf));
		rpc->buf[n] = save;
		consume(rpc, (size_t)n);
		if (!msg || !YAJL_IS_OBJECT(msg)) {
			hp_dbg("ovsdb: unparsable message: %s", msg ? "not an object" : errbuf);
			yajl_tree_free(msg);
			return -EPROTO;
		}
		v = hp_json_get(msg, "method");
		if (v) {
			/* a request or notification from the server */
			rc = hp_json_is(v, "echo") ? answer_echo(rpc, msg, deadline) : 0;
			yajl_tree_free(msg);
			if (rc)
				return rc;
			continue;
		}
		v = hp_json_get(msg, "id");
		if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == id) {
			*reply = msg;
			return 0;
		}
		/* a late answer to an earlier call that timed out */
		yajl_tree_free(msg);
	}
}
