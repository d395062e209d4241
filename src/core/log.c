/*
 * log.c: one line per event on stderr or the configured file:
 *   2026-11-21T10:00:00.123Z info rid=abc message
 * Lines are written with one write(2) on an O_APPEND descriptor, so the
 * workers sharing the file never interleave within a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "holdfast/core.h"

static int	log_fd = STDERR_FILENO;
static int	log_min = HF_LOG_INFO;

static const char *const log_names[HF_LOG__MAX] = {
	"debug", "info", "warn", "error"
};

/* Opens path for appending (NULL or "" keeps stderr). Returns 0 or -1. */
int
log_open(const char *path, int level)
{
	int	fd;

	log_min = level;
	if (path == NULL || *path == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
}

static size_t
log_stamp(char *buf, size_t len)
{
	struct timeval	tv;
	struct tm	tm;
	size_t		n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03dZ",
	    (int)(tv.tv_usec / 1000));
	return n;
}

static void
log_write(const char *line, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(log_fd, line, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		n -= (size_t)w;
	}
}

void
log_msg(int level, const char *rid, const char *fmt, ...)
{
	char	line[2048];
	size_t	n;
	int	m;
	va_list	ap;

	if (level < log_min || level < 0 || level >= HF_LOG__MAX)
		return;
	n = log_stamp(line, sizeof(line));
	m = snprintf(line + n, sizeof(line) - n, " %s pid=%d rid=%s ",
	    log_names[level], (int)getpid(), rid != NULL ? rid : "-");
	if (m > 0)
		n += (size_t)m;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += (size_t)m;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	log_write(line, n);
}

/* The access line: method, path, status, microseconds, request id. */
void
log_access(const char *method, const char *path, int status, int64_t usec,
    const char *rid)
{
	char	line[1024];
	size_t	n, i;
	int	m;

	if (HF_LOG_INFO < log_min)
		return;
	n = log_stamp(line, sizeof(line));
	m = snprintf(line + n, sizeof(line) - n,
	    " access pid=%d rid=%s %s %.512s %d %lldus\n", (int)getpid(),
	    rid, method, path, status, (long long)usec);
	if (m < 0)
		return;
	n += (size_t)m;
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* a client's bytes must not forge a line of their own */
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	log_write(line, n);
}
