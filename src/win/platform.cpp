// Windows: picks the backend for a snapshot. iphlpapi is the only one; the Linux backends are
// not available here.
#include "../common/backend.hpp"
#include "iphlpapi_backend.hpp"

namespace tcptable::detail {

std::error_code platform_snapshot(const snapshot_options& options, backend_output& out,
                                  error_info& info) noexcept {
    switch (options.backend) {
        case backend_kind::automatic:
        case backend_kind::iphlpapi:
            return iphlpapi_snapshot(options, out, info);
        case backend_kind::procfs:
        case backend_kind::netlink:
            break;
    }
    info.message = std::string("backend ") + std::string(to_string(options.backend)) +
                   " is not available on Windows";
    return make_error_code(errc::not_supported);
}

// GetExtendedTcpTable already put the owning pid on every row during the snapshot.
std::error_code platform_fill_owners(const snapshot_options&, backend_output&,
                                     error_info&) noexcept {
    return {};
}

backend_kind platform_default_backend() noexcept { return backend_kind::iphlpapi; }

}  // namespace tcptable::detail
