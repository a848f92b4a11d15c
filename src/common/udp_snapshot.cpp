// SPDX-License-Identifier: MIT
// snapshot_udp(): the shared half of a UDP snapshot, around the platform's backend.
#include <string>
#include <tcptable/udp.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {

udp_table snapshot_udp(const snapshot_options& options, std::error_code& ec,
                       error_info* info) noexcept {
    ec.clear();
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    udp_table table;
    ec = detail::guarded(details, [&]() -> std::error_code {
        if (!options.states.is_all()) {
            details.message = "UDP sockets have no TCP state: a UDP snapshot takes no state filter";
            return make_error_code(errc::invalid_argument);
        }
        if (auto e = detail::platform_udp_snapshot(options, table, details)) return e;
        if (options.sorted) sort_rows(table.mutable_rows());
        return {};
    });
    if (ec) return {};
    return table;
}

udp_table snapshot_udp(const snapshot_options& options) {
    std::error_code ec;
    error_info info;
    udp_table t = snapshot_udp(options, ec, &info);
    if (ec) {
        std::string what = info.to_string();
        throw std::system_error(ec, what.empty() ? "tcptable UDP snapshot" : what);
    }
    return t;
}

namespace detail {

void udp_rows_from(const std::vector<tcp_row>& rows, udp_table& out) {
    auto& dst = out.mutable_rows();
    dst.reserve(dst.size() + rows.size());
    for (const tcp_row& r : rows) {
        udp_row u;
        u.local_address = r.local_address;
        u.remote_address = r.remote_address;
        u.local_port = r.local_port;
        u.remote_port = r.remote_port;
        u.owner_count = r.owner_count;
        u.pid = r.pid;
        u.uid = r.uid;
        u.inode = r.inode;
        dst.push_back(u);
    }
}

}  // namespace detail
}  // namespace tcptable::inline v0_1
