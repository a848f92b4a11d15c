// SPDX-License-Identifier: MIT
// The IP Helper UDP table functions (GetUdpTable, GetUdp6Table, GetExtendedUdpTable) over
// tcptable::snapshot_udp, with the TCP functions' buffer contract: one snapshot per call, sized
// and filled from the same rows, nothing written past *size, the buffer untouched on failure.
#include <cstddef>
#include <cstring>
#include <tcptable/udp.hpp>
#include <vector>

#include "win/mib_format.hpp"
#include "win32_api.hpp"

// Last: the Win32 headers define macros that must not reach the C++ headers above.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winsock2.h>

#include "win32_table.hpp"

// Windows x64's sizes and offsets (udpmib.h); the cross build checks them against MinGW's.
static_assert(sizeof(MIB_UDPROW) == 8 && sizeof(MIB_UDPTABLE) == 12);
static_assert(sizeof(MIB_UDPROW_OWNER_PID) == 12 && sizeof(MIB_UDPTABLE_OWNER_PID) == 16);
static_assert(sizeof(MIB_UDPROW_OWNER_MODULE) == 160 &&
              offsetof(MIB_UDPROW_OWNER_MODULE, liCreateTimestamp) == 16 &&
              offsetof(MIB_UDPROW_OWNER_MODULE, dwFlags) == 24 &&
              offsetof(MIB_UDPROW_OWNER_MODULE, OwningModuleInfo) == 32);
static_assert(sizeof(MIB_UDPTABLE_OWNER_MODULE) == 168 &&
              offsetof(MIB_UDPTABLE_OWNER_MODULE, table) == 8);
static_assert(sizeof(MIB_UDP6ROW) == 24 && offsetof(MIB_UDP6ROW, dwLocalPort) == 20);
static_assert(sizeof(MIB_UDP6TABLE) == 28);
static_assert(sizeof(MIB_UDP6ROW_OWNER_PID) == 28 &&
              offsetof(MIB_UDP6ROW_OWNER_PID, dwOwningPid) == 24);
static_assert(sizeof(MIB_UDP6TABLE_OWNER_PID) == 32);
static_assert(sizeof(MIB_UDP6ROW_OWNER_MODULE) == 176 &&
              offsetof(MIB_UDP6ROW_OWNER_MODULE, liCreateTimestamp) == 32 &&
              offsetof(MIB_UDP6ROW_OWNER_MODULE, dwFlags) == 40 &&
              offsetof(MIB_UDP6ROW_OWNER_MODULE, OwningModuleInfo) == 48);
static_assert(sizeof(MIB_UDP6TABLE_OWNER_MODULE) == 184 &&
              offsetof(MIB_UDP6TABLE_OWNER_MODULE, table) == 8);

