// SPDX-License-Identifier: MIT
// One row of the TCP connection table and the contract's order over rows.
#pragma once

#include <compare>
#include <cstdint>
#include <tcptable/ip_address.hpp>
#include <tcptable/tcp_state.hpp>

namespace tcptable::inline v0_1 {

struct tcp_row {
    static constexpr std::uint32_t unknown_uid = 0xffffffffu;

    ip_address local_address;
    ip_address remote_address;
    std::uint16_t local_port = 0;   // host order
    std::uint16_t remote_port = 0;  // host order
    tcp_state state = tcp_state::closed;
    // How many processes hold the socket when owner pids were asked (0 = none found).
    std::uint8_t owner_count = 0;
    std::uint32_t pid = 0;            // owning process; 0 = unknown or none (TIME-WAIT)
    std::uint32_t uid = unknown_uid;  // owning user, where the backend knows it
    std::uint32_t inode = 0;          // socket inode; 0 = unknown or none (TIME-WAIT)
    // The kernel's socket cookie, the socket's identity for its whole life (a TIME-WAIT row
    // keeps its socket's): Linux's netlink backend and event sources fill it; 0 = unknown
    // (/proc, Windows). It takes part in ==, like every field.
    std::uint64_t cookie = 0;

    constexpr ip_family family() const noexcept { return local_address.family(); }

    friend constexpr bool operator==(const tcp_row&, const tcp_row&) noexcept = default;
};

// Tables of 100k rows are common: keep a row small. Up to the uid and inode it is 60 bytes; the
// 8-byte socket cookie, aligned, makes it 72 (a row no longer fits one 64-byte cache line: 12
// more bytes a row, 1.2 MB more for 100k rows; docs/PERFORMANCE.md).
static_assert(sizeof(ip_address) == 21 && alignof(ip_address) == 1);
static_assert(sizeof(tcp_row) == 72);

// The sort contract: ascending by local address, local port, remote address, remote port
// (addresses as big-endian numbers, every IPv4 address before every IPv6 address).
struct row_order {
    constexpr bool operator()(const tcp_row& a, const tcp_row& b) const noexcept {
        return compare(a, b) < 0;
    }
    static constexpr std::strong_ordering compare(const tcp_row& a, const tcp_row& b) noexcept {
        if (auto c = a.local_address <=> b.local_address; c != 0) return c;
        if (auto c = a.local_port <=> b.local_port; c != 0) return c;
        if (auto c = a.remote_address <=> b.remote_address; c != 0) return c;
        return a.remote_port <=> b.remote_port;
    }
};

}  // namespace tcptable::inline v0_1
