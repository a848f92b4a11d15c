// SPDX-License-Identifier: MIT
// Metrics on real sockets, in a network namespace of the test's own so the table holds only
// them: exact byte counts of a quiesced pair, agreement with `ss -ti` for the same socket, an
// accept queue, rows and metrics kept together through sorting and filtering, absent fields.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tcptable/tcptable.hpp>
#include <thread>
#include <vector>

#include "support/netlink_probe.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;
using clock_type = std::chrono::steady_clock;

struct fd_guard {
    int fd = -1;
    explicit fd_guard(int f = -1) : fd(f) {}
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
};

std::uint16_t local_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

tcp_info kernel_info(int fd) {
    tcp_info ti{};
    socklen_t len = sizeof ti;
    ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
    return ti;
}

// Waits for `done()` to hold, checking it after each short pause; false after `limit`. The
// condition is the synchronisation: the pause only spaces the checks.
template <class F>
bool wait_for(F done, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = clock_type::now() + limit;
    for (int i = 0; i < 1000000 && clock_type::now() < deadline; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
}

// Moves `n` bytes from `from` to `to`, reading them all; false on error or after 60 s.
bool move_bytes(int from, int to, std::size_t n) {
    std::vector<char> buf(64 * 1024, 'x');
    std::size_t sent = 0, received = 0;
    const auto deadline = clock_type::now() + std::chrono::seconds(60);
    while (received < n && clock_type::now() < deadline) {
        pollfd p[2] = {{from, short(sent < n ? POLLOUT : 0), 0}, {to, POLLIN, 0}};
        if (::poll(p, 2, 1000) < 0) return false;
        if (sent < n && (p[0].revents & POLLOUT)) {
            ssize_t k = ::send(from, buf.data(), std::min(buf.size(), n - sent), MSG_DONTWAIT);
            if (k > 0) sent += std::size_t(k);
        }
        if (p[1].revents & POLLIN) {
            ssize_t k = ::recv(to, buf.data(), buf.size(), MSG_DONTWAIT);
            if (k <= 0) return false;
            received += std::size_t(k);
        }
    }
    return received == n;
}

// Runs `command` (in the calling thread's network namespace: the child inherits it).
std::string run(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

// The key:value words of `ss -tinH` for one socket.
std::map<std::string, std::string> ss_info(std::uint16_t sport) {
    std::map<std::string, std::string> out;
    std::istringstream words(
        run("ss -tinH state established '( sport = :" + std::to_string(sport) + " )' 2>&1"));
    std::string w;
    while (words >> w) {
        auto colon = w.find(':');
        if (colon == std::string::npos || colon == 0) continue;
        out.emplace(w.substr(0, colon), w.substr(colon + 1));
    }
    return out;
}

const tcp_metrics* find(const tcp_table& t, std::uint16_t lport, tcp_state state) {
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].local_port == lport && t[i].state == state) return t.metrics(i);
    return nullptr;
}

class metrics_live : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!ns_.entered()) GTEST_SKIP() << "no private network namespace: " << ns_.why_not();
        if (auto why = netlink_refused_reason(); !why.empty()) GTEST_SKIP() << why;
    }
    scoped_private_netns ns_;
};

snapshot_options metrics_options(backend_kind backend = backend_kind::netlink) {
    snapshot_options o;
    o.metrics = true;
    o.backend = backend;
    return o;
}

TEST_F(metrics_live, quiesced_pair_has_exact_bytes_and_agrees_with_ss) {
    std::uint16_t port = 0;
    fd_guard listener(loopback_listener(false, port));
    ASSERT_GE(listener.fd, 0);
    fd_guard client(loopback_connect(false, port));
    ASSERT_GE(client.fd, 0);
    fd_guard server(::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_GE(server.fd, 0);

    constexpr std::size_t n = 1234567;
    ASSERT_TRUE(move_bytes(client.fd, server.fd, n));
    // Quiesced: everything the client sent is acknowledged (the server's ACK may be delayed).
    ASSERT_TRUE(wait_for([&] {
        tcp_info ti = kernel_info(client.fd);
        return ti.tcpi_unacked == 0 && ti.tcpi_state == TCP_ESTABLISHED;
    })) << "the client's bytes were never all acknowledged";

    tcp_table t = snapshot(metrics_options());
    ASSERT_TRUE(t.has_metrics());
    ASSERT_EQ(t.metrics().size(), t.size());
    const std::uint16_t cport = local_port(client.fd);
    const tcp_metrics* sender = find(t, cport, tcp_state::established);
    const tcp_metrics* receiver = nullptr;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].local_port == port && t[i].remote_port == cport) receiver = t.metrics(i);
    ASSERT_NE(sender, nullptr);
    ASSERT_NE(receiver, nullptr);

    EXPECT_EQ(receiver->get(tcp_metric::bytes_received), n);
    EXPECT_EQ(receiver->get(tcp_metric::recv_queue), 0u);
    EXPECT_EQ(sender->get(tcp_metric::send_queue), 0u);
    EXPECT_EQ(sender->get(tcp_metric::bytes_received), 0u);  // a real zero, present
    ASSERT_TRUE(sender->has(tcp_metric::bytes_acked));
    // The SYN counts as one acknowledged byte.
    EXPECT_EQ(*sender->get(tcp_metric::bytes_acked), n + 1);

    auto ss = ss_info(cport);
    ASSERT_TRUE(ss.count("bytes_acked")) << "ss -ti printed no bytes_acked for port " << cport;
    EXPECT_EQ(std::to_string(*sender->get(tcp_metric::bytes_acked)), ss["bytes_acked"]);
    EXPECT_EQ(std::to_string(*sender->get(tcp_metric::cwnd)), ss["cwnd"]);
    EXPECT_EQ(std::to_string(*sender->get(tcp_metric::mss)), ss["mss"]);
    ASSERT_TRUE(ss.count("rtt"));
    // ss prints rtt/rttvar in milliseconds with %g: microseconds exactly below 1e6.
    const double ss_rtt_ms = std::stod(ss["rtt"].substr(0, ss["rtt"].find('/')));
    EXPECT_EQ(*sender->get(tcp_metric::rtt_us), std::uint64_t(std::llround(ss_rtt_ms * 1000)));
    ASSERT_TRUE(sender->congestion());
    EXPECT_TRUE(run("ss -tinH '( sport = :" + std::to_string(cport) + " )'")
                    .find(std::string(*sender->congestion())) != std::string::npos);

    // The kernel's own view through getsockopt agrees as well.
    tcp_info ti = kernel_info(client.fd);
    EXPECT_EQ(*sender->get(tcp_metric::cwnd), ti.tcpi_snd_cwnd);
    EXPECT_EQ(*sender->get(tcp_metric::mss), ti.tcpi_snd_mss);
}

TEST_F(metrics_live, listener_with_three_unaccepted_connections) {
    std::uint16_t port = 0;
    fd_guard listener(loopback_listener(false, port));
    ASSERT_GE(listener.fd, 0);
    ASSERT_EQ(::listen(listener.fd, 7), 0);  // a listening socket takes a new backlog
    std::vector<std::unique_ptr<fd_guard>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<fd_guard>(loopback_connect(false, port)));
        ASSERT_GE(clients.back()->fd, 0);
    }
    // A listener's tcpi_unacked is its accept queue: wait until all three are in it.
    ASSERT_TRUE(wait_for([&] { return kernel_info(listener.fd).tcpi_unacked == 3; }))
        << "the three connections never reached the accept queue";

    tcp_table t = snapshot(metrics_options());
    const tcp_metrics* m = find(t, port, tcp_state::listen);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->get(tcp_metric::recv_queue), 3u);
    EXPECT_EQ(m->get(tcp_metric::backlog), 7u);
    EXPECT_EQ(m->get(tcp_metric::send_queue), 7u);
    EXPECT_FALSE(m->has(tcp_metric::rtt_us));

    // ss prints the same Recv-Q and Send-Q.
    std::istringstream ss(run("ss -ltnH '( sport = :" + std::to_string(port) + " )' 2>&1"));
    std::string state, recvq, sendq;
    ss >> state >> recvq >> sendq;
    EXPECT_EQ(recvq, "3");
    EXPECT_EQ(sendq, "7");

    // /proc gives the accept queue, and no backlog.
    tcp_table p = snapshot(metrics_options(backend_kind::procfs));
    const tcp_metrics* pm = find(p, port, tcp_state::listen);
    ASSERT_NE(pm, nullptr);
    EXPECT_EQ(pm->get(tcp_metric::recv_queue), 3u);
    EXPECT_FALSE(pm->has(tcp_metric::backlog));
    EXPECT_FALSE(pm->has(tcp_metric::rtt_us));
}

// Each server socket holds a different number of unread bytes; whatever the backend, order or
// state filter, every row's metrics must be its own.
TEST_F(metrics_live, metrics_stay_with_their_rows) {
    std::uint16_t port = 0;
    fd_guard listener(loopback_listener(false, port));
    ASSERT_GE(listener.fd, 0);
    std::vector<std::unique_ptr<fd_guard>> fds;
    std::map<std::uint16_t, std::size_t> unread;  // client port -> bytes the server holds
    for (int i = 1; i <= 12; ++i) {
        auto c = std::make_unique<fd_guard>(loopback_connect(false, port));
        ASSERT_GE(c->fd, 0);
        auto s = std::make_unique<fd_guard>(::accept4(listener.fd, nullptr, nullptr, 0));
        ASSERT_GE(s->fd, 0);
        const std::size_t bytes = std::size_t(i) * 100;
        std::string data(bytes, 'y');
        ASSERT_EQ(::send(c->fd, data.data(), bytes, 0), ssize_t(bytes));
        const int sfd = s->fd;
        ASSERT_TRUE(wait_for([&] {
            int q = 0;
            return ::ioctl(sfd, FIONREAD, &q) == 0 && std::size_t(q) == bytes;
        }));
        unread[local_port(c->fd)] = bytes;
        fds.push_back(std::move(c));
        fds.push_back(std::move(s));
    }
    for (backend_kind b : {backend_kind::netlink, backend_kind::procfs}) {
        for (bool sorted : {true, false}) {
            for (bool filtered : {false, true}) {
                snapshot_options o = metrics_options(b);
                o.sorted = sorted;
                if (filtered) o.states = state_set{tcp_state::established};
                tcp_table t = snapshot(o);
                ASSERT_EQ(t.metrics().size(), t.size());
                std::size_t checked = 0;
                for (std::size_t i = 0; i < t.size(); ++i) {
                    if (t[i].local_port != port || t[i].state != tcp_state::established) continue;
                    auto it = unread.find(t[i].remote_port);
                    ASSERT_NE(it, unread.end());
                    EXPECT_EQ(t.metrics(i)->get(tcp_metric::recv_queue), it->second)
                        << to_string(b) << " sorted=" << sorted << " filtered=" << filtered;
                    ++checked;
                }
                EXPECT_EQ(checked, unread.size());
                if (filtered) {
                    for (const auto& r : t) EXPECT_EQ(r.state, tcp_state::established);
                }
            }
        }
    }
}

TEST_F(metrics_live, absent_without_asking_and_for_time_wait) {
    std::uint16_t port = 0;
    fd_guard listener(loopback_listener(false, port));
    ASSERT_GE(listener.fd, 0);
    int c = loopback_connect(false, port);
    ASSERT_GE(c, 0);
    const std::uint16_t cport = local_port(c);
    int s = ::accept4(listener.fd, nullptr, nullptr, 0);
    ASSERT_GE(s, 0);
    // The client closes first: it ends in TIME-WAIT once the server closes too.
    ::close(c);
    ::close(s);
    ASSERT_TRUE(wait_for([&] {
        tcp_table t = snapshot();
        for (const auto& r : t)
            if (r.local_port == cport && r.state == tcp_state::time_wait) return true;
        return false;
    })) << "the client never reached TIME-WAIT";

    tcp_table plain = snapshot();
    EXPECT_FALSE(plain.has_metrics());
    EXPECT_TRUE(plain.metrics().empty());
    EXPECT_EQ(plain.metrics(0), nullptr);

    for (backend_kind b : {backend_kind::netlink, backend_kind::procfs}) {
        tcp_table t = snapshot(metrics_options(b));
        const tcp_metrics* tw = find(t, cport, tcp_state::time_wait);
        ASSERT_NE(tw, nullptr) << to_string(b);
        EXPECT_FALSE(tw->any()) << to_string(b) << ": a TIME-WAIT row knows no figures";
    }
}

TEST_F(metrics_live, empty_table_with_metrics) {
    snapshot_options o = metrics_options();
    o.states = state_set{tcp_state::closing};
    tcp_table t = snapshot(o);
    EXPECT_TRUE(t.has_metrics());
    EXPECT_TRUE(t.empty());
    EXPECT_TRUE(t.metrics().empty());
}

}  // namespace
