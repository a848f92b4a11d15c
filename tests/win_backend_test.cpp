// SPDX-License-Identifier: MIT
// The iphlpapi backend on Windows (and under Wine in CI): backend choice, owner pids from
// GetExtendedTcpTable, GetTcpStatisticsEx, and a table large enough to need the buffer loop.
// The shared live suite (live_test.cpp) covers states, families, filters and sorting.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "support/loopback.hpp"

namespace tcptable::testing {
namespace {

const asio::ip::address v4_loopback = asio::ip::make_address("127.0.0.1");
const asio::ip::address v6_loopback = asio::ip::make_address("::1");

// Wine exports this from ntdll; Windows does not. Used only to tolerate Wine's known gaps,
// never to assert what Wine does as Windows behaviour.
bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

TEST(win_backend, automatic_is_iphlpapi_and_the_linux_backends_are_not_supported) {
    EXPECT_EQ(default_backend(), backend_kind::iphlpapi);
    for (auto b : {backend_kind::procfs, backend_kind::netlink}) {
        snapshot_options o;
        o.backend = b;
        std::error_code ec;
        error_info info;
        tcp_table t = snapshot(o, ec, &info);
        EXPECT_EQ(ec, errc::not_supported) << to_string(b);
        EXPECT_EQ(ec, std::errc::not_supported);
        EXPECT_NE(info.message.find("not available on Windows"), std::string::npos);
        EXPECT_TRUE(t.empty());
    }
}

TEST(win_backend, owner_pids_come_with_the_rows) {
    asio::io_context io;
    listener l4(io, v4_loopback), l6(io, v6_loopback);
    connection c4(io, l4), c6(io, l6);
    snapshot_options o;
    o.owner_pids = true;
    tcp_table t = snapshot(o);
    const std::uint32_t self = ::GetCurrentProcessId();
    std::vector<tcp_row> own;
    for (auto* l : {&l4, &l6})
        if (auto r = find_row(t, l->endpoint(), any_endpoint(l->endpoint()))) own.push_back(*r);
    for (auto* c : {&c4, &c6}) {
        if (auto r = find_row(t, c->client.local_endpoint(), c->client.remote_endpoint()))
            own.push_back(*r);
        if (auto r = find_row(t, c->server.local_endpoint(), c->server.remote_endpoint()))
            own.push_back(*r);
    }
    ASSERT_EQ(own.size(), 6u);
    for (const auto& r : own) {
        // Wine 8 reports pid 0 for sockets of Linux processes, its own included.
        if (under_wine() && r.pid == 0) continue;
        EXPECT_EQ(r.pid, self) << r.local_address.to_string() << ":" << r.local_port;
        EXPECT_EQ(r.owner_count, 1);
    }
    EXPECT_EQ(t.unmapped_owner_rows, 0u);

    // The owner table and the plain tables hold the same rows.
    o.owner_pids = false;
    tcp_table plain = snapshot(o);
    for (const auto& r : own) {
        tcp_row bare = r;
        bare.pid = 0;
        bare.owner_count = 0;
        EXPECT_NE(std::find(plain.begin(), plain.end(), bare), plain.end())
            << r.local_address.to_string() << ":" << r.local_port;
    }
}

TEST(win_backend, owner_pids_with_a_family_and_state_filter) {
    asio::io_context io;
    listener l4(io, v4_loopback), l6(io, v6_loopback);
    connection c6(io, l6);
    snapshot_options o;
    o.owner_pids = true;
    o.family = address_family::ipv6;
    o.states = state_set::listening();
    tcp_table t = snapshot(o);
    EXPECT_TRUE(std::all_of(t.begin(), t.end(), [](const tcp_row& r) {
        return r.family() == ip_family::ipv6 && r.state == tcp_state::listen;
    }));
    EXPECT_TRUE(find_row(t, l6.endpoint(), any_endpoint(l6.endpoint())));
    EXPECT_FALSE(find_row(t, l4.endpoint(), any_endpoint(l4.endpoint())));
    EXPECT_FALSE(find_row(t, c6.client.local_endpoint(), c6.client.remote_endpoint()));
}

TEST(win_backend, a_table_of_hundreds_of_rows_comes_back_whole) {
    // Several times the buffer loop's slack, so the sizes really come from the probe.
    asio::io_context io;
    listener l(io, v4_loopback, 512);
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < 200; ++i) conns.push_back(std::make_unique<connection>(io, l));
    for (bool owners : {false, true}) {
        snapshot_options o;
        o.owner_pids = owners;
        o.family = address_family::ipv4;
        tcp_table t = snapshot(o);
        std::size_t found = 0;
        for (const auto& c : conns) {
            found += find_row(t, c->client.local_endpoint(), c->client.remote_endpoint()) ? 1 : 0;
            found += find_row(t, c->server.local_endpoint(), c->server.remote_endpoint()) ? 1 : 0;
        }
        EXPECT_EQ(found, 400u) << "owner_pids=" << owners;
        EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), row_order{}));
    }
}

TEST(win_backend, statistics_count_the_tests_connections) {
    for (auto family : {address_family::ipv4, address_family::ipv6, address_family::both}) {
        statistics_options so;
        so.family = family;
        tcp_statistics before = statistics(so);
        asio::io_context io;
        const auto& addr = family == address_family::ipv6 ? v6_loopback : v4_loopback;
        listener l(io, addr);
        { connection c(io, l); }
        tcp_statistics after = statistics(so);
        EXPECT_GE(after.active_opens, before.active_opens + 1);
        EXPECT_GE(after.passive_opens, before.passive_opens + 1);
        EXPECT_GE(after.out_segs, before.out_segs);
        EXPECT_GT(after.rto_max, 0);
        // NumConns counts this family's rows; the listener is one.
        EXPECT_GE(after.num_conns, 1u);
    }
}

// Options only Linux can honour are refused, never silently ignored (which would hand a caller
// asking for another namespace this machine's table).
TEST(win_backend, linux_only_options_are_not_supported) {
    snapshot_options root;
    root.proc_root = "/somewhere/else";
    snapshot_options ns;
    ns.netns = "1";
    for (const auto& o : {root, ns}) {
        std::error_code ec;
        error_info info;
        auto t = snapshot(o, ec, &info);
        EXPECT_EQ(ec, std::error_code(errc::not_supported)) << info.to_string();
        EXPECT_TRUE(t.empty());
        EXPECT_NE(info.message.find("not available on Windows"), std::string::npos);
    }
    statistics_options so;
    so.netns = "1";
    std::error_code ec;
    statistics(so, ec);
    EXPECT_EQ(ec, std::error_code(errc::not_supported));
}

}  // namespace
}  // namespace tcptable::testing
