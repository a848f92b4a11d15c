// SPDX-License-Identifier: MIT
// Live tables: sockets this test makes with Boost.Asio on 127.0.0.1 and ::1, read back through
// every backend, and compared with ss. Only the test's own sockets are ever touched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "support/loopback.hpp"
#ifdef __linux__
#include "support/netlink_probe.hpp"
#endif

namespace tcptable::testing {
namespace {

const asio::ip::address v4_loopback = asio::ip::make_address("127.0.0.1");
const asio::ip::address v6_loopback = asio::ip::make_address("::1");

class live : public ::testing::TestWithParam<backend_kind> {
  protected:
#ifdef __linux__
    void SetUp() override {
        if (GetParam() == backend_kind::netlink) TCPTABLE_SKIP_WITHOUT_NETLINK();
    }
#endif
    snapshot_options opts() const {
        snapshot_options o;
        o.backend = GetParam();
        return o;
    }
    asio::io_context io;
};

TEST_P(live, listener_shows_as_listen) {
    for (const auto& addr : {v4_loopback, v6_loopback}) {
        listener l(io, addr);
        auto ep = l.endpoint();
        auto row = find_row(snapshot(opts()), ep, any_endpoint(ep));
        ASSERT_TRUE(row) << ep;
        EXPECT_EQ(row->state, tcp_state::listen);
#ifndef _WIN32
        // Windows' tables carry neither socket inodes nor owning users.
        EXPECT_NE(row->inode, 0u);
        EXPECT_EQ(row->uid, ::geteuid());
#endif
        EXPECT_EQ(row->family(), addr.is_v4() ? ip_family::ipv4 : ip_family::ipv6);
    }
}

TEST_P(live, both_ends_of_a_connection_are_established) {
    for (const auto& addr : {v4_loopback, v6_loopback}) {
        listener l(io, addr);
        connection c(io, l);
        tcp_table t = snapshot(opts());
        auto client = find_row(t, c.client.local_endpoint(), c.client.remote_endpoint());
        auto server = find_row(t, c.server.local_endpoint(), c.server.remote_endpoint());
        ASSERT_TRUE(client && server);
        EXPECT_EQ(client->state, tcp_state::established);
        EXPECT_EQ(server->state, tcp_state::established);
        EXPECT_EQ(server->local_port, l.endpoint().port());
#ifndef _WIN32
        EXPECT_NE(client->inode, server->inode);
#endif
    }
}

TEST_P(live, active_closer_ends_in_time_wait) {
    listener l(io, v4_loopback);
    connection c(io, l);
    auto client_local = c.client.local_endpoint(), client_remote = c.client.remote_endpoint();
    c.client.close();  // the client sends FIN first...
    char byte;
    boost::system::error_code ec;
    c.server.read_some(asio::buffer(&byte, 1), ec);  // ...the server sees EOF...
    EXPECT_EQ(ec, asio::error::eof);
    c.server.close();  // ...and closes: the client's side waits in TIME-WAIT.
    ASSERT_TRUE(wait_until(
        [&] { return state_of(opts(), client_local, client_remote) == tcp_state::time_wait; }));
    auto row = find_row(snapshot(opts()), client_local, client_remote);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->inode, 0u);  // TIME-WAIT holds no socket
}

TEST_P(live, half_close_gives_fin_wait_2_and_close_wait) {
    for (const auto& addr : {v4_loopback, v6_loopback}) {
        listener l(io, addr);
        connection c(io, l);
        c.client.shutdown(tcp::socket::shutdown_send);
        auto cl = c.client.local_endpoint(), cr = c.client.remote_endpoint();
        auto sl = c.server.local_endpoint(), sr = c.server.remote_endpoint();
        ASSERT_TRUE(wait_until([&] {
            tcp_table t = snapshot(opts());
            auto client = find_row(t, cl, cr);
            auto server = find_row(t, sl, sr);
            return client && server && client->state == tcp_state::fin_wait2 &&
                   server->state == tcp_state::close_wait;
        }));
    }
}

TEST_P(live, family_and_state_filters) {
    listener l4(io, v4_loopback), l6(io, v6_loopback);
    connection c4(io, l4);
    auto o = opts();
    o.family = address_family::ipv4;
    tcp_table t = snapshot(o);
    EXPECT_TRUE(
        std::all_of(t.begin(), t.end(), [](auto& r) { return r.family() == ip_family::ipv4; }));
    EXPECT_TRUE(find_row(t, l4.endpoint(), any_endpoint(l4.endpoint())));
    EXPECT_FALSE(find_row(t, l6.endpoint(), any_endpoint(l6.endpoint())));

    o.family = address_family::ipv6;
    t = snapshot(o);
    EXPECT_TRUE(
        std::all_of(t.begin(), t.end(), [](auto& r) { return r.family() == ip_family::ipv6; }));
    EXPECT_TRUE(find_row(t, l6.endpoint(), any_endpoint(l6.endpoint())));

    o.family = address_family::both;
    o.states = state_set::listening();
    t = snapshot(o);
    EXPECT_TRUE(
        std::all_of(t.begin(), t.end(), [](auto& r) { return r.state == tcp_state::listen; }));
    EXPECT_TRUE(find_row(t, l4.endpoint(), any_endpoint(l4.endpoint())));
    EXPECT_TRUE(find_row(t, l6.endpoint(), any_endpoint(l6.endpoint())));
    EXPECT_FALSE(find_row(t, c4.client.local_endpoint(), c4.client.remote_endpoint()));

    o.states = {tcp_state::established};
    t = snapshot(o);
    EXPECT_TRUE(find_row(t, c4.client.local_endpoint(), c4.client.remote_endpoint()));
    EXPECT_FALSE(find_row(t, l4.endpoint(), any_endpoint(l4.endpoint())));
}

// Rows of sockets on the ports this test owns: other services may change between two reads.
// TIME-WAIT rows are left out: the tests using this make none, but an earlier test's connection
// to a listener that had the same port (bind(0) may hand it out again; the acceptor sets
// SO_REUSEADDR) lingers for 60 s and may expire between two reads.
std::vector<tcp_row> own_rows(const tcp_table& t, const std::set<std::uint16_t>& ports) {
    std::vector<tcp_row> out;
    for (const auto& r : t)
        if ((ports.count(r.local_port) || ports.count(r.remote_port)) &&
            r.state != tcp_state::time_wait)
            out.push_back(r);
    return out;
}

TEST_P(live, sorted_and_unsorted_hold_the_same_rows) {
    listener l4(io, v4_loopback), l6(io, v6_loopback);
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < 20; ++i) conns.push_back(std::make_unique<connection>(io, i % 2 ? l6 : l4));
    std::set<std::uint16_t> ports{l4.endpoint().port(), l6.endpoint().port()};
    auto o = opts();
    tcp_table sorted = snapshot(o);
    o.sorted = false;
    tcp_table unsorted = snapshot(o);
    EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end(), row_order{}));
    auto a = own_rows(sorted, ports), b = own_rows(unsorted, ports);
    EXPECT_EQ(a.size(), 42u);
    std::sort(b.begin(), b.end(), row_order{});
    EXPECT_EQ(a, b);
    // The sorted table has every IPv4 row before every IPv6 row.
    auto first_v6 = std::find_if(sorted.begin(), sorted.end(),
                                 [](auto& r) { return r.family() == ip_family::ipv6; });
    EXPECT_TRUE(
        std::all_of(first_v6, sorted.end(), [](auto& r) { return r.family() == ip_family::ipv6; }));
}

