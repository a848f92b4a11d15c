// SPDX-License-Identifier: MIT
// No namespaces and no table here: snapshot_all_namespaces says so.
#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_all_namespaces(const snapshot_options&, all_namespaces&,
                                        error_info& info) noexcept {
    info.message = "no TCP table backend for this platform";
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
