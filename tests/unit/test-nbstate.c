/* Unit tests for common/nb/nbstate.c (network-bridge's state file) and
 * common/nb/mounts.c (the network root refusal): the text `stop` trusts to
 * give a host back, and the table `start` reads before touching it. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/mounts.h"
#include "hp/nbstate.h"
#include "check.h"

/* An RTM_NEWADDR of 192.0.2.1/24 labelled label ("" for none), or with
 * bad set a truncated attribute. */
static size_t addr_msg(unsigned char *buf, const char *label, int bad)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *a;
	size_t len = NLMSG_LENGTH(sizeof(*ifa));

	memset(buf, 0, 256);
	h->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = 2;
	a = (struct rtattr *)(buf + NLMSG_ALIGN(len));
	a->rta_type = IFA_LOCAL;
	a->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(a), "\xc0\x00\x02\x01", 4);
	len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
	if (*label) {
		a = (struct rtattr *)(buf + len);
		a->rta_type = IFA_LABEL;
		a->rta_len = RTA_LENGTH(strlen(label) + 1);
		memcpy(RTA_DATA(a), label, strlen(label) + 1);
		len += RTA_ALIGN(a->rta_len);
	}
	if (bad)
		a->rta_len += 8;
	h->nlmsg_len = (unsigned int)len;
	return len;
}

static int read_text(const char *text, struct hp_nbstate *st, unsigned int *line)
{
	FILE *f = fmemopen((void *)(size_t)text, strlen(text), "r");
	int rc = hp_nbstate_read(f, st, line);

	fclose(f);
	return rc;
}

static const char good[] = "# a comment\n"
			   "version=1\nnetdev=eth0\nport=peth0\nbridge=eth0\ntmp=xhpbr2\n"
			   "nic_ifindex=2\nnic_up=1\nnic_mtu=1500\n"
			   "nic_mac=52:54:00:12:34:56\nantispoof=0\n";

static void test_round_trip(void)
{
	struct hp_nbstate st, again;
	unsigned char msg[256];
	char *text = NULL;
	size_t len, tlen;
	unsigned int line;
	FILE *f;

	CHECK(read_text(good, &st, &line) == 0);
	CHECK(!strcmp(st.netdev, "eth0") && !strcmp(st.port, "peth0") &&
	      !strcmp(st.tmp, "xhpbr2") && st.nic_ifindex == 2 && st.nic_up == 1 &&
	      st.nic_mtu == 1500 && st.nic_mac[5] == 0x56 && st.antispoof == 0);
	len = addr_msg(msg, "eth0:1", 0);
	CHECK(hp_nm_snap_add(&st.snap, 0, msg, len) == 0);
	CHECK(st.snap.naddrs == 1);
	f = open_memstream(&text, &tlen);
	CHECK(hp_nbstate_write(f, &st) == 0);
	fclose(f);
	/* exactly the text a version-1 start writes: old files stay readable */
	CHECK(!strncmp(text, "# network-bridge state (xen-hotplug-ng)", 39));
	CHECK(strstr(text, good + strlen("# a comment\n")) != NULL);
	CHECK(strstr(text, "\naddr 2c000000140000000000000000000000" /* nlmsghdr */
			   "0218000002000000" /* AF_INET /24 ifindex 2 */
			   "08000200c0000201" /* IFA_LOCAL 192.0.2.1 */
			   "0b000300657468303a310000\n") != NULL); /* IFA_LABEL eth0:1 */
	CHECK(read_text(text, &again, &line) == 0);
	CHECK(again.snap.naddrs == 1 && again.snap.addrs[0].len == len &&
	      !memcmp(again.snap.addrs[0].data, msg, len));
	free(text);
	hp_nbstate_free(&st);
	hp_nbstate_free(&again);
}

/* text with one more line: rejected at that line */
static void bad_line(const char *extra, unsigned int expect)
{
	struct hp_nbstate st;
	unsigned int line;
	char text[1024];

	snprintf(text, sizeof(text), "%s%s\n", good, extra);
	CHECK(read_text(text, &st, &line) == -EINVAL);
	CHECK(line == expect);
	if (line != expect)
		fprintf(stderr, "  for '%s': line %u\n", extra, line);
	hp_nbstate_free(&st);
}

