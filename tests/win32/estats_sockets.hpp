// SPDX-License-Identifier: MIT
// A loopback pair that moved a known number of bytes, for the ESTATS tests; made in a file of
// its own because the Win32 headers and <netinet/in.h> cannot meet (see loopback_sockets.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tcptable::testing::win32 {

struct estats_pair {
    int listener = -1, client = -1, server = -1;
    std::uint16_t listen_port = 0, client_port = 0;
    ~estats_pair();
};

// IPv4 (or ::1 with `ipv6`): the client sends `bytes`, the server reads them all, then the
// client's data is all acknowledged. Returns "" or what failed.
std::string make_estats_pair(estats_pair& p, std::size_t bytes, bool ipv6 = false);

// The kernel's tcp_info of the client end: mss and cwnd (segments).
void client_tcp_info(const estats_pair& p, std::uint32_t& mss, std::uint32_t& cwnd);

}  // namespace tcptable::testing::win32
