// The contract between the shared snapshot code and a platform's backends.
//
// Each platform provides these functions in its own source tree (src/linux, src/win,
// src/unsupported); CMake picks the tree. Shared code never asks which platform it runs on.
#pragma once

#include <system_error>
#include <tcptable/snapshot.hpp>
#include <tcptable/statistics.hpp>
#include <vector>

namespace tcptable::detail {

// Appends the rows of the requested families to `out`, in any order, converted at the edge
// (network-order address bytes, host-order ports, MIB states). A backend may filter by
// options.states itself (in the kernel, ideally); shared code filters again only when the
// backend says it did not. Fills pid/owner_count when options.owner_pids is set, and the
// table's unmapped counters. On failure returns the error, with details in `info`; `out` may
// then hold partial rows, which the caller discards.
struct backend_output {
    std::vector<tcp_row>& rows;
    bool states_filtered = false;
    std::size_t unmapped_owner_rows = 0;
    std::size_t unreadable_processes = 0;
};

std::error_code platform_snapshot(const snapshot_options& options, backend_output& out,
                                  error_info& info) noexcept;

// Fills tcp_row::pid and owner_count for rows that hold a socket inode, and the unmapped
// counters, when options.owner_pids is set. A backend whose OS call already returns owners
// (Windows) leaves this a no-op.
std::error_code platform_fill_owners(const snapshot_options& options, backend_output& out,
                                     error_info& info) noexcept;

// Reads the TCP counters of MIB_TCPSTATS, all but num_conns (which shared code counts).
std::error_code platform_statistics(const statistics_options& options, tcp_statistics& stats,
                                    error_info& info) noexcept;

// What backend_kind::automatic resolves to now.
backend_kind platform_default_backend() noexcept;

}  // namespace tcptable::detail
