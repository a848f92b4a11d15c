// SPDX-License-Identifier: MIT
// How many rows a full snapshot will hold, from /proc/net/sockstat{,6}, to size the row vector
// once instead of growing it (each growth copies every row and leaves up to half unused).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcptable::inline v0_1::detail {

// Parses "TCP: inuse N ... tw M ..." (sockstat) or "TCP6: inuse N" (sockstat6) and returns
// inuse + tw; 0 when the text has no such line.
std::size_t parse_sockstat_tcp(std::string_view text) noexcept;

// inuse (IPv4 + IPv6) + TIME-WAIT under `proc_root`; 0 when unknown. Never fails.
std::size_t estimate_tcp_rows(const std::string& proc_root) noexcept;

}  // namespace tcptable::inline v0_1::detail
