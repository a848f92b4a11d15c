// SPDX-License-Identifier: MIT
// The watcher's event sources against real short-lived loopback connections, in private
// network namespaces the tests make (so every connection counted is the test's own): the
// netlink destroy groups as an unprivileged user, BPF as root, polling beside them; a burst
// that overflows a tiny receive buffer and is resynced; another namespace watched by path.
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcntl.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tcptable/asio.hpp>
#include <thread>
#include <vector>

#include "linux/destroy_events.hpp"
#include "linux/test_seams.hpp"
#include "support/async_watchdog.hpp"
#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace {

using namespace tcptable;
namespace tt = tcptable::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr uid_t nobody = 65534;

std::string become_nobody() {
    if (::setgroups(0, nullptr) != 0) return std::string("setgroups: ") + std::strerror(errno);
    if (::setgid(nobody) != 0) return std::string("setgid: ") + std::strerror(errno);
    if (::setuid(nobody) != 0) return std::string("setuid: ") + std::strerror(errno);
    if (::geteuid() != nobody) return "still privileged";
    return {};
}

// Short-lived loopback connections to one listener of the test's own: connect, one byte each
// way, `hold` of life, then a close of the client and of the accepted socket. Returns the client's
// port, 0 on failure.
class connection_generator {
  public:
    connection_generator() { fd_ = tt::loopback_listener(false, port_); }
    ~connection_generator() {
        for (auto& h : held_) close_pair(h);
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    std::uint16_t port() const { return port_; }

    struct pair_fds {
        int client = -1, server = -1;
        std::uint16_t client_port = 0;
    };

    pair_fds open_pair() {
        pair_fds p;
        p.client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (p.client < 0) return p;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port_);
        if (::connect(p.client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(p.client);
            p.client = -1;
            return p;
        }
        p.server = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        socklen_t len = sizeof a;
        ::getsockname(p.client, reinterpret_cast<sockaddr*>(&a), &len);
        p.client_port = ntohs(a.sin_port);
        char c = 'x';
        if (p.server < 0 || ::write(p.client, &c, 1) != 1 || ::read(p.server, &c, 1) != 1 ||
            ::write(p.server, &c, 1) != 1 || ::read(p.client, &c, 1) != 1)
            p.client_port = 0;
        return p;
    }

    // The client closes first (its socket ends, its TIME-WAIT row stays), then the server.
    // An abortive close would do too, but the kernel's notification of a reset socket has lost
    // its endpoints, which only a poll that saw the socket can give back.
    static void close_pair(pair_fds& p) {
        if (p.client >= 0) ::close(p.client);
        if (p.server >= 0) ::close(p.server);
        p.client = p.server = -1;
    }

    // One connection living about `hold`. The sleep is the connection's lifetime, not a wait
    // for anything.
    std::uint16_t one(std::chrono::microseconds hold) {
        auto p = open_pair();
        if (hold.count() > 0) std::this_thread::sleep_for(hold);
        close_pair(p);
        return p.client_port;
    }

    void hold(pair_fds p) { held_.push_back(p); }
    std::vector<pair_fds>& held() { return held_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::vector<pair_fds> held_;
};

// What each watcher reported of the test's connections, by client port.
class tally {
  public:
    explicit tally(std::uint16_t server_port) : server_port_(server_port) {}

    void record(const tcp_event& e) {
        std::uint16_t client;
        if (e.row.remote_port == server_port_ && e.row.local_port != server_port_)
            client = e.row.local_port;
        else
            return;  // only the client's socket counts, once per connection
        std::lock_guard<std::mutex> lock(mutex_);
        if (e.kind == event_kind::opened) opened_.insert(client);
        if (e.kind == event_kind::closed) {
            closed_.insert(client);
            last_close_[client] = e;
            if (e.has_figures) with_figures_.insert(client);
            if (e.seen_open) seen_open_.insert(client);
            if (e.source != event_source::poll) by_source_.insert(client);
        }
        cv_.notify_all();
    }

    // Waits until every port in `ports` is closed, at most `limit`. True when all are.
    bool wait_closed(const std::vector<std::uint16_t>& ports, std::chrono::seconds limit) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return count_in(closed_, ports) == ports.size(); });
    }
    bool wait_opened(const std::vector<std::uint16_t>& ports, std::chrono::seconds limit) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return count_in(opened_, ports) == ports.size(); });
    }

    tcp_event last_close(std::uint16_t port) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = last_close_.find(port);
        return it == last_close_.end() ? tcp_event{} : it->second;
    }
    std::size_t closed(const std::vector<std::uint16_t>& ports) {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_in(closed_, ports);
    }
    std::size_t opened(const std::vector<std::uint16_t>& ports) {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_in(opened_, ports);
    }
    std::size_t opened_and_closed(const std::vector<std::uint16_t>& ports) {
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (auto p : ports) n += opened_.count(p) && closed_.count(p);
        return n;
    }
    std::size_t closed_by_source(const std::vector<std::uint16_t>& ports) {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_in(by_source_, ports);
    }
    std::size_t with_figures(const std::vector<std::uint16_t>& ports) {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_in(with_figures_, ports);
    }

  private:
    static std::size_t count_in(const std::set<std::uint16_t>& s,
                                const std::vector<std::uint16_t>& ports) {
        std::size_t n = 0;
        for (auto p : ports) n += s.count(p);
        return n;
    }
    std::uint16_t server_port_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::set<std::uint16_t> opened_, closed_, with_figures_, seen_open_, by_source_;
    std::map<std::uint16_t, tcp_event> last_close_;
};

