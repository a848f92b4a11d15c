// SPDX-License-Identifier: MIT
// The calling thread's last error (GetLastError, WSAGetLastError), shared by the Win32 layer's
// sources. No Win32 header: plain integers.
#pragma once

#include <cstdint>

namespace tcptable::inline v0_1::detail {

// Sets the thread's last error to a Win32 or Winsock code, as SetLastError does. errno is set
// too: to the matching value for a Winsock code (WSAEADDRINUSE -> EADDRINUSE), else to a
// carrier value the socket calls never produce, so that a later failing call (which sets errno
// anew) is what GetLastError reports then.
void set_last_error(std::uint32_t code) noexcept;

// The thread's last error: the code last set, while errno still holds what setting it left
// there; otherwise the Winsock code for errno (0 for 0).
std::uint32_t last_error() noexcept;

// The Winsock code for an errno value (EADDRINUSE -> WSAEADDRINUSE, ENOMEM ->
// WSA_NOT_ENOUGH_MEMORY); an errno without one gives WSAEINVAL.
std::uint32_t wsa_error_from_errno(int error) noexcept;

}  // namespace tcptable::inline v0_1::detail