#ifndef _WIN32
// Runs `ss -tanH` and keeps the rows on the given ports: (state, local, remote) as text.
std::set<std::string> ss_rows(const std::set<std::uint16_t>& ports) {
    std::set<std::string> out;
    FILE* p = ::popen("ss -tanH 2>/dev/null", "r");
    if (!p) return out;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        std::istringstream in(line);
        std::string state, recvq, sendq, local, remote;
        if (!(in >> state >> recvq >> sendq >> local >> remote)) continue;
        auto port_of = [](const std::string& ep) -> int {
            auto colon = ep.rfind(':');
            std::string port = ep.substr(colon + 1);
            return port == "*" ? 0 : std::stoi(port);
        };
        int lp = port_of(local), rp = port_of(remote);
        if (!ports.count(std::uint16_t(lp)) && !ports.count(std::uint16_t(rp))) continue;
        auto st = parse_tcp_state(state);
        if (st == tcp_state::time_wait) continue;  // as own_rows: not this test's
        // ss prints a wildcard port as "*", and, when it reads /proc because NETLINK_SOCK_DIAG
        // is refused, the IPv6 wildcard address as "*" too: "[::]:0" as this test writes it.
        const bool v6 = !local.empty() && local[0] == '[';
        auto norm = [v6](std::string ep) {
            if (ep.size() > 2 && ep.substr(ep.size() - 2) == ":*")
                ep.replace(ep.size() - 1, 1, "0");
            if (ep.rfind("*:", 0) == 0) ep.replace(0, 1, v6 ? "[::]" : "0.0.0.0");
            return ep;
        };
        out.insert(std::string(st ? to_string(*st) : "?" + state) + " " + norm(local) + " " +
                   norm(remote));
    }
    ::pclose(p);
    return out;
}

std::string endpoint_text(const ip_address& a, std::uint16_t port) {
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}

TEST_P(live, matches_ss_for_the_tests_own_sockets) {
    if (std::system("ss -V >/dev/null 2>&1") != 0) GTEST_SKIP() << "ss (iproute2) is not installed";
    listener l4(io, v4_loopback), l6(io, v6_loopback);
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < 6; ++i) conns.push_back(std::make_unique<connection>(io, i % 2 ? l6 : l4));
    conns[0]->client.shutdown(tcp::socket::shutdown_send);  // FIN-WAIT-2 / CLOSE-WAIT
    std::set<std::uint16_t> ports{l4.endpoint().port(), l6.endpoint().port()};
    // Both reads see the same sockets once the half close has settled; retry a few times.
    std::set<std::string> ours, theirs;
    for (int attempt = 0; attempt < 20; ++attempt) {
        ours.clear();
        for (const auto& r : own_rows(snapshot(opts()), ports))
            ours.insert(std::string(to_string(r.state)) + " " +
                        endpoint_text(r.local_address, r.local_port) + " " +
                        endpoint_text(r.remote_address, r.remote_port));
        theirs = ss_rows(ports);
        if (ours == theirs) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(ours.size(), 14u);
    EXPECT_EQ(ours, theirs);
}
#endif  // _WIN32: the Wine build compares with Linux's CLI instead (tests/wine).

std::string backend_name(const ::testing::TestParamInfo<backend_kind>& p) {
    return std::string(to_string(p.param));
}

#ifdef _WIN32
INSTANTIATE_TEST_SUITE_P(backends, live,
                         ::testing::Values(backend_kind::automatic, backend_kind::iphlpapi),
                         backend_name);
#else
INSTANTIATE_TEST_SUITE_P(backends, live,
                         ::testing::Values(backend_kind::automatic, backend_kind::procfs,
                                           backend_kind::netlink),
                         backend_name);
#endif

}  // namespace
}  // namespace tcptable::testing