// Watchers of several sources on one io_context run by one thread.
class watch_run {
  public:
    watch_run() : work_(io_.get_executor()) {
        thread_ = std::thread([this] { io_.run(); });
    }
    ~watch_run() {
        for (auto& w : watchers_) w->cancel();
        work_.reset();
        io_.stop();
        thread_.join();
    }

    // Starts a watcher; returns its index, or -1 with `why` when its source cannot start.
    int add(event_source source, std::chrono::milliseconds interval, std::uint16_t server_port,
            std::string& why, const std::string& netns = {}) {
        watch_options o;
        o.snapshot.netns = netns;
        o.interval = interval;
        o.events = source;
        auto w = watcher::create(io_, o);
        auto t = std::make_shared<tally>(server_port);
        auto ready = std::make_shared<tt::gate>();
        auto failure = std::make_shared<std::string>();
        w->start(
            [t, ready, failure, wp = std::weak_ptr<watcher>(w)](
                const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
                if (ec) {
                    if (!ready->is_open()) {
                        if (auto s = wp.lock())
                            *failure = ec.message() + ": " + s->last_error_info().to_string();
                        ready->open();
                    }
                    return;
                }
                for (const auto& e : events) t->record(e);
            },
            [ready] { ready->open(); });
        ready->wait();
        if (!failure->empty()) {
            why = *failure;
            w->cancel();
            return -1;
        }
        watchers_.push_back(w);
        tallies_.push_back(t);
        return static_cast<int>(watchers_.size()) - 1;
    }

    watcher& at(int i) { return *watchers_[std::size_t(i)]; }
    tally& tally_of(int i) { return *tallies_[std::size_t(i)]; }

  private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
    std::vector<std::shared_ptr<watcher>> watchers_;
    std::vector<std::shared_ptr<tally>> tallies_;
};

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

constexpr int connections = 500;
constexpr auto lifetime = 2ms;
constexpr auto poll_interval = 3000ms;

