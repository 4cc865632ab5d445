/* Running another program, the one way the tools do it: the hooks' bash,
 * iptables (antispoof=iptables), an ISC dhcpd restart.  Never on the
 * default path.  posix_spawn (no copy of the process), stdin /dev/null,
 * the caller's environment or the one given, optionally the program's own
 * process group (so that a watchdog stops it and what it started), its
 * output captured or left on our stderr, waited for through EINTR. */
#ifndef HP_PROCESS_H
#define HP_PROCESS_H

#include <stddef.h>

struct hp_process {
	const char *path; /* absolute */
	char *const *argv; /* argv[0] included, NULL-terminated */
	char *const *envp; /* NULL: the caller's environment */
	int own_group; /* its own process group, for hp_process_abort */
	char **out; /* non-NULL: stdout and stderr captured into a malloc'd,
			     * NUL-terminated string (at most 1 MiB); else both go to
			     * our stderr (stdout is libxl's: never written) */
};

/* 0 with *status its exit status (128 + the signal when killed), or
 * -errno when it could not be started or waited for. */
int hp_process_run(const struct hp_process *s, int *status);

/* Many programs, each stdin /dev/null, its stdout and stderr captured
 * apart (at most 1 MiB each), at most `parallel` running at once: for an
 * administrator's command that runs one per vif (xen-hotplug), never the
 * hotplug path. */
struct hp_job {
	const char *path; /* absolute */
	char *const *argv;
	char *const *envp; /* NULL: the caller's environment */
	char *out, *err; /* malloc'd, NUL-terminated; NULL when it wrote nothing */
	int status; /* exit status, 128 + the signal when killed */
	int rc; /* 0, or -errno: not started, or not read to its end */
};
/* Runs every job; 0, or -errno for a failure of the whole (each job's
 * own in its rc).  Free each job's out and err. */
int hp_process_run_all(struct hp_job *jobs, size_t n, unsigned int parallel);

/* Async-signal-safe: kills the running program's process group (one
 * started with own_group), for a watchdog. */
void hp_process_abort(void);

/* execve takes char *const[]; the strings are never written. */
static inline char *hp_unconst(const char *s)
{
	return (char *)(unsigned long)s;
}

#endif
