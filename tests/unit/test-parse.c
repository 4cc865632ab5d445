/* Unit tests for common/base/parse.c and common/base/params.c: every value a tool
 * takes from xenstore, argv or the environment passes through these. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/params.h"
#include "hp/parse.h"
#include "check.h"

static void test_ifname(void)
{
	CHECK(hp_parse_ifname("vif3.0") == 0);
	CHECK(hp_parse_ifname("vif32767.65535") == 0); /* 15 bytes */
	CHECK(hp_parse_ifname("a") == 0);
	CHECK(hp_parse_ifname("guest-web-emu") == 0);
	CHECK(hp_parse_ifname("") == -EINVAL);
	CHECK(hp_parse_ifname(NULL) == -EINVAL);
	CHECK(hp_parse_ifname("abcdefghijklmnop") == -EINVAL); /* 16 */
	CHECK(hp_parse_ifname("a/b") == -EINVAL);
	CHECK(hp_parse_ifname("a:b") == -EINVAL);
	CHECK(hp_parse_ifname("a b") == -EINVAL);
	CHECK(hp_parse_ifname("a\tb") == -EINVAL);
	CHECK(hp_parse_ifname("a\nb") == -EINVAL);
	CHECK(hp_parse_ifname(".") == -EINVAL);
	CHECK(hp_parse_ifname("..") == -EINVAL);
	CHECK(hp_parse_ifname("caf\xc3\xa9") == -EINVAL);
}

static void test_bool(void)
{
	int b = -1;

	CHECK(hp_parse_bool("yes", &b) == 0 && b == 1);
	CHECK(hp_parse_bool("true", &b) == 0 && b == 1);
	CHECK(hp_parse_bool("1", &b) == 0 && b == 1);
	CHECK(hp_parse_bool("no", &b) == 0 && b == 0);
	CHECK(hp_parse_bool("false", &b) == 0 && b == 0);
	CHECK(hp_parse_bool("0", &b) == 0 && b == 0);
	b = 7;
	CHECK(hp_parse_bool("maybe", &b) == -EINVAL && b == 7);
	CHECK(hp_parse_bool("", &b) == -EINVAL);
	CHECK(hp_parse_bool("Yes", &b) == -EINVAL);
}

