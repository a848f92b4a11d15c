// SPDX-License-Identifier: MIT
// Resetting one TCP connection of the machine's table: what Windows' SetTcpEntry does with
// MIB_TCP_STATE_DELETE_TCB. Standard headers only.
#pragma once

#include <system_error>
#include <tcptable/export.hpp>
#include <tcptable/tcp_row.hpp>

namespace tcptable::inline v0_1 {

// Aborts the connection whose endpoints are row's (local address and port, remote address and
// port; an IPv6 scope id chooses the interface): the kernel sends a reset and drops it. The
// state, pid and inode of `row` are not looked at. Linux: a NETLINK_SOCK_DIAG SOCK_DESTROY
// request, which needs CAP_NET_ADMIN in the network namespace and a kernel built with
// CONFIG_INET_DIAG_DESTROY. Windows: SetTcpEntry, IPv4 only, as administrator.
//
// Errors: no such connection is std::errc::no_such_file_or_directory; no privilege is the
// system's EPERM (ERROR_ACCESS_DENIED); a kernel or platform that cannot is
// errc::not_supported. Clears `ec` on success.
//
// It destroys what it names: call it only on connections your program owns.
TCPTABLE_EXPORT void destroy_connection(const tcp_row& row, std::error_code& ec) noexcept;

}  // namespace tcptable::inline v0_1
