// SPDX-License-Identifier: MIT
// The Windows backend's pure parts, on every platform: MIB rows into tcp_row, MIB_TCPSTATS into
// tcp_statistics. The rows are built as the API lays them out in memory, so the test holds on
// a little-endian Linux host exactly as on Windows.
#include "win/mib_convert.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "win/mib_format.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// The DWORD whose bytes in memory are a.b.c.d, as dwLocalAddr holds an address.
std::uint32_t mib_addr(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    const std::uint8_t bytes[4] = {a, b, c, d};
    std::uint32_t dw;
    std::memcpy(&dw, bytes, 4);
    return dw;
}

// The DWORD whose first two bytes in memory are the port in network order, with junk in the
// two bytes the documentation leaves undefined.
std::uint32_t mib_port(std::uint16_t port, std::uint16_t junk = 0xbeef) {
    const std::uint8_t bytes[4] = {std::uint8_t(port >> 8), std::uint8_t(port & 0xff),
                                   std::uint8_t(junk >> 8), std::uint8_t(junk & 0xff)};
    std::uint32_t dw;
    std::memcpy(&dw, bytes, 4);
    return dw;
}

std::array<std::uint8_t, 16> v6(std::initializer_list<std::uint8_t> head, std::uint8_t last = 0) {
    std::array<std::uint8_t, 16> b{};
    std::size_t i = 0;
    for (auto x : head) b[i++] = x;
    b[15] = last;
    return b;
}

TEST(mib_convert, ipv4_row_bytes_ports_and_state) {
    mib_row_v4 mib;
    mib.state = 5;  // MIB_TCP_STATE_ESTAB
    mib.local_addr = mib_addr(192, 168, 1, 20);
    mib.local_port = mib_port(443);
    mib.remote_addr = mib_addr(10, 0, 0, 1);
    mib.remote_port = mib_port(51234, 0xffff);
    auto row = row_from_mib(mib, false);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, tcp_state::established);
    EXPECT_EQ(row->local_address, ip_address::v4(192, 168, 1, 20));
    EXPECT_EQ(row->local_port, 443);
    EXPECT_EQ(row->remote_address, ip_address::v4(10, 0, 0, 1));
    EXPECT_EQ(row->remote_port, 51234);
    EXPECT_EQ(row->family(), ip_family::ipv4);
    EXPECT_EQ(row->pid, 0u);
    EXPECT_EQ(row->owner_count, 0);
    EXPECT_EQ(row->inode, 0u);
    EXPECT_EQ(row->uid, tcp_row::unknown_uid);
}

TEST(mib_convert, agrees_with_the_byte_order_helpers) {
    for (std::uint16_t port : {1, 80, 255, 256, 8080, 65535}) {
        mib_row_v4 mib;
        mib.state = 2;
        mib.local_port = port_to_mib_dword(port);
        mib.local_addr = address_to_mib_dword(ip_address::v4(127, 0, 0, 1));
        auto row = row_from_mib(mib, false);
        ASSERT_TRUE(row);
        EXPECT_EQ(row->local_port, port);
        EXPECT_EQ(row->local_address, ip_address::v4_loopback());
    }
}

TEST(mib_convert, every_mib_state_and_nothing_else) {
    for (std::uint32_t s = 1; s <= 12; ++s) {
        mib_row_v4 mib;
        mib.state = s;
        auto row = row_from_mib(mib, false);
        ASSERT_TRUE(row) << s;
        EXPECT_EQ(static_cast<std::uint32_t>(row->state), s);
    }
    for (std::uint32_t s : {0u, 13u, 100u, 0xffffffffu}) {
        mib_row_v4 m4;
        m4.state = s;
        EXPECT_FALSE(row_from_mib(m4, false)) << s;
        mib_row_v6 m6;
        m6.state = s;
        EXPECT_FALSE(row_from_mib(m6, false)) << s;
    }
}

TEST(mib_convert, listener_remote_end_is_zero_whatever_the_table_says) {
    mib_row_v4 m4;
    m4.state = 2;  // MIB_TCP_STATE_LISTEN
    m4.local_port = mib_port(22);
    m4.remote_addr = mib_addr(1, 2, 3, 4);
    m4.remote_port = mib_port(7);
    auto r4 = row_from_mib(m4, false);
    ASSERT_TRUE(r4);
    EXPECT_EQ(r4->remote_address, ip_address{});
    EXPECT_EQ(r4->remote_port, 0);

    mib_row_v6 m6;
    m6.state = 2;
    m6.local_port = mib_port(22);
    m6.remote_addr = v6({0x20, 0x01}, 9);
    m6.remote_port = mib_port(7);
    auto r6 = row_from_mib(m6, false);
    ASSERT_TRUE(r6);
    EXPECT_EQ(r6->remote_address, ip_address::v6({}));
    EXPECT_TRUE(r6->remote_address.is_v6());
    EXPECT_EQ(r6->remote_port, 0);
}

