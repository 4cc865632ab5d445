/* libFuzzer target: the tap's `rate` key (common/base/rate.c) and
 * port_isolated's list of bridges (common/nl/brport.c).  The first byte
 * picks the parser ('l' the list, anything else the rate), the rest is
 * the string.  Checked beyond "no crash": an accepted rate is digits, a
 * comma and digits, prints back to itself, and gives a bucket tbf can
 * take (netback's 128 KiB floor, at most 200 s at the rate and 1 GiB) and
 * a rate within HP_RATE_MIN..HP_RATE_MAX; the list's answer does not
 * depend on where the name is in it.  `make fuzz` builds and runs it. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/brport.h"
#include "hp/rate.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void rate(const char *s)
{
	struct hp_rate r;
	char buf[64];
	int rc = hp_parse_rate(s, &r);

	CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc)
		return;
	CHECK(strspn(s, "0123456789,") == strlen(s) && strchr(s, ',') == strrchr(s, ','));
	snprintf(buf, sizeof(buf), "%" PRIu64 ",%" PRIu32, r.bytes, r.usecs);
	/* leading zeros are the only other spelling */
	if (s[0] != '0' && strstr(s, ",0") == NULL)
		CHECK(!strcmp(buf, s));
	CHECK(r.bytes > 0 && r.usecs > 0);
	CHECK(r.rate >= HP_RATE_MIN && r.rate <= HP_RATE_MAX);
	CHECK(r.bucket >= HP_RATE_BUCKET_MIN && r.bucket <= (1U << 30));
	CHECK((uint64_t)r.bucket <= (uint64_t)r.rate * HP_RATE_BUCKET_SECS);
	CHECK(r.bucket == HP_RATE_BUCKET_MIN || r.bucket <= r.bytes);
	CHECK(r.limit == r.bucket + r.rate * HP_RATE_LATENCY_MS / 1000);
	CHECK(!r.clamped || r.rate == HP_RATE_MAX);
}

static void list(const char *s)
{
	char *twice;
	int rc = hp_brport_list_has(s, "xenbr0"), rc2;

	CHECK(rc == 0 || rc == 1 || rc == -EINVAL);
	if (asprintf(&twice, "%s xenbr0", s) < 0)
		return;
	rc2 = hp_brport_list_has(twice, "xenbr0");
	CHECK(rc == -EINVAL ? rc2 == -EINVAL : rc2 == 1);
	free(twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	if (!(s = strndup((const char *)data + 1, size - 1)))
		return 0;
	if (data[0] == 'l')
		list(s);
	else
		rate(s);
	free(s);
	return 0;
}
