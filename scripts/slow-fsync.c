/*
 * A disk far slower than this machine's, for one process: an LD_PRELOAD library whose fsync and
 * fdatasync sleep before doing their work. It showed what in berthd waits on an fsync (an
 * audited change waited for the audit head's two; a Node report waits for a worker thread in
 * one): see CONTRIBUTING.md, "A slow disk".
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slow-fsync.so scripts/slow-fsync.c -ldl
 *   SLOW_FSYNC_MS=5000 SLOW_FSYNC_WHILE=/tmp/slow-on LD_PRELOAD=/tmp/slow-fsync.so \
 *     node --import tsx --test test/fleet/join.e2e.test.ts     # touch /tmp/slow-on to start
 *
 * SLOW_FSYNC_MATCH (default: berthd's entry point) picks the processes by a piece of their
 * command line; every other process the variable reaches syncs at full speed. Each sleep is
 * written to the process's stderr with its thread id (the main thread's equals the pid).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int matches = -1;

static int this_process_matches(void) {
  if (matches >= 0) return matches;
  const char *want = getenv("SLOW_FSYNC_MATCH");
  if (want == NULL || *want == '\0') want = "server/dist/main.js";
  char buf[4096] = {0};
  int fd = open("/proc/self/cmdline", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
  if (fd >= 0) close(fd);
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  matches = strstr(buf, want) != NULL;
  return matches;
}

static void maybe_sleep(const char *what) {
  if (!this_process_matches()) return;
  const char *flag = getenv("SLOW_FSYNC_WHILE");
  struct stat st;
  if (flag != NULL && *flag != '\0' && stat(flag, &st) != 0) return;
  const char *ms_text = getenv("SLOW_FSYNC_MS");
  long ms = ms_text != NULL ? strtol(ms_text, NULL, 10) : 5000;
  if (ms <= 0) return;
  fprintf(stderr, "slow-fsync: %s sleeps %ld ms (pid %d tid %d)\n", what, ms, getpid(), gettid());
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  maybe_sleep("fsync");
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  maybe_sleep("fdatasync");
  return real(fd);
}
