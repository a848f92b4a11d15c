// SPDX-License-Identifier: MIT
#include <tcptable/namespaces.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {

all_namespaces snapshot_all_namespaces(const snapshot_options& options, std::error_code& ec,
                                       error_info* info) noexcept {
    ec.clear();
    error_info local_info;
    error_info& details = info ? *info : local_info;
    details = {};
    all_namespaces result;
    ec = detail::guarded(details, [&]() -> std::error_code {
        if (!options.netns.empty()) {
            details.message =
                "netns (" + options.netns + ") names one namespace; every namespace is read here";
            return make_error_code(errc::invalid_argument);
        }
        return detail::platform_all_namespaces(options, result, details);
    });
    if (ec) return {};
    return result;
}

all_namespaces snapshot_all_namespaces(const snapshot_options& options) {
    std::error_code ec;
    error_info info;
    all_namespaces r = snapshot_all_namespaces(options, ec, &info);
    if (ec) {
        std::string what = info.to_string();
        throw std::system_error(ec, what.empty() ? "tcptable snapshot_all_namespaces" : what);
    }
    return r;
}

}  // namespace tcptable::inline v0_1
