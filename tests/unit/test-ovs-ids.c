/* Unit tests for common/ovs/ovs-ids.c: the iface-id template, the checks of
 * an id, the receiving domain's final name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/ovs-ids.h"
#include "check.h"

static const struct hp_ovs_vm web = { "web1", "5a6e0f1c-8c3e-4d0b-9a51-1c7f0e2b3d4a",
				      "00:16:3e:0a:0b:0c", 7, 1 };

static int ok(const char *tmpl, const struct hp_ovs_vm *vm, const char *want)
{
	char out[HP_OVS_ID_MAX + 1], err[160] = "";
	int rc = hp_ovs_iface_id_expand(tmpl, vm, out, sizeof(out), err, sizeof(err));

	if (rc || strcmp(out, want)) {
		fprintf(stderr, "  '%s': rc %d, '%s' (%s), want '%s'\n", tmpl, rc, out, err, want);
		return 0;
	}
	return 1;
}

/* Fails with rc, out left "", and the reason contains why. */
static int bad(const char *tmpl, const struct hp_ovs_vm *vm, int want_rc, const char *why)
{
	char out[HP_OVS_ID_MAX + 1] = "x", err[160] = "";
	int rc = hp_ovs_iface_id_expand(tmpl, vm, out, sizeof(out), err, sizeof(err));

	if (rc != want_rc || *out || !strstr(err, why)) {
		fprintf(stderr, "  '%s': rc %d, '%s', reason '%s'; want %d and '%s'\n", tmpl, rc,
			out, err, want_rc, why);
		return 0;
	}
	return 1;
}

static void test_expand(void)
{
	struct hp_ovs_vm none = { NULL, NULL, NULL, -1, -1 };
	struct hp_ovs_vm ctl = web;

	/* the default, and each field */
	CHECK(ok(HP_OVS_IFACE_ID_DEFAULT, &web, "web1-1"));
	CHECK(ok("{name}", &web, "web1"));
	CHECK(ok("{uuid}", &web, "5a6e0f1c-8c3e-4d0b-9a51-1c7f0e2b3d4a"));
	CHECK(ok("{mac}", &web, "00:16:3e:0a:0b:0c"));
	CHECK(ok("{domid}.{devid}", &web, "7.1"));
	CHECK(ok("xen-{uuid}-{devid}", &web, "xen-5a6e0f1c-8c3e-4d0b-9a51-1c7f0e2b3d4a-1"));
	CHECK(ok("tenant1/{name}/eth{devid}", &web, "tenant1/web1/eth1"));
	CHECK(ok("fixed", &none, "fixed"));
	CHECK(ok("{name}{name}", &web, "web1web1"));
	/* domid and devid 0 are values, not "unknown" */
	ctl.domid = 0;
	ctl.devid = 0;
	CHECK(ok("{domid}-{devid}", &ctl, "0-0"));
	/* UTF-8 in the template and in a value */
	ctl.name = "caf\xc3\xa9";
	CHECK(ok("\xc3\xa9-{name}", &ctl, "\xc3\xa9-caf\xc3\xa9"));

	/* not a template: whatever the guest */
	CHECK(bad("", &web, -EINVAL, "empty"));
	CHECK(bad("{nam}", &web, -EINVAL, "unknown field '{nam}'"));
	CHECK(bad("{NAME}", &web, -EINVAL, "unknown field"));
	CHECK(bad("{}", &web, -EINVAL, "unknown field '{}'"));
	CHECK(bad("{name", &web, -EINVAL, "not closed"));
	CHECK(bad("{na{me}", &web, -EINVAL, "not closed"));
	CHECK(bad("name}", &web, -EINVAL, "closes nothing"));
	CHECK(bad("{name}}", &web, -EINVAL, "closes nothing"));
	CHECK(bad("{{name}}", &web, -EINVAL, "not closed"));
	CHECK(bad("{uuid}-{x}", &none, -EINVAL, "unknown field '{x}'"));

	/* a value the guest does not have */
	CHECK(bad("{name}-{devid}", &none, -ENODATA, "the guest's name is not known"));
	CHECK(bad("{uuid}", &none, -ENODATA, "uuid is not known"));
	CHECK(bad("{mac}", &none, -ENODATA, "mac is not known"));
	CHECK(bad("a{domid}", &none, -ENODATA, "domid is not known"));
	CHECK(bad("{devid}", &none, -ENODATA, "devid is not known"));

	/* a result that is no id */
	ctl = web;
	ctl.name = "bad\nname";
	CHECK(bad("{name}", &ctl, -ERANGE, "control character"));
	ctl.name = "\xff";
	CHECK(bad("{name}", &ctl, -ERANGE, "not valid UTF-8"));
	ctl.name = "";
	CHECK(bad("{name}", &ctl, -ERANGE, "empty"));
	CHECK(bad("\x7f", &web, -ERANGE, "control character"));
}

