// SPDX-License-Identifier: MIT
// Snapshots taken while loopback connections open and close, up to 50 per snapshot. Every
// snapshot, from every backend, must be well-formed (valid states, the contract's order, no torn
// rows, no duplicate connection among the test's rows) and hold every long-lived connection the
// test keeps open throughout. The test asserts no speed: it runs until enough churn has
// happened under enough snapshots of each backend, however long that takes on a loaded machine,
// bounded by a watchdog that fails with what it got (and in descriptors, ~120). Only the test's
// own sockets on 127.0.0.1 and ::1 are made, and only they are closed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tcptable/tcptable.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "linux/procfs_backend.hpp"
#include "support/netlink_probe.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;
using namespace std::chrono_literals;

// While each snapshot runs, each churn thread may open and close up to this many connections,
// as fast as it can; between snapshots it waits. The churn is paced by the snapshots, not by
// the clock, so a slow machine (ASan, a loaded runner) gets as much churn per snapshot as a fast
// one, and the TIME-WAIT rows left behind (half the connections) stay a few thousand however
// long the test runs.
constexpr long credit_per_snapshot = 25;
// Enough: this many connections opened and closed in all, and this many snapshots of each
// backend during which connections were opened and closed.
constexpr long min_churned = 2000;
constexpr int min_snapshots_under_churn = 20;
// Bounds. A churn thread stops after this many connections even if never told to.
constexpr long max_per_churner = 40000;
constexpr int max_snapshots = 20000;
constexpr auto watchdog = 100s;  // below ctest's 120 s, so it is this message that fails

struct endpoint_pair {
    bool v6;
    std::uint16_t client_port, server_port;
};

ip_address loopback(bool v6) { return v6 ? ip_address::v6_loopback() : ip_address::v4_loopback(); }

