// SPDX-License-Identifier: MIT
#include "loopback_sockets.hpp"

#include <list>

#include "support/loopback.hpp"

namespace tcptable::testing::win32 {

struct loopback_sockets::impl {
    asio::io_context io;
    listener l;
    // A list: connections hold sockets that must not move once accepted.
    std::list<connection> connections;

    explicit impl(bool ipv6)
        : l(io, ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                     : asio::ip::address(asio::ip::address_v4::loopback())) {
        connections.emplace_back(io, l);
    }
};

loopback_sockets::loopback_sockets(bool ipv6) : impl_(std::make_unique<impl>(ipv6)) {}
loopback_sockets::~loopback_sockets() = default;

std::uint16_t loopback_sockets::listen_port() const { return impl_->l.endpoint().port(); }
std::uint16_t loopback_sockets::client_port() const {
    return impl_->connections.front().client.local_endpoint().port();
}
std::uint16_t loopback_sockets::server_port() const {
    return impl_->connections.front().server.local_endpoint().port();
}

void loopback_sockets::add_connections(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) impl_->connections.emplace_back(impl_->io, impl_->l);
}

}  // namespace tcptable::testing::win32
