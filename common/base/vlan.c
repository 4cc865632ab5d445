/* VLAN configurations (see vlan.h).  Pure: no I/O, no logging. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/parse.h"
#include "hp/vlan.h"

#define NBITS (HP_VLAN_MAX + 1)

/* What a parse collects before it becomes a list: one bit per id. */
struct acc {
	unsigned char member[NBITS / 8 + 1], untagged[NBITS / 8 + 1];
	unsigned int pvid, n;
	char *err;
	size_t errsize;
};

static int test_bit(const unsigned char *b, unsigned int i)
{
	return b[i / 8] >> (i % 8) & 1;
}

static void set_bit(unsigned char *b, unsigned int i)
{
	b[i / 8] |= (unsigned char)(1u << (i % 8));
}

static int fail(struct acc *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct acc *a, const char *fmt, ...)
{
	va_list ap;

	if (a->err && a->errsize) {
		va_start(ap, fmt);
		vsnprintf(a->err, a->errsize, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal digits at *p, at most 4 (every number here is below 10000):
 * the value, -1 when there are none, -2 when there are more. */
static long number(const char **p)
{
	const char *s = *p;
	long v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		if (++n > 4)
			return -2;
		v = v * 10 + (*s++ - '0');
	}
	if (!n)
		return -1;
	*p = s;
	return v;
}

static int add(struct acc *a, long id, int untagged, int pvid)
{
	if (id < HP_VLAN_MIN || id > HP_VLAN_MAX)
		return fail(a, "VLAN %ld is out of range 1-4094", id);
	if (test_bit(a->member, (unsigned int)id))
		return fail(a, "VLAN %ld is given twice", id);
	set_bit(a->member, (unsigned int)id);
	if (untagged || pvid)
		set_bit(a->untagged, (unsigned int)id);
	if (pvid) {
		if (a->pvid)
			return fail(a, "two PVIDs, %u and %ld: mark exactly one VLAN with p",
				    a->pvid, id);
		a->pvid = (unsigned int)id;
	}
	a->n++;
	return 0;
}

/* One term of the `vlan` key, [t, end).  *single: the term was one VLAN
 * (the PVID without its p when it is the only term). */
static int term(struct acc *a, const char *t, const char *end, int *single)
{
	const char *p = t;
	long first, last = 0, step = 1, count = 0, i;
	int untagged = 0, pvid = 0, rc;

	*single = 0;
	if (p == end)
		return fail(a, "empty term (two '/' in a row, or '/' at an end)");
	if ((first = number(&p)) < 0)
		goto bad;
	last = first;
	if (p < end && *p == '-') {
		p++;
		if ((last = number(&p)) < 0)
			goto bad;
		if (last < first)
			return fail(a, "range %ld-%ld runs backwards", first, last);
	} else if (p < end && *p == '+') {
		p++;
		if ((step = number(&p)) < 0 || p >= end || *p++ != 'x' || (count = number(&p)) < 0)
			goto bad;
		if (step < 1)
			return fail(a, "step 0 in '%.*s'", (int)(end - t), t);
		/* bounded: each number has at most 4 digits */
		last = first + step * count;
		if (last > HP_VLAN_MAX)
			return fail(a, "'%.*s' goes past VLAN 4094 (to %ld)", (int)(end - t), t,
				    last);
	} else {
		*single = 1;
		if (p < end && *p == 'p') {
			pvid = 1;
			p++;
		}
	}
	if (p < end && *p == 'u') {
		untagged = 1;
		p++;
	}
	if (p != end)
		goto bad;
	for (i = first; i <= last; i += step)
		if ((rc = add(a, i, untagged, pvid)))
			return rc;
	return 0;
bad:
	if (first == -2 || last == -2 || step == -2 || count == -2)
		return fail(a, "'%.*s': a number is too large", (int)(end - t), t);
	return fail(a, "'%.*s' is not N[p][u], A-B[u] or B+SxC[u]", (int)(end - t), t);
}

static int to_list(struct acc *a, struct hp_vlans *out)
{
	struct hp_vlan *v = NULL;
	unsigned int i;
	size_t k = 0;

	if (a->n && !(v = calloc(a->n, sizeof(*v))))
		return -ENOMEM;
	for (i = HP_VLAN_MIN; i <= HP_VLAN_MAX; i++) {
		if (!test_bit(a->member, i))
			continue;
		v[k].id = (unsigned short)i;
		v[k].flags = (unsigned char)((test_bit(a->untagged, i) ? HP_VLAN_UNTAGGED : 0) |
					     (i == a->pvid ? HP_VLAN_PVID : 0));
		k++;
	}
	out->n = k;
	out->v = v;
	out->pvid = (unsigned short)a->pvid;
	return 0;
}

int hp_vlan_parse(const char *s, struct hp_vlans *out, char *err, size_t errsize)
{
	struct acc a = { .err = err, .errsize = errsize };
	const char *t = s, *e;
	int rc, single = 0, nterms = 0;
	long lone = 0;

	if (!s)
		return fail(&a, "missing");
	while (*s) {
		e = t + strcspn(t, "/");
		if ((rc = term(&a, t, e, &single)))
			return rc;
		if (single) {
			const char *p = t;

			lone = number(&p);
		}
		nterms++;
		if (!*e)
			break;
		t = e + 1;
	}
	/* "vlan=10": a single VLAN is the PVID without its p */
	if (!a.pvid && nterms == 1 && single) {
		a.pvid = (unsigned int)lone;
		set_bit(a.untagged, a.pvid);
	}
	if (a.n && !a.pvid)
		return fail(&a, "no PVID: mark exactly one VLAN with p (as in 10p/20)");
	return to_list(&a, out);
}

int hp_vlan_parse_ovs_bridge(const char *s, char *name, size_t namesize, struct hp_vlans *out,
			     char *err, size_t errsize)
{
	struct acc a = { .err = err, .errsize = errsize };
	const char *p, *e;
	long id;
	size_t len;

	if (!s)
		return fail(&a, "missing");
	len = strcspn(s, ".:");
	if (len == 0 || len >= HP_IFNAMSIZ || len >= namesize)
		return fail(&a, "not NAME[.TAG][:TRUNK[:TRUNK...]] with an interface name");
	memcpy(name, s, len);
	name[len] = '\0';
	if (hp_parse_ifname(name))
		return fail(&a, "'%s' is not a valid interface name", name);
	p = s + len;
	if (*p == '.') {
		p++;
		if ((id = number(&p)) < 0 || (*p && *p != ':'))
			return fail(&a, "the tag after '.' is not a number");
		if (id < HP_VLAN_MIN || id > HP_VLAN_MAX)
			return fail(&a, "tag %ld is out of range 1-4094", id);
		a.pvid = (unsigned int)id;
		set_bit(a.member, a.pvid);
		set_bit(a.untagged, a.pvid);
		a.n++;
	}
	while (*p == ':') {
		e = ++p;
		if ((id = number(&p)) < 0 || (*p && *p != ':'))
			return fail(&a, "trunk '%.*s' is not a number", (int)strcspn(e, ":"), e);
		if (id < HP_VLAN_MIN || id > HP_VLAN_MAX)
			return fail(&a, "trunk %ld is out of range 1-4094", id);
		if (!test_bit(a.member, (unsigned int)id)) {
			set_bit(a.member, (unsigned int)id);
			a.n++;
		}
	}
	if (*p)
		return fail(&a, "not NAME[.TAG][:TRUNK[:TRUNK...]]");
	return to_list(&a, out);
}

void hp_vlans_free(struct hp_vlans *v)
{
	free(v->v);
	v->v = NULL;
	v->n = 0;
	v->pvid = 0;
}
