/*
 * fcgifloor.c: the FastCGI floor of tests/load/bench-inventory.sh. Opens a
 * FastCGI socket, forks NPROCS libfcgi processes that answer every request
 * with a constant JSON body (pre-forked like the holdfast-fcgi pool), and
 * waits for SIGTERM or SIGINT, then stops its children and removes the
 * socket.
 *
 * usage: fcgifloor SOCKET NPROCS
 */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FLOOR_MAX_PROCS	64

static const char	floor_reply[] = "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n\r\n{}\n";

static void
floor_serve(int fd)
{
	FCGX_Request	r;

	if (FCGX_InitRequest(&r, fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(floor_reply, (int)sizeof(floor_reply) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	pid_t		 kids[FLOOR_MAX_PROCS];
	sigset_t	 stop;
	char		*end;
	long		 n;
	int		 fd, i, sig;

	if (argc != 3) {
		fprintf(stderr, "usage: fcgifloor SOCKET NPROCS\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end != '\0' || n < 1 || n > FLOOR_MAX_PROCS) {
		fprintf(stderr, "fcgifloor: NPROCS must be 1 to %d\n",
		    FLOOR_MAX_PROCS);
		return 2;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (FCGX_Init() != 0 || (fd = FCGX_OpenSocket(argv[1], 1024)) < 0) {
		fprintf(stderr, "fcgifloor: cannot listen on %s\n", argv[1]);
		return 1;
	}
	chmod(argv[1], 0666);	/* nginx's workers run as www-data */
	for (i = 0; i < n; i++) {
		if ((kids[i] = fork()) < 0) {
			perror("fcgifloor: fork");
			n = i;
			break;
		}
		if (kids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigprocmask(SIG_UNBLOCK, &stop, NULL);
			floor_serve(fd);
		}
	}
	while (sigwait(&stop, &sig) != 0 && errno == EINTR)
		;
	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	unlink(argv[1]);
	return 0;
}
