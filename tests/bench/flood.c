/* flood IFNAME SRCMAC SRCIP DSTMAC DSTIP SECONDS: sends 60-byte UDP frames
 * (to port 9) on IFNAME through AF_PACKET, 64 a sendmmsg(), for SECONDS,
 * then prints how many it sent.  For tests/bench/guard-pps.sh: the frames
 * cross the sender's vif, its guard and the bridge; nothing in user space
 * but this loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void mac(const char *s, unsigned char *m)
{
	sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
}

static unsigned short csum(const void *p, size_t n)
{
	const unsigned short *w = p;
	unsigned long s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

int main(int argc, char **argv)
{
	unsigned char f[60] = { 0 };
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct udphdr *udp = (struct udphdr *)(f + 34);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct mmsghdr msg[64];
	struct iovec iov = { f, sizeof(f) };
	struct timespec t0, t;
	unsigned long sent = 0;
	int fd, i, n;

	if (argc != 7)
		return 2;
	mac(argv[4], f);
	mac(argv[2], f + 6);
	f[12] = 0x08;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(46);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = inet_addr(argv[3]);
	ip->daddr = inet_addr(argv[5]);
	ip->check = csum(ip, 20);
	udp->source = htons(4000);
	udp->dest = htons(9);
	udp->len = htons(26);
	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0)
		return 1;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f, 6);
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < 64; i++) {
		msg[i].msg_hdr.msg_name = &sll;
		msg[i].msg_hdr.msg_namelen = sizeof(sll);
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if ((n = sendmmsg(fd, msg, 64, 0)) > 0)
			sent += (unsigned long)n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < atoi(argv[6]));
	printf("%lu\n", sent);
	return 0;
}
