// SPDX-License-Identifier: MIT
// Runs part of a test in a forked child: for what must not leak into the test process (a new
// network or mount namespace, a setuid() to an unprivileged user) or what must be killable.
// Only the forking thread exists in the child, so the body must not wait on the parent's threads.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>

namespace tcptable::testing {

// What a child reported: `ok` when its body returned an empty string, `skipped` when it returned
// "SKIP: why", otherwise `message` says what failed (or how the child died).
struct child_result {
    bool ok = false;
    bool skipped = false;
    std::string message;
};

inline child_result run_in_child(const std::function<std::string()>& body,
                                 std::chrono::seconds limit = std::chrono::seconds(60)) {
    child_result result;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.message = std::string("pipe2: ") + std::strerror(errno);
        return result;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.message = std::string("fork: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        return result;
    }
    if (pid == 0) {
        ::close(fds[0]);
        std::string message;
        try {
            message = body();
        } catch (const std::exception& e) {
            message = std::string("exception: ") + e.what();
        }
        const char* p = message.data();
        std::size_t left = message.size();
        while (left > 0) {
            ssize_t n = ::write(fds[1], p, left);
            if (n <= 0) break;
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        // _exit: the parent's atexit handlers and gtest's state are not the child's to run.
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string message;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool timed_out = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        char buf[4096];
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        message.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    // Our own child, and only it: a child that overran its time is stopped.
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        result.message = "child timed out after " + std::to_string(limit.count()) + " s";
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        result.message = "child died (status " + std::to_string(status) + "): " + message;
    } else if (message.rfind("SKIP: ", 0) == 0) {
        result.skipped = true;
        result.message = message.substr(6);
    } else {
        result.ok = message.empty();
        result.message = message;
    }
    return result;
}

}  // namespace tcptable::testing

// Fails or skips the calling test per a child_result.
#define TCPTABLE_EXPECT_CHILD(result_expr)                                                  \
    do {                                                                                    \
        const auto tcptable_child_result_ = (result_expr);                                  \
        if (tcptable_child_result_.skipped) GTEST_SKIP() << tcptable_child_result_.message; \
        EXPECT_TRUE(tcptable_child_result_.ok) << tcptable_child_result_.message;           \
    } while (0)
