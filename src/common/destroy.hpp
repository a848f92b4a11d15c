// SPDX-License-Identifier: MIT
// What each platform tree provides for destroy_connection(): one function in its
// destroy.cpp. Kept apart from backend.hpp, which is the table's.
#pragma once

#include <system_error>
#include <tcptable/tcp_row.hpp>

namespace tcptable::inline v0_1::detail {

// Aborts the TCP connection with row's endpoints; {} on success.
std::error_code platform_destroy_connection(const tcp_row& row) noexcept;

}  // namespace tcptable::inline v0_1::detail
