/* hp-bench-run: runs commands and measures them without a shell.
 *
 *   hp-bench-run [-p] :: [K=V...] PROG ARGS... [:: [K=V...] PROG ARGS...]...
 *
 * Each command is started with the runner's environment plus its leading
 * K=V words.  Sequential by default (a command starts when the one before
 * exited); -p starts all at once and waits for all.  Prints one line:
 * "<wall ns> <max RSS KiB of any command, children included> <failures>
 * <CPU ns>", the last the user and system time of the commands and the
 * children they waited for (not a child that outlives its parent), and
 * exits 1 if a command exited non-zero or by a signal.  Built at bench
 * time into build/hp-bench-run; never installed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	char **argv; /* NULL-terminated in place: the "::" is replaced ("--"
		      * is left to the programs: perf, strace) */
	pid_t pid;
};

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static pid_t start(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		while (*argv && strchr(*argv, '=') && **argv != '/' && **argv != '.')
			putenv(*argv++);
		if (!*argv)
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "hp-bench-run: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid, long *maxrss, long long *cpu)
{
	struct rusage ru;
	int st;

	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return 1;
	if (ru.ru_maxrss > *maxrss)
		*maxrss = ru.ru_maxrss;
	*cpu += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	struct cmd *cmds;
	int i, n = 0, par = 0, fail = 0;
	long maxrss = 0;
	long long t0, t1, cpu = 0;

	if (argc > 1 && !strcmp(argv[1], "-p")) {
		par = 1;
		argv++;
		argc--;
	}
	if (argc < 3 || strcmp(argv[1], "::")) {
		fprintf(stderr, "usage: hp-bench-run [-p] :: [K=V...] PROG ARGS... [:: ...]...\n");
		return 2;
	}
	if (!(cmds = calloc((size_t)argc, sizeof(*cmds))))
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "::")) {
			argv[i] = NULL;
			if (i + 1 < argc)
				cmds[n++].argv = &argv[i + 1];
		}
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		cmds[i].pid = start(cmds[i].argv);
		if (!par)
			fail += reap(cmds[i].pid, &maxrss, &cpu);
	}
	if (par)
		for (i = 0; i < n; i++)
			fail += reap(cmds[i].pid, &maxrss, &cpu);
	t1 = now_ns();
	printf("%lld %ld %d %lld\n", t1 - t0, maxrss, fail, cpu);
	free(cmds);
	return fail ? 1 : 0;
}
