/* Unit tests for the OVSDB client's lower layers: JSON written from
 * templates (common/ovs/json.c), JSON-RPC framing and calls over a unix
 * socket against a scripted fake server (common/ovs/jsonrpc.c), the socket
 * path's configuration (common/ovs/ovsdb.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "jsonrpc.h"
#include "hp/ovsdb.h"
#include "check.h"

static int wrote(const char *want, const char *tmpl, ...)
{
	struct hp_json j = { 0 };
	va_list ap;
	int ok;

	va_start(ap, tmpl);
	hp_json_vadd(&j, tmpl, ap);
	va_end(ap);
	ok = !j.err && j.p && !strcmp(j.p, want);
	if (!ok)
		fprintf(stderr, "  wrote '%s' (err %d), want '%s'\n", j.p ? j.p : "", j.err, want);
	hp_json_free(&j);
	return ok;
}

/* A string written and parsed back by yajl is the same string. */
static int roundtrip(const char *s)
{
	struct hp_json j = { 0 };
	char err[64];
	yajl_val v;
	int ok;

	hp_json_add(&j, "[%s]", s);
	v = j.err ? NULL : yajl_tree_parse(j.p, err, sizeof(err));
	ok = v && hp_json_is(hp_json_at(v, 0), s);
	if (!ok)
		fprintf(stderr, "  roundtrip of '%s' failed: '%s'\n", s, j.p ? j.p : "");
	yajl_tree_free(v);
	hp_json_free(&j);
	return ok;
}