// Runs `connections` short-lived connections under watchers of `sources` (the first is the
// one asserted on); prints each source's catch rate. Returns "" or what failed.
std::string short_lived_run(const std::vector<event_source>& sources, bool need_opened) {
    connection_generator gen;
    if (!gen.ok()) return "no listener";
    watch_run run;
    std::vector<int> idx;
    for (auto s : sources) {
        std::string why;
        int i = run.add(s, poll_interval, gen.port(), why);
        if (i < 0) {
            if (s == sources.front()) return "SKIP: " + std::string(to_string(s)) + ": " + why;
            std::printf("%s: cannot start: %s\n", std::string(to_string(s)).c_str(), why.c_str());
        }
        idx.push_back(i);
    }
    if (run.at(idx[0]).source() != sources.front())
        return "asked for " + std::string(to_string(sources.front())) + ", got " +
               std::string(to_string(run.at(idx[0]).source()));
    std::vector<std::uint16_t> ports;
    const auto t0 = std::chrono::steady_clock::now();
    {
        tt::watchdog dog("generating connections", 120s);
        for (int i = 0; i < connections; ++i)
            if (auto p = gen.one(lifetime)) ports.push_back(p);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (ports.size() != std::size_t(connections))
        return "only " + std::to_string(ports.size()) + " connections worked";
    // The first source's reports come in order; stragglers are waited for, boundedly.
    bool all = run.tally_of(idx[0]).wait_closed(ports, 30s);
    // The other kernel sources read on threads of their own: give their last notifications the
    // same bounded chance before counting (poll has nothing more to come).
    for (std::size_t k = 1; k < sources.size(); ++k)
        if (idx[k] >= 0 && sources[k] != event_source::poll)
            run.tally_of(idx[k]).wait_closed(ports, 10s);
    std::printf("%d connections of ~%lld ms in %.2f s (%.0f/s), polling every %lld ms%s\n",
                connections, static_cast<long long>(lifetime.count()), seconds,
                connections / seconds, static_cast<long long>(poll_interval.count()),
                all ? "" : " (first source incomplete after 30 s)");
    std::string failure;
    for (std::size_t k = 0; k < sources.size(); ++k) {
        if (idx[k] < 0) continue;
        auto& t = run.tally_of(idx[k]);
        const double closed = 100.0 * double(t.closed(ports)) / connections;
        const double both = 100.0 * double(t.opened_and_closed(ports)) / connections;
        const double opened = 100.0 * double(t.opened(ports)) / connections;
        std::printf(
            "  %-7s closed %6.2f %%  opened %6.2f %%  opened+closed %6.2f %%  with tcp_info %zu  "
            "notifications %zu  resyncs %zu\n",
            std::string(to_string(sources[k])).c_str(), closed, opened, both, t.with_figures(ports),
            run.at(idx[k]).notifications(), run.at(idx[k]).resyncs());
        if (k == 0) {
            const double rate = need_opened ? both : closed;
            if (rate < 99.0)
                failure = std::string(to_string(sources[k])) + " caught " + std::to_string(rate) +
                          " % < 99 %";
        }
    }
    std::fflush(stdout);
    return failure;
}

TEST(events, destroy_datagram_parsing_rejects_bad_lengths) {
    // A truncated header and an attribute running past its message are parse errors, never
    // rows.
    std::vector<tcp_event> out;
    error_info info;
    std::vector<std::byte> tiny(8);
    EXPECT_EQ(detail::parse_destroy_datagram(tiny, out, info), errc::parse_error);
    EXPECT_TRUE(out.empty());
    // A tcp_info too short for tcpi_rtt gives no figures; one just long enough gives rtt only.
    close_figures f;
    std::vector<std::byte> short_info(8);
    EXPECT_FALSE(detail::read_close_figures(short_info.data(), short_info.size(), f));
}

TEST(events, netlink_unprivileged_catches_short_lived_connections) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            if (auto why = become_nobody(); !why.empty()) return "SKIP: " + why;
            std::printf("as uid %u in a private namespace:\n", unsigned(::geteuid()));
            return short_lived_run({event_source::netlink, event_source::poll}, false);
        },
        std::chrono::seconds(150)));
}

TEST(events, bpf_catches_opens_and_closes) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            const double cpu0 = cpu_seconds();
            auto r = short_lived_run({event_source::bpf, event_source::netlink, event_source::poll},
                                     true);
            std::printf("  process CPU (generator and the three watchers): %.2f s\n",
                        cpu_seconds() - cpu0);
            return r;
        },
        std::chrono::seconds(150)));
}

TEST(events, auto_source_is_reported) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            if (auto why = become_nobody(); !why.empty()) return "SKIP: " + why;
            // Unprivileged, bpf cannot load: auto gives netlink, and says why not bpf.
            watch_run run;
            std::string why;
            int i = run.add(event_source::automatic, 1000ms, 1, why);
            if (i < 0) return "auto failed: " + why;
            if (run.at(i).source() != event_source::netlink)
                return "auto gave " + std::string(to_string(run.at(i).source()));
            if (run.at(i).requested_source() != event_source::automatic)
                return std::string("requested?");
            return std::string();
        },
        std::chrono::seconds(60)));
}

TEST(events, bpf_without_privilege_says_not_supported) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            if (auto why = become_nobody(); !why.empty()) return "SKIP: " + why;
            // Through async_next: the error reaches the waiter, and nothing else runs after
            // it (io.run() returns on its own).
            asio::io_context io;
            watch_options o;
            o.events = event_source::bpf;
            auto w = watcher::create(io, o);
            w->start();
            boost::system::error_code got;
            bool done = false;
            w->async_next([&](const boost::system::error_code& ec, const watcher::event_batch&) {
                got = ec;
                done = true;
            });
            tt::watchdog dog("a refused bpf source", 60s);
            io.run();
            if (!done) return std::string("no completion");
            if (to_std(got) != errc::not_supported)
                return "expected not_supported, got " + got.message();
            io.restart();
            std::string where;
            asio::post(w->get_executor(), [&] { where = w->last_error_info().message; });
            io.run();
            std::printf("bpf as nobody: %s\n", where.c_str());
            std::fflush(stdout);
            return where.empty() ? std::string("no reason given") : std::string();
        },
        std::chrono::seconds(90)));
}

