#ifndef ALLIANCE_LEDGER_PROCESS_SPAWN_H
#define ALLIANCE_LEDGER_PROCESS_SPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp`, standard input from /dev/null, standard output and
/// error into `output_path`, in `directory` when it is not NULL, with every other descriptor
/// closed and a clean signal state. Returns 0 and sets `*pid`, or an errno value.
int alliance_ledger_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                          const char *output_path, const char *directory);

#endif
