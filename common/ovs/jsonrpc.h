/* JSON-RPC 1.0 over a unix stream socket, as OVSDB speaks it (RFC 7047,
 * section 4): one request at a time, its response found by id, the
 * server's "echo" requests answered on the way, anything else ignored.
 * Only ovsdb.c uses this header; tools use ovsdb.h. */
#ifndef HP_JSONRPC_H
#define HP_JSONRPC_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#define HP_JSONRPC_MAX_MSG (4u << 20) /* a reply larger than this is refused */
#define HP_JSONRPC_MAX_DEPTH 64 /* and one nested deeper */

struct hp_jsonrpc;

/* Connects to the unix socket at path within timeout_ms: -ENOENT when
 * there is no socket, -ECONNREFUSED when nobody listens on it,
 * -ETIMEDOUT, another -errno. */
int hp_jsonrpc_open(struct hp_jsonrpc **rpc, const char *path, unsigned int timeout_ms);
void hp_jsonrpc_close(struct hp_jsonrpc *rpc);

/* Sends {"id":N,"method":method,"params":params}, params being JSON text
 * (an array), and waits up to timeout_ms for the response with that id.
 * *reply is the whole response (free it with yajl_tree_free); its
 * "result" and "error" members are the call's.  -ETIMEDOUT,
 * -ECONNRESET when the server closed the connection, -EPROTO when it
 * sent something that is not JSON-RPC, -EMSGSIZE, -ENOMEM. */
int hp_jsonrpc_call(struct hp_jsonrpc *rpc, const char *method, const char *params, size_t len,
		    unsigned int timeout_ms, yajl_val *reply);

/* Framing, exposed for the fuzzer: messages are JSON objects sent back
 * to back.  hp_jsonrpc_frame() scans buf[0..len) on from where the
 * previous call for the same message stopped (st zeroed for a new
 * message): the length of the first complete object, 0 when more bytes
 * are needed, -EPROTO when the bytes cannot be a message (not an object,
 * nested deeper than HP_JSONRPC_MAX_DEPTH). */
struct hp_jsonrpc_frame {
	size_t pos;
	int depth, in_str, esc, started;
};
long hp_jsonrpc_frame(struct hp_jsonrpc_frame *st, const char *buf, size_t len);

#endif
