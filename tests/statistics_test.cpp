// SPDX-License-Identifier: MIT
// statistics(options, table): the counters with num_conns counted from the caller's table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <tcptable/statistics.hpp>

#include "support/loopback.hpp"

namespace tcptable::testing {
namespace {

tcp_row row(ip_address local, std::uint16_t port, tcp_state state) {
    tcp_row r;
    r.local_address = local;
    r.remote_address = local.is_v4() ? ip_address() : ip_address::v6(ip_address::bytes_type{});
    r.local_port = port;
    r.state = state;
    return r;
}

// 3 IPv4 rows and 2 IPv6 rows, nothing like the machine's table.
tcp_table crafted_table() {
    const ip_address v4 = ip_address::v4_loopback();
    const ip_address v6 = ip_address::v6_loopback();
    return tcp_table({row(v4, 1, tcp_state::listen), row(v4, 2, tcp_state::established),
                      row(v6, 3, tcp_state::listen), row(v4, 4, tcp_state::time_wait),
                      row(v6, 5, tcp_state::close_wait)});
}

TEST(statistics_from_a_table, num_conns_counts_the_rows_of_the_requested_family) {
    const tcp_table t = crafted_table();
    for (auto [family, expected] :
         {std::pair{address_family::both, 5u}, std::pair{address_family::ipv4, 3u},
          std::pair{address_family::ipv6, 2u}}) {
        statistics_options so;
        so.family = family;
        std::error_code ec;
        tcp_statistics s = statistics(so, t, ec);
        ASSERT_FALSE(ec) << ec.message();
        EXPECT_EQ(s.num_conns, expected) << int(family);
        // The counters are the machine's, as the snapshot-taking overload reads them.
        tcp_statistics plain = statistics(so);
        EXPECT_EQ(s.rto_min, plain.rto_min);
        EXPECT_EQ(s.max_conn, plain.max_conn);
        EXPECT_LE(s.active_opens, plain.active_opens);
    }
    EXPECT_EQ(statistics({}, tcp_table{}).num_conns, 0u);
}

TEST(statistics_from_a_table, a_live_table_gives_its_own_size) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);
    snapshot_options o;
    o.family = address_family::ipv4;
    const tcp_table t = snapshot(o);
    ASSERT_TRUE(find_row(t, c.client.local_endpoint(), c.client.remote_endpoint()));
    statistics_options so;
    so.family = address_family::ipv4;
    EXPECT_EQ(statistics(so, t).num_conns, t.size());
}

#ifdef __linux__
// A proc root holding net/snmp and no table at all: only an overload that takes no snapshot
// can succeed there.
struct snmp_only_root {
    std::filesystem::path dir;
    snmp_only_root() {
        dir = std::filesystem::path(::testing::TempDir()) /
              ("tcptable_snmp_only_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir / "net");
        std::filesystem::copy_file(
            std::string(TCPTABLE_TEST_DATA_DIR) + "/procfs/debian12-k6.18-snmp.txt",
            dir / "net" / "snmp", std::filesystem::copy_options::overwrite_existing);
    }
    ~snmp_only_root() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
};

TEST(statistics_from_a_table, takes_no_snapshot_of_its_own) {
    snmp_only_root root;
    statistics_options so;
    so.proc_root = root.dir.string();
    std::error_code ec;
    error_info info;
    tcp_statistics s = statistics(so, crafted_table(), ec, &info);
    ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();
    EXPECT_EQ(s.num_conns, 5u);
    EXPECT_EQ(s.active_opens, 60100u);  // the capture's counters
    EXPECT_EQ(s.out_rsts, 48575u);
    // The snapshot-taking overload needs the table that is not there.
    statistics(so, ec, &info);
    EXPECT_TRUE(ec);
    EXPECT_NE(info.file.find("net/tcp"), std::string::npos) << info.to_string();
}

TEST(statistics_from_a_table, a_counter_read_failure_names_the_file) {
    statistics_options so;
    so.proc_root = "/nonexistent-tcptable-stats";
    std::error_code ec;
    error_info info;
    tcp_statistics s = statistics(so, crafted_table(), ec, &info);
    EXPECT_EQ(ec, std::error_code(ENOENT, std::system_category()));
    EXPECT_EQ(info.file, "/nonexistent-tcptable-stats/net/snmp");
    EXPECT_EQ(s.num_conns, 0u);  // all zeros on failure, as the other overload
    EXPECT_THROW(statistics(so, crafted_table()), std::system_error);
}
#endif

}  // namespace
}  // namespace tcptable::testing
