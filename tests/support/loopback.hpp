// SPDX-License-Identifier: MIT
// Test helpers: real sockets on loopback made with Boost.Asio, and bounded waits.
// Tests touch only the sockets these helpers create.
#pragma once

#include <tcptable/tcptable.hpp>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>

#ifndef _WIN32
#include <fcntl.h>
#endif

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace tcptable::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

inline ip_address to_ip(const asio::ip::address& a) {
    if (a.is_v4()) return ip_address::v4(a.to_v4().to_bytes());
    return ip_address::v6(a.to_v6().to_bytes(), static_cast<std::uint32_t>(a.to_v6().scope_id()));
}

// Asio 1.74 does not open sockets with SOCK_CLOEXEC: without this, programs the tests start
// (ss, the CLI) would inherit the test's sockets and show up as their owners.
#ifdef _WIN32
// Windows: the same for a socket handle, which child processes would otherwise inherit.
inline void set_cloexec(asio::detail::socket_type s) {
    ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
}
#else
inline void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }
#endif

// A listening socket on an ephemeral port of `addr`.
struct listener {
    tcp::acceptor acceptor;

    listener(asio::io_context& io, const asio::ip::address& addr, int backlog = 128)
        : acceptor(io) {
        tcp::endpoint ep(addr, 0);
        acceptor.open(ep.protocol());
        set_cloexec(acceptor.native_handle());
        acceptor.bind(ep);
        acceptor.listen(backlog);
    }
    tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
};

// Both ends of one established loopback connection.
struct connection {
    tcp::socket client;
    tcp::socket server;

    connection(asio::io_context& io, listener& l) : client(io), server(io) {
        client.open(l.endpoint().protocol());
        set_cloexec(client.native_handle());
        client.connect(l.endpoint());
        l.acceptor.accept(server);
        set_cloexec(server.native_handle());
    }
};

// Polls `pred` every few milliseconds until it holds or `limit` passes; returns the last result.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// The row with these endpoints, if the table has one.
inline std::optional<tcp_row> find_row(const tcp_table& t, const tcp::endpoint& local,
                                       const tcp::endpoint& remote) {
    ip_address la = to_ip(local.address()), ra = to_ip(remote.address());
    for (const auto& r : t)
        if (r.local_port == local.port() && r.remote_port == remote.port() &&
            r.local_address == la && r.remote_address == ra)
            return r;
    return std::nullopt;
}

// The state of the row with these endpoints in a fresh snapshot, if it is there.
inline std::optional<tcp_state> state_of(const snapshot_options& opts, const tcp::endpoint& local,
                                         const tcp::endpoint& remote) {
    auto row = find_row(snapshot(opts), local, remote);
    if (!row) return std::nullopt;
    return row->state;
}

inline tcp::endpoint any_endpoint(const tcp::endpoint& like) {
    return tcp::endpoint(like.address().is_v4() ? asio::ip::address(asio::ip::address_v4::any())
                                                : asio::ip::address(asio::ip::address_v6::any()),
                         0);
}

}  // namespace tcptable::testing
