/* Running another program (see process.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hp/process.h"

#define MAX_OUT (1024 * 1024)

extern char **environ;

/* The running program with its own group, for hp_process_abort (0: none). */
static volatile pid_t running;

void hp_process_abort(void)
{
	pid_t pid = running;

	if (pid > 0)
		kill(-pid, SIGKILL);
}

static int capture(int fd, char **out)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;
	int rc = 0;

	for (;;) {
		if (cap - len < 4096) {
			if (cap >= MAX_OUT || !(nb = realloc(buf, cap + 65536))) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (buf)
		buf[len] = '\0';
	*out = buf;
	return rc;
}

int hp_process_run(const struct hp_process *s, int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pfd[2] = { -1, -1 }, rc, ws = 0;
	pid_t pid;

	*status = 0;
	if (s->out)
		*s->out = NULL;
	if (s->out && pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* stdout is libxl's stderr already; keep it for our own lines */
	if (s->out) {
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	} else {
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
	}
	if (s->own_group) {
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	}
	rc = posix_spawn(&pid, s->path, &fa, &attr, s->argv, s->envp ? s->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (rc) {
		if (pfd[0] >= 0)
			close(pfd[0]);
		return -rc;
	}
	if (s->own_group)
		running = pid;
	rc = 0;
	if (s->out)
		rc = capture(pfd[0], s->out);
	if (pfd[0] >= 0)
		close(pfd[0]);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			rc = rc ? rc : -errno;
			break;
		}
	}
	running = 0;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return rc;
}
