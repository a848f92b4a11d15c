// SPDX-License-Identifier: MIT
// tcptable_table_generator: fills the TCP table with a chosen number of loopback rows, holds
// them for a bounded time, then removes them.
//
// Rows, on 127.0.0.0/8 and ::1 only: a few listeners per worker, ESTABLISHED pairs (two rows
// each, both ends held here) spread over 127.0.0.2-9 and ::1, and TIME-WAIT rows. Workers are
// forked so that no process holds more than ~15 000 descriptors (the hard RLIMIT_NOFILE on the
// bench machines is 20 000).
//
//   tcptable_table_generator --rows 100000 --seconds 120 [--ready-file PATH]
//
// prints "ready <rows>" on stdout (and writes it to PATH) once every row exists, then waits
// for SIGTERM/SIGINT or the end of --seconds. Established sockets carry SO_LINGER 0 from the
// start, so any exit, even SIGKILL, resets them instead of leaving TIME-WAIT behind. The
// TIME-WAIT rows hold no descriptor; the kernel expires them after 60 s, and the workers
// remake each batch as it expires, so the table keeps its size for as long as it is held.
// Those left at exit expire on their own.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Descriptors a worker may hold: its established pairs (two each) plus listeners and slack.
constexpr long max_pairs_per_worker = 7000;
constexpr int v4_address_count = 8;  // 127.0.0.2 .. 127.0.0.9
// Connect this many clients before accepting them: well under the listen backlog, so a
// connect never waits for a SYN retransmission because the accept queue is full.
constexpr int batch_size = 256;
constexpr int listen_backlog = 4096;
// Explicit client ports stay below the default ephemeral range (32768-60999) so other
// programs' automatic port choices never compete with ours.
constexpr int client_port_first = 10000;
constexpr int client_port_last = 31999;
constexpr int listener_port_first = 7000;
constexpr int listener_port_tries = 2000;
constexpr int io_timeout_ms = 5000;

struct config {
    long rows = 1000;
    long seconds = 120;
    int time_wait_percent = 10;
    int ipv6_percent = 10;
    int listeners_per_worker = 3;  // two IPv4, one IPv6
    std::string ready_file;
};

// One worker's share of the table.
struct worker_plan {
    int index = 0;
    long pairs_v4 = 0;
    long pairs_v6 = 0;
    long time_wait = 0;
    int port_first = 0;  // this worker's slice of the client ports, so workers never collide
    int port_last = 0;
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr,
                 "tcptable_table_generator: %s\n"
                 "usage: tcptable_table_generator --rows N [--seconds S] [--ready-file PATH]\n"
                 "       [--time-wait-percent P] [--ipv6-percent P]\n",
                 msg);
    std::exit(2);
}

long parse_number(std::string_view text, long lo, long hi, const char* what) {
    long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < lo || v > hi)
        usage((std::string("bad value for ") + what).c_str());
    return v;
}

config parse_args(int argc, char** argv) {
    config c;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + std::string(a)).c_str());
        std::string_view v = argv[++i];
        if (a == "--rows")
            c.rows = parse_number(v, 4, 200000, "--rows");
        else if (a == "--seconds")
            c.seconds = parse_number(v, 1, 3600, "--seconds");
        else if (a == "--time-wait-percent")
            c.time_wait_percent = int(parse_number(v, 0, 90, "--time-wait-percent"));
        else if (a == "--ipv6-percent")
            c.ipv6_percent = int(parse_number(v, 0, 100, "--ipv6-percent"));
        else if (a == "--ready-file")
            c.ready_file = std::string(v);
        else
            usage(("unknown option " + std::string(a)).c_str());
    }
    return c;
}

