#include <algorithm>
#include <new>
#include <tcptable/snapshot.hpp>

#include "backend.hpp"

namespace tcptable {

tcp_table snapshot(const snapshot_options& options, std::error_code& ec,
                   error_info* info) noexcept {
    ec.clear();
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    try {
        std::vector<tcp_row> rows;
        detail::backend_output out{rows};
        ec = detail::platform_snapshot(options, out, details);
        if (!ec && options.owner_pids) ec = detail::platform_fill_owners(options, out, details);
        if (ec) return {};
        if (!out.states_filtered && !options.states.is_all()) {
            std::erase_if(rows,
                          [&](const tcp_row& r) { return !options.states.contains(r.state); });
        }
        if (options.sorted) sort_rows(rows);
        tcp_table table(std::move(rows));
        table.unmapped_owner_rows = out.unmapped_owner_rows;
        table.unreadable_processes = out.unreadable_processes;
        return table;
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    } catch (...) {
        ec = std::make_error_code(std::errc::state_not_recoverable);
    }
    return {};
}

tcp_table snapshot(const snapshot_options& options) {
    std::error_code ec;
    error_info info;
    tcp_table t = snapshot(options, ec, &info);
    if (ec) {
        std::string what = info.to_string();
        throw std::system_error(ec, what.empty() ? "tcptable snapshot" : what);
    }
    return t;
}

backend_kind default_backend() noexcept { return detail::platform_default_backend(); }

}  // namespace tcptable