static void test_writer(void)
{
	struct hp_json j = { 0 };

	CHECK(wrote("{\"op\":\"select\",\"where\":[[\"name\",\"==\",\"vif1.0\"]]}",
		    "{'op':'select','where':[['name','==',%s]]}", "vif1.0"));
	CHECK(wrote("[1,4294967295,-9223372036854775807,7]", "[%d,%u,%lld,%d]", 1, 4294967295u,
		    -9223372036854775807LL, 7));
	CHECK(wrote("\"a\\\"b\\\\c\\u000a\\u0001\\u001f\"", "%s", "a\"b\\c\n\x01\x1f"));
	CHECK(wrote("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\"", "%s",
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7"));
	CHECK(wrote("100%x %", "100%x %")); /* nothing else is special */
	CHECK(roundtrip("plain"));
	CHECK(roundtrip("quote\" backslash\\ tab\t del\x7f"));
	CHECK(roundtrip("\x01\x02\x1e\x1f"));
	CHECK(roundtrip("guest's name: \xe6\x97\xa5\xe6\x9c\xac"));
	/* invalid UTF-8 is refused, and the error sticks */
	hp_json_add(&j, "[%s,", "ok");
	hp_json_add(&j, "%s", "bad\xff");
	hp_json_add(&j, "%s]", "later");
	CHECK(j.err == -EINVAL);
	hp_json_free(&j);
	CHECK(j.p == NULL && j.len == 0 && j.err == 0);
}

static void test_utf8(void)
{
	CHECK(hp_json_utf8_check("", 0) == 0);
	CHECK(hp_json_utf8_check("\xc3\xa9", 2) == 0);
	CHECK(hp_json_utf8_check("\xf4\x8f\xbf\xbf", 4) == 0); /* U+10FFFF */
	CHECK(hp_json_utf8_check("\xc3", 1) == -EINVAL); /* cut short */
	CHECK(hp_json_utf8_check("\xc0\xaf", 2) == -EINVAL); /* overlong '/' */
	CHECK(hp_json_utf8_check("\xe0\x80\xaf", 3) == -EINVAL);
	CHECK(hp_json_utf8_check("\xed\xa0\x80", 3) == -EINVAL); /* a surrogate */
	CHECK(hp_json_utf8_check("\xf4\x90\x80\x80", 4) == -EINVAL); /* past U+10FFFF */
	CHECK(hp_json_utf8_check("\x80", 1) == -EINVAL);
	CHECK(hp_json_utf8_check("\xfe", 1) == -EINVAL);
	CHECK(hp_json_utf8_check("a\xc3\xa9z", 4) == 0);
	CHECK(hp_ovs_value_check("guest-1") == 0 && hp_ovs_value_check("x\xff") == -EINVAL);
}

/* The whole of s framed at once, and byte by byte, gives the same end. */
static long frame_all(const char *s)
{
	struct hp_jsonrpc_frame st = { 0 }, st2 = { 0 };
	size_t i, n = strlen(s);
	long a, b = 0;

	a = hp_jsonrpc_frame(&st, s, n);
	for (i = 1; i <= n && b == 0; i++)
		b = hp_jsonrpc_frame(&st2, s, i);
	if (a != b)
		fprintf(stderr, "  '%s': at once %ld, byte by byte %ld\n", s, a, b);
	return a == b ? a : -999;
}

static void test_frame(void)
{
	CHECK(frame_all("{}") == 2);
	CHECK(frame_all("  \n{\"a\":1}{\"b\":2}") == 10);
	CHECK(frame_all("{\"s\":\"}{][\"}x") == 12); /* braces in a string */
	CHECK(frame_all("{\"s\":\"\\\"}\"}") == 11); /* an escaped quote */
	CHECK(frame_all("{\"s\":\"\\\\\"}") == 10); /* an escaped backslash */
	CHECK(frame_all("{\"a\":[1,{\"b\":[]}]}") == 18);
	CHECK(frame_all("{\"a\":") == 0);
	CHECK(frame_all("") == 0);
	CHECK(frame_all("[1]") == -EPROTO);
	CHECK(frame_all("x{}") == -EPROTO);
	{
		char deep[200];

		memset(deep, '[', sizeof(deep));
		deep[0] = '{';
		deep[sizeof(deep) - 1] = '\0';
		CHECK(frame_all(deep) == -EPROTO);
	}
}

/* ------------------------------------------------------------ a fake server */

static char sock_path[108];

/* The server's side of one scenario, in a child: reads what the client
 * sends until want appears after what was matched before (the text from
 * there into *got), writes the scripted lines, each its own write. */
static char srv_buf[8192];
static size_t srv_len, srv_pos;

static int srv_read(int fd, const char *want, const char **got)
{
	ssize_t n;
	char *m;

	for (;;) {
		srv_buf[srv_len] = '\0';
		if ((m = strstr(srv_buf + srv_pos, want))) {
			*got = srv_buf + srv_pos;
			srv_pos = (size_t)(m - srv_buf) + strlen(want);
			return 0;
		}
		if (srv_len + 1 >= sizeof(srv_buf))
			return -1;
		n = read(fd, srv_buf + srv_len, sizeof(srv_buf) - srv_len - 1);
		if (n <= 0)
			return -1;
		srv_len += (size_t)n;
	}
}

static void srv_write(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(3);
	usleep(20000); /* separate reads on the client's side */
}

static void server(int lfd, int scenario)
{
	const char *got;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		_exit(2);
	switch (scenario) {
	case 0: /* an echo request first, the reply in pieces */
		if (srv_read(fd, "\"params\":[\"Open_vSwitch\"]}", &got))
			_exit(4);
		if (strncmp(got, "{\"id\":1,\"method\":\"transact\",", 28))
			_exit(5);
		srv_write(
			fd,
			"{\"method\":\"echo\",\"params\":[\"x\",{\"y\":[1,2.5,true,null]}],\"id\":\"echo\"}");
		srv_write(fd, "{\"id\":99,\"result\":\"stale\",\"error\":null}\n");
		srv_write(fd, "{\"method\":\"update\",\"params\":[null,{}],\"id\":null}");
		srv_write(fd, "{\"id\":1,\"res");
		srv_write(fd, "ult\":[{\"rows\":[]}],\"error\":null}");
		/* the echo reply came back */
		if (srv_read(fd,
			     "{\"id\":\"echo\",\"result\":[\"x\",{\"y\":[1,2.5,true,null]}],"
			     "\"error\":null}",
			     &got))
			_exit(6);
		/* a second call: id 2 */
		if (srv_read(fd, "{\"id\":2,", &got))
			_exit(8);
		srv_write(fd, "{\"id\":2,\"result\":null,\"error\":\"unknown method\"}");
		break;
	case 1: /* never answers */
		srv_read(fd, "transact", &got);
		sleep(3);
		break;
	case 2: /* closes */
		srv_read(fd, "transact", &got);
		break;
	case 3: /* junk */
		srv_read(fd, "transact", &got);
		srv_write(fd, "[\"not an object\"]");
		sleep(1);
		break;
	}
	close(fd);
	_exit(0);
}

static pid_t start_server(int scenario)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		return -1;
	pid = fork();
	if (pid == 0)
		server(lfd, scenario);
	close(lfd);
	return pid;
}

/* The server's exit status; stop: it need not finish its script. */
static int server_status(pid_t pid, int stop)
{
	int st = -1;

	if (stop)
		kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static void test_rpc(void)
{
	const char params[] = "[\"Open_vSwitch\"]";
	struct hp_jsonrpc *rpc;
	yajl_val reply = NULL;
	pid_t pid;
	int rc;

	snprintf(sock_path, sizeof(sock_path), "/tmp/hp-test-json.%d.sock", (int)getpid());
	CHECK(hp_jsonrpc_open(&rpc, "/tmp/hp-test-json-none.sock", 500) == -ENOENT);

	pid = start_server(0);
	CHECK(pid > 0);
	CHECK(hp_jsonrpc_open(&rpc, sock_path, 1000) == 0);
	CHECK(hp_jsonrpc_call(rpc, "transact", params, strlen(params), 2000, &reply) == 0);
	CHECK(hp_json_is(hp_json_get(reply, "error"), "x") == 0);
	CHECK(YAJL_IS_NULL(hp_json_get(reply, "error")));
	CHECK(hp_json_len(hp_json_get(reply, "result")) == 1);
	yajl_tree_free(reply);
	reply = NULL;
	CHECK(hp_jsonrpc_call(rpc, "transact", params, strlen(params), 2000, &reply) == 0);
	CHECK(hp_json_is(hp_json_get(reply, "error"), "unknown method"));
	yajl_tree_free(reply);
	reply = NULL;
	hp_jsonrpc_close(rpc);
	rc = server_status(pid, 0);
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "  server exit %d\n", rc);

	pid = start_server(1);
	CHECK(hp_jsonrpc_open(&rpc, sock_path, 1000) == 0);
	CHECK(hp_jsonrpc_call(rpc, "transact", params, strlen(params), 300, &reply) == -ETIMEDOUT);
	CHECK(reply == NULL); /* untouched on failure */
	hp_jsonrpc_close(rpc);
	server_status(pid, 1);

	pid = start_server(2);
	CHECK(hp_jsonrpc_open(&rpc, sock_path, 1000) == 0);
	CHECK(hp_jsonrpc_call(rpc, "transact", params, strlen(params), 2000, &reply) ==
	      -ECONNRESET);
	hp_jsonrpc_close(rpc);
	server_status(pid, 1);

	pid = start_server(3);
	CHECK(hp_jsonrpc_open(&rpc, sock_path, 1000) == 0);
	CHECK(hp_jsonrpc_call(rpc, "transact", params, strlen(params), 2000, &reply) == -EPROTO);
	hp_jsonrpc_close(rpc);
	server_status(pid, 1);

	/* a socket nobody listens on */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		unlink(sock_path);
		memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		close(fd);
		CHECK(hp_jsonrpc_open(&rpc, sock_path, 500) == -ECONNREFUSED);
	}
	unlink(sock_path);
}

