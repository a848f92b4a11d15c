// SPDX-License-Identifier: MIT
#include "iphlpapi_backend.hpp"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// winsock2.h before windows.h (which would otherwise bring the old winsock.h), iphlpapi.h last.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include <cstddef>
#include <cstring>
#include <string>

#include "mib_convert.hpp"
#include "table_buffer.hpp"
#include "win32_error.hpp"

namespace tcptable::inline v0_1::detail {

static_assert(win32_no_error == NO_ERROR);
static_assert(win32_error_not_enough_memory == ERROR_NOT_ENOUGH_MEMORY);
static_assert(win32_error_outofmemory == ERROR_OUTOFMEMORY);
static_assert(win32_error_not_supported == ERROR_NOT_SUPPORTED);
static_assert(win32_error_invalid_parameter == ERROR_INVALID_PARAMETER);
static_assert(win32_error_insufficient_buffer == ERROR_INSUFFICIENT_BUFFER);
static_assert(win32_error_no_data == ERROR_NO_DATA);

namespace {

// The system's text for a Win32 status, without the trailing line break.
std::string win32_message(std::uint32_t status) {
    char* text = nullptr;
    DWORD n = ::FormatMessageA(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, status, 0, reinterpret_cast<LPSTR>(&text), 0, nullptr);
    std::string s;
    if (n != 0 && text != nullptr) s.assign(text, n);
    if (text != nullptr) ::LocalFree(text);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// The rows a table holds, checked against the bytes the call filled: a count that does not fit
// is a malformed table, not a reason to read past the buffer.
template <class Table>
bool entries_fit(const Table& table, const table_buffer& buf) noexcept {
    if (buf.size_bytes() < offsetof(Table, table)) return false;
    std::size_t room = (buf.size_bytes() - offsetof(Table, table)) / sizeof(table.table[0]);
    return table.dwNumEntries <= room;
}

std::error_code malformed(const char* call, error_info& info) {
    info.message = std::string(call) + ": row count larger than the buffer";
    return make_error_code(errc::parse_error);
}

std::error_code bad_state(const char* call, std::uint32_t state, error_info& info) {
    info.message = std::string(call) + ": unknown MIB_TCP_STATE " + std::to_string(state);
    return make_error_code(errc::parse_error);
}

// Converts every row of a filled table and keeps those in `states`.
template <class Table, class Fields>
std::error_code convert_table(const char* call, const table_buffer& buf, bool with_owner,
                              state_set states, std::vector<tcp_row>& out, error_info& info,
                              Fields fields) {
    const auto& table = *static_cast<const Table*>(buf.data());
    if (!entries_fit(table, buf)) return malformed(call, info);
    out.reserve(out.size() + table.dwNumEntries);
    for (DWORD i = 0; i < table.dwNumEntries; ++i) {
        auto mib = fields(table.table[i]);
        auto row = row_from_mib(mib, with_owner);
        if (!row) return bad_state(call, mib.state, info);
        if (states.contains(row->state)) out.push_back(*row);
    }
    return {};
}

std::array<std::uint8_t, 16> bytes16(const void* p) noexcept {
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), p, b.size());
    return b;
}

mib_row_v4 fields_of(const MIB_TCPROW& r) noexcept {
    return {static_cast<std::uint32_t>(r.dwState),
            r.dwLocalAddr,
            r.dwLocalPort,
            r.dwRemoteAddr,
            r.dwRemotePort,
            0};
}
mib_row_v4 fields_of(const MIB_TCPROW_OWNER_PID& r) noexcept {
    return {r.dwState, r.dwLocalAddr, r.dwLocalPort, r.dwRemoteAddr, r.dwRemotePort, r.dwOwningPid};
}
mib_row_v6 fields_of(const MIB_TCP6ROW& r) noexcept {
    static_assert(sizeof(r.LocalAddr) == 16 && sizeof(r.RemoteAddr) == 16);
    return {static_cast<std::uint32_t>(r.State),
            bytes16(&r.LocalAddr),
            r.dwLocalScopeId,
            r.dwLocalPort,
            bytes16(&r.RemoteAddr),
            r.dwRemoteScopeId,
            r.dwRemotePort,
            0};
}
mib_row_v6 fields_of(const MIB_TCP6ROW_OWNER_PID& r) noexcept {
    return {r.dwState,
            bytes16(r.ucLocalAddr),
            r.dwLocalScopeId,
            r.dwLocalPort,
            bytes16(r.ucRemoteAddr),
            r.dwRemoteScopeId,
            r.dwRemotePort,
            r.dwOwningPid};
}

// One family's table. Order is FALSE throughout: the shared code sorts by the contract, which
// Order = TRUE does not promise to match (IPv6 adds the scope id between address and port).
std::error_code read_family(ip_family family, const snapshot_options& options,
                            std::vector<tcp_row>& out, error_info& info) {
    table_buffer buf;
    const bool v4 = family == ip_family::ipv4;
    if (options.owner_pids) {
        const char* call = v4 ? "GetExtendedTcpTable(AF_INET, TCP_TABLE_OWNER_PID_ALL)"
                              : "GetExtendedTcpTable(AF_INET6, TCP_TABLE_OWNER_PID_ALL)";
        ULONG af = v4 ? AF_INET : AF_INET6;
        auto status = fill_table(
            [af](void* p, std::uint32_t* size) {
                DWORD s = *size;
                DWORD r = ::GetExtendedTcpTable(p, &s, FALSE, af, TCP_TABLE_OWNER_PID_ALL, 0);
                *size = s;
                return static_cast<std::uint32_t>(r);
            },
            buf);
        if (status != win32_no_error) return win32_failure(call, status, info);
        auto each = [](const auto& r) { return fields_of(r); };
        return v4 ? convert_table<MIB_TCPTABLE_OWNER_PID>(call, buf, true, options.states, out,
                                                          info, each)
                  : convert_table<MIB_TCP6TABLE_OWNER_PID>(call, buf, true, options.states, out,
                                                           info, each);
    }
    const char* call = v4 ? "GetTcpTable" : "GetTcp6Table";
    auto status = fill_table(
        [v4](void* p, std::uint32_t* size) {
            ULONG s = *size;
            ULONG r = v4 ? ::GetTcpTable(static_cast<PMIB_TCPTABLE>(p), &s, FALSE)
                         : ::GetTcp6Table(static_cast<PMIB_TCP6TABLE>(p), &s, FALSE);
            *size = s;
            return static_cast<std::uint32_t>(r);
        },
        buf);
    if (status != win32_no_error) return win32_failure(call, status, info);
    auto each = [](const auto& r) { return fields_of(r); };
    return v4 ? convert_table<MIB_TCPTABLE>(call, buf, false, options.states, out, info, each)
              : convert_table<MIB_TCP6TABLE>(call, buf, false, options.states, out, info, each);
}

mib_udp_row_v4 udp_fields_of(const MIB_UDPROW_OWNER_PID& r) noexcept {
    return {r.dwLocalAddr, r.dwLocalPort, r.dwOwningPid};
}
mib_udp_row_v6 udp_fields_of(const MIB_UDP6ROW_OWNER_PID& r) noexcept {
    return {bytes16(r.ucLocalAddr), r.dwLocalScopeId, r.dwLocalPort, r.dwOwningPid};
}

template <class Table>
std::error_code convert_udp_table(const char* call, const table_buffer& buf, bool with_owner,
                                  std::vector<udp_row>& out, error_info& info) {
    const auto& table = *static_cast<const Table*>(buf.data());
    if (!entries_fit(table, buf)) return malformed(call, info);
    out.reserve(out.size() + table.dwNumEntries);
    for (DWORD i = 0; i < table.dwNumEntries; ++i)
        out.push_back(udp_row_from_mib(udp_fields_of(table.table[i]), with_owner));
    return {};
}

// One family's UDP table, always the OWNER_PID class (it costs the same as GetUdpTable).
std::error_code read_udp_family(ip_family family, const snapshot_options& options,
                                std::vector<udp_row>& out, error_info& info) {
    table_buffer buf;
    const bool v4 = family == ip_family::ipv4;
    const char* call = v4 ? "GetExtendedUdpTable(AF_INET, UDP_TABLE_OWNER_PID)"
                          : "GetExtendedUdpTable(AF_INET6, UDP_TABLE_OWNER_PID)";
    ULONG af = v4 ? AF_INET : AF_INET6;
    auto status = fill_table(
        [af](void* p, std::uint32_t* size) {
            DWORD s = *size;
            DWORD r = ::GetExtendedUdpTable(p, &s, FALSE, af, UDP_TABLE_OWNER_PID, 0);
            *size = s;
            return static_cast<std::uint32_t>(r);
        },
        buf);
    if (status != win32_no_error) return win32_failure(call, status, info);
    return v4 ? convert_udp_table<MIB_UDPTABLE_OWNER_PID>(call, buf, options.owner_pids, out, info)
              : convert_udp_table<MIB_UDP6TABLE_OWNER_PID>(call, buf, options.owner_pids, out,
                                                           info);
}

}  // namespace

