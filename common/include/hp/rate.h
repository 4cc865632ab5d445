/* The vif's `rate` backend key as a token bucket.  Pure: no I/O.
 *
 * libxl writes `rate` = "<bytes>,<usecs>" (libxl_nic.c: bytes per
 * interval as PRIu64, the interval in microseconds as PRIu32, 50000 unless
 * xl's `rate=...@<interval>` said otherwise; only when the interval is not
 * 0).  Netback (drivers/net/xen-netback/xenbus.c, xen_net_read_rate, and
 * netback.c, tx_add_credit) gives the guest <bytes> of credit every
 * <usecs>, and lets unused credit build up to max(<bytes>, 128 KiB): a
 * token bucket of rate <bytes>/<usecs> whose size is that maximum.  The
 * same key gives the same bucket here, for tbf. */
#ifndef HP_RATE_H
#define HP_RATE_H

#include <stdint.h>

/* What tbf takes through libnl (int rate and bucket, in bytes, and a
 * buffer of at most 2^32 scheduler ticks of 64 ns, 274 s). */
#define HP_RATE_MAX 2147483647UL /* bytes/s, 17 Gbit/s */
#define HP_RATE_MIN 656UL /* bytes/s: the 128 KiB bucket in 200 s */
#define HP_RATE_BUCKET_MIN 131072UL /* netback's floor: a 128 KiB burst */
#define HP_RATE_BUCKET_SECS 200UL /* the longest bucket, in seconds of rate */
#define HP_RATE_LATENCY_MS 50UL /* queue beyond the bucket, in time at the rate */

struct hp_rate {
	uint64_t bytes; /* per interval, as written */
	uint32_t usecs; /* the interval */
	uint32_t rate; /* bytes per second */
	uint32_t bucket; /* bytes */
	uint32_t limit; /* tbf's queue, bytes: the bucket and 50 ms at the rate */
	int clamped; /* the key asked for more than HP_RATE_MAX */
};

/* "<bytes>,<usecs>": decimal digits only (netback's parse, without its
 * silent fallback to no limit), bytes at most 2^64-1 and not 0, usecs
 * from 1 to 2^32-1.  -EINVAL for anything else, and -ERANGE for a rate
 * below HP_RATE_MIN; a rate above HP_RATE_MAX is limited to it (clamped
 * set).  r is filled only on success. */
int hp_parse_rate(const char *s, struct hp_rate *r);

#endif
