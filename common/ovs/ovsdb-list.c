/* Every port in Open vSwitch's database (ovsdb.h), for an administrator's
 * view: the bridges, ports and interfaces read in one transaction and
 * joined here by uuid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovsdb-priv.h"

static const char *str(yajl_val v)
{
	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "";
}

/* The bridge whose ports set holds uuid. */
static yajl_val bridge_of(yajl_val res, const char *uuid)
{
	yajl_val br;
	size_t r, i;

	for (r = 0; (br = hp_ovs_row(res, 0, r)); r++) {
		yajl_val ports = hp_json_get(br, "ports");

		for (i = 0; i < hp_ovs_set_len(ports); i++) {
			const char *u = hp_ovs_uuid_of(hp_ovs_set_at(ports, i));

			if (u && !strcmp(u, uuid))
				return br;
		}
	}
	return NULL;
}

static yajl_val iface_of(yajl_val res, const char *uuid)
{
	yajl_val in;
	size_t r;

	for (r = 0; (in = hp_ovs_row(res, 2, r)); r++) {
		const char *u = hp_ovs_uuid_of(hp_json_get(in, "_uuid"));

		if (u && !strcmp(u, uuid))
			return in;
	}
	return NULL;
}

static void fill(struct hp_ovs_port_info *p, yajl_val port, yajl_val iface, yajl_val br)
{
	yajl_val tag = hp_ovs_set_at(hp_json_get(port, "tag"), 0);
	yajl_val trunks = hp_json_get(port, "trunks");
	yajl_val ids = hp_json_at(hp_json_get(iface, "external_ids"), 1);
	yajl_val of = hp_ovs_set_at(hp_json_get(iface, "ofport"), 0);
	size_t i, len;

	hp_ovs_copy(p->name, sizeof(p->name), str(hp_json_get(port, "name")));
	hp_ovs_copy(p->bridge, sizeof(p->bridge), str(hp_json_get(br, "name")));
	hp_ovs_copy(p->port_uuid, sizeof(p->port_uuid), hp_ovs_uuid_of(hp_json_get(port, "_uuid")));
	hp_ovs_copy(p->iface_uuid, sizeof(p->iface_uuid),
		    hp_ovs_uuid_of(hp_json_get(iface, "_uuid")));
	hp_ovs_copy(p->bridge_uuid, sizeof(p->bridge_uuid),
		    hp_ovs_uuid_of(hp_json_get(br, "_uuid")));
	if (YAJL_IS_INTEGER(tag))
		p->tag = (unsigned int)YAJL_GET_INTEGER(tag);
	for (i = 0; i < hp_ovs_set_len(trunks); i++) {
		yajl_val x = hp_ovs_set_at(trunks, i);

		len = strlen(p->trunks);
		if (YAJL_IS_INTEGER(x) && len + 8 < sizeof(p->trunks))
			snprintf(p->trunks + len, sizeof(p->trunks) - len, "%s%lld", len ? "," : "",
				 YAJL_GET_INTEGER(x));
	}
	hp_ovs_copy(p->vlan_mode, sizeof(p->vlan_mode),
		    str(hp_ovs_set_at(hp_json_get(port, "vlan_mode"), 0)));
	for (i = 0; i < hp_json_len(ids); i++) {
		const char *k = str(hp_json_at(hp_json_at(ids, i), 0));
		const char *v = str(hp_json_at(hp_json_at(ids, i), 1));

		if (!strcmp(k, "xen-vm-uuid")) {
			p->xen = 1;
			hp_ovs_copy(p->vm_uuid, sizeof(p->vm_uuid), v);
		} else if (!strcmp(k, "xen-vm-name")) {
			hp_ovs_copy(p->vm_name, sizeof(p->vm_name), v);
		} else if (!strcmp(k, "attached-mac")) {
			hp_ovs_copy(p->mac, sizeof(p->mac), v);
		}
	}
	p->ofport = YAJL_IS_INTEGER(of) ? YAJL_GET_INTEGER(of) : 0;
	hp_ovs_copy(p->error, sizeof(p->error), str(hp_ovs_set_at(hp_json_get(iface, "error"), 0)));
}

int hp_ovs_ports_list(struct hp_ovsdb *db, struct hp_ovs_port_info **out, size_t *n)
{
	yajl_val reply = NULL, res, port;
	struct hp_ovs_port_info *v = NULL;
	struct hp_ovs_txn t;
	size_t r, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	db->err[0] = '\0';
	hp_ovs_txn_begin(&t);
	hp_ovs_op(&t,
		  "{'op':'select','table':'Bridge','where':[],'columns':['_uuid','name','ports']}");
	hp_ovs_op(&t, "{'op':'select','table':'Port','where':[],"
		      "'columns':['_uuid','name','interfaces','tag','trunks','vlan_mode']}");
	hp_ovs_op(&t, "{'op':'select','table':'Interface','where':[],"
		      "'columns':['_uuid','name','external_ids','ofport','error']}");
	if ((rc = hp_ovs_commit(db, &t, db->timeout_ms, &reply, &res)))
		return rc;
	if (hp_ovs_failed_op(db, res) >= 0) {
		rc = -EIO;
		goto out;
	}
	for (r = 0; hp_ovs_row(res, 1, r); r++)
		;
	if (r && !(v = calloc(r, sizeof(*v)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (r = 0; (port = hp_ovs_row(res, 1, r)); r++) {
		yajl_val ifs = hp_json_get(port, "interfaces"), iface, br;
		const char *pu = hp_ovs_uuid_of(hp_json_get(port, "_uuid"));
		const char *iu = hp_ovs_uuid_of(hp_ovs_set_at(ifs, 0));

		/* a port of one interface of its own name: what a vif script makes */
		if (!pu || !iu || hp_ovs_set_len(ifs) != 1 || !(iface = iface_of(res, iu)) ||
		    strcmp(str(hp_json_get(iface, "name")), str(hp_json_get(port, "name"))) ||
		    !(br = bridge_of(res, pu)))
			continue;
		fill(&v[k++], port, iface, br);
	}
	*out = v;
	*n = k;
	v = NULL;
out:
	free(v);
	yajl_tree_free(reply);
	return rc;
}

int hp_ovs_port_info_del(struct hp_ovsdb *db, const struct hp_ovs_port_info *p, long long *cfg)
{
	struct hp_ovs_port_state st;

	memset(&st, 0, sizeof(st));
	st.exists = 1;
	hp_ovs_copy(st.name, sizeof(st.name), p->name);
	hp_ovs_copy(st.bridge, sizeof(st.bridge), p->bridge);
	hp_ovs_copy(st.port_uuid, sizeof(st.port_uuid), p->port_uuid);
	hp_ovs_copy(st.iface_uuid, sizeof(st.iface_uuid), p->iface_uuid);
	hp_ovs_copy(st.bridge_uuid, sizeof(st.bridge_uuid), p->bridge_uuid);
	return hp_ovs_port_del(db, &st, NULL, cfg);
}
