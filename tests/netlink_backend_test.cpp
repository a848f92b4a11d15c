// SPDX-License-Identifier: MIT
// The netlink backend against the live kernel, on loopback sockets this test makes.
#include "linux/netlink_backend.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <deque>

#include "linux/linux_states.hpp"
#include "linux/netlink_parser.hpp"
#include "linux/test_seams.hpp"
#include "support/loopback.hpp"
#include "support/netlink_probe.hpp"
#include "support/row_compare.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;

snapshot_options with(backend_kind b, state_set states = state_set::all(),
                      address_family family = address_family::both) {
    snapshot_options o;
    o.backend = b;
    o.states = states;
    o.family = family;
    return o;
}

owned_endpoint owned(const listener& l) {
    return {to_ip(l.endpoint().address()), l.endpoint().port()};
}

// Every test here needs NETLINK_SOCK_DIAG: where the environment refuses it, they skip.
class netlink_backend : public ::testing::Test {
  protected:
    void SetUp() override { TCPTABLE_SKIP_WITHOUT_NETLINK(); }
};

TEST_F(netlink_backend, listener_shows_as_listen) {
    asio::io_context io;
    listener l(io, asio::ip::address_v4::loopback());
    auto row = find_row(snapshot(with(backend_kind::netlink)), l.endpoint(),
                        tcp::endpoint(asio::ip::address_v4::any(), 0));
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, tcp_state::listen);
    EXPECT_NE(row->inode, 0u);
    EXPECT_EQ(row->uid, ::geteuid());
}

TEST_F(netlink_backend, both_ends_established) {
    asio::io_context io;
    listener l(io, asio::ip::address_v4::loopback());
    connection c(io, l);
    auto t = snapshot(with(backend_kind::netlink));
    auto client = find_row(t, c.client.local_endpoint(), c.client.remote_endpoint());
    auto server = find_row(t, c.server.local_endpoint(), c.server.remote_endpoint());
    ASSERT_TRUE(client);
    ASSERT_TRUE(server);
    EXPECT_EQ(client->state, tcp_state::established);
    EXPECT_EQ(server->state, tcp_state::established);
}

TEST_F(netlink_backend, ipv6_loopback_rows_equal_procfs) {
    asio::io_context io;
    listener l(io, asio::ip::address_v6::loopback());
    connection c(io, l);
    std::vector<owned_endpoint> mine{owned(l)};
    auto nl = owned_rows(snapshot(with(backend_kind::netlink)), mine);
    auto proc = owned_rows(snapshot(with(backend_kind::procfs)), mine);
    ASSERT_EQ(nl.size(), 3u);
    for (const auto& r : nl) {
        EXPECT_EQ(r.local_address, ip_address::v6_loopback());  // scope id 0, as /proc shows
        EXPECT_EQ(r.family(), ip_family::ipv6);
    }
    EXPECT_EQ(nl, proc);
}

TEST_F(netlink_backend, family_filter) {
    asio::io_context io;
    listener l4(io, asio::ip::address_v4::loopback());
    listener l6(io, asio::ip::address_v6::loopback());
    for (auto fam : {address_family::ipv4, address_family::ipv6}) {
        auto t = snapshot(with(backend_kind::netlink, state_set::all(), fam));
        auto want = fam == address_family::ipv4 ? ip_family::ipv4 : ip_family::ipv6;
        for (const auto& r : t) EXPECT_EQ(r.family(), want);
        auto& mine = fam == address_family::ipv4 ? l4 : l6;
        EXPECT_TRUE(find_row(t, mine.endpoint(), any_endpoint(mine.endpoint())));
    }
}

