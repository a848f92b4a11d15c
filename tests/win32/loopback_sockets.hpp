// SPDX-License-Identifier: MIT
// Loopback sockets for the Win32 API tests, behind an interface of plain numbers.
//
// The Win32 headers replace glibc's struct in_addr and in6_addr, so a file that includes them
// cannot include Boost.Asio (which brings <netinet/in.h>). The sockets are made in
// loopback_sockets.cpp with the shared test support; the test files see only ports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tcptable::testing::win32 {

// A listener on 127.0.0.1 or ::1 and one established connection to it, all owned by the test.
class loopback_sockets {
  public:
    explicit loopback_sockets(bool ipv6 = false);
    ~loopback_sockets();
    loopback_sockets(const loopback_sockets&) = delete;
    loopback_sockets& operator=(const loopback_sockets&) = delete;

    std::uint16_t listen_port() const;
    std::uint16_t client_port() const;  // the connecting end's local port
    std::uint16_t server_port() const;  // the accepted end's local port (== listen_port)

    // Opens `count` more connections to the listener: 2 * count more rows.
    void add_connections(std::size_t count);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tcptable::testing::win32