std::vector<worker_plan> make_plans(const config& c) {
    long time_wait = c.rows * c.time_wait_percent / 100;
    // Each worker adds its listeners; settle the worker count first.
    long workers = 1;
    for (int round = 0; round < 4; ++round) {
        long pairs = (c.rows - time_wait - workers * c.listeners_per_worker) / 2;
        workers = std::max(1L, (pairs + max_pairs_per_worker - 1) / max_pairs_per_worker);
    }
    long rest = c.rows - time_wait - workers * c.listeners_per_worker;
    if (rest < 0) usage("--rows too small for the listeners");
    if (rest % 2 != 0) ++time_wait;  // one more TIME-WAIT row keeps the total exact
    long pairs = rest / 2;
    long pairs_v6 = pairs * c.ipv6_percent / 100;
    long pairs_v4 = pairs - pairs_v6;

    std::vector<worker_plan> plans(static_cast<std::size_t>(workers));
    const int span = (client_port_last - client_port_first + 1) / int(workers);
    for (long w = 0; w < workers; ++w) {
        auto& p = plans[std::size_t(w)];
        p.index = int(w);
        // Spread the remainders over the first workers.
        p.pairs_v4 = pairs_v4 / workers + (w < pairs_v4 % workers ? 1 : 0);
        p.pairs_v6 = pairs_v6 / workers + (w < pairs_v6 % workers ? 1 : 0);
        p.time_wait = time_wait / workers + (w < time_wait % workers ? 1 : 0);
        p.port_first = client_port_first + int(w) * span;
        p.port_last = p.port_first + span - 1;
    }
    return plans;
}

sockaddr_storage loopback(bool v6, int v4_index, int port) {
    sockaddr_storage ss{};
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        a->sin6_port = htons(std::uint16_t(port));
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(0x7f000002u + std::uint32_t(v4_index % v4_address_count));
        a->sin_port = htons(std::uint16_t(port));
    }
    return ss;
}

socklen_t length_of(const sockaddr_storage& ss) {
    return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

int new_socket(bool v6) {
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (v6) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    timeval tv{io_timeout_ms / 1000, 0};
    // Bounds connect() and accept(), which use the send and receive timeouts.
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

void set_abortive_close(int fd) {
    // close() then sends RST and frees the connection at once: no TIME-WAIT left behind.
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

struct listener {
    int fd = -1;
    sockaddr_storage address{};
};

bool open_listener(bool v6, int v4_index, int& next_port, listener& out) {
    for (int t = 0; t < listener_port_tries; ++t) {
        int port = next_port++;
        if (port > 65535) return false;
        int fd = new_socket(v6);
        if (fd < 0) return false;
        // No SO_REUSEADDR: a port someone else holds, even in TIME-WAIT, is simply skipped.
        sockaddr_storage a = loopback(v6, v4_index, port);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), length_of(a)) == 0 &&
            ::listen(fd, listen_backlog) == 0) {
            out = {fd, a};
            return true;
        }
        ::close(fd);
    }
    return false;
}

// Walks this worker's client (address, port) pairs. A bind() that fails with EADDRINUSE
// means the pair is taken, perhaps by a TIME-WAIT row from an earlier run: we move on rather
// than let connect() reuse (and silently replace) that row, which an automatic port could do.
class client_ports {
  public:
    client_ports(bool v6, int first, int last)
        : v6_(v6), first_(first), port_(first), last_(last) {}

    int bound_socket() {
        const int addresses = v6_ ? 1 : v4_address_count;
        // One pass over all pairs at most; wrapping around lets a long run reuse the ports
        // of TIME-WAIT rows that have expired.
        for (long tries = long(last_ - first_ + 1) * addresses; tries > 0; --tries) {
            sockaddr_storage a = loopback(v6_, address_, port_);
            if (++address_ == addresses) {
                address_ = 0;
                port_ = port_ == last_ ? first_ : port_ + 1;
            }
            int fd = new_socket(v6_);
            if (fd < 0) return -1;
            if (::bind(fd, reinterpret_cast<sockaddr*>(&a), length_of(a)) == 0) return fd;
            int err = errno;
            ::close(fd);
            if (err != EADDRINUSE) return -1;
        }
        errno = EADDRNOTAVAIL;
        return -1;
    }

  private:
    bool v6_;
    int address_ = 0;
    int first_;
    int port_;
    int last_;
};

