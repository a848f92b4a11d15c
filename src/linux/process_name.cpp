// SPDX-License-Identifier: MIT
// Linux: a process's name is its command name, /proc/<pid>/comm.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <new>

#include "../common/process.hpp"
#include "fd.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_process_name(std::uint32_t pid, std::string& out) noexcept {
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%u/comm", static_cast<unsigned>(pid));
    // O_NONBLOCK | O_NOCTTY: nothing but a proc file is expected here, and nothing may block.
    unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd) return {errno, std::system_category()};
    try {
        out.clear();
        // comm is at most TASK_COMM_LEN - 1 bytes and a newline; read to the end all the same.
        char buf[64];
        for (;;) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return {errno, std::system_category()};
            if (n == 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    // The kernel ends the name with one newline; a name may hold newlines of its own, which stay.
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return {};
}

}  // namespace tcptable::inline v0_1::detail
