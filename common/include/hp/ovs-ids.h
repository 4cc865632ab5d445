/* Open vSwitch's integration contract (its Documentation/topics/
 * integration.rst; the Interface table's external_ids in vswitch.xml):
 * the ids by which a controller such as OVN finds a guest's port.  Here
 * the pure part: the iface-id made from a template, the checks of an id,
 * the guest's final name.  No xenstore, no database.
 *
 * A template is text with fields in braces, each replaced by the guest's
 * value: {name} (the domain's final name, see hp_ovs_vm_name_final),
 * {uuid}, {domid}, {devid} (decimal), {mac} (the vif's, lowercase,
 * colon-separated).  Any other brace is an error; there is no escape. */
#ifndef HP_OVS_IDS_H
#define HP_OVS_IDS_H

#include <stddef.h>

/* Stable across reboots (the name is the configuration's, while xl gives
 * a domain a new uuid at each create unless its configuration has one)
 * and across migration (the name made final, the devid the vif's place
 * in the configuration); unique on a fleet whose guests' names are. */
#define HP_OVS_IFACE_ID_DEFAULT "{name}-{devid}"
/* The longest id (an OVSDB value as hp/ovsdb.h keeps it) */
#define HP_OVS_ID_MAX 255

/* What a template names; NULL or -1: not known (a field naming it
 * cannot be expanded). */
struct hp_ovs_vm {
	const char *name, *uuid, *mac;
	int domid, devid;
};

/* 0 when s can be an id: 1..HP_OVS_ID_MAX bytes of valid UTF-8 with no
 * control character; else -EINVAL and why in err. */
int hp_ovs_id_check(const char *s, char *err, size_t errsize);

/* The template expanded into out (size > HP_OVS_ID_MAX): 0; -EINVAL for
 * a template that is not one (an unknown field, a lone brace, empty);
 * -ENODATA when a field it names is not known; -ERANGE when the result
 * is no id (hp_ovs_id_check).  err says why on every failure; out is ""
 * then. */
int hp_ovs_iface_id_expand(const char *tmpl, const struct hp_ovs_vm *vm, char *out, size_t size,
			   char *err, size_t errsize);

/* The host's template: `ovs_iface_id` in the configuration file
 * (hp/conf.h), else HP_OVS_IFACE_ID_DEFAULT, into buf.  0; -EINVAL for a
 * value that is no template, or -errno when the file cannot be read,
 * with a message naming the file and the line in err. */
int hp_ovs_iface_id_template(char *buf, size_t size, char *err, size_t errsize);

/* xl migrate-receive creates the receiving domain as "<name>--incoming"
 * and attaches its vifs (our online) before renaming it to <name>
 * (xen.git tools/xl/xl_vmcontrol.c, create_domain): the suffix is cut
 * off name, in place, unless nothing would be left.  1 when it was. */
int hp_ovs_vm_name_final(char *name);

#endif