// Connects `count` clients to `l` and accepts them. Returns how many pairs were made.
int connect_batch(const listener& l, client_ports& ports, int count, std::vector<int>& clients,
                  std::vector<int>& servers) {
    int made = 0;
    for (int i = 0; i < count; ++i) {
        int fd = ports.bound_socket();
        if (fd < 0) break;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&l.address), length_of(l.address)) !=
            0) {
            std::fprintf(stderr, "tcptable_table_generator: connect: %s\n", std::strerror(errno));
            ::close(fd);
            break;
        }
        clients.push_back(fd);
        ++made;
    }
    for (int i = 0; i < made; ++i) {
        int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            std::fprintf(stderr, "tcptable_table_generator: accept: %s\n", std::strerror(errno));
            return i;
        }
        servers.push_back(fd);
    }
    return made;
}

// Leaves one TIME-WAIT row per pair on the client side: the client closes first (FIN), the
// server sees end-of-file and closes too, and the side that closed first holds TIME-WAIT.
// Returns the local address of the batch's first client, by which the batch is watched.
sockaddr_storage close_into_time_wait(std::vector<int>& clients, std::vector<int>& servers) {
    sockaddr_storage sample{};
    socklen_t len = sizeof sample;
    if (!clients.empty())
        ::getsockname(clients.front(), reinterpret_cast<sockaddr*>(&sample), &len);
    for (int fd : clients) ::close(fd);
    for (int fd : servers) {
        pollfd p{fd, POLLIN, 0};
        // Loopback delivers the FIN during close(); the wait only guards against a slow box.
        // Closing before the FIN arrived would be a simultaneous close and TIME-WAIT on both.
        if (::poll(&p, 1, io_timeout_ms) == 1) {
            char c;
            (void)::recv(fd, &c, 1, MSG_DONTWAIT);
        }
        ::close(fd);
    }
    clients.clear();
    servers.clear();
    return sample;
}

// Whether a TIME-WAIT row still holds `a`: binding to it fails with EADDRINUSE while it does
// (no SO_REUSEADDR). The probe socket is closed at once and never connects: no row of its own.
bool still_held(const sockaddr_storage& a) {
    int fd = new_socket(a.ss_family == AF_INET6);
    if (fd < 0) return true;
    bool held =
        ::bind(fd, reinterpret_cast<const sockaddr*>(&a), length_of(a)) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return held;
}

// A batch of TIME-WAIT rows made together, which the kernel expires together.
struct time_wait_batch {
    sockaddr_storage sample;
    int rows;
};

// What a worker holds: its descriptors, and what it needs to renew its TIME-WAIT rows.
struct worker_state {
    explicit worker_state(const worker_plan& plan)
        : ports_v4(false, plan.port_first, plan.port_last),
          ports_v6(true, plan.port_first, plan.port_last) {}
    std::vector<int> held;
    std::vector<listener> v4_listeners, v6_listeners;
    client_ports ports_v4, ports_v6;
    std::vector<time_wait_batch> time_wait;  // oldest first
};

// Makes up to `count` TIME-WAIT rows in one batch (at most batch_size); returns how many.
int make_time_wait_batch(worker_state& w, int count, std::size_t round) {
    if (w.v4_listeners.empty()) return 0;
    std::vector<int> clients, servers;
    const auto& l = w.v4_listeners[round % w.v4_listeners.size()];
    int n = connect_batch(l, w.ports_v4, std::min(batch_size, count), clients, servers);
    sockaddr_storage sample = close_into_time_wait(clients, servers);
    if (n > 0) w.time_wait.push_back({sample, n});
    return n;
}

