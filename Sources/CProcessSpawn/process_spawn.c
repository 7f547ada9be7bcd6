// glibc declares posix_spawn_file_actions_addchdir_np and _addclosefrom_np only with
// _GNU_SOURCE, which Swift's Glibc module does not see; this file is the bridge.
#define _GNU_SOURCE
#include "process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

int alliance_ledger_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                          const char *output_path, const char *directory) {
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error != 0) return error;
    if ((error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
        (error = posix_spawn_file_actions_addopen(&actions, 1, output_path,
                                                  O_WRONLY | O_CREAT | O_TRUNC, 0600)) != 0 ||
        (error = posix_spawn_file_actions_adddup2(&actions, 1, 2)) != 0 ||
        (directory != NULL &&
         (error = posix_spawn_file_actions_addchdir_np(&actions, directory)) != 0) ||
        (error = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return error;
    }
    // The calling thread may be a libdispatch worker, which blocks every signal; a child would
    // inherit that mask and never see SIGALRM or SIGTERM. Start it with none blocked and every
    // signal at its default action.
    posix_spawnattr_t attributes;
    if ((error = posix_spawnattr_init(&attributes)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return error;
    }
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    if ((error = posix_spawnattr_setsigmask(&attributes, &empty)) == 0 &&
        (error = posix_spawnattr_setsigdefault(&attributes, &all)) == 0 &&
        (error = posix_spawnattr_setflags(&attributes,
                                          POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0) {
        error = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}
