// SPDX-License-Identifier: MIT
// No connection can be reset on a platform tcptable has no backend for.
#include <tcptable/error.hpp>

#include "../common/destroy.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_destroy_connection(const tcp_row&) noexcept {
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
