/* libFuzzer target: the iface-id template and the receiving domain's
 * final name (common/ovs/ovs-ids.c).  The input is the template, a NUL, then
 * the guest's name (what xenstore gives); domid and devid come from the
 * first bytes.  Checked beyond "no crash": an expansion is an id
 * (hp_ovs_id_check) or fails with out "" and a reason; a template without
 * braces expands to itself; -EINVAL (no template) does not depend on the
 * guest, -ENODATA only when a value is missing; the final name is the
 * name or the name less "--incoming", never empty when the name was not.
 * `make fuzz` builds and runs it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp/ovs-ids.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static int expand(const char *tmpl, const struct hp_ovs_vm *vm, char *out)
{
	char err[256];
	int rc;

	err[0] = 'x';
	rc = hp_ovs_iface_id_expand(tmpl, vm, out, HP_OVS_ID_MAX + 1, err, sizeof(err));
	if (rc) {
		CHECK(rc == -EINVAL || rc == -ENODATA || rc == -ERANGE);
		CHECK(out[0] == '\0' && err[0] != '\0' && memchr(err, '\0', sizeof(err)));
	} else {
		CHECK(hp_ovs_id_check(out, err, sizeof(err)) == 0);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_ovs_vm vm = { NULL, "5a6e0f1c-8c3e-4d0b-9a51-1c7f0e2b3d4a", "00:16:3e:0a:0b:0c",
				0, 0 };
	const struct hp_ovs_vm none = { NULL, NULL, NULL, -1, -1 };
	char *s, *name, out[HP_OVS_ID_MAX + 1], out2[HP_OVS_ID_MAX + 1], *fin;
	size_t len;
	int rc, rc2;

	if (size < 2)
		return 0;
	vm.domid = data[0];
	vm.devid = data[1] % 8;
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data + 2, size - 2);
	s[size - 2] = '\0';
	s[size - 1] = '\0';
	name = s + strlen(s) + 1; /* after the template's NUL, or the last "" */
	vm.name = name;

	rc = expand(s, &vm, out);
	if (!strpbrk(s, "{}") && *s && !rc)
		CHECK(!strcmp(out, s));
	rc2 = expand(s, &none, out2);
	CHECK((rc == -EINVAL) == (rc2 == -EINVAL));
	if (rc2 == -ENODATA)
		CHECK(strchr(s, '{') != NULL);

	len = strlen(name);
	if ((fin = strdup(name))) {
		rc = hp_ovs_vm_name_final(fin);
		if (rc) {
			CHECK(strlen(fin) + 10 == len && *fin && !strncmp(fin, name, strlen(fin)) &&
			      !strcmp(name + strlen(fin), "--incoming"));
		} else {
			CHECK(!strcmp(fin, name));
		}
		free(fin);
	}
	free(s);
	return 0;
}
