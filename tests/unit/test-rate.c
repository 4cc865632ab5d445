/* Unit tests for common/base/rate.c: the `rate` key as libxl writes it and
 * netback reads it, into tbf's rate, bucket and queue. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hp/rate.h"
#include "check.h"

static int ok(const char *s, uint32_t rate, uint32_t bucket)
{
	struct hp_rate r;

	memset(&r, 0xa5, sizeof(r));
	return hp_parse_rate(s, &r) == 0 && r.rate == rate && r.bucket == bucket &&
	       r.limit == bucket + rate / 20 && !r.clamped;
}

static void test_libxl(void)
{
	struct hp_rate r;

	/* xl rate=10Mb/s: 1250000 B/s, 50 ms by default */
	CHECK(ok("62500,50000", 1250000, 131072));
	CHECK(hp_parse_rate("62500,50000", &r) == 0 && r.bytes == 62500 && r.usecs == 50000);
	/* rate=10MB/s@1s (tools/xl/check-xl-vif-parse) */
	CHECK(ok("10000000,1000000", 10000000, 10000000));
	/* rate=2000B/s: the bucket is netback's 128 KiB floor */
	CHECK(ok("100,50000", 2000, 131072));
	/* rate=100B/s is below what tbf can hold in its bucket */
	CHECK(hp_parse_rate("5,50000", &r) == -ERANGE);
	CHECK(ok("1,3", 333333, 131072));
	CHECK(ok("1250000,1000000", 1250000, 1250000));
	/* the smallest rate: 128 KiB in 200 s */
	CHECK(ok("33,50000", 660, 131072));
	CHECK(hp_parse_rate("32,50000", &r) == -ERANGE);
	CHECK(hp_parse_rate("100,4294967295", &r) == -ERANGE);
	/* a long interval: the bucket holds at most 200 s at the rate */
	CHECK(ok("1000000000,4294967295", 232830, 232830 * 200));
	/* libxl writes what xl computed; 0 bytes means nothing passes */
	CHECK(hp_parse_rate("0,50000", &r) == -EINVAL);
	CHECK(hp_parse_rate("100,0", &r) == -EINVAL);
}

static void test_clamp(void)
{
	struct hp_rate r;

	CHECK(hp_parse_rate("18446744073709551615,1", &r) == 0);
	CHECK(r.clamped && r.rate == HP_RATE_MAX && r.bucket == 1U << 30);
	CHECK(r.limit == (1U << 30) + HP_RATE_MAX / 20);
	CHECK(hp_parse_rate("4000000000,1000000", &r) == 0);
	CHECK(r.clamped && r.rate == HP_RATE_MAX && r.bucket == 1U << 30);
	CHECK(hp_parse_rate("2147483647,1000000", &r) == 0 && !r.clamped && r.rate == HP_RATE_MAX);
	CHECK(hp_parse_rate("2147483648,1000000", &r) == 0 && r.clamped);
	/* q just above what fits before the multiplication */
	CHECK(hp_parse_rate("2148000000,1", &r) == 0 && r.clamped && r.rate == HP_RATE_MAX);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		",",
		"100",
		"100,",
		",100",
		"100,50000,",
		"100,50000,1",
		" 100,50000",
		"100 ,50000",
		"100, 50000",
		"100,50000 ",
		"+100,50000",
		"-1,50000",
		"100,-5",
		"0x10,50000",
		"1e3,50000",
		"100;50000",
		"100.5,50000",
		"18446744073709551616,1",
		"99999999999999999999,1",
		"100,4294967296",
		"100,99999999999",
		"10Mb/s@20ms",
		"100,50000\n",
	};
	struct hp_rate r = { .rate = 7 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = hp_parse_rate(bad[i], &r);

		if (rc != -EINVAL)
			fprintf(stderr, "'%s' gave %d\n", bad[i], rc);
		CHECK(rc == -EINVAL);
	}
	CHECK(hp_parse_rate(NULL, &r) == -EINVAL);
	CHECK(r.rate == 7); /* untouched on failure */
}

int main(void)
{
	test_libxl();
	test_clamp();
	test_bad();
	printf("test-rate: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
