/* Unit tests for the pure parts of xen-hotplug's view (common/adm/,
 * common/nl/brinfo.c's words): which vifs a repair may touch, which are
 * on a bridge, a port's VLANs in words. */
#include <stdio.h>
#include <string.h>

#include "hp/adm.h"
#include "hp/brinfo.h"
#include "check.h"

static struct hp_adm_vif vif(const char *tool, const char *online, const char *status,
			     const char *bridge, int tap)
{
	struct hp_adm_vif v;

	memset(&v, 0, sizeof(v));
	snprintf(v.tool, sizeof(v.tool), "%s", tool);
	v.why_not = *tool ? NULL : "its script is not one of xen-hotplug-ng's tools";
	v.online = (char *)(unsigned long)online;
	v.hotplug_status = (char *)(unsigned long)status;
	v.bridge = (char *)(unsigned long)bridge;
	v.is_tap = tap;
	return v;
}

static void repairable(void)
{
	struct hp_adm_vif v;

	v = vif("vif-bridge", "1", "connected", "xenbr0", 0);
	CHECK(!hp_adm_why_not_repaired(&v, 0));
	/* an online that failed: libxl's to retry, named or not */
	v = vif("vif-bridge", "1", "error", "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 0) && hp_adm_why_not_repaired(&v, 1));
	/* hotplug-status lost (xenstored): only when named */
	v = vif("vif-bridge", "1", NULL, "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 0) && !hp_adm_why_not_repaired(&v, 1));
	v = vif("vif-bridge", "1", "", "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 0) && !hp_adm_why_not_repaired(&v, 1));
	/* being detached (libxl wrote online=0) */
	v = vif("vif-bridge", "0", "connected", "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 1) != NULL);
	v = vif("vif-bridge", NULL, "connected", "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 1) != NULL);
	/* a tap has no hotplug-status of its own */
	v = vif("vif-bridge", "1", NULL, "xenbr0", 1);
	CHECK(!hp_adm_why_not_repaired(&v, 0));
	/* not ours: never */
	v = vif("", "1", "connected", "xenbr0", 0);
	CHECK(hp_adm_why_not_repaired(&v, 1) && strstr(hp_adm_why_not_repaired(&v, 1), "script"));
}

static void on_bridge(void)
{
	struct hp_adm_vif v;

	v = vif("vif-bridge", "1", "connected", "xenbr0", 0);
	CHECK(hp_adm_on_bridge(&v, "xenbr0") && !hp_adm_on_bridge(&v, "xenbr1"));
	/* a Linux bridge's name may hold a '.' */
	v = vif("vif-bridge", "1", "connected", "br0.10", 0);
	CHECK(hp_adm_on_bridge(&v, "br0.10") && !hp_adm_on_bridge(&v, "br0"));
	/* vif-openvswitch's BR[.TAG][:TRUNK...] */
	v = vif("vif-openvswitch", "1", "connected", "ovsbr0.10:20:30", 0);
	CHECK(hp_adm_on_bridge(&v, "ovsbr0") && !hp_adm_on_bridge(&v, "ovsbr0.10") &&
	      !hp_adm_on_bridge(&v, "ovsbr"));
	v = vif("vif-openvswitch", "1", "connected", "ovsbr0:20", 0);
	CHECK(hp_adm_on_bridge(&v, "ovsbr0"));
	/* no key: vif-bridge takes the host's only bridge, which its verify knows */
	v = vif("vif-bridge", "1", "connected", NULL, 0);
	CHECK(hp_adm_on_bridge(&v, "anything"));
	v = vif("vif-route", "1", "connected", NULL, 0);
	CHECK(!hp_adm_on_bridge(&v, "xenbr0"));
}

static int words(const struct hp_vlan *list, size_t n, unsigned short pvid, const char *want)
{
	struct hp_vlans v = { n, (struct hp_vlan *)(unsigned long)list, pvid };
	char buf[256];

	hp_vlans_format(&v, buf, sizeof(buf));
	if (strcmp(buf, want))
		fprintf(stderr, "  got '%s', want '%s'\n", buf, want);
	return !strcmp(buf, want);
}

static void vlan_words(void)
{
	static const struct hp_vlan trunk[] = {
		{ 10, HP_VLAN_PVID | HP_VLAN_UNTAGGED }, { 20, 0 }, { 21, 0 }, { 22, 0 }, { 30, 0 },
	};
	static const struct hp_vlan pvids[] = { { 1, HP_VLAN_PVID | HP_VLAN_UNTAGGED },
						{ 2, HP_VLAN_UNTAGGED },
						{ 3, HP_VLAN_UNTAGGED } };
	char small[24];
	struct hp_vlans v = { 5, (struct hp_vlan *)(unsigned long)trunk, 10 };

	CHECK(words(NULL, 0, 0, "none"));
	CHECK(words(trunk, 5, 10, "10 PVID untagged, 20-22, 30"));
	CHECK(words(pvids, 3, 1, "1 PVID untagged, 2-3 untagged"));
	/* cut, never overrun */
	hp_vlans_format(&v, small, sizeof(small));
	CHECK(strlen(small) < sizeof(small) && strstr(small, "..."));
}

int main(void)
{
	repairable();
	on_bridge();
	vlan_words();
	printf("test-adm: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
