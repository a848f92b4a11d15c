// SPDX-License-Identifier: MIT
// Inputs that once broke a parser, found by fuzzing or while writing the fuzz targets
// (tests/fuzz). Each stays here, in the normal suite, once fixed.
#include <gtest/gtest.h>

#include <string>
#include <tcptable/tcptable.hpp>

#include "linux/procfs_parser.hpp"

namespace {

using namespace tcptable;

const std::string v4_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

std::string row_with_timeout(const std::string& timeout) {
    return "   0: 0100007F:0050 0200007F:C350 01 00000000:00000000 00:00000000 00000000  1000 " +
           timeout + " 4242 1 0000000000000000 20 4 30 10 -1\n";
}

// The decimal reader checked its limit after multiplying, so for the timeout field (limit
// UINT64_MAX / 10) a 20-digit number could wrap around 2^64 and pass as a small one:
// 18446744073709551616 read as 0.
TEST(fuzz_regression, procfs_decimal_that_wraps_around_is_malformed) {
    for (const char* timeout : {"18446744073709551616", "18446744073709551619"}) {
        SCOPED_TRACE(timeout);
        std::vector<tcp_row> rows;
        error_info info;
        auto ec = detail::parse_proc_net_tcp(v4_header + row_with_timeout(timeout), ip_family::ipv4,
                                             "tcp", state_set::all(), rows, info);
        EXPECT_EQ(ec, errc::parse_error);
        EXPECT_EQ(info.line, 2u);
        EXPECT_EQ(info.message, "malformed field: timeout");
    }
}

TEST(fuzz_regression, procfs_decimal_at_its_limit_still_parses) {
    // UINT64_MAX / 10, the timeout's limit, and UINT32_MAX for uid and inode.
    std::vector<tcp_row> rows;
    error_info info;
    auto ec = detail::parse_proc_net_tcp(v4_header + row_with_timeout("1844674407370955161"),
                                         ip_family::ipv4, "tcp", state_set::all(), rows, info);
    ASSERT_FALSE(ec) << info.to_string();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].inode, 4242u);
    rows.clear();
    ec = detail::parse_proc_net_tcp(v4_header + row_with_timeout("1844674407370955162"),
                                    ip_family::ipv4, "tcp", state_set::all(), rows, info);
    EXPECT_EQ(ec, errc::parse_error);
}

}  // namespace