TEST(mib_convert, ipv6_row_keeps_scope_ids_of_link_local_addresses_only) {
    mib_row_v6 mib;
    mib.state = 5;
    mib.local_addr = v6({0xfe, 0x80}, 1);
    mib.local_scope_id = 3;
    mib.local_port = mib_port(8443);
    mib.remote_addr = v6({0x20, 0x01, 0x0d, 0xb8}, 2);
    mib.remote_scope_id = 3;
    mib.remote_port = mib_port(40000);
    auto row = row_from_mib(mib, false);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->local_address, *ip_address::parse("fe80::1%3"));
    EXPECT_EQ(row->remote_address, *ip_address::parse("2001:db8::2"));
    EXPECT_EQ(row->local_port, 8443);
    EXPECT_EQ(row->remote_port, 40000);

    // ::1 has one zone; a scope id on it (Wine reports 4096) is dropped.
    mib.local_addr = v6({}, 1);
    mib.local_scope_id = 4096;
    mib.remote_addr = v6({}, 1);
    mib.remote_scope_id = 4096;
    row = row_from_mib(mib, false);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->local_address, ip_address::v6_loopback());
    EXPECT_EQ(row->remote_address.to_string(), "::1");

    // fe80::/10 covers febf:: too.
    mib.local_addr = v6({0xfe, 0xbf}, 1);
    mib.local_scope_id = 7;
    EXPECT_EQ(row_from_mib(mib, false)->local_address.scope_id(), 7u);
    mib.local_addr = v6({0xfe, 0xc0}, 1);
    EXPECT_EQ(row_from_mib(mib, false)->local_address.scope_id(), 0u);
}

TEST(mib_convert, owner_pid_only_from_owner_tables) {
    mib_row_v4 m4;
    m4.state = 5;
    m4.owning_pid = 4242;
    EXPECT_EQ(row_from_mib(m4, false)->pid, 0u);
    auto r = row_from_mib(m4, true);
    EXPECT_EQ(r->pid, 4242u);
    EXPECT_EQ(r->owner_count, 1);
    // TIME-WAIT rows belong to no process; Windows says pid 0.
    m4.state = 11;
    m4.owning_pid = 0;
    r = row_from_mib(m4, true);
    EXPECT_EQ(r->pid, 0u);
    EXPECT_EQ(r->owner_count, 0);

    mib_row_v6 m6;
    m6.state = 2;
    m6.owning_pid = 77;
    EXPECT_EQ(row_from_mib(m6, true)->pid, 77u);
    EXPECT_EQ(row_from_mib(m6, false)->pid, 0u);
}

TEST(mib_convert, statistics_sum_the_counters_and_keep_the_first_settings) {
    mib_tcp_stats v4{1, 200, 120000, 0xffffffffu, 10, 20, 3, 4, 5, 1000, 900, 7, 1, 2, 99};
    mib_tcp_stats v6{4, 300, 60000, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    tcp_statistics s;
    add_mib_statistics(s, v4, true);
    EXPECT_EQ(s.rto_algorithm, 1);
    EXPECT_EQ(s.rto_min, 200);
    EXPECT_EQ(s.rto_max, 120000);
    EXPECT_EQ(s.max_conn, -1);  // MIB_TCP_MAXCONN_DYNAMIC
    EXPECT_EQ(s.active_opens, 10u);
    EXPECT_EQ(s.num_conns, 0u);  // shared code counts rows
    add_mib_statistics(s, v6, false);
    EXPECT_EQ(s.rto_algorithm, 1);
    EXPECT_EQ(s.max_conn, -1);
    EXPECT_EQ(s.active_opens, 11u);
    EXPECT_EQ(s.passive_opens, 22u);
    EXPECT_EQ(s.attempt_fails, 6u);
    EXPECT_EQ(s.estab_resets, 8u);
    EXPECT_EQ(s.curr_estab, 10u);
    EXPECT_EQ(s.in_segs, 1006u);
    EXPECT_EQ(s.out_segs, 907u);
    EXPECT_EQ(s.retrans_segs, 15u);
    EXPECT_EQ(s.in_errs, 10u);
    EXPECT_EQ(s.out_rsts, 12u);
    EXPECT_EQ(s.num_conns, 0u);

    // 32-bit counters do not wrap when two families are added.
    tcp_statistics big;
    mib_tcp_stats full{};
    full.in_segs = 0xffffffffu;
    add_mib_statistics(big, full, true);
    add_mib_statistics(big, full, false);
    EXPECT_EQ(big.in_segs, 2 * std::uint64_t(0xffffffffu));
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail
