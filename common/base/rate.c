/* The `rate` key as a token bucket (see rate.h). */
#include <errno.h>
#include <stddef.h>

#include "hp/rate.h"

/* Decimal digits up to end (or the NUL), no sign or space, into *out;
 * -EINVAL on anything else or above max. */
static int digits(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int d;

	if (s == end || !*s)
		return -EINVAL;
	for (; end ? s < end : *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int hp_parse_rate(const char *s, struct hp_rate *r)
{
	uint64_t bytes, usecs, q, rem, rate, bucket, cap;
	const char *comma;
	int clamped = 0;

	if (!s)
		return -EINVAL;
	for (comma = s; *comma && *comma != ','; comma++)
		;
	if (*comma != ',' || digits(s, comma, UINT64_MAX, &bytes) ||
	    digits(comma + 1, NULL, UINT32_MAX, &usecs))
		return -EINVAL;
	/* netback would let nothing through with 0 bytes; libxl never
	 * writes a 0 interval */
	if (bytes == 0 || usecs == 0)
		return -EINVAL;

	/* bytes * 10^6 / usecs without overflow: rem * 10^6 < 2^52 */
	q = bytes / usecs;
	rem = bytes % usecs;
	if (q > HP_RATE_MAX / 1000000) {
		rate = HP_RATE_MAX;
		clamped = 1;
	} else {
		rate = q * 1000000 + rem * 1000000 / usecs;
		if (rate > HP_RATE_MAX) {
			rate = HP_RATE_MAX;
			clamped = 1;
		}
	}
	if (rate < HP_RATE_MIN)
		return -ERANGE;

	bucket = bytes > HP_RATE_BUCKET_MIN ? bytes : HP_RATE_BUCKET_MIN;
	cap = rate * HP_RATE_BUCKET_SECS; /* >= the floor, since rate >= HP_RATE_MIN */
	if (bucket > cap)
		bucket = cap;
	if (bucket > (1UL << 30))
		bucket = 1UL << 30; /* bucket + queue fit libnl's int */

	r->bytes = bytes;
	r->usecs = (uint32_t)usecs;
	r->rate = (uint32_t)rate;
	r->bucket = (uint32_t)bucket;
	r->limit = (uint32_t)(bucket + rate * HP_RATE_LATENCY_MS / 1000);
	r->clamped = clamped;
	return 0;
}
