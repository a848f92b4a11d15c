// SPDX-License-Identifier: MIT
#include <new>
#include <tcptable/statistics.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {
namespace {

// NumConns is the number of rows in the table, as GetTcpStatistics counts it.
std::uint64_t count_rows(const tcp_table& table, address_family family) noexcept {
    if (family == address_family::both) return table.size();
    const ip_family wanted = family == address_family::ipv4 ? ip_family::ipv4 : ip_family::ipv6;
    std::uint64_t n = 0;
    for (const tcp_row& r : table) n += r.family() == wanted;
    return n;
}

tcp_statistics throw_on_error(const tcp_statistics& s, const std::error_code& ec,
                              const error_info& info) {
    if (ec) {
        std::string what = info.to_string();
        throw std::system_error(ec, what.empty() ? "tcptable statistics" : what);
    }
    return s;
}

}  // namespace

tcp_statistics statistics(const statistics_options& options, const tcp_table& table,
                          std::error_code& ec, error_info* info) noexcept {
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    tcp_statistics stats;
    ec = detail::platform_statistics(options, stats, details);
    if (ec) return {};
    stats.num_conns = count_rows(table, options.family);
    return stats;
}

tcp_statistics statistics(const statistics_options& options, std::error_code& ec,
                          error_info* info) noexcept {
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    tcp_statistics stats;
    ec = detail::platform_statistics(options, stats, details);
    if (ec) return {};
    snapshot_options so;
    so.family = options.family;
    so.sorted = false;
    so.proc_root = options.proc_root;
    so.netns = options.netns;
    tcp_table t = snapshot(so, ec, &details);
    if (ec) return {};
    stats.num_conns = t.size();
    return stats;
}

tcp_statistics statistics(const statistics_options& options) {
    std::error_code ec;
    error_info info;
    tcp_statistics s = statistics(options, ec, &info);
    return throw_on_error(s, ec, info);
}

tcp_statistics statistics(const statistics_options& options, const tcp_table& table) {
    std::error_code ec;
    error_info info;
    tcp_statistics s = statistics(options, table, ec, &info);
    return throw_on_error(s, ec, info);
}

}  // namespace tcptable::inline v0_1