std::uint16_t local_port_of(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// How many connections a churn thread may have made: the snapshot loop raises it as a snapshot
// starts and takes back what is left when it ends; the thread waits on it (a handshake, not a
// sleep) whenever it is used up.
struct churn_credit {
    std::mutex m;
    std::condition_variable cv;
    long granted = 0;
    long used = 0;
    bool stop = false;

    // As a snapshot starts: credit_per_snapshot more, for this snapshot only.
    void grant() {
        {
            std::lock_guard lock(m);
            granted = used + credit_per_snapshot;
        }
        cv.notify_all();
    }
    // As it ends: the rest is withdrawn.
    void withdraw() {
        std::lock_guard lock(m);
        granted = used;
    }
    void finish() {
        {
            std::lock_guard lock(m);
            stop = true;
        }
        cv.notify_all();
    }
};

// Opens and closes connections to its own listener as its credit allows, until told to stop:
// every other one ends with an RST (SO_LINGER 0, no TIME-WAIT), the rest with a normal close by
// the client (TIME-WAIT).
void churn(bool v6, int listen_fd, std::uint16_t port, churn_credit& credit,
           std::atomic<long>& opened, std::atomic<long>& failures) {
    for (long n = 0; n < max_per_churner; ++n) {
        {
            std::unique_lock lock(credit.m);
            credit.cv.wait(lock, [&] { return credit.stop || credit.used < credit.granted; });
            if (credit.stop) return;
            ++credit.used;
        }
        int c = loopback_connect(v6, port);
        if (c < 0) {
            failures.fetch_add(1);
            continue;
        }
        int s = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (n % 2 == 0) {
            linger l{1, 0};
            ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        ::close(c);
        if (s >= 0) ::close(s);
        opened.fetch_add(1);
    }
}

struct backend_stats {
    int snapshots = 0;
    int under_churn = 0;  // snapshots during which connections were opened and closed
    int problems = 0;
    std::size_t min_rows = SIZE_MAX, max_rows = 0, max_test_rows = 0;
    double total_ms = 0;
};

// The rows' own shape: valid states, the contract's order, one family per row, no torn rows,
// no connection of the test's listed twice. Returns one line per problem, or "".
std::string check_rows(const tcp_table& t, const std::set<std::uint16_t>& test_ports,
                       std::size_t& test_rows) {
    std::string problems;
    if (!std::is_sorted(t.begin(), t.end(), row_order{})) problems += "rows out of order\n";
    std::set<std::tuple<ip_address, std::uint16_t, ip_address, std::uint16_t>> keys;
    test_rows = 0;
    for (const auto& r : t) {
        const auto s = static_cast<unsigned>(r.state);
        if (s < 1 || s > 12) return problems + "state " + std::to_string(s) + "\n";
        if (r.local_address.family() != r.remote_address.family())
            return problems + "mixed families\n";
        if (r.local_address.is_v4()) {
            for (std::size_t i = 4; i < 16; ++i)
                if (r.local_address.bytes()[i] || r.remote_address.bytes()[i])
                    return problems + "IPv4 row with bytes past the fourth\n";
        }
        if (r.state == tcp_state::established && (r.local_port == 0 || r.remote_port == 0))
            return problems + "ESTABLISHED row with port 0\n";
        const bool mine = test_ports.count(r.local_port) || test_ports.count(r.remote_port);
        if (!mine) continue;
        // The test's port numbers may also be used by the machine's connections elsewhere;
        // only rows between loopback addresses are the test's.
        if (!r.local_address.is_loopback() ||
            (r.state != tcp_state::listen && !r.remote_address.is_loopback()))
            continue;
        ++test_rows;
        if (r.state == tcp_state::listen) continue;
        if (!keys.emplace(r.local_address, r.local_port, r.remote_address, r.remote_port).second) {
            std::string rows;
            for (const auto& o : t)
                if (row_order::compare(o, r) == 0)
                    rows += std::string(" [") + std::string(to_string(o.state)) + " inode " +
                            std::to_string(o.inode) + "]";
            problems += "duplicate row " + r.local_address.to_string() + ":" +
                        std::to_string(r.local_port) + " -> " + r.remote_address.to_string() + ":" +
                        std::to_string(r.remote_port) + rows + "\n";
        }
    }
    return problems;
}

// Both ends of every long-lived connection, ESTABLISHED.
std::string check_long_lived(const tcp_table& t, const std::vector<endpoint_pair>& long_lived) {
    std::string problems;
    for (const auto& p : long_lived) {
        const ip_address a = loopback(p.v6);
        for (bool client_side : {true, false}) {
            tcp_row want;
            want.local_address = want.remote_address = a;
            want.local_port = client_side ? p.client_port : p.server_port;
            want.remote_port = client_side ? p.server_port : p.client_port;
            auto it = std::lower_bound(t.begin(), t.end(), want, row_order{});
            if (it == t.end() || row_order::compare(*it, want) != 0 ||
                it->state != tcp_state::established)
                problems += "long-lived connection missing: " + a.to_string() + ":" +
                            std::to_string(want.local_port) + " -> " +
                            std::to_string(want.remote_port) + "\n";
        }
    }
    return problems;
}

TEST(churn, snapshots_stay_whole_while_connections_come_and_go) {
    // Alone where it may be: a namespace of its own holds only this test's sockets, takes its
    // TIME-WAIT rows with it, and spares tests running beside it (a program that sizes the
    // table once fails with ERROR_INSUFFICIENT_BUFFER when it grows this fast). Elsewhere, the
    // machine's loopback.
    scoped_private_netns alone;
    std::printf(
        "network namespace: %s\n",
        alone.entered() ? "the test's own" : ("the machine's (" + alone.why_not() + ")").c_str());
    // Long-lived: 25 pairs on each family, to one listener per family.
    std::vector<int> fds;
    std::vector<endpoint_pair> long_lived;
    std::set<std::uint16_t> test_ports;
    int churn_listen[2] = {-1, -1};
    std::uint16_t churn_port[2] = {0, 0};
    for (bool v6 : {false, true}) {
        std::uint16_t port = 0;
        int l = loopback_listener(v6, port);
        ASSERT_GE(l, 0);
        fds.push_back(l);
        test_ports.insert(port);
        for (int i = 0; i < 25; ++i) {
            int c = loopback_connect(v6, port);
            ASSERT_GE(c, 0);
            int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
            ASSERT_GE(s, 0);
            fds.push_back(c);
            fds.push_back(s);
            long_lived.push_back({v6, local_port_of(c), port});
        }
        churn_listen[v6] = loopback_listener(v6, churn_port[v6]);
        ASSERT_GE(churn_listen[v6], 0);
        fds.push_back(churn_listen[v6]);
        test_ports.insert(churn_port[v6]);
    }

    churn_credit credit[2];
    std::atomic<long> opened{0}, failures{0};
    std::vector<std::thread> churners;
    for (bool v6 : {false, true})
        churners.emplace_back(churn, v6, churn_listen[v6], churn_port[v6], std::ref(credit[v6]),
                              std::ref(opened), std::ref(failures));

    // Every backend that works here: netlink only where the environment allows it.
    std::vector<backend_kind> backends = {backend_kind::procfs, backend_kind::automatic};
    if (netlink_refused_reason().empty())
        backends.insert(backends.begin() + 1, backend_kind::netlink);
    else
        std::printf("netlink left out: %s\n", netlink_refused_reason().c_str());
    std::map<backend_kind, backend_stats> stats;
    std::vector<std::string> problems;
    auto enough = [&] {
        if (opened.load() < min_churned) return false;
        for (auto b : backends)
            if (stats[b].under_churn < min_snapshots_under_churn) return false;
        return true;
    };
    const auto start = std::chrono::steady_clock::now();
    bool timed_out = false;
    // Bounded by count and by the watchdog; a problem stops the loop so the report stays short.
    for (int i = 0; i < max_snapshots && !enough(); ++i) {
        if (std::chrono::steady_clock::now() - start >= watchdog) {
            timed_out = true;
            break;
        }
        snapshot_options o;
        o.backend = backends[static_cast<std::size_t>(i) % backends.size()];
        std::error_code ec;
        error_info info;
        for (auto& c : credit) c.grant();
        const long opened_before = opened.load();
        const auto t0 = std::chrono::steady_clock::now();
        tcp_table t = snapshot(o, ec, &info);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        for (auto& c : credit) c.withdraw();
        const bool under_churn = opened.load() > opened_before;
        if (ec) {
            problems.push_back(std::string(to_string(o.backend)) + ": " + ec.message() + " " +
                               info.to_string());
            break;
        }
        std::size_t test_rows = 0;
        std::string what = check_rows(t, test_ports, test_rows) + check_long_lived(t, long_lived);
        if (!what.empty()) {
            // Every bad snapshot counts; the first few are kept for the failure message.
            if (problems.size() < 5)
                problems.push_back(std::string(to_string(o.backend)) + ": " + what);
            ++stats[o.backend].problems;
        }
        auto& s = stats[o.backend];
        ++s.snapshots;
        s.under_churn += under_churn;
        s.total_ms += ms;
        s.min_rows = std::min(s.min_rows, t.size());
        s.max_rows = std::max(s.max_rows, t.size());
        s.max_test_rows = std::max(s.max_test_rows, test_rows);
        if (!what.empty() && problems.size() >= 5) break;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& c : credit) c.finish();
    for (auto& th : churners) th.join();
    for (int fd : fds) ::close(fd);

    // For the log only: how fast this machine churned is not what the test checks.
    std::printf(
        "churn: %ld connections opened and closed in %.1f s, %ld connect "
        "failures\n",
        opened.load(), seconds, failures.load());
    std::string summary;
    for (const auto& [b, s] : stats) {
        char line[200];
        std::snprintf(line, sizeof line,
                      "  %-9s %3d snapshots (%d under churn, %d bad), %.1f ms each, rows "
                      "%zu..%zu, test rows up to %zu\n",
                      std::string(to_string(b)).c_str(), s.snapshots, s.under_churn, s.problems,
                      s.snapshots ? s.total_ms / s.snapshots : 0.0, s.min_rows, s.max_rows,
                      s.max_test_rows);
        summary += line;
    }
    std::printf("%s", summary.c_str());
    for (const auto& p : problems) ADD_FAILURE() << p;
    EXPECT_FALSE(timed_out) << "watchdog: not enough churn under snapshots after "
                            << watchdog.count() << " s (" << opened.load() << " connections)\n"
                            << summary;
    // The churn really happened, and every backend was read while it did.
    EXPECT_GE(opened.load(), min_churned) << summary;
    for (auto b : backends)
        EXPECT_GE(stats[b].under_churn, min_snapshots_under_churn) << to_string(b) << "\n"
                                                                   << summary;
    EXPECT_EQ(failures.load(), 0);
}

// What the churn test found: under churn the kernel lists some sockets of /proc/net/tcp two or
// three times in one read of the file (the same inode, the same endpoints), because each read()
// gets one page and the kernel resumes its walk by position. A file holding such repeats, as
// a capture: the repeats go, two SO_REUSEPORT listeners (same endpoints, two inodes) stay.
TEST(procfs_repeats, a_socket_listed_twice_is_kept_once) {
    char dir_template[] = "/tmp/tcptable-repeats-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const std::filesystem::path dir = dir_template;
    std::filesystem::create_directories(dir / "net");
    const std::string header =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n";
    auto line = [](const char* local, const char* remote, const char* st, const char* inode) {
        return std::string("   0: ") + local + " " + remote + " " + st +
               " 00000000:00000000 00:00000000 00000000  1000        0 " + inode +
               " 1 0000000000000000 20 4 30 10 -1\n";
    };
    const std::string established = line("0100007F:C350", "0100007F:0050", "01", "4242");
    const std::string time_wait = line("0100007F:C351", "0100007F:0050", "06", "0");
    {
        std::ofstream f(dir / "net" / "tcp");
        f << header << line("0100007F:0050", "00000000:0000", "0A", "100")
          << line("0100007F:0050", "00000000:0000", "0A", "101") << established << time_wait
          << established << time_wait << established;
    }
    {
        std::ofstream f(dir / "net" / "tcp6");
        f << "  sl  local_address                         remote_address                        "
             "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    }
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = dir.string();
    tcp_table t = snapshot(o);
    std::filesystem::remove_all(dir);
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[0].inode, 100u);
    EXPECT_EQ(t[1].inode, 101u);
    EXPECT_EQ(t[2].inode, 4242u);
    EXPECT_EQ(t[3].state, tcp_state::time_wait);
}

TEST(procfs_repeats, drop_keeps_the_first_listing_and_the_order) {
    auto row = [](std::uint16_t port, std::uint32_t inode, tcp_state st) {
        tcp_row r;
        r.local_address = r.remote_address = ip_address::v4_loopback();
        r.local_port = port;
        r.remote_port = 80;
        r.state = st;
        r.inode = inode;
        return r;
    };
    std::vector<tcp_row> rows = {
        row(1, 0, tcp_state::listen),       // before `first`: never looked at
        row(5, 9, tcp_state::established),  // kept
        row(3, 0, tcp_state::time_wait),    // kept
        row(5, 9, tcp_state::fin_wait1),    // the same socket again, later: dropped
        row(4, 9, tcp_state::established),  // same inode, other endpoints: kept
        row(3, 0, tcp_state::time_wait),    // dropped
        row(1, 0, tcp_state::listen),       // first time after `first`: kept
    };
    EXPECT_EQ(detail::drop_repeated_rows(rows, 1), 2u);
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[1].local_port, 5);
    EXPECT_EQ(rows[1].state, tcp_state::established);
    EXPECT_EQ(rows[2].local_port, 3);
    EXPECT_EQ(rows[3].local_port, 4);
    EXPECT_EQ(rows[4].local_port, 1);
}

}  // namespace
