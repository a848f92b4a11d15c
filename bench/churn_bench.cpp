// SPDX-License-Identifier: MIT
// Churn benchmarks: how many loopback connections one thread opens and closes a second on
// this machine, and what a snapshot costs while another thread does that, against the same
// table at rest.
//
// The process moves into a network namespace of its own where it may (root: CLONE_NEWNET, lo
// brought up), so the table holds only the benchmark's sockets; elsewhere it uses the machine's
// loopback and says so in the context ("netns"). Churned connections end with an RST
// (SO_LINGER 0), so no TIME-WAIT rows pile up and the table keeps its size for the whole run.
// The argument is how many established pairs the table holds besides the churn (2 rows each).
#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <tcptable/tcptable.hpp>
#include <vector>

#include "support/loopback_churn.hpp"
#include "support/netns_helpers.hpp"

namespace {

using tcptable::backend_kind;
using tcptable::snapshot_options;
using tcptable::testing::loopback_churn;

constexpr long pair_counts[] = {500, 5000};
constexpr long unbounded = 1L << 40;  // the churn runs until the benchmark stops it

std::string enter_private_netns() {
    if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare: ") + std::strerror(errno);
    if (int err = tcptable::testing::bring_loopback_up())
        return std::string("lo up: ") + std::strerror(err);
    return {};
}

// The established pairs of the current size, kept between benchmarks of that size.
class base_table {
  public:
    static base_table& instance() {
        static base_table t;
        return t;
    }
    // "" when `pairs` pairs are open, or why not.
    std::string ensure(long pairs) {
        if (pairs == pairs_) return {};
        close_all();
        rlimit rl{};
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rlim_t(2 * pairs + 64))
            return "RLIMIT_NOFILE too low for " + std::to_string(pairs) + " pairs";
        std::uint16_t port = 0;
        listen_fd_ = tcptable::testing::loopback_listener(false, port);
        if (listen_fd_ < 0) return "no loopback listener";
        for (long i = 0; i < pairs; ++i) {
            int c = tcptable::testing::loopback_connect(false, port);
            int s = c < 0 ? -1 : ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0 || s < 0) {
                if (c >= 0) ::close(c);
                close_all();
                return "could not open pair " + std::to_string(i);
            }
            fds_.push_back(c);
            fds_.push_back(s);
        }
        pairs_ = pairs;
        return {};
    }
    void close_all() {
        // RST, not FIN: the next size's table must not hold this one's TIME-WAIT rows.
        for (int fd : fds_) {
            linger lg{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            ::close(fd);
        }
        fds_.clear();
        if (listen_fd_ >= 0) ::close(listen_fd_);
        listen_fd_ = -1;
        pairs_ = -1;
    }

  private:
    std::vector<int> fds_;
    int listen_fd_ = -1;
    long pairs_ = -1;
};

// One connect, accept and close (RST) per iteration: the rate one thread can churn at.
void churn_open_close(benchmark::State& state) {
    std::uint16_t port = 0;
    const int l = tcptable::testing::loopback_listener(false, port);
    if (l < 0) {
        state.SkipWithError("no loopback listener");
        return;
    }
    for (auto _ : state) {
        int c = tcptable::testing::loopback_connect(false, port);
        int s = c < 0 ? -1 : ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0 || s < 0) {
            if (c >= 0) ::close(c);
            state.SkipWithError("connect or accept failed");
            break;
        }
        linger lg{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ::close(c);
        ::close(s);
    }
    ::close(l);
    state.SetItemsProcessed(state.iterations());
}

void bench_snapshot(benchmark::State& state, backend_kind backend, bool churning) {
    if (auto why = base_table::instance().ensure(state.range(0)); !why.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    snapshot_options o;
    o.backend = backend;
    std::unique_ptr<loopback_churn> churn;
    if (churning) {
        churn = std::make_unique<loopback_churn>(false, unbounded, false);
        if (auto why = churn->wait_started(); !why.empty()) {
            state.SkipWithError(why.c_str());
            return;
        }
    }
    const long churned_before = churn ? churn->opened() : 0;
    std::error_code ec;
    tcptable::error_info info;
    long long rows = 0;
    for (auto _ : state) {
        auto t = tcptable::snapshot(o, ec, &info);
        if (ec) {
            const std::string msg = ec.message() + " " + info.to_string();
            state.SkipWithError(msg.c_str());
            break;
        }
        rows += static_cast<long long>(t.size());
        benchmark::DoNotOptimize(t.data());
    }
    if (churn) {
        // Connections the other thread opened and closed, per second of the run.
        state.counters["churn/s"] = benchmark::Counter(
            static_cast<double>(churn->opened() - churned_before), benchmark::Counter::kIsRate);
        churn->stop();
    }
    state.counters["rows"] =
        state.iterations() ? static_cast<double>(rows) / static_cast<double>(state.iterations())
                           : 0;
    state.SetItemsProcessed(rows);
}

void register_all() {
    benchmark::RegisterBenchmark("churn_open_close", churn_open_close)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    const struct {
        const char* name;
        backend_kind backend;
    } backends[] = {{"procfs", backend_kind::procfs}, {"netlink", backend_kind::netlink}};
    for (long pairs : pair_counts)
        for (const auto& b : backends)
            for (bool churning : {false, true}) {
                const std::string name =
                    std::string(churning ? "snapshot_under_churn/" : "snapshot_at_rest/") + b.name;
                const backend_kind kind = b.backend;
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [kind, churning](benchmark::State& s) { bench_snapshot(s, kind, churning); })
                    ->Arg(pairs)
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
            }
}

}  // namespace

int main(int argc, char** argv) {
    // Before any thread: unshare(CLONE_NEWNET) moves only the calling thread.
    const std::string why = enter_private_netns();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("netns", why.empty() ? "private" : "machine's (" + why + ")");
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    base_table::instance().close_all();
    benchmark::Shutdown();
    return 0;
}
