/* Placeholder until the anti-spoofing guard lands: no filtering. */
#include "fw.h"

int hp_fw_guard_add(const struct hp_guard *g)
{
	(void)g;
	return 0;
}

int hp_fw_guard_del(const char *ifname, enum hp_fw_family family)
{
	(void)ifname;
	(void)family;
	return 0;
}
