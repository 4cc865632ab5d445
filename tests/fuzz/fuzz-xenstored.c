/* libFuzzer target: the test xenstored's wire protocol
 * (tests/xenstored/xenstored.c, included without its main).  The input is
 * a series of records [connection byte][length, 2 bytes LE][bytes]: the
 * bytes are appended to that connection's input (three connections share
 * the store, so watches and transactions interact) and every complete
 * message is handled.  Checked after each record: the queued output is a
 * well-formed series of messages; after the input, with every connection
 * gone, no transaction is still counted and the store frees cleanly (ASan
 * reports leaks). */
#define HP_XENSTORED_NO_MAIN
#include "../xenstored/xenstored.c"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define NCONN 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	trace = fopen("/dev/null", "w"); /* say() goes there */
	(void)argc;
	(void)argv;
	return 0;
}

static void check_output(const struct conn *c)
{
	size_t off = c->outoff;

	CHECK(c->outoff <= c->outlen && c->outlen <= c->outcap);
	while (off < c->outlen) {
		struct xsd_sockmsg h;

		CHECK(c->outlen - off >= HDR_LEN);
		memcpy(&h, c->out + off, HDR_LEN);
		CHECK(h.len <= XENSTORE_PAYLOAD_MAX);
		CHECK(c->outlen - off - HDR_LEN >= h.len);
		off += HDR_LEN + h.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c[NCONN];
	size_t i;

	lost_gen = 0;
	next_txn_id = 1;
	next_conn_id = 1;
	memset(introduced, 0, sizeof(introduced));
	if (store_init())
		abort();
	for (i = 0; i < NCONN; i++)
		if (!(c[i] = conn_new(-1)))
			abort();
	while (size >= 3) {
		struct conn *k = c[data[0] % NCONN];
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (!k->dead) {
			size_t room = sizeof(k->in) - k->inlen;
			size_t n = len < room ? len : room;

			memcpy(k->in + k->inlen, data, n);
			k->inlen += n;
			conn_process(k);
			/* the daemon drops a connection whose buffer is full */
			if (k->inlen == sizeof(k->in))
				k->dead = true;
		}
		/* the daemon would have sent it: keep the output bounded */
		for (i = 0; i < NCONN; i++) {
			check_output(c[i]);
			c[i]->outoff = c[i]->outlen = 0;
		}
		data += len;
		size -= len;
	}
	conns_free_all();
	CHECK(nconns == 0);
	CHECK(open_txns == 0);
	store_fini();
	return 0;
}