TEST(events, a_close_is_joined_to_the_polled_row_by_cookie) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            connection_generator gen;
            if (!gen.ok()) return std::string("no listener");
            watch_run run;
            std::string why;
            int i = run.add(event_source::netlink, 100ms, gen.port(), why);
            if (i < 0) return "netlink: " + why;
            auto p = gen.open_pair();
            if (p.client_port == 0) return std::string("connection failed");
            // The row as a netlink snapshot shows it: its cookie and inode.
            snapshot_options so;
            so.backend = backend_kind::netlink;
            tcp_row polled;
            for (const auto& r : snapshot(so))
                if (r.local_port == p.client_port && r.remote_port == gen.port()) polled = r;
            if (polled.cookie == 0 || polled.inode == 0)
                return std::string("the snapshot has no cookie or inode for the connection");
            const std::vector<std::uint16_t> one{p.client_port};
            if (!run.tally_of(i).wait_opened(one, 60s)) return std::string("never polled");
            connection_generator::close_pair(p);
            if (!run.tally_of(i).wait_closed(one, 60s)) return std::string("close not reported");
            auto e = run.tally_of(i).last_close(p.client_port);
            if (e.source != event_source::netlink) return std::string("closed by the poll");
            if (!e.seen_open) return std::string("not joined: seen_open false");
            if (e.row.cookie != polled.cookie) return std::string("another cookie");
            if (e.row.inode != polled.inode || e.row.uid != polled.uid)
                return std::string("owner not joined from the polled row");
            if (!e.has_figures || e.figures.bytes_acked < 1 || e.figures.bytes_received < 1)
                return std::string("no tcp_info figures");
            return std::string();
        },
        std::chrono::seconds(120)));
}

TEST(events, overflow_is_resynced_never_silent) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            // A receive buffer of a few notifications: a burst of closes overflows it.
            detail::test_seams::set_destroy_receive_buffer(1);
            connection_generator gen;
            if (!gen.ok()) return std::string("no listener");
            watch_run run;
            std::string why;
            int i = run.add(event_source::netlink, 200ms, gen.port(), why);
            if (i < 0) return "netlink: " + why;
            constexpr int burst = 300;
            std::vector<std::uint16_t> ports;
            for (int k = 0; k < burst; ++k) {
                auto p = gen.open_pair();
                if (p.client_port == 0) return std::string("connection failed");
                ports.push_back(p.client_port);
                gen.hold(p);
            }
            // Every connection is in the table before the burst of closes: a resync can
            // find each one gone.
            if (!run.tally_of(i).wait_opened(ports, 60s))
                return "the polls did not show the held connections: " +
                       std::to_string(run.tally_of(i).opened(ports));
            for (auto& p : gen.held()) connection_generator::close_pair(p);
            bool all = run.tally_of(i).wait_closed(ports, 60s);
            std::printf("burst of %d closes: reported %zu (%zu by notification), resyncs %zu\n",
                        burst, run.tally_of(i).closed(ports),
                        run.tally_of(i).closed_by_source(ports), run.at(i).resyncs());
            std::fflush(stdout);
            if (!all)
                return "closes lost: " + std::to_string(run.tally_of(i).closed(ports)) + " of " +
                       std::to_string(burst);
            if (run.at(i).resyncs() == 0) return std::string("no overflow: the burst fit");
            return std::string();
        },
        std::chrono::seconds(150)));
}

TEST(events, another_namespace_is_watched_by_path) {
    TCPTABLE_EXPECT_CHILD(tt::run_in_child(
        [] {
            if (auto why = tt::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            watch_run run;  // its thread stays in this namespace
            tt::scoped_private_netns other;
            if (!other.entered()) return "SKIP: " + other.why_not();
            const int ns = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
            if (ns < 0) return std::string("cannot open the namespace");
            const std::string path =
                "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ns);
            connection_generator gen;  // in the other namespace
            if (!gen.ok()) return std::string("no listener");
            std::string why;
            int there = run.add(event_source::netlink, 1000ms, gen.port(), why, path);
            if (there < 0) return "netlink in " + path + ": " + why;
            int here = run.add(event_source::netlink, 1000ms, gen.port(), why);
            if (here < 0) return "netlink here: " + why;
            std::vector<std::uint16_t> ports;
            for (int k = 0; k < 50; ++k)
                if (auto p = gen.one(0us)) ports.push_back(p);
            if (ports.size() != 50) return std::string("connections failed");
            if (!run.tally_of(there).wait_closed(ports, 60s))
                return "watching " + path + ": " +
                       std::to_string(run.tally_of(there).closed(ports)) + " of 50 closes";
            ::close(ns);
            // The watcher of its own namespace saw none of them.
            if (run.tally_of(here).closed(ports) != 0) return std::string("seen from elsewhere");
            return std::string();
        },
        std::chrono::seconds(120)));
}

}  // namespace