static void test_long(void)
{
	char name[HP_OVS_ID_MAX + 2], want[HP_OVS_ID_MAX + 4], small[8], err[160];
	struct hp_ovs_vm vm = web;

	/* exactly the longest id, then one byte more */
	memset(name, 'n', HP_OVS_ID_MAX - 2);
	name[HP_OVS_ID_MAX - 2] = '\0';
	vm.name = name;
	memcpy(want, name, HP_OVS_ID_MAX - 2);
	memcpy(want + HP_OVS_ID_MAX - 2, "-1", 3);
	CHECK(ok(HP_OVS_IFACE_ID_DEFAULT, &vm, want));
	name[HP_OVS_ID_MAX - 2] = 'n';
	name[HP_OVS_ID_MAX - 1] = '\0';
	CHECK(bad(HP_OVS_IFACE_ID_DEFAULT, &vm, -ERANGE, "longer than 255"));
	/* a small buffer is never overrun */
	memset(small, 'z', sizeof(small));
	CHECK(hp_ovs_iface_id_expand("{uuid}", &web, small, 4, err, sizeof(err)) == -ERANGE);
	CHECK(small[0] == '\0' && small[4] == 'z');
	CHECK(hp_ovs_iface_id_expand("{name}", &web, small, 5, err, sizeof(err)) == 0 &&
	      !strcmp(small, "web1"));
}

static void test_id_check(void)
{
	char err[128], id[HP_OVS_ID_MAX + 2];

	CHECK(hp_ovs_id_check("web1-0", err, sizeof(err)) == 0);
	CHECK(hp_ovs_id_check("a b", err, sizeof(err)) == 0);
	CHECK(hp_ovs_id_check("", err, sizeof(err)) == -EINVAL && strstr(err, "empty"));
	CHECK(hp_ovs_id_check("a\tb", err, sizeof(err)) == -EINVAL &&
	      strstr(err, "control character at byte 1"));
	CHECK(hp_ovs_id_check("\xc0\x80", err, sizeof(err)) == -EINVAL &&
	      strstr(err, "not valid UTF-8"));
	memset(id, 'i', HP_OVS_ID_MAX);
	id[HP_OVS_ID_MAX] = '\0';
	CHECK(hp_ovs_id_check(id, err, sizeof(err)) == 0);
	id[HP_OVS_ID_MAX] = 'i';
	id[HP_OVS_ID_MAX + 1] = '\0';
	CHECK(hp_ovs_id_check(id, err, sizeof(err)) == -EINVAL && strstr(err, "longer than"));
}

static int final(const char *in, const char *want, int want_rc)
{
	char buf[64];
	int rc;

	snprintf(buf, sizeof(buf), "%s", in);
	rc = hp_ovs_vm_name_final(buf);
	if (rc != want_rc || strcmp(buf, want)) {
		fprintf(stderr, "  '%s': %d '%s', want %d '%s'\n", in, rc, buf, want_rc, want);
		return 0;
	}
	return 1;
}

static void test_name_final(void)
{
	CHECK(final("web1--incoming", "web1", 1));
	CHECK(final("web1", "web1", 0));
	/* only the suffix, once, and never down to nothing */
	CHECK(final("web1--incoming--incoming", "web1--incoming", 1));
	CHECK(final("--incoming", "--incoming", 0));
	CHECK(final("web1--incomin", "web1--incomin", 0));
	CHECK(final("web1--incoming-x", "web1--incoming-x", 0));
	/* the sender's name during a migration is not ours to change */
	CHECK(final("web1--migratedaway", "web1--migratedaway", 0));
	CHECK(final("", "", 0));
}

static void test_template_conf(void)
{
	char path[] = "/tmp/hp-test-ovs-ids.XXXXXX", buf[256], err[256];
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("# a host\novs_iface_id = \"xen-{uuid}-{devid}\"\n", f);
	fclose(f);
	setenv("XEN_HOTPLUG_CONF", path, 1);
	CHECK(hp_ovs_iface_id_template(buf, sizeof(buf), err, sizeof(err)) == 0 &&
	      !strcmp(buf, "xen-{uuid}-{devid}"));
	unlink(path);
}

int main(void)
{
	test_expand();
	test_long();
	test_id_check();
	test_name_final();
	test_template_conf();
	printf("test-ovs-ids: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
