// SPDX-License-Identifier: MIT
#include "destroy.hpp"

#include <tcptable/destroy.hpp>
#include <tcptable/error.hpp>

namespace tcptable::inline v0_1 {

void destroy_connection(const tcp_row& row, std::error_code& ec) noexcept {
    // Both ends of one family, and a connection, not a listener's wildcard peer.
    if (row.local_address.family() != row.remote_address.family() || row.local_port == 0) {
        ec = make_error_code(errc::invalid_argument);
        return;
    }
    ec = detail::platform_destroy_connection(row);
}

}  // namespace tcptable::inline v0_1
