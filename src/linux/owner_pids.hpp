// SPDX-License-Identifier: MIT
// Owner pids: which processes hold each socket, from one pass over <proc>/<pid>/fd.
#pragma once

#include <string>

#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

struct owner_scan_result {
    std::size_t unmapped_rows = 0;         // rows with an inode and no owner found
    std::size_t unreadable_processes = 0;  // fd directories we were not allowed to read
};

// Sets pid (the lowest pid holding the socket) and owner_count on rows whose inode is found
// under `proc_dir`/<pid>/fd. Processes that vanish or deny access are skipped and counted, never
// an error; only an unreadable `proc_dir` itself is.
std::error_code map_owner_pids(const std::string& proc_dir, std::vector<tcp_row>& rows,
                               owner_scan_result& result, error_info& info) noexcept;

// Fills the owners of `out`'s rows and its owner counters, for options.owner_pids: from the proc
// root when it is a proc mount, from the host's /proc for one process's view or a named
// namespace, and not at all for a directory of captured files (their inodes name no live
// socket; every row with an inode counts as unmapped).
std::error_code fill_owner_pids(const snapshot_options& options, tcp_table& out,
                                error_info& info) noexcept;

}  // namespace tcptable::inline v0_1::detail