// Builds one worker's rows and returns how many exist.
long build(const worker_plan& plan, int listeners_per_worker, worker_state& w) {
    long rows = 0;
    int next_port = listener_port_first + plan.index * 50;
    auto& held = w.held;
    auto& v4_listeners = w.v4_listeners;
    auto& v6_listeners = w.v6_listeners;
    for (int i = 0; i < listeners_per_worker; ++i) {
        bool v6 = i == listeners_per_worker - 1;
        listener l;
        if (!open_listener(v6, plan.index * 2 + i, next_port, l)) {
            std::fprintf(stderr, "tcptable_table_generator: no listener port: %s\n",
                         std::strerror(errno));
            continue;
        }
        held.push_back(l.fd);
        (v6 ? v6_listeners : v4_listeners).push_back(l);
        ++rows;
    }

    auto& ports_v4 = w.ports_v4;
    auto& ports_v6 = w.ports_v6;
    std::vector<int> clients, servers;
    clients.reserve(batch_size);
    servers.reserve(batch_size);

    // TIME-WAIT first, from the IPv4 ports: these pairs free their descriptors at once.
    long tw_left = plan.time_wait;
    for (long round = 0; tw_left > 0 && round < plan.time_wait; ++round) {
        int n =
            make_time_wait_batch(w, int(std::min<long>(batch_size, tw_left)), std::size_t(round));
        if (n == 0) break;
        tw_left -= n;
        rows += n;
    }

    auto establish = [&](std::vector<listener>& ls, client_ports& ports, long pairs) {
        for (long round = 0; pairs > 0 && !ls.empty() && round < pairs; ++round) {
            const auto& l = ls[std::size_t(round) % ls.size()];
            int n =
                connect_batch(l, ports, int(std::min<long>(batch_size, pairs)), clients, servers);
            for (int fd : clients) set_abortive_close(fd);
            for (int fd : servers) set_abortive_close(fd);
            held.insert(held.end(), clients.begin(), clients.end());
            held.insert(held.end(), servers.begin(), servers.end());
            rows += 2L * std::min<long>(long(clients.size()), long(servers.size()));
            clients.clear();
            servers.clear();
            if (n == 0) break;
            pairs -= n;
        }
    };
    establish(v4_listeners, ports_v4, plan.pairs_v4);
    establish(v6_listeners, ports_v6, plan.pairs_v6);
    return rows;
}

// Waits for one of `signals` or for the deadline; returns the signal, or 0 at the deadline.
int wait_signal_until(const sigset_t& signals, const timespec& deadline) {
    for (int i = 0; i < 100000; ++i) {
        timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left_ns =
            (deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
        if (left_ns <= 0) return 0;
        timespec left{time_t(left_ns / 1000000000LL), long(left_ns % 1000000000LL)};
        int s = sigtimedwait(&signals, nullptr, &left);
        if (s > 0) return s;
        if (errno != EINTR && errno != EAGAIN) return -1;
    }
    return 0;
}

// Holds the rows until a signal or the deadline. TIME-WAIT rows expire after 60 s (a little
// more: the timer wheel rounds up), so each batch is watched from 59.9 s on and remade as soon
// as it is gone: the table keeps its size for a benchmark that runs for minutes.
void hold(worker_state& w, const sigset_t& signals, const timespec& deadline) {
    constexpr long long watch_from_ns = 59900LL * 1000000;
    constexpr long long poll_ns = 50LL * 1000000;
    std::vector<timespec> made(w.time_wait.size());
    timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (auto& t : made) t = start;
    auto plus = [](timespec t, long long ns) {
        long long v = t.tv_nsec + ns;
        t.tv_sec += time_t(v / 1000000000LL);
        t.tv_nsec = long(v % 1000000000LL);
        return t;
    };
    auto before = [](const timespec& a, const timespec& b) {
        return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
    };
    // Bounded: at most one wake-up per 50 ms over the run (at most an hour).
    for (long i = 0; i < 3600L * 20 + 100; ++i) {
        timespec due = deadline;
        std::size_t oldest = 0;
        for (std::size_t b = 1; b < made.size(); ++b)
            if (before(made[b], made[oldest])) oldest = b;
        if (!made.empty()) {
            timespec watch = plus(made[oldest], watch_from_ns);
            if (before(watch, due)) due = watch;
        }
        if (wait_signal_until(signals, due) != 0) return;
        timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!before(now, deadline)) return;
        if (made.empty()) continue;
        if (still_held(w.time_wait[oldest].sample)) {
            made[oldest] = plus(now, poll_ns - watch_from_ns);  // look again in 50 ms
            continue;
        }
        int rows = w.time_wait[oldest].rows;
        auto last = w.time_wait.size();
        if (make_time_wait_batch(w, rows, oldest) > 0) {
            w.time_wait[oldest] = w.time_wait[last];
            w.time_wait.pop_back();
            made[oldest] = now;
        } else {
            made[oldest] = plus(now, 1000000000LL - watch_from_ns);  // no port now; retry in 1 s
        }
    }
}

