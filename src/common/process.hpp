// SPDX-License-Identifier: MIT
// What each platform tree (src/linux, src/win, src/unsupported) provides for process_name():
// one function in its process_name.cpp. Kept apart from backend.hpp, which is the table's.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace tcptable::inline v0_1::detail {

// Sets `out` to the name of process `pid` (never 0: shared code refuses it) and returns {}, or
// returns the error; `out` is then unspecified. Raw bytes, as process_name() documents them.
std::error_code platform_process_name(std::uint32_t pid, std::string& out) noexcept;

}  // namespace tcptable::inline v0_1::detail