namespace tcptable::inline v0_1::detail {

unsigned long win32_udp_rows(address_family family, bool sorted, bool owner_pids,
                             std::vector<udp_row>& rows) noexcept {
    snapshot_options options;
    options.family = family;
    options.sorted = false;  // sorted below, after the seam
    options.owner_pids = owner_pids;
    if (seam_state::snapshot_bypass.load()) {
        rows.clear();
    } else {
        std::error_code ec;
        udp_table table = snapshot_udp(options, ec);
        if (ec) return win32_error_from(ec);
        rows = table.release();
    }
    if (auto hook = seam_state::udp_rows_hook.load()) {
        try {
            hook(rows, seam_state::udp_rows_hook_context.load());
        } catch (...) {
            return ERROR_NOT_ENOUGH_MEMORY;
        }
        const auto wanted = family == address_family::ipv4 ? ip_family::ipv4 : ip_family::ipv6;
        std::erase_if(rows, [&](const udp_row& r) {
            return family != address_family::both && r.family() != wanted;
        });
    }
    // The contract's order is Windows' for UDP: local address (with its scope id), local port.
    if (sorted) sort_rows(rows);
    return NO_ERROR;
}

namespace {

void fill_row(const udp_row& r, MIB_UDPROW& m) noexcept {
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
}
void fill_row(const udp_row& r, MIB_UDPROW_OWNER_PID& m) noexcept {
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwOwningPid = r.pid;
}
// The creation time and module cookie Linux does not keep stay zero; SpecificPortBind too.
void fill_row(const udp_row& r, MIB_UDPROW_OWNER_MODULE& m) noexcept {
    m.dwLocalAddr = address_to_mib_dword(r.local_address);
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwOwningPid = r.pid;
}
void fill_row(const udp_row& r, MIB_UDP6ROW& m) noexcept {
    std::memcpy(&m.dwLocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
}
void fill_row(const udp_row& r, MIB_UDP6ROW_OWNER_PID& m) noexcept {
    std::memcpy(m.ucLocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwOwningPid = r.pid;
}
void fill_row(const udp_row& r, MIB_UDP6ROW_OWNER_MODULE& m) noexcept {
    std::memcpy(m.ucLocalAddr, r.local_address.bytes().data(), 16);
    m.dwLocalScopeId = r.local_address.scope_id();
    m.dwLocalPort = port_to_mib_dword(r.local_port);
    m.dwOwningPid = r.pid;
}

// One table of Table's row type from one snapshot_udp, under the TCP functions' buffer
// contract (copy_table, win32_table.hpp).
template <class Table>
ULONG fill_udp_table(void* buffer, ULONG* size, address_family family, BOOL order,
                     bool owner_pids) noexcept {
    if (size == nullptr) return ERROR_INVALID_PARAMETER;
    std::vector<udp_row> rows;
    if (ULONG err = win32_udp_rows(family, order != FALSE, owner_pids, rows)) return err;
    return copy_table<Table>(buffer, size, rows,
                             [](const udp_row& r, auto& m) noexcept { fill_row(r, m); });
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail

using tcptable::address_family;
using tcptable::detail::fill_udp_table;

extern "C" {

ULONG WINAPI GetUdpTable(PMIB_UDPTABLE UdpTable, PULONG SizePointer, BOOL Order) {
    return fill_udp_table<MIB_UDPTABLE>(UdpTable, SizePointer, address_family::ipv4, Order, false);
}

ULONG WINAPI GetUdp6Table(PMIB_UDP6TABLE Udp6Table, PULONG SizePointer, BOOL Order) {
    return fill_udp_table<MIB_UDP6TABLE>(Udp6Table, SizePointer, address_family::ipv6, Order,
                                         false);
}

DWORD WINAPI GetExtendedUdpTable(PVOID pUdpTable, PDWORD pdwSize, BOOL bOrder, ULONG ulAf,
                                 UDP_TABLE_CLASS TableClass, ULONG Reserved) {
    if (pdwSize == nullptr || Reserved != 0) return ERROR_INVALID_PARAMETER;
    address_family family;
    if (!tcptable::detail::win32_family_from(ulAf, family)) return ERROR_INVALID_PARAMETER;
    const bool v4 = family == address_family::ipv4;
    switch (TableClass) {
        case UDP_TABLE_BASIC:
            return v4 ? fill_udp_table<MIB_UDPTABLE>(pUdpTable, pdwSize, family, bOrder, false)
                      : fill_udp_table<MIB_UDP6TABLE>(pUdpTable, pdwSize, family, bOrder, false);
        case UDP_TABLE_OWNER_PID:
            return v4 ? fill_udp_table<MIB_UDPTABLE_OWNER_PID>(pUdpTable, pdwSize, family, bOrder,
                                                               true)
                      : fill_udp_table<MIB_UDP6TABLE_OWNER_PID>(pUdpTable, pdwSize, family, bOrder,
                                                                true);
        case UDP_TABLE_OWNER_MODULE:
            return v4 ? fill_udp_table<MIB_UDPTABLE_OWNER_MODULE>(pUdpTable, pdwSize, family,
                                                                  bOrder, true)
                      : fill_udp_table<MIB_UDP6TABLE_OWNER_MODULE>(pUdpTable, pdwSize, family,
                                                                   bOrder, true);
    }
    // A value UDP_TABLE_CLASS does not define (the GetExtendedUdpTable page).
    return ERROR_INVALID_PARAMETER;
}

}  // extern "C"