[[noreturn]] void run_worker(const worker_plan& plan, const config& c, int report_fd,
                             const sigset_t& signals, const timespec& deadline) {
    // The worker must not outlive the generator, whatever kills the generator.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    worker_state w(plan);
    w.held.reserve(std::size_t(2 * (plan.pairs_v4 + plan.pairs_v6) + 16));
    long rows = build(plan, c.listeners_per_worker, w);
    (void)!::write(report_fd, &rows, sizeof rows);
    ::close(report_fd);
    hold(w, signals, deadline);
    // Established sockets carry SO_LINGER 0, so closing them (here or at exit) resets them.
    for (int fd : w.held) ::close(fd);
    _exit(0);
}

void stop_workers(const std::vector<pid_t>& pids) {
    for (pid_t p : pids) ::kill(p, SIGTERM);
    // Up to 5 s for a clean exit, then SIGKILL (linger 0 still resets the sockets).
    for (int i = 0; i < 500; ++i) {
        bool all = true;
        for (pid_t p : pids)
            if (p > 0 && ::waitpid(p, nullptr, WNOHANG) == 0) all = false;
        if (all) return;
        ::usleep(10000);
    }
    for (pid_t p : pids) ::kill(p, SIGKILL);
    for (pid_t p : pids) ::waitpid(p, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
    const config c = parse_args(argc, argv);
    const auto plans = make_plans(c);

    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    ::signal(SIGPIPE, SIG_IGN);
    // Signals are taken synchronously with sigtimedwait, in the generator and in the workers.
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    sigprocmask(SIG_BLOCK, &signals, nullptr);

    timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += c.seconds;

    std::vector<pid_t> pids;
    std::vector<int> reports;
    for (const auto& plan : plans) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) {
            std::perror("tcptable_table_generator: pipe");
            stop_workers(pids);
            return 1;
        }
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(p[0]);
            for (int fd : reports) ::close(fd);
            run_worker(plan, c, p[1], signals, deadline);
        }
        ::close(p[1]);
        if (pid < 0) {
            std::perror("tcptable_table_generator: fork");
            ::close(p[0]);
            stop_workers(pids);
            return 1;
        }
        pids.push_back(pid);
        reports.push_back(p[0]);
    }

    // The workers build their shares in parallel; wait for each to report.
    long rows = 0;
    bool failed = false;
    for (int fd : reports) {
        pollfd p{fd, POLLIN, 0};
        long n = 0;
        if (::poll(&p, 1, 120000) != 1 || ::read(fd, &n, sizeof n) != sizeof n) failed = true;
        rows += n;
        ::close(fd);
    }
    if (failed) {
        std::fprintf(stderr, "tcptable_table_generator: a worker failed\n");
        stop_workers(pids);
        return 1;
    }
    if (rows != c.rows)
        std::fprintf(stderr, "tcptable_table_generator: made %ld of %ld rows\n", rows, c.rows);

    std::string line = "ready " + std::to_string(rows) + "\n";
    if (!c.ready_file.empty()) {
        // Written whole to a temporary name and renamed, so a reader never sees half a line.
        std::string tmp = c.ready_file + ".tmp";
        if (FILE* f = std::fopen(tmp.c_str(), "w")) {
            std::fputs(line.c_str(), f);
            std::fclose(f);
            std::rename(tmp.c_str(), c.ready_file.c_str());
        }
    }
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);

    int s = wait_signal_until(signals, deadline);
    stop_workers(pids);
    return s < 0 ? 1 : 0;
}
