// SPDX-License-Identifier: MIT
// No process names on a platform tcptable has no backend for.
#include <tcptable/error.hpp>

#include "../common/process.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_process_name(std::uint32_t, std::string&) noexcept {
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
