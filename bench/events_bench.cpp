// SPDX-License-Identifier: MIT
// The watcher's CPU per 1 000 connection lifetimes, per event source (poll, netlink, bpf).
//
// The process moves into a network namespace of its own (root: CLONE_NEWNET, lo brought up),
// so the table and the notifications hold only the benchmark's connections. Each iteration
// forks a child that makes 1 000 short loopback connections (about 1 ms each; the client closes
// first, then the server), while this process runs only the watcher: the iteration's time is
// this process's CPU (user + system, getrusage) from the fork until the watcher has reported
// every close (poll: until the child ended and one more snapshot was in). Counters: the share of
// the 1 000 the source reported closed, the wall seconds.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <tcptable/asio.hpp>
#include <thread>

#include "support/netns_helpers.hpp"

namespace {

using namespace tcptable;
using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr int lifetimes = 1000;

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// In the forked child: only system calls, then _exit.
[[noreturn]] void make_connections(int listener, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    for (int i = 0; i < lifetimes; ++i) {
        int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::_exit(1);
        int s = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        char x = 'x';
        if (s < 0 || ::write(c, &x, 1) != 1 || ::read(s, &x, 1) != 1) ::_exit(1);
        timespec life{0, 1000000};  // the connection's lifetime, not a wait for anything
        ::nanosleep(&life, nullptr);
        ::close(c);
        ::close(s);
    }
    ::_exit(0);
}

// Once per process: a network namespace of the benchmark's own.
const std::string& enter_netns_once() {
    static const std::string error = [] {
        if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare: ") + std::strerror(errno);
        if (int err = tcptable::testing::bring_loopback_up())
            return std::string("lo up: ") + std::strerror(err);
        return std::string();
    }();
    return error;
}

struct counts {
    std::mutex mutex;
    std::condition_variable cv;
    std::set<std::uint16_t> closed;  // client ports
    std::size_t snapshots_seen = 0;
};

void bm_watcher(benchmark::State& state, event_source source) {
    if (auto why = enter_netns_once(); !why.empty())
        return state.SkipWithError(("no private netns: " + why).c_str());
    std::uint16_t port = 0;
    int listener = tcptable::testing::loopback_listener(false, port);
    if (listener < 0) return state.SkipWithError("no listener");

    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    watch_options o;
    o.interval = 1s;
    o.events = source;
    auto w = watcher::create(io, o);
    counts c;
    bool ready = false;
    std::string failure;
    w->start(
        [&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
            std::lock_guard<std::mutex> lock(c.mutex);
            if (ec && !ready) {
                failure = ec.message();
                ready = true;
            }
            for (const auto& e : events)
                if (e.kind == event_kind::closed && e.row.remote_port == port &&
                    e.row.state != tcp_state::time_wait)
                    c.closed.insert(e.row.local_port);
            c.cv.notify_all();
        },
        [&] {
            std::lock_guard<std::mutex> lock(c.mutex);
            ready = true;
            c.cv.notify_all();
        });
    {
        std::unique_lock<std::mutex> lock(c.mutex);
        c.cv.wait_for(lock, 60s, [&] { return ready; });
    }
    double caught = 0, wall = 0;
    if (!failure.empty() || w->source() != source) {
        state.SkipWithError(("source not available: " + failure).c_str());
    } else {
        for (auto _ : state) {
            {
                std::lock_guard<std::mutex> lock(c.mutex);
                c.closed.clear();
            }
            const double cpu0 = cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            pid_t child = ::fork();
            if (child == 0) make_connections(listener, port);
            int status = 0;
            while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
            }
            const std::size_t after = w->snapshots();
            {
                // Every close in (bounded), or for poll the first snapshot after the child (its
                // batch, the connections' TIME-WAIT rows, wakes this wait).
                std::unique_lock<std::mutex> lock(c.mutex);
                c.cv.wait_for(lock, 5s, [&] {
                    return source == event_source::poll ? w->snapshots() > after
                                                        : c.closed.size() >= std::size_t(lifetimes);
                });
            }
            state.SetIterationTime(cpu_seconds() - cpu0);
            wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::lock_guard<std::mutex> lock(c.mutex);
            caught += double(c.closed.size()) / lifetimes;
        }
    }
    w->cancel();
    work.reset();
    runner.join();
    ::close(listener);
    const double n = double(state.iterations() ? state.iterations() : 1);
    state.counters["caught"] = caught / n;
    state.counters["wall_s"] = wall / n;
    state.SetLabel(std::string(to_string(source)) + ", CPU per 1000 lifetimes");
}

// The floor: the same fork, connections and wait with no watcher at all (the parent's share of
// forking and reaping the child).
void bm_floor(benchmark::State& state) {
    if (auto why = enter_netns_once(); !why.empty())
        return state.SkipWithError(("no private netns: " + why).c_str());
    std::uint16_t port = 0;
    int listener = tcptable::testing::loopback_listener(false, port);
    if (listener < 0) return state.SkipWithError("no listener");
    for (auto _ : state) {
        const double cpu0 = cpu_seconds();
        pid_t child = ::fork();
        if (child == 0) make_connections(listener, port);
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        state.SetIterationTime(cpu_seconds() - cpu0);
    }
    ::close(listener);
    state.SetLabel("no watcher: the floor");
}

BENCHMARK(bm_floor)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_watcher, poll, event_source::poll)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_watcher, netlink, event_source::netlink)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_watcher, bpf, event_source::bpf)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
