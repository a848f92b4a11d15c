// SPDX-License-Identifier: MIT
// Windows: picks the backend for a snapshot. iphlpapi is the only one; the Linux backends and
// their options are not available here.
#include "../common/backend.hpp"
#include "estats_metrics.hpp"
#include "iphlpapi_backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_snapshot(const snapshot_options& options, tcp_table& out,
                                  error_info& info) noexcept {
    // Options only Linux can honour are refused, never ignored: a caller asking for another
    // namespace must not silently get this one's table.
    if (options.proc_root != "/proc") {
        info.message = "proc_root (" + options.proc_root + ") is not available on Windows";
        return make_error_code(errc::not_supported);
    }
    if (!options.netns.empty()) {
        info.message = "network namespaces (" + options.netns + ") are not available on Windows";
        return make_error_code(errc::not_supported);
    }
    switch (options.backend) {
        case backend_kind::automatic:
        case backend_kind::iphlpapi:
            return guarded(info, [&] {
                // GetExtendedTcpTable puts the owning pid on every row when owners are asked.
                backend_rows rows{out.mutable_rows()};
                if (auto ec = iphlpapi_snapshot(options, rows, info)) return ec;
                // snapshot_options::owner_cache is ignored: the table itself gives owners.
                if (options.owner_pids) out.owner_source = owner_method::platform;
                if (!rows.states_filtered) keep_states(rows.rows, options.states);
                // Per row, after filtering; absent figures never fail the snapshot.
                if (options.metrics)
                    fill_estats_metrics(rows.rows, out.mutable_metrics(), out.metrics_note);
                return std::error_code{};
            });
        case backend_kind::procfs:
        case backend_kind::netlink:
        case backend_kind::bpf:
            break;
    }
    info.message = std::string("backend ") + std::string(to_string(options.backend)) +
                   " is not available on Windows";
    return make_error_code(errc::not_supported);
}

namespace {

// Options only Linux can honour, refused as platform_snapshot refuses them.
std::error_code linux_only_options(const snapshot_options& options, error_info& info) {
    if (options.proc_root != "/proc") {
        info.message = "proc_root (" + options.proc_root + ") is not available on Windows";
        return make_error_code(errc::not_supported);
    }
    if (!options.netns.empty()) {
        info.message = "network namespaces (" + options.netns + ") are not available on Windows";
        return make_error_code(errc::not_supported);
    }
    if (options.backend != backend_kind::automatic && options.backend != backend_kind::iphlpapi) {
        info.message = std::string("backend ") + std::string(to_string(options.backend)) +
                       " is not available on Windows";
        return make_error_code(errc::not_supported);
    }
    return {};
}

}  // namespace

std::error_code platform_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       error_info& info) noexcept {
    return snapshot_each_whole_table(options, sink, info);  // no streaming read here
}

std::error_code platform_udp_snapshot(const snapshot_options& options, udp_table& out,
                                      error_info& info) noexcept {
    return guarded(info, [&] {
        if (auto ec = linux_only_options(options, info)) return ec;
        if (auto ec = iphlpapi_udp_snapshot(options, out, info)) return ec;
        if (options.owner_pids) out.owner_source = owner_method::platform;
        return std::error_code{};
    });
}

backend_kind platform_default_backend() noexcept { return backend_kind::iphlpapi; }

std::error_code platform_open_events(event_source, const std::string&,
                                     std::unique_ptr<platform_event_source>&, error_info& info,
                                     event_source&) noexcept {
    info.message = "IP Helper has no TCP table notification: only polling";
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
