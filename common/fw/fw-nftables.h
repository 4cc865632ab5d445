/* libnftables, loaded with dlopen() when the guard's table is created or
 * upgraded and when network-bridge installs its policy: never on a vif's
 * hot path, and merely linking it would cost every tool run about 760 000
 * instructions of dynamic linking (FW-NOTES.md).  Its interface
 * (nftables/libnftables.h) is declared in fw-nftables.c, so that only the
 * run time needs the library.  Internal to the firewall module. */
#ifndef HP_FW_NFTABLES_H
#define HP_FW_NFTABLES_H

#include <stddef.h>

struct fw_nftables {
	void *handle;
	struct nft_ctx *ctx;
	const struct fw_nftables_api *api;
};

/* what: for the error message ("unable to load libnftables to <what>").
 * -ELIBACC when the library cannot be loaded, -ELIBBAD when it is not
 * usable; logged. */
int fw_nftables_open(struct fw_nftables *n, const char *what);
void fw_nftables_close(struct fw_nftables *n);
/* Runs text as one transaction.  0, or the kernel's -errno when it
 * refused a command ("Could not process rule: <strerror>"), or -EINVAL
 * when libnftables refused the text itself; the first line of its
 * message in err in both cases. */
int fw_nftables_run(struct fw_nftables *n, const char *text, char *err, size_t size);

#endif