static void test_rejected(void)
{
	struct hp_nbstate st;
	unsigned char msg[256];
	unsigned int line;
	size_t len;

	bad_line("version=2", 12);
	bad_line("netdev=a/b", 12);
	bad_line("port=abcdefghijklmnop", 12);
	bad_line("nic_mac=01:00:5e:00:00:01x", 12);
	bad_line("nic_mtu=-1", 12);
	bad_line("colour=blue", 12);
	bad_line("no equals sign", 12);
	bad_line("addr 2c00", 12); /* shorter than its headers */
	bad_line("addr 2c0", 12); /* odd */
	bad_line("addr 2C00", 12); /* upper case is not what we write */
	bad_line("route 2c000000140000000000000000000000021802000200000008000200c0000201", 12);
	/* a message whose length is not its own, one with an attribute
	 * running past the end, a label that is not a C string */
	memset(&st, 0, sizeof(st));
	len = addr_msg(msg, "", 0);
	msg[0]++;
	CHECK(hp_nm_snap_add(&st.snap, 0, msg, len) == -EINVAL);
	len = addr_msg(msg, "eth0", 1);
	CHECK(hp_nm_snap_add(&st.snap, 0, msg, len) == -EINVAL);
	len = addr_msg(msg, "eth0", 0);
	msg[len - 4] = 'x'; /* "eth0\0" -> "ethx..." without its NUL */
	msg[len - 3] = msg[len - 2] = msg[len - 1] = 'x';
	CHECK(hp_nm_snap_add(&st.snap, 0, msg, len) == -EINVAL);
	CHECK(hp_nm_snap_add(&st.snap, 1, msg, len) == -EINVAL); /* not a route */
	CHECK(st.snap.naddrs == 0 && st.snap.nroutes == 0);
	/* an item missing: line 0 */
	CHECK(read_text("version=1\nnetdev=eth0\nport=peth0\nbridge=eth0\nnic_ifindex=2\n", &st,
			&line) == -EINVAL);
	CHECK(line == 0);
	hp_nbstate_free(&st);
	CHECK(read_text("netdev=eth0\nport=peth0\nbridge=eth0\ntmp=x\nnic_ifindex=0\n", &st,
			&line) == -EINVAL);
	hp_nbstate_free(&st);
	/* a NUL inside a line */
	{
		FILE *f = fmemopen((void *)(size_t) "netdev=eth0\0junk\n", 17, "r");

		CHECK(hp_nbstate_read(f, &st, &line) == -EINVAL && line == 1);
		fclose(f);
		hp_nbstate_free(&st);
	}
}

static int root_netfs(const char *table, char *desc)
{
	FILE *f = fmemopen((void *)(size_t)table, strlen(table), "r");
	int r;

	desc[0] = '\0';
	r = hp_mounts_root_netfs_in(f, desc, 128);
	fclose(f);
	return r;
}

static void test_mounts(void)
{
	char d[128];

	CHECK(root_netfs("/dev/vda1 / ext4 rw 0 0\n", d) == 0);
	CHECK(root_netfs("sysfs /sys sysfs rw 0 0\n192.0.2.2:/r / nfs4 rw,vers=4.2 0 0\n", d) == 1);
	CHECK(!strcmp(d, "nfs4 from 192.0.2.2:/r"));
	CHECK(root_netfs("//srv/r / cifs rw 0 0\n", d) == 1);
	CHECK(root_netfs("/dev/sda / ext4 rw,_netdev 0 0\n", d) == 1); /* iSCSI marked by hand */
	/* the last mount on / is the one in use */
	CHECK(root_netfs("srv:/r / nfs rw 0 0\noverlay / overlay rw 0 0\n", d) == 0);
	CHECK(root_netfs("/dev/vda1 / ext4 rw 0 0\nsrv:/r / nfs rw 0 0\n", d) == 1);
	/* other mount points do not count, nor broken lines */
	CHECK(root_netfs("srv:/home /home nfs rw 0 0\nsrv:/r /\n", d) == 0);
	CHECK(root_netfs("", d) == 0);
}

int main(void)
{
	test_round_trip();
	test_rejected();
	test_mounts();
	printf("test-nbstate: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
