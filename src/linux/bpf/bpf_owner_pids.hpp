// SPDX-License-Identifier: MIT
// Owner pids from the kernel in one pass: the iter/task_file program task_sockets.bpf.c.
#pragma once

#include <cstdint>
#include <system_error>
#include <tcptable/error.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail {

struct task_socket {
    std::uint32_t inode;  // the socket's inode
    std::uint32_t tgid;   // a process holding it, in the initial pid namespace
};

// Appends one record per (process, internet socket it holds open), the records of a process
// together. The program is loaded on first use and kept for the life of the process (a pass
// costs far less than a load); a forked child or a changed effective uid loads its own.
// errc::not_supported when it cannot be loaded here (no CAP_BPF + CAP_PERFMON, a kernel
// without iter/task_file), with the reason in info; that answer is remembered too.
std::error_code bpf_task_sockets(std::vector<task_socket>& out, error_info& info) noexcept;

// Whether this process (and euid) has the program loaded already, so a pass costs no load.
bool bpf_task_sockets_loaded() noexcept;

}  // namespace tcptable::inline v0_1::detail