static void test_socket_path(void)
{
	char buf[128], err[256];

	unsetenv("XEN_HOTPLUG_OVSDB");
	setenv("XEN_HOTPLUG_CONF", "/nonexistent/xen-hotplug.conf", 1);
	CHECK(hp_ovsdb_socket(buf, sizeof(buf), err, sizeof(err)) == 0 &&
	      !strcmp(buf, "/var/run/openvswitch/db.sock"));
	setenv("XEN_HOTPLUG_OVSDB", "unix:/run/ovs/db.sock", 1);
	CHECK(hp_ovsdb_socket(buf, sizeof(buf), err, sizeof(err)) == 0 &&
	      !strcmp(buf, "/run/ovs/db.sock"));
	setenv("XEN_HOTPLUG_OVSDB", "/x/db.sock", 1);
	CHECK(hp_ovsdb_socket(buf, sizeof(buf), err, sizeof(err)) == 0 &&
	      !strcmp(buf, "/x/db.sock"));
	setenv("XEN_HOTPLUG_OVSDB", "tcp:127.0.0.1:6640", 1);
	CHECK(hp_ovsdb_socket(buf, sizeof(buf), err, sizeof(err)) == -EINVAL &&
	      strstr(err, "invalid XEN_HOTPLUG_OVSDB 'tcp:127.0.0.1:6640'"));
	memset(err, 'a', 150);
	err[0] = '/';
	err[150] = '\0';
	setenv("XEN_HOTPLUG_OVSDB", err, 1);
	CHECK(hp_ovsdb_socket(buf, sizeof(buf), err, sizeof(err)) == -ENAMETOOLONG);
	unsetenv("XEN_HOTPLUG_OVSDB");
}