static void test_mac(void)
{
	unsigned char m[6];

	CHECK(hp_parse_mac("00:16:3e:0a:Bc:ff", m, 1) == 0);
	CHECK(m[0] == 0x00 && m[2] == 0x3e && m[4] == 0xbc && m[5] == 0xff);
	CHECK(hp_parse_mac("01:00:5e:00:00:01", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("01:00:5e:00:00:01", m, 0) == 0);
	CHECK(hp_parse_mac("ff:ff:ff:ff:ff:ff", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("zz:16:3e:00:00:01", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("00:16:3e:00:00", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("00:16:3e:00:00:011", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("00-16-3e-00-00-01", m, 1) == -EINVAL);
	CHECK(hp_parse_mac("", m, 1) == -EINVAL);
	CHECK(hp_parse_mac(NULL, m, 1) == -EINVAL);
}

static void test_mtu(void)
{
	unsigned int mtu = 0;
	unsigned long v;

	CHECK(hp_parse_mtu("1500", &mtu) == 0 && mtu == 1500);
	CHECK(hp_parse_mtu("68", &mtu) == 0 && mtu == 68);
	CHECK(hp_parse_mtu("65535", &mtu) == 0 && mtu == 65535);
	CHECK(hp_parse_mtu("67", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("0", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("65536", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("70000", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("abc", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("1500 ", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("+1500", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("-1", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("", &mtu) == -EINVAL);
	CHECK(hp_parse_mtu("99999999999999999999", &mtu) == -EINVAL);
	CHECK(hp_parse_uint("4294967295", 0xffffffffUL, &v) == 0 && v == 0xffffffffUL);
	CHECK(hp_parse_uint("4294967296", 0xffffffffUL, &v) == -EINVAL);
	/* the limits of unsigned long itself, 32 bits on armhf and i386:
	 * what does not fit is refused, never wrapped */
	CHECK(hp_parse_uint("4294967295", ULONG_MAX, &v) == 0 && v == 4294967295UL);
	CHECK(hp_parse_uint("4294967296", ULONG_MAX, &v) ==
	      (ULONG_MAX == 0xffffffffUL ? -EINVAL : 0));
	CHECK(hp_parse_uint("9999999999", ULONG_MAX, &v) ==
	      (ULONG_MAX == 0xffffffffUL ? -EINVAL : 0));
	CHECK(hp_parse_uint("99999999999", ULONG_MAX, &v) == -EINVAL);
	CHECK(hp_parse_uint("0", 0, &v) == 0 && v == 0);
	CHECK(hp_parse_uint("1", 0, &v) == -EINVAL);
	CHECK(hp_parse_mtu("4294967364", &mtu) == -EINVAL); /* 68 + 2^32 */
}

static void test_prefix(void)
{
	struct hp_prefix p;
	char buf[64];

	CHECK(hp_parse_prefix("10.0.0.1", &p) == 0 && p.family == AF_INET && p.len == 32);
	hp_prefix_format(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.0.0.1/32"));
	CHECK(hp_parse_prefix("192.168.1.0/24", &p) == 0 && p.len == 24 && p.addr[2] == 1);
	CHECK(hp_parse_prefix("10.0.0.0/0", &p) == 0 && p.len == 0);
	CHECK(hp_parse_prefix("fd00::3", &p) == 0 && p.family == AF_INET6 && p.len == 128);
	CHECK(hp_parse_prefix("2001:db8::/32", &p) == 0 && p.len == 32);
	hp_prefix_format(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2001:db8::/32"));
	CHECK(hp_parse_prefix("10.0.0.300", &p) == -EINVAL);
	CHECK(hp_parse_prefix("10.0.0.1/33", &p) == -EINVAL);
	CHECK(hp_parse_prefix("10.0.0.1/", &p) == -EINVAL);
	CHECK(hp_parse_prefix("10.0.0.1/a", &p) == -EINVAL);
	CHECK(hp_parse_prefix("10.0.0", &p) == -EINVAL);
	CHECK(hp_parse_prefix("fd00::zz", &p) == -EINVAL);
	CHECK(hp_parse_prefix("fd00::/129", &p) == -EINVAL);
	CHECK(hp_parse_prefix("/24", &p) == -EINVAL);
	CHECK(hp_parse_prefix("", &p) == -EINVAL);
	CHECK(hp_parse_prefix("host.example", &p) == -EINVAL);
}

static void test_ip_list(void)
{
	struct hp_prefix *v;
	size_t n;

	CHECK(hp_parse_ip_list("", &v, &n) == 0 && n == 0 && v == NULL);
	CHECK(hp_parse_ip_list(NULL, &v, &n) == 0 && n == 0);
	CHECK(hp_parse_ip_list("   ", &v, &n) == 0 && n == 0);
	CHECK(hp_parse_ip_list("10.0.0.1", &v, &n) == 0 && n == 1);
	free(v);
	CHECK(hp_parse_ip_list(" 10.0.0.1  10.0.1.0/24\tfd00::1/64,\n2001:db8::5 ", &v, &n) == 0 &&
	      n == 4);
	CHECK(n == 4 && v[1].len == 24 && v[2].family == AF_INET6 && v[2].len == 64 &&
	      v[3].len == 128);
	free(v);
	CHECK(hp_parse_ip_list("10.0.0.1 10.0.0.300", &v, &n) == -EINVAL && v == NULL);
	CHECK(hp_parse_ip_list("10.0.0.1 fd00::zz", &v, &n) == -EINVAL);
	CHECK(hp_parse_ip_list("10.0.0.1;reboot", &v, &n) == -EINVAL);
	CHECK(hp_parse_ip_list("$(reboot)", &v, &n) == -EINVAL);
	{
		char big[65 * 12 + 1] = "";
		int i;

		for (i = 0; i < 65; i++)
			strcat(big, "10.0.0.1 ");
		CHECK(hp_parse_ip_list(big, &v, &n) == -EINVAL);
		big[64 * 9] = '\0';
		CHECK(hp_parse_ip_list(big, &v, &n) == 0 && n == 64);
		free(v);
	}
}

static void test_paths(void)
{
	unsigned int d = 99, i = 99;

	CHECK(hp_parse_backend_path("backend/vif/3/0", &d, &i) == 0 && d == 3 && i == 0);
	CHECK(hp_parse_backend_path("/local/domain/0/backend/vif/300/2", &d, &i) == 0 && d == 300 &&
	      i == 2);
	CHECK(hp_parse_backend_path("/local/domain/5/backend/vif/7/1", &d, &i) == 0 && d == 7);
	CHECK(hp_parse_backend_path("backend/vbd/3/0", &d, &i) == -EINVAL);
	CHECK(hp_parse_backend_path("backend/vif/3", &d, &i) == -EINVAL);
	CHECK(hp_parse_backend_path("backend/vif/3/x", &d, &i) == -EINVAL);
	CHECK(hp_parse_backend_path("backend/vif/99999/0", &d, &i) == -EINVAL);
	CHECK(hp_parse_backend_path("/local/domain/x/backend/vif/3/0", &d, &i) == -EINVAL);
	CHECK(hp_parse_vif_name("vif3.0", &d, &i) == 0 && d == 3 && i == 0);
	CHECK(hp_parse_vif_name("vif12.3-emu", &d, &i) == 0 && d == 12 && i == 3);
	CHECK(hp_parse_vif_name("vif12-emu", &d, &i) == -EINVAL);
	CHECK(hp_parse_vif_name("myguest", &d, &i) == -EINVAL);
	CHECK(hp_parse_vif_name("vif.1", &d, &i) == -EINVAL);
	CHECK(hp_parse_vif_name("vif1.", &d, &i) == -EINVAL);
}

static void test_contains(void)
{
	struct hp_prefix net, p;

	CHECK(!hp_parse_prefix("10.0.0.0/8", &net) && !hp_parse_prefix("10.1.2.3", &p));
	CHECK(hp_prefix_contains(&net, &p) == 1);
	CHECK(hp_prefix_contains(&p, &net) == 0); /* longer never holds shorter */
	CHECK(!hp_parse_prefix("11.0.0.1", &p) && hp_prefix_contains(&net, &p) == 0);
	CHECK(!hp_parse_prefix("0.0.0.0/1", &net) && !hp_parse_prefix("127.255.255.255", &p));
	CHECK(hp_prefix_contains(&net, &p) == 1);
	CHECK(!hp_parse_prefix("128.0.0.0", &p) && hp_prefix_contains(&net, &p) == 0);
	CHECK(!hp_parse_prefix("0.0.0.0/0", &net) && hp_prefix_contains(&net, &p) == 1);
	CHECK(!hp_parse_prefix("192.0.2.8/29", &net) && !hp_parse_prefix("192.0.2.15", &p));
	CHECK(hp_prefix_contains(&net, &p) == 1);
	CHECK(!hp_parse_prefix("192.0.2.16", &p) && hp_prefix_contains(&net, &p) == 0);
	CHECK(!hp_parse_prefix("2001:db8::/33", &net) && !hp_parse_prefix("2001:db8:7fff::1", &p));
	CHECK(hp_prefix_contains(&net, &p) == 1);
	CHECK(!hp_parse_prefix("2001:db8:8000::1", &p) && hp_prefix_contains(&net, &p) == 0);
	CHECK(!hp_parse_prefix("::ffff:10.1.2.3", &p));
	CHECK(!hp_parse_prefix("10.0.0.0/8", &net) && hp_prefix_contains(&net, &p) == 0);
}

static void test_params(void)
{
	char *argv[] = { "vif-bridge", "bridge=br1", "online", "type_if=vif",
			 "bridge=br2", "offline",    NULL };
	char *bad1[] = { "x", "online", "1a=b", NULL };
	char *bad2[] = { "x", "online", "=b", NULL };
	char *bad3[] = { "x", "online", "a b=c", NULL };
	char *help[] = { "x", "--help", NULL };
	struct hp_params p;

	setenv("ip", "10.1.1.1", 1);
	setenv("bridge", "envbr", 1);
	CHECK(hp_params_parse(&p, 6, argv) == 0);
	CHECK(p.command && !strcmp(p.command, "online"));
	CHECK(!strcmp(hp_param_str(&p, "bridge"), "br2")); /* last wins over env */
	CHECK(!strcmp(hp_param_str(&p, "type_if"), "vif"));
	CHECK(!strcmp(hp_param_str(&p, "ip"), "10.1.1.1")); /* from env */
	CHECK(hp_param(&p, "nonexistent_key") == NULL);
	CHECK(!strcmp(hp_param_str(&p, "nonexistent_key"), ""));
	CHECK(hp_param(&p, "bridg") == NULL || strcmp(hp_param(&p, "bridg"), "br2"));
	CHECK(hp_params_parse(&p, 3, bad1) == -EINVAL);
	CHECK(hp_params_parse(&p, 3, bad2) == -EINVAL);
	CHECK(hp_params_parse(&p, 3, bad3) == -EINVAL);
	CHECK(hp_params_parse(&p, 2, help) == 0 && !strcmp(p.command, "--help"));
	{
		/* what would make the hook shell run code or change meaning */
		char *shellish[] = { "BASH_ENV=/tmp/x",
				     "ENV=/tmp/x",
				     "SHELLOPTS=xtrace",
				     "BASHOPTS=extdebug",
				     "PS4=$(id)",
				     "IFS=/",
				     "LD_PRELOAD=/tmp/x.so",
				     "LD_LIBRARY_PATH=/tmp",
				     "BASH_FUNC_x%%=() { id; }",
				     "PROMPT_COMMAND=id",
				     "GLOBIGNORE=*",
				     "CDPATH=/tmp" };
		char *av[] = { "x", "online", NULL, NULL };
		size_t i;

		for (i = 0; i < sizeof(shellish) / sizeof(shellish[0]); i++) {
			int rc;

			av[2] = shellish[i];
			rc = hp_params_parse(&p, 3, av);
			CHECK(rc == -EPERM || rc == -EINVAL);
			CHECK(rc != -EPERM || p.refused == av[2]);
		}
		av[2] = "BASH_ENV=/tmp/x";
		CHECK(hp_params_parse(&p, 3, av) == -EPERM);
		/* ordinary names, some close to those: upstream's behaviour */
		av[2] = "bridge=xenbr0";
		CHECK(hp_params_parse(&p, 3, av) == 0);
		av[2] = "ENVIRONMENT=x";
		CHECK(hp_params_parse(&p, 3, av) == 0);
		av[2] = "PATH=/usr/bin";
		CHECK(hp_params_parse(&p, 3, av) == 0);
		av[2] = "netdev=eth0";
		CHECK(hp_params_parse(&p, 3, av) == 0);
	}
	CHECK(hp_parse_param_name("XENBUS_PATH", 11) == 0);
	CHECK(hp_parse_param_name("_x1", 3) == 0);
	CHECK(hp_parse_param_name("1x", 2) == -EINVAL);
	CHECK(hp_parse_param_name("a-b", 3) == -EINVAL);
}

int main(void)
{
	test_ifname();
	test_bool();
	test_mac();
	test_mtu();
	test_prefix();
	test_ip_list();
	test_paths();
	test_params();
	test_contains();
	printf("test-parse: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
