// SPDX-License-Identifier: MIT
// Windows has no network namespaces (compartments are not exposed by iphlpapi's tables): every
// namespace is the one table, named "host", inode 0.
#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_all_namespaces(const snapshot_options& options, all_namespaces& out,
                                        error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        std::error_code ec;
        namespace_table ns;
        ns.name = "host";
        ns.own = true;
        ns.table = snapshot(options, ec, &info);
        if (ec) return ec;
        out.unreadable_processes = ns.table.unreadable_processes;
        out.namespaces.push_back(std::move(ns));
        return {};
    });
}

}  // namespace tcptable::inline v0_1::detail