/* hp_ovs_port_same: what add-port compares before it writes anything. */
static void test_port_same(void)
{
	static struct hp_ovs_port_state st;
	static const unsigned short t10[] = { 10 }, t20[] = { 20 }, t1020[] = { 10, 20 };
	struct hp_ovs_id ids[] = { { "xen-vm-name", "g1" },
				   { "attached-mac", "00:16:3e:00:00:01" } };
	struct hp_ovs_port p = { .name = "vif1.0",
				 .bridge = "br0",
				 .tag = 20,
				 .trunks = t10,
				 .ntrunks = 1,
				 .vlan_mode = "native-untagged",
				 .ids = ids,
				 .nids = 2 };

	memset(&st, 0, sizeof(st));
	CHECK(!hp_ovs_port_same(&p, &st)); /* absent */
	st.exists = 1;
	snprintf(st.bridge, sizeof(st.bridge), "br0");
	st.tag = 20;
	st.trunks[0] = 10;
	st.ntrunks = 1;
	snprintf(st.vlan_mode, sizeof(st.vlan_mode), "native-untagged");
	snprintf(st.ids[0].key, HP_OVS_KEYSIZ, "attached-mac");
	snprintf(st.ids[0].value, HP_OVS_VALSIZ, "00:16:3e:00:00:01");
	snprintf(st.ids[1].key, HP_OVS_KEYSIZ, "xen-vm-name");
	snprintf(st.ids[1].value, HP_OVS_VALSIZ, "g1");
	snprintf(st.ids[2].key, HP_OVS_KEYSIZ, "iface-id"); /* someone else's: kept, not compared */
	snprintf(st.ids[2].value, HP_OVS_VALSIZ, "x");
	st.nids = 3;
	CHECK(hp_ovs_port_same(&p, &st));
	p.bridge = "br1";
	CHECK(!hp_ovs_port_same(&p, &st)); /* another bridge: a move */
	p.bridge = "br0";
	p.tag = 10;
	CHECK(!hp_ovs_port_same(&p, &st));
	p.tag = 20;
	p.trunks = t20;
	CHECK(!hp_ovs_port_same(&p, &st));
	p.trunks = t1020;
	p.ntrunks = 2;
	CHECK(!hp_ovs_port_same(&p, &st));
	p.trunks = t10;
	p.ntrunks = 1;
	p.vlan_mode = NULL;
	CHECK(!hp_ovs_port_same(&p, &st)); /* native-untagged in place, default wanted */
	p.vlan_mode = "native-untagged";
	ids[0].value = "g2";
	CHECK(!hp_ovs_port_same(&p, &st)); /* the guest renamed */
	ids[0] = (struct hp_ovs_id){ "xen-vm-uuid", "u" };
	CHECK(!hp_ovs_port_same(&p, &st)); /* an id the port lacks */
	p.nids = 0;
	CHECK(hp_ovs_port_same(&p, &st)); /* no ids to set */
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_writer();
	test_utf8();
	test_frame();
	test_rpc();
	test_socket_path();
	test_port_same();
	printf("test-json: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
