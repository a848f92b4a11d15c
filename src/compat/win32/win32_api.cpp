// SPDX-License-Identifier: MIT
// The IP Helper TCP table functions and the Winsock helpers of include/tcptable/win32, over
// tcptable::snapshot, for programs ported from Windows. Layout and byte order match Windows x64;
// the static_asserts below and tests/win32_api_test.cpp hold them to Windows' values.
#include "win32_api.hpp"

#include "win32_base.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <tcptable/destroy.hpp>
#include <tcptable/snapshot.hpp>
#include <vector>

#include "win/mib_format.hpp"

// Last: the Win32 headers define macros (s_addr, s6_addr, TRUE, ...) that must not reach the
// C++ headers above.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winerror.h>
#include <tcptable/win32/winsock2.h>
#include <tcptable/win32/ws2tcpip.h>

#include "win32_table.hpp"

// Sizes and offsets on Windows x64 (the SDK's tcpmib.h under MSVC). A layout that drifts is a
// compile error here, not a corrupted table in a ported program.
static_assert(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4);
static_assert(sizeof(MIB_TCPROW) == 20 && offsetof(MIB_TCPROW, dwRemotePort) == 16);
static_assert(sizeof(MIB_TCPTABLE) == 24 && offsetof(MIB_TCPTABLE, table) == 4);
static_assert(sizeof(MIB_TCPROW2) == 28 && offsetof(MIB_TCPROW2, dwOffloadState) == 24);
static_assert(sizeof(MIB_TCPTABLE2) == 32 && offsetof(MIB_TCPTABLE2, table) == 4);
static_assert(sizeof(MIB_TCPROW_OWNER_PID) == 24 &&
              offsetof(MIB_TCPROW_OWNER_PID, dwOwningPid) == 20);
static_assert(sizeof(MIB_TCPTABLE_OWNER_PID) == 28 && offsetof(MIB_TCPTABLE_OWNER_PID, table) == 4);
static_assert(sizeof(MIB_TCP6ROW) == 52 && offsetof(MIB_TCP6ROW, dwRemotePort) == 48);
static_assert(sizeof(MIB_TCP6TABLE) == 56 && offsetof(MIB_TCP6TABLE, table) == 4);
static_assert(sizeof(MIB_TCP6ROW2) == 60 && offsetof(MIB_TCP6ROW2, dwOffloadState) == 56);
static_assert(sizeof(MIB_TCP6TABLE2) == 64 && offsetof(MIB_TCP6TABLE2, table) == 4);
static_assert(sizeof(MIB_TCP6ROW_OWNER_PID) == 56 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwOwningPid) == 52);
static_assert(sizeof(MIB_TCP6TABLE_OWNER_PID) == 60 &&
              offsetof(MIB_TCP6TABLE_OWNER_PID, table) == 4);
static_assert(sizeof(MIB_TCPROW_OWNER_MODULE) == 160 &&
              offsetof(MIB_TCPROW_OWNER_MODULE, liCreateTimestamp) == 24 &&
              offsetof(MIB_TCPROW_OWNER_MODULE, OwningModuleInfo) == 32);
static_assert(sizeof(MIB_TCPTABLE_OWNER_MODULE) == 168 &&
              offsetof(MIB_TCPTABLE_OWNER_MODULE, table) == 8);
static_assert(sizeof(MIB_TCP6ROW_OWNER_MODULE) == 192 &&
              offsetof(MIB_TCP6ROW_OWNER_MODULE, liCreateTimestamp) == 56 &&
              offsetof(MIB_TCP6ROW_OWNER_MODULE, OwningModuleInfo) == 64);
static_assert(sizeof(MIB_TCP6TABLE_OWNER_MODULE) == 200 &&
              offsetof(MIB_TCP6TABLE_OWNER_MODULE, table) == 8);
static_assert(sizeof(MIB_TCPSTATS) == 60);