TEST_F(netlink_backend, state_filter_runs_in_the_kernel) {
    asio::io_context io;
    listener l(io, asio::ip::address_v4::loopback());
    connection c(io, l);
    // The raw datagrams, parsed without any user-space filter, hold only listeners: the kernel
    // applied idiag_states.
    detail::unique_fd fd;
    error_info info;
    ASSERT_FALSE(detail::netlink_open("", fd, info)) << info.to_string();
    std::size_t raw_rows = 0, non_listen = 0;
    detail::netlink_parser unfiltered(address_family::both, state_set::all());
    detail::netlink_datagram_sink sink = [&](std::span<const std::byte> d) {
        std::vector<tcp_row> rows;
        error_info ignored;
        (void)unfiltered.parse_datagram(d, rows, ignored);
        raw_rows += rows.size();
        for (const auto& r : rows) non_listen += r.state != tcp_state::listen;
    };
    std::vector<tcp_row> rows;
    ASSERT_FALSE(detail::netlink_dump(
        fd.get(),
        {detail::netlink_request::legacy, 0, detail::linux_state_mask(state_set::listening())},
        address_family::both, state_set::listening(), rows, info, nullptr, &sink))
        << info.to_string();
    EXPECT_GT(raw_rows, 0u);
    EXPECT_EQ(non_listen, 0u);
    EXPECT_EQ(raw_rows, rows.size());

    auto t = snapshot(with(backend_kind::netlink, state_set::listening()));
    for (const auto& r : t) EXPECT_EQ(r.state, tcp_state::listen);
    EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    EXPECT_FALSE(find_row(t, c.server.local_endpoint(), c.server.remote_endpoint()));
}

TEST_F(netlink_backend, backend_rows_say_states_filtered) {
    std::vector<tcp_row> rows;
    detail::backend_rows out{rows};
    error_info info;
    ASSERT_FALSE(
        detail::netlink_snapshot(with(backend_kind::netlink, state_set::listening()), out, info));
    EXPECT_TRUE(out.states_filtered);
}

TEST_F(netlink_backend, legacy_request_covers_both_families_like_by_family) {
    asio::io_context io;
    listener l4(io, asio::ip::address_v4::loopback());
    listener l6(io, asio::ip::address_v6::loopback());
    connection c4(io, l4), c6(io, l6);
    std::vector<owned_endpoint> mine{owned(l4), owned(l6)};
    ASSERT_EQ(detail::netlink_both_families_request(), detail::netlink_request::legacy);
    auto legacy = owned_rows(snapshot(with(backend_kind::netlink)), mine);
    detail::test_seams::set_legacy_refused(true);
    auto by_family = owned_rows(snapshot(with(backend_kind::netlink)), mine);
    detail::test_seams::set_legacy_refused(false);
    EXPECT_EQ(legacy.size(), 6u);
    EXPECT_EQ(legacy, by_family);
}

TEST_F(netlink_backend, auto_picks_netlink_here) {
    EXPECT_EQ(default_backend(), backend_kind::netlink);
}

TEST_F(netlink_backend, empty_state_set_gives_no_rows) {
    auto t = snapshot(with(backend_kind::netlink, state_set{}));
    EXPECT_TRUE(t.empty());
}

// Over 1 000 rows of the test's own: netlink and procfs must give the same sorted rows.
TEST_F(netlink_backend, large_table_equals_procfs) {
    constexpr int v4_pairs = 500, v6_pairs = 60;
    asio::io_context io;
    listener l4(io, asio::ip::address_v4::loopback(), 1024);
    listener l6(io, asio::ip::address_v6::loopback(), 1024);
    std::deque<connection> conns;
    for (int i = 0; i < v4_pairs; ++i) conns.emplace_back(io, l4);
    for (int i = 0; i < v6_pairs; ++i) conns.emplace_back(io, l6);
    std::vector<owned_endpoint> mine{owned(l4), owned(l6)};
    const std::size_t expected = 2 + 2 * (v4_pairs + v6_pairs);

    bool equal = false;
    for (int attempt = 0; attempt < 3 && !equal; ++attempt) {
        auto t0 = std::chrono::steady_clock::now();
        auto nl_table = snapshot(with(backend_kind::netlink));
        auto t1 = std::chrono::steady_clock::now();
        auto proc_table = snapshot(with(backend_kind::procfs));
        auto t2 = std::chrono::steady_clock::now();
        auto nl = owned_rows(nl_table, mine);
        auto proc = owned_rows(proc_table, mine);
        using us = std::chrono::microseconds;
        std::printf(
            "attempt %d: table %zu rows (netlink) / %zu (procfs); own rows %zu / %zu; "
            "netlink %lld us, procfs %lld us\n",
            attempt, nl_table.size(), proc_table.size(), nl.size(), proc.size(),
            static_cast<long long>(std::chrono::duration_cast<us>(t1 - t0).count()),
            static_cast<long long>(std::chrono::duration_cast<us>(t2 - t1).count()));
        ASSERT_GE(nl.size(), expected);
        equal = nl == proc;
    }
    EXPECT_TRUE(equal) << "netlink and procfs rows differ for the test's own sockets";
}

}  // namespace
