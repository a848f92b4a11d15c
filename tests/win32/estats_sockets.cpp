// SPDX-License-Identifier: MIT
#include "estats_sockets.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "support/netns_helpers.hpp"

namespace tcptable::testing::win32 {

estats_pair::~estats_pair() {
    for (int fd : {listener, client, server})
        if (fd >= 0) ::close(fd);
}

std::string make_estats_pair(estats_pair& p, std::size_t n, bool ipv6) {
    p.listener = loopback_listener(ipv6, p.listen_port);
    if (p.listener < 0) return "listen failed";
    p.client = loopback_connect(ipv6, p.listen_port);
    if (p.client < 0) return "connect failed";
    p.server = ::accept4(p.listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (p.server < 0) return "accept failed";
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(p.client, reinterpret_cast<sockaddr*>(&ss), &len);
    p.client_port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                               : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    std::vector<char> buf(64 * 1024, 'e');
    std::size_t sent = 0, received = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (received < n && std::chrono::steady_clock::now() < deadline) {
        pollfd f[2] = {{p.client, short(sent < n ? POLLOUT : 0), 0}, {p.server, POLLIN, 0}};
        if (::poll(f, 2, 1000) < 0) return "poll failed";
        if (sent < n && (f[0].revents & POLLOUT)) {
            ssize_t k = ::send(p.client, buf.data(), std::min(buf.size(), n - sent), MSG_DONTWAIT);
            if (k > 0) sent += std::size_t(k);
        }
        if (f[1].revents & POLLIN) {
            ssize_t k = ::recv(p.server, buf.data(), buf.size(), MSG_DONTWAIT);
            if (k <= 0) return "recv failed";
            received += std::size_t(k);
        }
    }
    if (received != n) return "the bytes did not arrive within 60 s";
    // All acknowledged: checked after each short pause, for at most 60 s.
    for (int i = 0; i < 12000; ++i) {
        tcp_info ti{};
        socklen_t l = sizeof ti;
        ::getsockopt(p.client, IPPROTO_TCP, TCP_INFO, &ti, &l);
        if (ti.tcpi_unacked == 0) return "";
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return "the client's bytes were never all acknowledged";
}

void client_tcp_info(const estats_pair& p, std::uint32_t& mss, std::uint32_t& cwnd) {
    tcp_info ti{};
    socklen_t l = sizeof ti;
    ::getsockopt(p.client, IPPROTO_TCP, TCP_INFO, &ti, &l);
    mss = ti.tcpi_snd_mss;
    cwnd = ti.tcpi_snd_cwnd;
}

}  // namespace tcptable::testing::win32
