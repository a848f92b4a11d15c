// SPDX-License-Identifier: MIT
// Owner pids: which processes hold each socket. With BPF permitted, one pass of the
// iter/task_file program in the kernel (bpf/bpf_owner_pids.cpp); otherwise one pass over
// <proc>/<pid>/fd, or the incremental version of that pass through a tcptable::owner_cache
// (owner_cache.cpp). docs/DESIGN.md, "Owner attribution".
#pragma once

#include <string>
#include <tcptable/owner_cache.hpp>

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

// The same result through `cache` (owner_cache.cpp): only what changed since the cache's last
// snapshot is read. A cache used with another proc_dir starts over.
std::error_code map_owner_pids_cached(const std::string& proc_dir, std::vector<tcp_row>& rows,
                                      owner_cache& cache, owner_scan_result& result,
                                      error_info& info) noexcept;

// Whether the BPF iterator can give owners here and now: built with BPF, loadable (CAP_BPF and
// CAP_PERFMON, or root; a kernel with iter/task_file), and this process sees the initial pid
// namespace's pids in /proc (the iterator's pids are that namespace's).
bool owner_bpf_available() noexcept;

// Owners of `rows` for processes under `proc_dir`: the BPF iterator when proc_dir is "/proc"
// and owner_bpf_available(); else options.owner_cache's incremental pass; else the full scan.
// `method` says which answered.
std::error_code resolve_owner_pids(const snapshot_options& options, const std::string& proc_dir,
                                   std::vector<tcp_row>& rows, owner_scan_result& result,
                                   owner_method& method, error_info& info) noexcept;

// Fills the owners of `out`'s rows and its owner counters, for options.owner_pids: from the proc
// root when it is a proc mount, from the host's /proc for one process's view or a named
// namespace, and not at all for a directory of captured files (their inodes name no live
// socket; every row with an inode counts as unmapped).
std::error_code fill_owner_pids(const snapshot_options& options, tcp_table& out,
                                error_info& info) noexcept;

}  // namespace tcptable::inline v0_1::detail
