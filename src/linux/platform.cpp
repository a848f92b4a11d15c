// Linux: picks the backend for a snapshot.
#include "../common/backend.hpp"
#include "procfs_backend.hpp"

namespace tcptable::detail {

std::error_code platform_snapshot(const snapshot_options& options, backend_output& out,
                                  error_info& info) noexcept {
    switch (options.backend) {
        case backend_kind::automatic:
        case backend_kind::procfs:
            return procfs_snapshot(options, out, info);
        case backend_kind::netlink:
        case backend_kind::iphlpapi:
            break;
    }
    info.message = std::string("backend ") + std::string(to_string(options.backend)) +
                   " is not available on Linux";
    return make_error_code(errc::not_supported);
}

backend_kind platform_default_backend() noexcept { return backend_kind::procfs; }

}  // namespace tcptable::detail