std::error_code iphlpapi_udp_snapshot(const snapshot_options& options, udp_table& out,
                                      error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.family != address_family::ipv6) {
            if (auto ec = read_udp_family(ip_family::ipv4, options, out.mutable_rows(), info))
                return ec;
        }
        if (options.family != address_family::ipv4) {
            error_info v6_info;
            auto ec = read_udp_family(ip_family::ipv6, options, out.mutable_rows(), v6_info);
            // No IPv6 stack: an empty IPv6 table when both families are asked, as for TCP.
            if (ec == errc::not_supported && options.family == address_family::both) ec.clear();
            if (ec) {
                info = std::move(v6_info);
                return ec;
            }
        }
        return {};
    });
}

std::error_code win32_failure(const char* call, std::uint32_t status, error_info& info) {
    std::string text = win32_message(status);
    info.message = std::string(call) + " failed with " + std::to_string(status) +
                   (text.empty() ? std::string() : ": " + text);
    return error_from_win32(status);
}

std::error_code iphlpapi_snapshot(const snapshot_options& options, backend_rows& out,
                                  error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.family != address_family::ipv6) {
            if (auto ec = read_family(ip_family::ipv4, options, out.rows, info)) return ec;
        }
        if (options.family != address_family::ipv4) {
            error_info v6_info;
            auto ec = read_family(ip_family::ipv6, options, out.rows, v6_info);
            // A Windows without the IPv6 stack has no IPv6 table: with both families asked,
            // that is an empty IPv6 table, not an error (as a missing /proc/net/tcp6 on Linux).
            if (ec == errc::not_supported && options.family == address_family::both) ec.clear();
            if (ec) {
                info = std::move(v6_info);
                return ec;
            }
        }
        out.states_filtered = true;
        return {};
    });
}

}  // namespace tcptable::inline v0_1::detail
