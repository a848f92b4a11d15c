// SPDX-License-Identifier: MIT
// Win32 status codes into std::error_code, and the few codes the backend acts on, by value.
// No Windows header: the Linux build compiles and tests this too. iphlpapi_backend.cpp checks
// the values against the SDK's.
#pragma once

#include <cstdint>
#include <system_error>

namespace tcptable::inline v0_1::detail {

// winerror.h values.
inline constexpr std::uint32_t win32_no_error = 0;
inline constexpr std::uint32_t win32_error_not_enough_memory = 8;
inline constexpr std::uint32_t win32_error_outofmemory = 14;
inline constexpr std::uint32_t win32_error_not_supported = 50;
inline constexpr std::uint32_t win32_error_invalid_parameter = 87;
inline constexpr std::uint32_t win32_error_insufficient_buffer = 122;
inline constexpr std::uint32_t win32_error_no_data = 232;
// An NTSTATUS the table calls return as is, under load; a second call usually clears it
// (GetTcpTable: Return value).
inline constexpr std::uint32_t win32_status_unsuccessful = 0xC0000001u;

// The one mapping of a failed iphlpapi call's status into the library's vocabulary.
// ERROR_INSUFFICIENT_BUFFER and STATUS_UNSUCCESSFUL reach here only when the buffer loop gave
// up, so they mean the table kept changing; everything else keeps its Win32 code in
// std::system_category(), which is the Win32 error space on Windows.
std::error_code error_from_win32(std::uint32_t status) noexcept;

}  // namespace tcptable::inline v0_1::detail
