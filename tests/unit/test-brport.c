/* Unit tests for common/nl/brport.c's pure part: port_isolated's list of
 * bridges. */
#include <errno.h>
#include <stdio.h>

#include "hp/brport.h"
#include "check.h"

int main(void)
{
	CHECK(hp_brport_list_has("xenbr0", "xenbr0") == 1);
	CHECK(hp_brport_list_has("xenbr0", "xenbr1") == 0);
	CHECK(hp_brport_list_has("xenbr0 xenbr1", "xenbr1") == 1);
	CHECK(hp_brport_list_has("xenbr0,xenbr1", "xenbr1") == 1);
	CHECK(hp_brport_list_has(" xenbr0 ,\txenbr1, ", "xenbr0") == 1);
	CHECK(hp_brport_list_has("xenbr10", "xenbr1") == 0);
	CHECK(hp_brport_list_has("xenbr1", "xenbr10") == 0);
	CHECK(hp_brport_list_has("", "xenbr0") == 0);
	CHECK(hp_brport_list_has(" , ", "xenbr0") == 0);
	CHECK(hp_brport_list_has(NULL, "xenbr0") == 0);
	/* every entry is checked, also after a match */
	CHECK(hp_brport_list_has("xenbr0 bad/name", "xenbr0") == -EINVAL);
	CHECK(hp_brport_list_has("a:b", "x") == -EINVAL);
	CHECK(hp_brport_list_has("abcdefghijklmnop", "x") == -EINVAL); /* 16 */
	CHECK(hp_brport_list_has("abcdefghijklmno", "abcdefghijklmno") == 1); /* 15 */
	CHECK(hp_brport_list_has("..", "x") == -EINVAL);
	printf("test-brport: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
