// SPDX-License-Identifier: MIT
// The iphlpapi UDP backend on Windows (and under Wine in CI): GetExtendedUdpTable with
// UDP_TABLE_OWNER_PID for both families, on UDP sockets of the test's own on loopback.
// Windows' UDP table has no remote end, so a connected socket lists as bound only.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <tcptable/udp.hpp>
#include <vector>

#include "support/loopback.hpp"

namespace tcptable::testing {
namespace {

using asio::ip::udp;

bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// A UDP socket bound to an ephemeral port of `addr`, connected to `peer` when given.
std::unique_ptr<udp::socket> bound(asio::io_context& io, const asio::ip::address& addr,
                                   const udp::socket* peer = nullptr) {
    auto s = std::make_unique<udp::socket>(io);
    udp::endpoint ep(addr, 0);
    s->open(ep.protocol());
    set_cloexec(s->native_handle());
    s->bind(ep);
    if (peer) s->connect(peer->local_endpoint());
    return s;
}

const udp_row* find(const udp_table& t, const udp::endpoint& local) {
    for (const auto& r : t)
        if (r.local_address == to_ip(local.address()) && r.local_port == local.port()) return &r;
    return nullptr;
}

TEST(udp_win_backend, bound_and_connected_sockets_of_both_families_with_owners) {
    asio::io_context io;
    const auto v4 = asio::ip::make_address("127.0.0.1"), v6 = asio::ip::make_address("::1");
    auto a4 = bound(io, v4), a6 = bound(io, v6);
    auto c4 = bound(io, v4, a4.get()), c6 = bound(io, v6, a6.get());
    std::vector<const udp::socket*> mine{a4.get(), a6.get(), c4.get(), c6.get()};

    for (bool owners : {false, true}) {
        snapshot_options o;
        o.owner_pids = owners;
        std::error_code ec;
        error_info info;
        udp_table t = snapshot_udp(o, ec, &info);
        ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();
        EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), udp_row_order{}));
        for (const auto* s : mine) {
            SCOPED_TRACE(s->local_endpoint().address().to_string() + ":" +
                         std::to_string(s->local_endpoint().port()));
            const udp_row* r = find(t, s->local_endpoint());
            ASSERT_NE(r, nullptr);
            EXPECT_FALSE(r->connected());
            EXPECT_EQ(r->remote_address.family(), r->family());
            EXPECT_TRUE(r->remote_address.is_unspecified());
            if (!owners) {
                EXPECT_EQ(r->pid, 0u);
            } else if (!(under_wine() && r->pid == 0)) {
                // Wine 8 reports pid 0 for sockets of Linux processes, as in its TCP table.
                EXPECT_EQ(r->pid, ::GetCurrentProcessId());
                EXPECT_EQ(r->owner_count, 1);
            }
        }
    }

    snapshot_options only6;
    only6.family = address_family::ipv6;
    udp_table t6 = snapshot_udp(only6);
    EXPECT_TRUE(std::all_of(t6.begin(), t6.end(), [](const udp_row& r) {
        return r.family() == ip_family::ipv6 && r.remote_address.is_v6();
    }));
    EXPECT_NE(find(t6, a6->local_endpoint()), nullptr);
    EXPECT_EQ(find(t6, a4->local_endpoint()), nullptr);
}

TEST(udp_win_backend, hundreds_of_sockets_come_back_whole) {
    asio::io_context io;
    const auto v4 = asio::ip::make_address("127.0.0.1");
    std::vector<std::unique_ptr<udp::socket>> socks;
    for (int i = 0; i < 300; ++i) socks.push_back(bound(io, v4));
    snapshot_options o;
    o.family = address_family::ipv4;
    udp_table t = snapshot_udp(o);
    std::size_t found = 0;
    for (const auto& s : socks) found += find(t, s->local_endpoint()) != nullptr;
    EXPECT_EQ(found, socks.size());
}

TEST(udp_win_backend, linux_only_options_and_state_filters_are_refused) {
    snapshot_options root, ns, backend, states;
    root.proc_root = "/somewhere/else";
    ns.netns = "1";
    backend.backend = backend_kind::netlink;
    for (const auto& o : {root, ns, backend}) {
        std::error_code ec;
        error_info info;
        auto t = snapshot_udp(o, ec, &info);
        EXPECT_EQ(ec, std::error_code(errc::not_supported)) << info.to_string();
        EXPECT_TRUE(t.empty());
        EXPECT_NE(info.message.find("not available on Windows"), std::string::npos);
    }
    states.states = state_set::listening();
    std::error_code ec;
    snapshot_udp(states, ec);
    EXPECT_EQ(ec, std::error_code(errc::invalid_argument));
}

}  // namespace
}  // namespace tcptable::testing
