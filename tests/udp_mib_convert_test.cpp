// SPDX-License-Identifier: MIT
// The Windows UDP rows' conversion (MIB_UDPROW_OWNER_PID, MIB_UDP6ROW_OWNER_PID into udp_row),
// pure, so every build tests it; the DWORDs are built as the API lays them out in memory.
#include <gtest/gtest.h>

#include <cstring>

#include "win/mib_convert.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

std::uint32_t dword_of(std::array<std::uint8_t, 4> bytes) {
    std::uint32_t dw;
    std::memcpy(&dw, bytes.data(), 4);
    return dw;
}

TEST(udp_mib_convert, ipv4_row_byte_order_and_owner) {
    mib_udp_row_v4 mib;
    mib.local_addr = dword_of({127, 0, 0, 1});
    // Port 5353 (0x14E9) in network order in the low 16 bits; junk in the undefined high half.
    mib.local_port = dword_of({0x14, 0xE9, 0xbe, 0xef});
    mib.owning_pid = 4321;
    udp_row r = udp_row_from_mib(mib, true);
    EXPECT_EQ(r.local_address, ip_address::v4(127, 0, 0, 1));
    EXPECT_EQ(r.local_port, 5353);
    EXPECT_EQ(r.remote_address, ip_address::v4(0, 0, 0, 0));
    EXPECT_EQ(r.remote_port, 0);
    EXPECT_FALSE(r.connected());
    EXPECT_EQ(r.pid, 4321u);
    EXPECT_EQ(r.owner_count, 1);
    EXPECT_EQ(r.uid, udp_row::unknown_uid);
    EXPECT_EQ(r.inode, 0u);
    // Owners not asked for: none, whatever the table holds.
    udp_row plain = udp_row_from_mib(mib, false);
    EXPECT_EQ(plain.pid, 0u);
    EXPECT_EQ(plain.owner_count, 0);
    // Pid 0 (System Idle) names no owner.
    mib.owning_pid = 0;
    EXPECT_EQ(udp_row_from_mib(mib, true).owner_count, 0);
}

TEST(udp_mib_convert, ipv6_row_keeps_a_scope_id_on_link_local_only) {
    mib_udp_row_v6 mib;
    mib.local_addr[15] = 1;  // ::1
    mib.local_scope_id = 4096;
    mib.local_port = dword_of({0x00, 0x35, 0, 0});
    mib.owning_pid = 7;
    udp_row r = udp_row_from_mib(mib, true);
    EXPECT_EQ(r.local_address, ip_address::v6_loopback());
    EXPECT_EQ(r.local_address.scope_id(), 0u);
    EXPECT_EQ(r.local_port, 53);
    EXPECT_TRUE(r.remote_address.is_v6());
    EXPECT_TRUE(r.remote_address.is_unspecified());
    EXPECT_EQ(r.pid, 7u);

    mib.local_addr = {0xfe, 0x80};
    mib.local_addr[15] = 1;
    mib.local_scope_id = 3;
    EXPECT_EQ(udp_row_from_mib(mib, false).local_address.scope_id(), 3u);
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail
