// SPDX-License-Identifier: MIT
// Captures the raw netlink inet_diag replies (and /proc/net/tcp{,6}, udp{,6} at the same moment)
// for the parser tests. It runs in a network namespace of its own, made here, so every captured
// socket is one this tool opened on loopback; nothing of the machine's ends up in the files.
//
// Usage (as root): netlink_capture OUTPUT_DIR
// Writes loopback-legacy.bin, loopback-v6.bin, loopback-listen.bin, loopback.tcp, loopback.tcp6,
// then, after moving some bytes and filling an accept queue, loopback-info.bin (a dump asking
// for the metrics extensions) with loopback-info.tcp and loopback-info.tcp6.
// and for UDP loopback-udp.bin, loopback-udp6.bin, loopback.udp, loopback.udp6.
// A .bin file is a sequence of datagrams, each as a 4-byte little-endian length then the bytes.
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/endian/conversion.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "linux/netlink_backend.hpp"
#include "support/netns_helpers.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::detail;
using namespace tcptable::testing;

int fail(const char* what) {
    std::perror(what);
    return 1;
}

bool capture(const std::string& path, const netlink_dump_request& request) {
    unique_fd fd;
    error_info info;
    if (auto ec = netlink_open("", fd, info)) {
        std::fprintf(stderr, "netlink_open: %s\n", info.to_string().c_str());
        return false;
    }
    std::ofstream out(path, std::ios::binary);
    netlink_datagram_sink sink = [&](std::span<const std::byte> d) {
        std::uint32_t n = boost::endian::native_to_little(static_cast<std::uint32_t>(d.size()));
        out.write(reinterpret_cast<const char*>(&n), sizeof n);
        out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    };
    std::vector<tcp_row> rows;
    std::vector<tcp_metrics> metrics;
    if (auto ec = netlink_dump(fd.get(), request, address_family::both, state_set::all(), rows,
                               info, nullptr, &sink, request.extensions ? &metrics : nullptr)) {
        std::fprintf(stderr, "dump: %s\n", info.to_string().c_str());
        return false;
    }
    std::printf("%s: %zu rows\n", path.c_str(), rows.size());
    return static_cast<bool>(out);
}

bool copy_file(const std::string& from, const std::string& to) {
    std::ifstream in(from, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(to, std::ios::binary);
    out << text;
    return in.good() || in.eof() ? static_cast<bool>(out) : false;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    // The whole process moves to a fresh namespace before any thread starts.
    if (::unshare(CLONE_NEWNET) != 0) return fail("unshare(CLONE_NEWNET) (needs root)");
    if (int err = bring_loopback_up()) {
        errno = err;
        return fail("bringing lo up");
    }

    std::vector<int> fds;
    std::uint16_t port4 = 0, port6 = 0;
    int l4 = loopback_listener(false, port4), l6 = loopback_listener(true, port6);
    if (l4 < 0 || l6 < 0) return fail("listen");
    fds.insert(fds.end(), {l4, l6});
    auto pair = [&](bool v6, int& client, int& server) {
        client = loopback_connect(v6, v6 ? port6 : port4);
        server = client < 0 ? -1 : ::accept4(v6 ? l6 : l4, nullptr, nullptr, SOCK_CLOEXEC);
        return client >= 0 && server >= 0;
    };
    // Enough established pairs that the dump spans several datagrams.
    for (int i = 0; i < 40; ++i) {
        int c, s;
        if (!pair(false, c, s)) return fail("connect v4");
        fds.insert(fds.end(), {c, s});
    }
    for (int i = 0; i < 4; ++i) {
        int c, s;
        if (!pair(true, c, s)) return fail("connect v6");
        fds.insert(fds.end(), {c, s});
    }
    // CLOSE-WAIT (client) and FIN-WAIT-2 (server): the server closes, the client does not.
    int cw_client, cw_server;
    if (!pair(false, cw_client, cw_server)) return fail("connect close-wait");
    fds.push_back(cw_client);
    ::close(cw_server);
    // TIME-WAIT (client): the client closes first, then the server.
    int tw_client, tw_server;
    if (!pair(true, tw_client, tw_server)) return fail("connect time-wait");
    ::close(tw_client);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::close(tw_server);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    // UDP: bound sockets (enough IPv4 ones that the dump spans datagrams), connected pairs of
    // both families, and wildcard binds.
    auto udp = [&](bool v6, bool wildcard, const sockaddr_storage* peer) {
        int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) return -1;
        sockaddr_storage ss{};
        socklen_t len;
        if (v6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_addr = wildcard ? in6addr_any : in6addr_loopback;
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(wildcard ? INADDR_ANY : INADDR_LOOPBACK);
            len = sizeof *a;
        }
        if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) return -1;
        if (peer && ::connect(s, reinterpret_cast<const sockaddr*>(peer), len) != 0) return -1;
        fds.push_back(s);
        return s;
    };
    auto name_of = [](int s, sockaddr_storage& ss) {
        socklen_t len = sizeof ss;
        return ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) == 0;
    };
    for (int i = 0; i < 400; ++i)
        if (udp(false, false, nullptr) < 0) return fail("udp v4");
    for (bool v6 : {false, true}) {
        for (int i = 0; i < 3; ++i) {
            sockaddr_storage peer;
            int server = udp(v6, false, nullptr);
            if (server < 0 || !name_of(server, peer) || udp(v6, false, &peer) < 0)
                return fail("udp connected");
        }
        if (udp(v6, true, nullptr) < 0) return fail("udp wildcard");
    }

    const std::uint32_t all = 0x1ffe;  // Linux states 1..12
    bool ok = capture(dir + "/loopback-legacy.bin", {netlink_request::legacy, 0, all}) &&
              capture(dir + "/loopback-v6.bin", {netlink_request::by_family, AF_INET6, all}) &&
              capture(dir + "/loopback-listen.bin", {netlink_request::legacy, 0, 1u << 10}) &&
              copy_file("/proc/net/tcp", dir + "/loopback.tcp") &&
              copy_file("/proc/net/tcp6", dir + "/loopback.tcp6") &&
              capture(dir + "/loopback-udp.bin", {.kind = netlink_request::by_family,
                                                  .family = AF_INET,
                                                  .states_mask = 0xffffffffu,
                                                  .protocol = IPPROTO_UDP}) &&
              capture(dir + "/loopback-udp6.bin", {.kind = netlink_request::by_family,
                                                   .family = AF_INET6,
                                                   .states_mask = 0xffffffffu,
                                                   .protocol = IPPROTO_UDP}) &&
              copy_file("/proc/net/udp", dir + "/loopback.udp") &&
              copy_file("/proc/net/udp6", dir + "/loopback.udp6");

    // For the metrics capture: a listener with backlog 5 and 3 connections nobody accepted,
    // and a pair whose server has 1000 unread bytes.
    std::uint16_t port_q = 0;
    int lq = loopback_listener(false, port_q);
    if (lq < 0 || ::listen(lq, 5) != 0) return fail("listen (accept queue)");
    fds.push_back(lq);
    for (int i = 0; i < 3; ++i) {
        int c = loopback_connect(false, port_q);
        if (c < 0) return fail("connect (accept queue)");
        fds.push_back(c);
    }
    {
        int c, s;
        if (!pair(false, c, s)) return fail("connect (bytes)");
        fds.insert(fds.end(), {c, s});
        char bytes[1000] = {};
        if (::send(c, bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
            return fail("send");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ok = ok &&
         capture(dir + "/loopback-info.bin", {.kind = netlink_request::legacy,
                                              .states_mask = all,
                                              .extensions = netlink_metrics_extensions()}) &&
         copy_file("/proc/net/tcp", dir + "/loopback-info.tcp") &&
         copy_file("/proc/net/tcp6", dir + "/loopback-info.tcp6");
    for (int fd : fds) ::close(fd);
    return ok ? 0 : 1;
}
