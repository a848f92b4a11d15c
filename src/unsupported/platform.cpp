// SPDX-License-Identifier: MIT
// The backend for platforms tcptable has no way to read: it builds, and says so.
#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_snapshot(const snapshot_options&, tcp_table&, error_info& info) noexcept {
    info.message = "no TCP table backend for this platform";
    return make_error_code(errc::not_supported);
}

std::error_code platform_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       error_info& info) noexcept {
    return snapshot_each_whole_table(options, sink, info);  // no streaming read here
}

std::error_code platform_udp_snapshot(const snapshot_options&, udp_table&,
                                      error_info& info) noexcept {
    info.message = "no UDP table backend for this platform";
    return make_error_code(errc::not_supported);
}

std::error_code platform_statistics(const statistics_options&, tcp_statistics&,
                                    error_info& info) noexcept {
    info.message = "TCP statistics are not supported on this platform";
    return make_error_code(errc::not_supported);
}

backend_kind platform_default_backend() noexcept { return backend_kind::automatic; }

std::error_code platform_open_events(event_source, const std::string&,
                                     std::unique_ptr<platform_event_source>&, error_info& info,
                                     event_source&) noexcept {
    info.message = "no event source for this platform";
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
