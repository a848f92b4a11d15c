// SPDX-License-Identifier: MIT
// The iphlpapi backend: GetTcpTable / GetTcp6Table, or GetExtendedTcpTable when owner pids
// are asked, converted by mib_convert.
#pragma once

#include <cstdint>

#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code iphlpapi_snapshot(const snapshot_options& options, backend_rows& out,
                                  error_info& info) noexcept;

// The UDP table: GetExtendedUdpTable(UDP_TABLE_OWNER_PID) for each family asked, the owning
// pids kept when options.owner_pids is set.
std::error_code iphlpapi_udp_snapshot(const snapshot_options& options, udp_table& out,
                                      error_info& info) noexcept;

// Records a failed call in `info` (the call's name and the system's text for the status) and
// returns error_from_win32(status).
std::error_code win32_failure(const char* call, std::uint32_t status, error_info& info);

}  // namespace tcptable::inline v0_1::detail
