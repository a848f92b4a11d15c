// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <tcptable/snapshot.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {

tcp_table snapshot(const snapshot_options& options, std::error_code& ec,
                   error_info* info) noexcept {
    ec.clear();
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    tcp_table table;
    ec = detail::guarded(details, [&] {
        table.set_metrics_asked(options.metrics);
        if (auto e = detail::platform_snapshot(options, table, details)) return e;
        if (options.metrics && table.mutable_metrics().size() != table.size()) {
            details.message = "backend returned " + std::to_string(table.mutable_metrics().size()) +
                              " metrics for " + std::to_string(table.size()) + " rows";
            return std::make_error_code(std::errc::state_not_recoverable);
        }
        if (options.sorted) detail::sort_table(table);
        return std::error_code{};
    });
    if (ec) return {};
    return table;
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

void snapshot_each(const snapshot_options& options,
                   const std::function<void(std::span<const tcp_row>)>& on_batch,
                   std::error_code& ec, error_info* info) {
    ec.clear();
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    if (options.sorted || options.metrics) {
        // Sorting needs the whole table; metrics live beside it (tcp_table::metrics).
        tcp_table table = snapshot(options, ec, &details);
        if (!ec && table.size() != 0) on_batch(table.rows());
        return;
    }
    // The callback's exception crosses the backend's noexcept boundary as a stored pointer.
    std::exception_ptr thrown;
    const detail::row_batch_sink sink = [&](std::span<const tcp_row> rows) {
        if (rows.empty()) return true;
        try {
            on_batch(rows);
            return true;
        } catch (...) {
            thrown = std::current_exception();
            return false;
        }
    };
    ec = detail::platform_snapshot_each(options, sink, details);
    if (thrown) std::rethrow_exception(thrown);
}

backend_kind default_backend() noexcept { return detail::platform_default_backend(); }

namespace detail {

std::error_code snapshot_each_whole_table(const snapshot_options& options,
                                          const row_batch_sink& sink, error_info& info) noexcept {
    return guarded(info, [&] {
        tcp_table table;
        if (auto ec = platform_snapshot(options, table, info)) return ec;
        sink(table.rows());
        return std::error_code{};
    });
}

void keep_states(std::vector<tcp_row>& rows, state_set states, std::size_t first,
                 std::vector<tcp_metrics>* metrics) {
    if (states.is_all()) return;
    if (metrics) {
        std::size_t kept = first;
        for (std::size_t i = first; i < rows.size(); ++i) {
            if (!states.contains(rows[i].state)) continue;
            if (kept != i) {
                rows[kept] = rows[i];
                (*metrics)[kept] = (*metrics)[i];
            }
            ++kept;
        }
        rows.resize(kept);
        metrics->resize(kept);
        return;
    }
    auto kept = std::remove_if(rows.begin() + static_cast<std::ptrdiff_t>(first), rows.end(),
                               [&](const tcp_row& r) { return !states.contains(r.state); });
    rows.erase(kept, rows.end());
}

std::error_code os_error(error_info& info, std::string_view what, int err, std::string_view path) {
    info.file = std::string(path);
    info.line = 0;
    info.message = std::string(what) + ": " + std::strerror(err);
    return {err, std::system_category()};
}

}  // namespace detail

}  // namespace tcptable::inline v0_1
