/*
 * log.c: one line per event on stderr or the configured file:
 *   2026-11-21T10:00:00.123Z info rid=abc message
 * Lines are written with one write(2) on an O_APPEND descriptor, so the
 * workers sharing the file never interleave within a line.
 *
 * The file is reopened when logrotate has moved it away: before a line is
 * written, at most once a second, the path is compared with the open file
 * (device and inode), and on SIGUSR2 or SIGHUP (log_reopen_signals).
 * multiwatch forwards USR2 to every worker unchanged, while HUP, INT, QUIT,
 * TERM and USR1 make it stop the pool, so USR2 is the one to send to the
 * pool; a worker signalled directly takes HUP too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "holdfast/core.h"

static int	log_fd = STDERR_FILENO;
static int	log_min = HF_LOG_INFO;
static char	log_path[256];		/* "" while on stderr */
static time_t	log_checked;		/* path and file last compared */
static volatile sig_atomic_t	log_reopen_wanted;

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
	if (strlen(path) >= sizeof(log_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	memcpy(log_path, path, strlen(path) + 1);
	log_checked = time(NULL);
	return 0;
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_path[0] = '\0';
}

/*
 * For programs run by cron, which mails whatever reaches stderr: while
 * the log is stderr (no log_file), write warnings and errors only.
 */
void
log_quiet_on_stderr(void)
{
	if (log_path[0] == '\0' && log_min < HF_LOG_WARN)
		log_min = HF_LOG_WARN;
}

static void
log_on_signal(int sig)
{
	(void)sig;
	log_reopen_wanted = 1;
}

/*
 * SIGUSR2 and SIGHUP ask for the log file to be reopened before the next
 * line (SA_RESTART: a worker waiting in accept() keeps waiting). Returns
 * 0 or -1.
 */
int
log_reopen_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = log_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	return 0;
}

/*
 * Reopens the file when asked to, or when its path no longer names the
 * file that is open (moved or deleted by logrotate). A file that cannot
 * be opened leaves the old descriptor in use: a line is never lost for it.
 */
static void
log_check(void)
{
	struct stat	 st_path, st_fd;
	time_t		 now;
	int		 fd;

	if (log_path[0] == '\0')
		return;
	if (!log_reopen_wanted) {
		now = time(NULL);
		if (now == log_checked)
			return;
		log_checked = now;
		if (stat(log_path, &st_path) == 0 &&
		    fstat(log_fd, &st_fd) == 0 &&
		    st_path.st_dev == st_fd.st_dev &&
		    st_path.st_ino == st_fd.st_ino)
			return;
	}
	log_reopen_wanted = 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	close(log_fd);
	log_fd = fd;
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

	log_check();
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
