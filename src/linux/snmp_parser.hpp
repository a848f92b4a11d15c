// SPDX-License-Identifier: MIT
// A pure parser for the Tcp lines of /proc/net/snmp: bytes in, counters out.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/statistics.hpp>

namespace tcptable::inline v0_1::detail {

// /proc/net/snmp holds pairs of lines per protocol: "Tcp: Name Name ..." then "Tcp: 1 200 ...".
// Columns are found by name, so added or reordered columns in newer kernels do not matter.
// Fills every field but num_conns.
std::error_code parse_snmp_tcp(std::string_view text, const std::string& file_name,
                               tcp_statistics& out, error_info& info);

}  // namespace tcptable::inline v0_1::detail
