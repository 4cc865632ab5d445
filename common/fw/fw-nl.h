/* nf_tables netlink for the guard (fw-nft.c, fw-table.c, fw-migrate.c,
 * fw-counters.c), over libmnl and libnftnl: one socket per tool run for
 * every family, requests answered by one message or a dump, batches of
 * set elements, counters, chains and sets, and the child that releases
 * the socket after a batch that deleted elements.  Internal to the
 * firewall module. */
#ifndef HP_FW_NL_H
#define HP_FW_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "fw-elems.h"

#define FW_TABLE "xen_hotplug"

#define FW_NL_BATCH_SIZE (64 * 1024)
/* a batch stays under half the buffer: a message never writes past it */
#define FW_NL_BATCH_LIMIT (FW_NL_BATCH_SIZE / 2)
#define FW_NL_REQ_SIZE 4096

struct fw_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf; /* the batch */
	char *req; /* requests, also while a batch is open */
	struct mnl_nlmsg_batch *batch;
	size_t nbatch; /* messages in the open batch */
	int deleted; /* a committed batch deleted elements */
};

/* NFPROTO_NETDEV, NFPROTO_BRIDGE or NFPROTO_INET; "netdev"... */
uint8_t fw_nfproto(enum fw_table t);
const char *fw_table_family(enum fw_table t);

/* 0 or -errno; on failure nothing is left open. */
int fw_nl_open(struct fw_nl *nl);
/* After a batch that deleted elements, hands the socket to a child that
 * outlives us (see fw-nl.c). */
void fw_nl_close(struct fw_nl *nl);

/* Sends one request (nlh, in nl->buf or elsewhere) and runs cb on the
 * answer, every part of it for a dump; -errno, -ENOENT when the object
 * asked for does not exist. */
int fw_nl_request(struct fw_nl *nl, struct nlmsghdr *nlh, int dump, mnl_cb_t cb, void *data);

/* The ruleset's generation (NFT_MSG_GETGEN): a batch begun with it is
 * refused with -ERESTART when anything changed since. */
int fw_nl_genid(struct fw_nl *nl, uint32_t *genid);

/* The comment of our table of family t, or of one of its sets: *found = 0
 * when there is no such object (not an error). */
int fw_nl_table_comment(struct fw_nl *nl, enum fw_table t, int *found, char *comment, size_t size);
int fw_nl_set_comment(struct fw_nl *nl, enum fw_table t, const char *set, int *found, char *comment,
		      size_t size);

/* Called with each name read; non-zero stops the walk and is returned. */
typedef int (*fw_nl_name_cb)(const char *name, void *data);
/* The chains (sets 0) or the named sets (sets 1, anonymous ones left out)
 * of our table of family t, one dump; -ENOENT without the table. */
int fw_nl_names(struct fw_nl *nl, enum fw_table t, int sets, fw_nl_name_cb cb, void *data);

/* Called for each element read: key_end is NULL unless the element is an
 * interval; comment is NULL without one.  Non-zero stops the walk and is
 * returned. */
typedef int (*fw_nl_elem_cb)(const unsigned char *key, uint32_t len, const unsigned char *key_end,
			     const char *comment, void *data);
/* The element of `set` whose key is key[0..len) (one lookup), or with key
 * NULL every element of it (a dump).  A set or element that does not
 * exist gives nothing and 0. */
int fw_nl_set_elems(struct fw_nl *nl, enum fw_table t, const char *set, const unsigned char *key,
		    uint32_t len, fw_nl_elem_cb cb, void *data);

/* Called for each counter object read. */
typedef int (*fw_nl_counter_cb)(const char *name, uint64_t packets, uint64_t bytes, void *data);
/* The counter object `name` of table netdev (one lookup; absent: nothing
 * and 0), or with name NULL every one (a dump). */
int fw_nl_counters(struct fw_nl *nl, const char *name, fw_nl_counter_cb cb, void *data);

/* One transaction: begin (genid 0: whatever the generation), messages,
 * commit.  commit sends nothing when no message was queued; it returns
 * the kernel's first error.  A failed begin or message leaves nothing to
 * undo but fw_nl_batch_abort(). */
int fw_nl_batch_begin(struct fw_nl *nl, uint32_t genid);
/* type NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM for FW_ELEM items,
 * NFT_MSG_NEWOBJ or NFT_MSG_DELOBJ for FW_COUNTER ones. */
int fw_nl_batch_elem(struct fw_nl *nl, int type, const struct fw_elem *e);
/* Deletes table t's chain, set, every rule of a chain or the table itself
 * (type NFT_MSG_DELCHAIN, NFT_MSG_DELSET, NFT_MSG_DELRULE: the chain
 * flushed, NFT_MSG_DELTABLE: name NULL). */
int fw_nl_batch_del(struct fw_nl *nl, int type, enum fw_table t, const char *name);
/* A set `name { type ifname; comment "<comment>"; }` in table t (the
 * layout marker of an upgraded table). */
int fw_nl_batch_marker(struct fw_nl *nl, enum fw_table t, const char *name, const char *comment);
int fw_nl_batch_commit(struct fw_nl *nl);
void fw_nl_batch_abort(struct fw_nl *nl);
/* Other messages of the transaction (fw-netdev.c's chains and rules):
 * room for one of at most max bytes in the open batch, zeroed, or NULL when there
 * is no batch or it is full (-E2BIG); the message is built there, with
 * the sequence number fw_nl_seq() gives, then counted in by
 * fw_nl_batch_next(). */
void *fw_nl_batch_room(struct fw_nl *nl, size_t max);
void fw_nl_batch_next(struct fw_nl *nl);

/* Sleeps before attempt `attempt` + 1 of a transaction that the ruleset's
 * changes refused: about 1 ms << attempt (at most 32 ms), at random
 * between half and one and a half of that, so that two tools that collided
 * once do not collide again. */
void fw_nl_backoff(int attempt);

/* The sequence number of the next request. */
static inline uint32_t fw_nl_seq(struct fw_nl *nl)
{
	return ++nl->seq;
}

#endif
