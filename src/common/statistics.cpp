#include <new>
#include <tcptable/statistics.hpp>

#include "backend.hpp"

namespace tcptable {

tcp_statistics statistics(const statistics_options& options, std::error_code& ec,
                          error_info* info) noexcept {
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    tcp_statistics stats;
    ec = detail::platform_statistics(options, stats, details);
    if (ec) return {};
    // NumConns is the number of rows in the table, as GetTcpStatistics counts it.
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
    if (ec) {
        std::string what = info.to_string();
        throw std::system_error(ec, what.empty() ? "tcptable statistics" : what);
    }
    return s;
}

}  // namespace tcptable
