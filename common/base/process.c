/* Running another program (see process.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* ---- many at once --------------------------------------------------------- */

struct slot {
	struct hp_job *job;
	pid_t pid;
	int fd[2]; /* its stdout, stderr; -1 at end of file */
	size_t len[2], cap[2];
};

static int job_start(struct hp_job *j, struct slot *s)
{
	posix_spawn_file_actions_t fa;
	int po[2], pe[2], rc;

	memset(s, 0, sizeof(*s));
	s->job = j;
	s->fd[0] = s->fd[1] = -1;
	j->out = j->err = NULL;
	j->status = 0;
	if (pipe2(po, O_CLOEXEC))
		return j->rc = -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		rc = -errno;
		close(po[0]);
		close(po[1]);
		return j->rc = rc;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawn(&s->pid, j->path, &fa, NULL, j->argv, j->envp ? j->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		close(po[0]);
		close(pe[0]);
		s->job = NULL;
		return j->rc = -rc;
	}
	s->fd[0] = po[0];
	s->fd[1] = pe[0];
	j->rc = 0;
	return 0;
}

/* What fd i of the slot has to give; at end of file it is closed. */
static void job_read(struct slot *s, int i)
{
	char **buf = i ? &s->job->err : &s->job->out, *nb;
	ssize_t r;

	if (s->cap[i] - s->len[i] < 4096) {
		if (s->cap[i] >= MAX_OUT || !(nb = realloc(*buf, s->cap[i] + 65536))) {
			s->job->rc = -ENOMEM;
			goto eof;
		}
		*buf = nb;
		s->cap[i] += 65536;
		nb[s->len[i]] = '\0';
	}
	r = read(s->fd[i], *buf + s->len[i], s->cap[i] - s->len[i] - 1);
	if (r < 0 && errno == EINTR)
		return;
	if (r > 0) {
		s->len[i] += (size_t)r;
		(*buf)[s->len[i]] = '\0';
		return;
	}
eof:
	close(s->fd[i]);
	s->fd[i] = -1;
}

static void job_end(struct slot *s)
{
	int ws = 0;

	while (waitpid(s->pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			s->job->rc = s->job->rc ? s->job->rc : -errno;
			break;
		}
	}
	s->job->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	s->job = NULL;
}

int hp_process_run_all(struct hp_job *jobs, size_t n, unsigned int parallel)
{
	struct slot *slots;
	struct pollfd *pfd;
	size_t next = 0, nrun = 0, i, k, np;
	int rc = 0;

	if (!parallel)
		parallel = 1;
	slots = calloc(parallel, sizeof(*slots));
	pfd = calloc(2 * (size_t)parallel, sizeof(*pfd));
	if (!slots || !pfd) {
		free(slots);
		free(pfd);
		return -ENOMEM;
	}
	while (next < n || nrun) {
		for (i = 0; i < parallel && next < n; i++)
			if (!slots[i].job && !job_start(&jobs[next++], &slots[i]))
				nrun++;
		for (i = 0, np = 0; i < parallel; i++)
			for (k = 0; slots[i].job && k < 2; k++)
				if (slots[i].fd[k] >= 0)
					pfd[np++] = (struct pollfd){ .fd = slots[i].fd[k],
								     .events = POLLIN };
		if (np && poll(pfd, np, -1) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		for (i = 0; i < parallel; i++) {
			if (!slots[i].job)
				continue;
			for (k = 0; k < 2; k++) {
				size_t p;

				for (p = 0; p < np && slots[i].fd[k] >= 0; p++)
					if (pfd[p].fd == slots[i].fd[k] && pfd[p].revents) {
						job_read(&slots[i], (int)k);
						break;
					}
			}
			if (slots[i].fd[0] < 0 && slots[i].fd[1] < 0) {
				job_end(&slots[i]);
				nrun--;
			}
		}
	}
	for (i = 0; i < parallel; i++) { /* after a failure: nothing left running */
		for (k = 0; slots[i].job && k < 2; k++)
			if (slots[i].fd[k] >= 0)
				close(slots[i].fd[k]);
		if (slots[i].job)
			job_end(&slots[i]);
	}
	free(slots);
	free(pfd);
	return rc;
}
