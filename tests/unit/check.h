/* The unit tests' one assertion: counts, and names the failed condition.
 * Each test ends with a line "<name>: N passed, N failed". */
#ifndef HP_TEST_CHECK_H
#define HP_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (cond) {                                                                \
			passed++;                                                          \
		} else {                                                                   \
			failed++;                                                          \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                          \
	} while (0)

#endif
