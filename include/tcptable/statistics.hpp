// SPDX-License-Identifier: MIT
// TCP statistics, the MIB_TCPSTATS counters GetTcpStatistics returns.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/tcp_table.hpp>

namespace tcptable::inline v0_1 {

struct tcp_statistics {
    std::int64_t rto_algorithm = 0;  // RtoAlgorithm (RFC 1213 tcpRtoAlgorithm; Linux says 1)
    std::int64_t rto_min = 0;        // ms
    std::int64_t rto_max = 0;        // ms
    std::int64_t max_conn = 0;       // -1: dynamic (MIB_TCP_MAXCONN_DYNAMIC)
    std::uint64_t active_opens = 0;
    std::uint64_t passive_opens = 0;
    std::uint64_t attempt_fails = 0;
    std::uint64_t estab_resets = 0;
    std::uint64_t curr_estab = 0;
    std::uint64_t in_segs = 0;
    std::uint64_t out_segs = 0;
    std::uint64_t retrans_segs = 0;
    std::uint64_t in_errs = 0;
    std::uint64_t out_rsts = 0;
    std::uint64_t num_conns = 0;  // rows in the table (all states, both families)
};

struct statistics_options {
    statistics_options() = default;  // not an aggregate: see snapshot_options

    // Which rows num_conns counts (GetTcpStatisticsEx's family). The counters themselves are
    // shared by IPv4 and IPv6 on Linux.
    address_family family = address_family::both;
    // As in snapshot_options: where proc is mounted, or /proc/<pid> for another namespace.
    std::string proc_root = "/proc";
    std::string netns;
};

// The counters, with num_conns counted from a snapshot taken for the purpose: two reads of the
// table when the caller has one already. The first throws std::system_error; the second never
// throws and returns all zeros with ec set.
TCPTABLE_EXPORT tcp_statistics statistics(const statistics_options& options = {});
TCPTABLE_EXPORT tcp_statistics statistics(const statistics_options& options, std::error_code& ec,
                                          error_info* info = nullptr) noexcept;

// The counters, with num_conns counted from `table`, the caller's own snapshot: its rows of
// options.family (all of them for `both`). No snapshot is taken, so num_conns is exactly the
// rows the caller reports even while connections come and go; only the counters are read.
// For num_conns to mean what GetTcpStatistics' dwNumConns means, pass a table of every state
// (rows filtered out of `table` are not counted). As above, the first overload throws.
TCPTABLE_EXPORT tcp_statistics statistics(const statistics_options& options,
                                          const tcp_table& table);
TCPTABLE_EXPORT tcp_statistics statistics(const statistics_options& options, const tcp_table& table,
                                          std::error_code& ec, error_info* info = nullptr) noexcept;

}  // namespace tcptable::inline v0_1
