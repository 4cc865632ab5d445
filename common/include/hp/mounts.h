/* The mount table, for network-bridge's refusal to move a NIC the root
 * filesystem may be reached through. */
#ifndef HP_MOUNTS_H
#define HP_MOUNTS_H

#include <stddef.h>
#include <stdio.h>

/* 1 when the filesystem mounted on "/" (the last mount there, the one in
 * use) is a network filesystem (nfs, nfs4, cifs, smb3, smbfs, 9p, ceph,
 * glusterfs, fuse.sshfs, afs, or any with the _netdev option), with
 * "<type> from <source>" in desc; 0 when not, or when the table cannot be
 * read.  iSCSI or NBD roots look like local disks here: not detected.
 * hp_mounts_root_netfs reads $XEN_HOTPLUG_PROC_MOUNTS (a test hook) or
 * /proc/mounts. */
int hp_mounts_root_netfs(char *desc, size_t size);
int hp_mounts_root_netfs_in(FILE *f, char *desc, size_t size);

#endif
