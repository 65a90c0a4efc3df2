// bench_spawn.h — runs a command for the benchmarks' hand-made reference paths (docker run, curl): posix_spawn
// with a PATH lookup and no shell, stdout captured, stderr discarded, a blocking wait — so the reference pays
// no polling delay of ours. Header-only: benchmarks link nothing extra for it.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace maelstrom::bench {

/// Runs argv and returns {exit code (128 + signal when killed), stdout}. @throws std::runtime_error when it
/// cannot be started.
inline std::pair<int, std::string> spawnCapture(const std::vector<std::string>& argv) {
    int fds[2];
    // Close-on-exec: a command spawned meanwhile from another thread (wrk beside `docker ps`) must not inherit
    // this pipe, or the read below would wait for that other command to end. dup2 onto stdout clears the flag.
    if (pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        throw std::runtime_error("cannot run " + argv[0]);
    }
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

} // namespace maelstrom::bench
