// SPDX-License-Identifier: MIT
// destroy_connection() on Windows: SetTcpEntry with MIB_TCP_STATE_DELETE_TCB (IPv4 only; Windows
// has no IPv6 counterpart).
// clang-format off
#include <winsock2.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include <tcptable/error.hpp>

#include "../common/destroy.hpp"
#include "mib_format.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_destroy_connection(const tcp_row& row) noexcept {
    if (!row.local_address.is_v4()) return make_error_code(errc::not_supported);
    MIB_TCPROW m{};
    m.dwState = MIB_TCP_STATE_DELETE_TCB;
    m.dwLocalAddr = address_to_mib_dword(row.local_address);
    m.dwLocalPort = port_to_mib_dword(row.local_port);
    m.dwRemoteAddr = address_to_mib_dword(row.remote_address);
    m.dwRemotePort = port_to_mib_dword(row.remote_port);
    const DWORD result = SetTcpEntry(&m);
    if (result == NO_ERROR) return {};
    return std::error_code(static_cast<int>(result), std::system_category());
}

}  // namespace tcptable::inline v0_1::detail