namespace tcptable::inline v0_1::detail {

namespace seam_state {
std::atomic<win32_rows_hook> rows_hook{nullptr};
std::atomic<void*> rows_hook_context{nullptr};
std::atomic<bool> snapshot_bypass{false};
std::atomic<win32_udp_rows_hook> udp_rows_hook{nullptr};
std::atomic<void*> udp_rows_hook_context{nullptr};
}  // namespace seam_state

namespace {

using seam_state::rows_hook;
using seam_state::rows_hook_context;
using seam_state::snapshot_bypass;

DWORD mib_state(tcp_state s) noexcept { return static_cast<DWORD>(s); }

void fill_row(const tcp_row& r, MIB_TCPROW& m) noexcept {
    m.dwState = mib_state(r.state);
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwRemoteAddr = address_to_mib_dword(r.remote_address);
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
}

void fill_row(const tcp_row& r, MIB_TCPROW2& m) noexcept {
    m.dwState = mib_state(r.state);
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwRemoteAddr = address_to_mib_dword(r.remote_address);
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.dwOwningPid = r.pid;
    // Linux has no TCP chimney offload; every connection lives in the host stack.
    m.dwOffloadState = TcpConnectionOffloadStateInHost;
}

void fill_row(const tcp_row& r, MIB_TCPROW_OWNER_PID& m) noexcept {
    m.dwState = mib_state(r.state);
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwRemoteAddr = address_to_mib_dword(r.remote_address);
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.dwOwningPid = r.pid;
}

// The owner-module rows: the pid row plus a creation time and module cookie Linux does not
// keep. Both stay zero; GetOwnerModuleFromTcpEntry goes by dwOwningPid.
void fill_row(const tcp_row& r, MIB_TCPROW_OWNER_MODULE& m) noexcept {
    m.dwState = mib_state(r.state);
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwRemoteAddr = address_to_mib_dword(r.remote_address);
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.dwOwningPid = r.pid;
}

// IPv6 addresses are network-order bytes on both sides: a copy, no conversion.
void fill_row(const tcp_row& r, MIB_TCP6ROW& m) noexcept {
    m.State = static_cast<MIB_TCP_STATE>(mib_state(r.state));
    std::memcpy(&m.LocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    std::memcpy(&m.RemoteAddr, r.remote_address.bytes().data(), 16);
    m.dwRemoteScopeId = r.remote_address.scope_id();
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
}

void fill_row(const tcp_row& r, MIB_TCP6ROW2& m) noexcept {
    std::memcpy(&m.LocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    std::memcpy(&m.RemoteAddr, r.remote_address.bytes().data(), 16);
    m.dwRemoteScopeId = r.remote_address.scope_id();
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.State = static_cast<MIB_TCP_STATE>(mib_state(r.state));
    m.dwOwningPid = r.pid;
    m.dwOffloadState = TcpConnectionOffloadStateInHost;
}

void fill_row(const tcp_row& r, MIB_TCP6ROW_OWNER_PID& m) noexcept {
    std::memcpy(m.ucLocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    std::memcpy(m.ucRemoteAddr, r.remote_address.bytes().data(), 16);
    m.dwRemoteScopeId = r.remote_address.scope_id();
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.dwState = mib_state(r.state);
    m.dwOwningPid = r.pid;
}

void fill_row(const tcp_row& r, MIB_TCP6ROW_OWNER_MODULE& m) noexcept {
    std::memcpy(m.ucLocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    std::memcpy(m.ucRemoteAddr, r.remote_address.bytes().data(), 16);
    m.dwRemoteScopeId = r.remote_address.scope_id();
    m.dwRemotePort = port_to_mib_dword(r.remote_port);
    m.dwState = mib_state(r.state);
    m.dwOwningPid = r.pid;
}

// One table of Table's row type from one snapshot, under the buffer contract of copy_table
// (win32_table.hpp).
template <class Table>
ULONG fill_table(void* buffer, ULONG* size, address_family family, state_set states, BOOL order,
                 bool owner_pids) noexcept {
    if (size == nullptr) return ERROR_INVALID_PARAMETER;
    std::vector<tcp_row> rows;
    if (ULONG err = win32_rows(family, states, order != FALSE, owner_pids, rows)) return err;
    return copy_table<Table>(buffer, size, rows,
                             [](const tcp_row& r, auto& m) noexcept { fill_row(r, m); });
}

}  // namespace

bool win32_family_from(unsigned long af, address_family& family) noexcept {
    if (af == AF_INET) {
        family = address_family::ipv4;
        return true;
    }
    if (af == AF_INET6) {
        family = address_family::ipv6;
        return true;
    }
    return false;
}

unsigned long win32_error_from(const std::error_code& ec) noexcept {
    // Out of memory is the one failure Windows' own callers are used to handle.
    if (ec == std::errc::not_enough_memory) return ERROR_NOT_ENOUGH_MEMORY;
    // Another namespace's table or proc file the caller may not read.
    if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted)
        return ERROR_ACCESS_DENIED;
    if (ec == errc::not_supported || ec == errc::backend_unavailable) return ERROR_NOT_SUPPORTED;
    // Parse errors, a table that never held still, unreadable /proc: Windows documents only
    // "other" failures here; ERROR_GEN_FAILURE is the generic one.
    return ERROR_GEN_FAILURE;
}

unsigned long win32_rows(address_family family, state_set states, bool sorted, bool owner_pids,
                         std::vector<tcp_row>& rows) noexcept {
    snapshot_options options;
    options.family = family;
    options.states = states;
    // Sorted below, after the test seam, so injected rows land in contract order too.
    options.sorted = false;
    options.owner_pids = owner_pids;
    if (snapshot_bypass.load()) {
        rows.clear();
    } else {
        std::error_code ec;
        tcp_table table = snapshot(options, ec);
        if (ec) return win32_error_from(ec);
        rows = table.release();
    }
    if (auto hook = rows_hook.load()) {
        try {
            hook(rows, rows_hook_context.load());
        } catch (...) {
            return ERROR_NOT_ENOUGH_MEMORY;
        }
        // Injected rows pass the same filters as the snapshot's own.
        const auto wanted = family == address_family::ipv4 ? ip_family::ipv4 : ip_family::ipv6;
        std::erase_if(rows, [&](const tcp_row& r) {
            return (family != address_family::both && r.family() != wanted) ||
                   !states.contains(r.state);
        });
    }
    if (sorted) sort_rows(rows);
    return NO_ERROR;
}

}  // namespace tcptable::inline v0_1::detail

using tcptable::address_family;
using tcptable::state_set;
using tcptable::detail::fill_table;

extern "C" {

ULONG WINAPI GetTcpTable(PMIB_TCPTABLE TcpTable, PULONG SizePointer, BOOL Order) {
    return fill_table<MIB_TCPTABLE>(TcpTable, SizePointer, address_family::ipv4, state_set::all(),
                                    Order, false);
}

ULONG WINAPI GetTcp6Table(PMIB_TCP6TABLE TcpTable, PULONG SizePointer, BOOL Order) {
    return fill_table<MIB_TCP6TABLE>(TcpTable, SizePointer, address_family::ipv6, state_set::all(),
                                     Order, false);
}

ULONG WINAPI GetTcpTable2(PMIB_TCPTABLE2 TcpTable, PULONG SizePointer, BOOL Order) {
    return fill_table<MIB_TCPTABLE2>(TcpTable, SizePointer, address_family::ipv4, state_set::all(),
                                     Order, true);
}

ULONG WINAPI GetTcp6Table2(PMIB_TCP6TABLE2 TcpTable, PULONG SizePointer, BOOL Order) {
    return fill_table<MIB_TCP6TABLE2>(TcpTable, SizePointer, address_family::ipv6, state_set::all(),
                                      Order, true);
}

DWORD WINAPI GetExtendedTcpTable(PVOID pTcpTable, PDWORD pdwSize, BOOL bOrder, ULONG ulAf,
                                 TCP_TABLE_CLASS TableClass, ULONG Reserved) {
    if (pdwSize == nullptr || Reserved != 0) return ERROR_INVALID_PARAMETER;
    address_family family;
    if (!tcptable::detail::win32_family_from(ulAf, family)) return ERROR_INVALID_PARAMETER;
    const bool v4 = family == address_family::ipv4;
    // *_CONNECTIONS is every state but LISTEN, as Windows documents the table classes.
    switch (TableClass) {
        case TCP_TABLE_BASIC_LISTENER:
        case TCP_TABLE_BASIC_CONNECTIONS:
        case TCP_TABLE_BASIC_ALL: {
            // The GetExtendedTcpTable page: the BASIC classes are not supported with AF_INET6
            // (there is no MIB_TCP6TABLE in the extended family).
            if (!v4) return ERROR_NOT_SUPPORTED;
            state_set states = TableClass == TCP_TABLE_BASIC_LISTENER ? state_set::listening()
                               : TableClass == TCP_TABLE_BASIC_CONNECTIONS
                                   ? state_set::connections()
                                   : state_set::all();
            return v4 ? fill_table<MIB_TCPTABLE>(pTcpTable, pdwSize, family, states, bOrder, false)
                      : fill_table<MIB_TCP6TABLE>(pTcpTable, pdwSize, family, states, bOrder,
                                                  false);
        }
        case TCP_TABLE_OWNER_PID_LISTENER:
        case TCP_TABLE_OWNER_PID_CONNECTIONS:
        case TCP_TABLE_OWNER_PID_ALL: {
            state_set states = TableClass == TCP_TABLE_OWNER_PID_LISTENER ? state_set::listening()
                               : TableClass == TCP_TABLE_OWNER_PID_CONNECTIONS
                                   ? state_set::connections()
                                   : state_set::all();
            return v4 ? fill_table<MIB_TCPTABLE_OWNER_PID>(pTcpTable, pdwSize, family, states,
                                                           bOrder, true)
                      : fill_table<MIB_TCP6TABLE_OWNER_PID>(pTcpTable, pdwSize, family, states,
                                                            bOrder, true);
        }
        case TCP_TABLE_OWNER_MODULE_LISTENER:
        case TCP_TABLE_OWNER_MODULE_CONNECTIONS:
        case TCP_TABLE_OWNER_MODULE_ALL: {
            state_set states =
                TableClass == TCP_TABLE_OWNER_MODULE_LISTENER      ? state_set::listening()
                : TableClass == TCP_TABLE_OWNER_MODULE_CONNECTIONS ? state_set::connections()
                                                                   : state_set::all();
            return v4 ? fill_table<MIB_TCPTABLE_OWNER_MODULE>(pTcpTable, pdwSize, family, states,
                                                              bOrder, true)
                      : fill_table<MIB_TCP6TABLE_OWNER_MODULE>(pTcpTable, pdwSize, family, states,
                                                               bOrder, true);
        }
    }
    return ERROR_INVALID_PARAMETER;
}

DWORD WINAPI SetTcpEntry(PMIB_TCPROW pTcpRow) {
    // MIB_TCP_STATE_DELETE_TCB is the only state a connection can be set to (SetTcpEntry page).
    if (pTcpRow == nullptr || pTcpRow->dwState != MIB_TCP_STATE_DELETE_TCB)
        return ERROR_INVALID_PARAMETER;
    tcptable::tcp_row row;
    row.local_address = tcptable::detail::address_from_mib_dword(pTcpRow->dwLocalAddr);
    row.local_port = tcptable::detail::port_from_mib_dword(pTcpRow->dwLocalPort);
    row.remote_address = tcptable::detail::address_from_mib_dword(pTcpRow->dwRemoteAddr);
    row.remote_port = tcptable::detail::port_from_mib_dword(pTcpRow->dwRemotePort);
    std::error_code ec;
    tcptable::destroy_connection(row, ec);
    if (!ec) return NO_ERROR;
    if (ec == std::errc::no_such_file_or_directory) return ERROR_NOT_FOUND;
    if (ec == tcptable::errc::invalid_argument) return ERROR_INVALID_PARAMETER;
    return static_cast<DWORD>(tcptable::detail::win32_error_from(ec));
}

USHORT tcptable_win32_ntohs(USHORT value) { return tcptable::detail::network_to_host_u16(value); }

ULONG tcptable_win32_ntohl(ULONG value) { return tcptable::detail::network_to_host_u32(value); }

char* tcptable_win32_inet_ntoa(ULONG network_order_address) {
    // Winsock keeps one buffer per thread; so does this.
    thread_local char text[tcptable::ip_address::max_text_length + 1];
    auto a = tcptable::detail::address_from_mib_dword(network_order_address);
    char* end = a.to_chars(text, text + tcptable::ip_address::max_text_length);
    *end = '\0';
    return text;
}

}  // extern "C"

namespace {

// The text of an address for InetNtop: Windows' errors through the thread's last error.
bool address_text(INT family, const VOID* address, std::size_t buffer_size, char* text,
                  std::size_t& length) noexcept {
    using tcptable::detail::set_last_error;
    tcptable::ip_address a;
    if (family == AF_INET || family == AF_INET6) {
        if (address == nullptr) {
            set_last_error(WSAEFAULT);
            return false;
        }
    }
    if (family == AF_INET) {
        std::array<std::uint8_t, 4> b;
        std::memcpy(b.data(), address, 4);
        a = tcptable::ip_address::v4(b);
    } else if (family == AF_INET6) {
        tcptable::ip_address::bytes_type b;
        std::memcpy(b.data(), address, 16);
        a = tcptable::ip_address::v6(b);
    } else {
        set_last_error(WSAEAFNOSUPPORT);
        return false;
    }
    char* end = a.to_chars(text, text + tcptable::ip_address::max_text_length);
    length = static_cast<std::size_t>(end - text);
    // A NULL buffer, a zero size or one too small for the text and its NUL: the InetNtop page's
    // ERROR_INVALID_PARAMETER.
    if (buffer_size == 0 || length + 1 > buffer_size) {
        set_last_error(WSA_INVALID_PARAMETER);
        return false;
    }
    return true;
}

INT parse_address(INT family, const char* text, PVOID address) noexcept {
    using tcptable::detail::set_last_error;
    if (family != AF_INET && family != AF_INET6) {
        set_last_error(WSAEAFNOSUPPORT);
        return -1;
    }
    if (text == nullptr || address == nullptr) {
        set_last_error(WSAEFAULT);
        return -1;
    }
    auto a = tcptable::ip_address::parse(text);
    // A scope ("%2") is not part of an IN6_ADDR; Winsock's inet_pton rejects it as well.
    if (!a || (family == AF_INET) != a->is_v4() || a->scope_id() != 0) return 0;
    std::memcpy(address, a->bytes().data(), family == AF_INET ? 4 : 16);
    return 1;
}

}  // namespace

extern "C" {

PCSTR tcptable_win32_inet_ntop(INT family, const VOID* address, PSTR buffer, size_t buffer_size) {
    char text[tcptable::ip_address::max_text_length];
    std::size_t length = 0;
    if (!address_text(family, address, buffer == nullptr ? 0 : buffer_size, text, length))
        return nullptr;
    std::memcpy(buffer, text, length);
    buffer[length] = '\0';
    return buffer;
}

PCWSTR tcptable_win32_inet_ntop_w(INT family, const VOID* address, PWSTR buffer,
                                  size_t buffer_chars) {
    char text[tcptable::ip_address::max_text_length];
    std::size_t length = 0;
    if (!address_text(family, address, buffer == nullptr ? 0 : buffer_chars, text, length))
        return nullptr;
    // Address text is ASCII: one WCHAR per byte.
    for (std::size_t i = 0; i < length; ++i) buffer[i] = static_cast<WCHAR>(text[i]);
    buffer[length] = L'\0';
    return buffer;
}

INT tcptable_win32_inet_pton(INT family, PCSTR text, PVOID address) {
    return parse_address(family, text, address);
}

INT tcptable_win32_inet_pton_w(INT family, PCWSTR text, PVOID address) {
    if (text == nullptr) return parse_address(family, nullptr, address);
    // The longest address text, with a scope, fits; anything longer or not ASCII is no address.
    char narrow[tcptable::ip_address::max_text_length + 1];
    std::size_t i = 0;
    for (; text[i] != L'\0'; ++i) {
        if (i == sizeof narrow - 1 || text[i] < 0x20 || text[i] > 0x7e)
            return parse_address(family, "", address);
        narrow[i] = static_cast<char>(text[i]);
    }
    narrow[i] = '\0';
    return parse_address(family, narrow, address);
}

}  // extern "C"
