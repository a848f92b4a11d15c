// SPDX-License-Identifier: MIT
// The /proc/net/tcp{,6} backend: file reading around the pure parser.
#pragma once

#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

// Reads `<proc_root>/net/tcp` and/or `tcp6` per options.family into out.rows (`udp`, `udp6`
// for out.protocol udp).
std::error_code procfs_snapshot(const snapshot_options& options, backend_rows& out,
                                error_info& info) noexcept;

// Reads one file into out, `path` naming it, dropping rows the kernel listed twice (see
// drop_repeated_rows). Missing-file handling is the caller's.
std::error_code procfs_read_file(const std::string& path, ip_family family, state_set states,
                                 std::vector<tcp_row>& out, error_info& info,
                                 transport_protocol protocol = transport_protocol::tcp,
                                 std::vector<tcp_metrics>* metrics = nullptr);

// The kernel hands /proc/net/tcp out a page per read() and resumes its walk of the socket hash
// tables by position each time (net/ipv4/tcp_ipv4.c, tcp_seek_last_pos), so while sockets come
// and go the rows near a page boundary can be listed again. A socket is in the table once, so
// rows[first..] keeps the first listing of each: same inode and endpoints, or for rows without
// an inode (TIME-WAIT, SYN-RECEIVED) the same endpoints. Returns how many rows were dropped.
// `metrics`, when given, is parallel to `rows` and loses the same positions.
std::size_t drop_repeated_rows(std::vector<tcp_row>& rows, std::size_t first,
                               std::vector<tcp_metrics>* metrics = nullptr);

}  // namespace tcptable::inline v0_1::detail
