/* The mount table: see mounts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/mounts.h"

int hp_mounts_root_netfs_in(FILE *f, char *desc, size_t size)
{
	static const char *const netfs[] = { "nfs",	   "nfs4", "cifs", "smb3",
					     "smbfs",	   "9p",   "ceph", "glusterfs",
					     "fuse.sshfs", "afs",  NULL };
	char *line = NULL, dev[256], mnt[256], type[64], opts[1024];
	size_t cap = 0;
	int found = 0, i;

	while (getline(&line, &cap, f) >= 0) {
		if (sscanf(line, "%255s %255s %63s %1023s", dev, mnt, type, opts) != 4 ||
		    strcmp(mnt, "/"))
			continue;
		found = !!strstr(opts, "_netdev");
		for (i = 0; netfs[i]; i++)
			if (!strcmp(type, netfs[i]))
				found = 1;
		if (found)
			snprintf(desc, size, "%s from %s", type, dev);
	}
	free(line);
	return found;
}

int hp_mounts_root_netfs(char *desc, size_t size)
{
	const char *path = getenv("XEN_HOTPLUG_PROC_MOUNTS");
	FILE *f;
	int found;

	if (!path || !*path)
		path = "/proc/mounts";
	if (!(f = fopen(path, "re")))
		return 0;
	found = hp_mounts_root_netfs_in(f, desc, size);
	fclose(f);
	return found;
}
