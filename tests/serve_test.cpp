// SPDX-License-Identifier: MIT
// `tcptable serve` as a separate process, over real loopback sockets: concurrency, HTTP edge
// cases, descriptor exhaustion, the connection cap, the idle timeout, start-up validation,
// signals during a read, and metrics that agree with themselves.
//
// Every wait is bounded and fails with a message; the only processes and sockets touched are
// the ones a test creates. A read in flight comes from a large captured table (a FIFO once held
// one deterministically; the readers now refuse FIFOs, so a slow read stands in, and every
// assertion holds whether or not the read is still running when it is checked).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tcptable/udp.hpp>
#include <thread>
#include <vector>

#include "support/capture_files.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Writes to a closed socket or a FIFO whose reader died must fail, not kill the test.
const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

int ms_left(clock_type::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Polls `pred` every 2 ms until it holds or `limit` passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (clock_type::now() >= deadline) return false;
        ::poll(nullptr, 0, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// The server process.

struct exit_status {
    bool exited = false;  // false: still running when the wait ended
    int code = -1;        // exit code, or -signal
};

class serve_process {
  public:
    // Starts `tcptable GLOBAL... serve --listen 127.0.0.1:0 ARGS...`, with RLIMIT_NOFILE
    // lowered to `nofile` when it is not 0.
    explicit serve_process(std::vector<std::string> args, std::vector<std::string> global = {},
                           rlim_t nofile = 0) {
        std::vector<std::string> argv_s{TCPTABLE_CLI};
        argv_s.insert(argv_s.end(), global.begin(), global.end());
        argv_s.insert(argv_s.end(), {"serve", "--listen", "127.0.0.1:0"});
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        int out[2], err[2];
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::dup2(err[1], 2);
            // Only the server's own descriptors count against its limit.
            ::close_range(3, ~0U, 0);
            if (nofile != 0) {
                rlimit rl{nofile, nofile};
                if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(126);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        ::close(err[1]);
        out_ = out[0];
        err_ = err[0];
    }
    ~serve_process() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);  // our own child, left running by a failed test
            int status;
            ::waitpid(pid_, &status, 0);
        }
        if (out_ >= 0) ::close(out_);
        if (err_ >= 0) ::close(err_);
    }
    serve_process(const serve_process&) = delete;
    serve_process& operator=(const serve_process&) = delete;

    pid_t pid() const { return pid_; }

    // Waits for "listening on 127.0.0.1:PORT" and returns the port, 0 if it did not come.
    std::uint16_t wait_listening(std::chrono::milliseconds limit = 10s) {
        std::string line = read_line(out_, out_buf_, limit);
        if (line.rfind("listening on 127.0.0.1:", 0) != 0) {
            failure_ = "no 'listening on' line within " + std::to_string(limit.count()) +
                       " ms; stdout: '" + line + "', stderr: '" + drain_stderr(100ms) + "'";
            return 0;
        }
        return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    }
    const std::string& failure() const { return failure_; }

    // One line of stderr, "" if none within `limit`.
    std::string stderr_line(std::chrono::milliseconds limit = 10s) {
        return read_line(err_, err_buf_, limit);
    }
    // What stderr holds until it closes or `limit` passes.
    std::string drain_stderr(std::chrono::milliseconds limit) {
        std::string all = std::exchange(err_buf_, {});
        read_until_eof(err_, all, limit);
        return all;
    }
    std::string drain_stdout(std::chrono::milliseconds limit) {
        std::string all = std::exchange(out_buf_, {});
        read_until_eof(out_, all, limit);
        return all;
    }

    // Waits for the process to end: its stdout closes when it exits (only it holds the write
    // end), then waitpid does not block.
    exit_status wait_exit(std::chrono::milliseconds limit) {
        exit_status r;
        if (reaped_) return status_;
        std::string ignored;
        if (!read_until_eof(out_, ignored, limit)) return r;
        int status = 0;
        auto deadline = clock_type::now() + 2s;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (clock_type::now() > deadline) return r;
            ::poll(nullptr, 0, 1);
        }
        reaped_ = true;
        r.exited = true;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        status_ = r;
        return r;
    }

    // CPU time (utime + stime) the process has used, in clock ticks.
    long cpu_ticks() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::istringstream fields(all.substr(all.rfind(')') + 2));
        std::string f;
        long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && fields >> f; ++i) {
            if (i == 14) utime = std::stol(f);
            if (i == 15) stime = std::stol(f);
        }
        return utime + stime;
    }
    std::size_t open_descriptors() const {
        std::error_code ec;
        std::size_t n = 0;
        for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec);
             !ec && it != fs::directory_iterator(); it.increment(ec))
            ++n;
        return n;
    }

  private:
    static std::string read_line(int fd, std::string& buf, std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (;;) {
            auto nl = buf.find('\n');
            if (nl != std::string::npos) {
                std::string line = buf.substr(0, nl);
                buf.erase(0, nl + 1);
                return line;
            }
            pollfd p{fd, POLLIN, 0};
            int r = ::poll(&p, 1, ms_left(deadline));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return {};
            char c[4096];
            ssize_t n = ::read(fd, c, sizeof c);
            if (n <= 0) return {};
            buf.append(c, std::size_t(n));
        }
    }
    static bool read_until_eof(int fd, std::string& into, std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            int r = ::poll(&p, 1, ms_left(deadline));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return false;
            char c[4096];
            ssize_t n = ::read(fd, c, sizeof c);
            if (n <= 0) return true;
            into.append(c, std::size_t(n));
        }
    }

    pid_t pid_ = -1;
    int out_ = -1, err_ = -1;
    std::string out_buf_, err_buf_, failure_;
    bool reaped_ = false;
    exit_status status_;
};

// ---------------------------------------------------------------------------------------------
// HTTP over loopback with bounded waits.

class client {
  public:
    // Connects to 127.0.0.1:port; check connected().
    explicit client(std::uint16_t port, std::chrono::milliseconds limit = 5s) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd_ < 0) return;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            connected_ = true;
            return;
        }
        if (errno != EINPROGRESS) return;
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, int(limit.count())) != 1) return;
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        connected_ = err == 0;
    }
    ~client() { close(); }
    client(client&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_), buf_(std::move(o.buf_)) {}
    client& operator=(client&&) = delete;

    bool connected() const { return connected_; }
    void close() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    bool send(const std::string& data, std::chrono::milliseconds limit = 5s) {
        auto deadline = clock_type::now() + limit;
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += std::size_t(n);
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, ms_left(deadline)) != 1) return false;
        }
        return true;
    }

    enum class read_end { data, eof, timeout };
    // Reads what is there (waiting up to `limit` for something) into the buffer.
    read_end read_some(std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (;;) {
            char c[16384];
            ssize_t n = ::recv(fd_, c, sizeof c, 0);
            if (n > 0) {
                buf_.append(c, std::size_t(n));
                return read_end::data;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) return read_end::eof;  // RST too
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, ms_left(deadline)) != 1) return read_end::timeout;
        }
    }
    // Waits for the peer to close; false if it did not within `limit`.
    bool wait_eof(std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (int i = 0; i < 100000; ++i) {
            read_end e = read_some(std::chrono::milliseconds(ms_left(deadline)));
            if (e == read_end::eof) return true;
            if (e == read_end::timeout) return false;
        }
        return false;
    }
    // Everything until the peer closes, "" on timeout.
    std::string read_all(std::chrono::milliseconds limit) {
        if (!wait_eof(limit)) return {};
        return std::exchange(buf_, {});
    }
    // One response (headers and, unless `head`, a Content-Length body), "" on timeout or EOF.
    std::string read_response(bool head, std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (int i = 0; i < 100000; ++i) {
            auto end = buf_.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::size_t want = end + 4;
                if (!head) {
                    auto cl = lower(buf_.substr(0, end)).find("\r\ncontent-length: ");
                    if (cl != std::string::npos) want += std::stoul(buf_.substr(cl + 18));
                }
                if (buf_.size() >= want) {
                    std::string r = buf_.substr(0, want);
                    buf_.erase(0, want);
                    return r;
                }
            }
            if (read_some(std::chrono::milliseconds(ms_left(deadline))) != read_end::data)
                return {};
        }
        return {};
    }

    static std::string lower(std::string s) {
        for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buf_;
};

// Sends `request` on a new connection and returns everything until the server closes.
std::string http_exchange(std::uint16_t port, const std::string& request,
                          std::chrono::milliseconds limit = 10s) {
    client c(port);
    if (!c.connected() || !c.send(request)) return {};
    return c.read_all(limit);
}

const std::string get_metrics = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

struct response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

response parse(const std::string& raw) {
    response r;
    auto end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stoi(raw.substr(9, 3));
    std::istringstream lines(raw.substr(0, end));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(": ");
        if (colon != std::string::npos)
            r.headers[client::lower(line.substr(0, colon))] = line.substr(colon + 2);
    }
    r.body = raw.substr(end + 4);
    return r;
}

// The sum of every sample of `name` (with or without labels); -1 if there is none.
long long sum_of(const std::string& metrics, const std::string& name) {
    long long sum = -1;
    std::istringstream lines(metrics);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
        char next = line[name.size()];
        if (next != ' ' && next != '{') continue;
        sum = std::max(sum, 0LL) + std::stoll(line.substr(line.rfind(' ') + 1));
    }
    return sum;
}

// In one response, the rows by state and family add up to NumConns.
void expect_consistent(const std::string& body, const std::string& context) {
    long long rows = sum_of(body, "tcptable_connections");
    long long num_conns = sum_of(body, "tcptable_tcp_num_conns");
    EXPECT_GE(rows, 0) << context;
    EXPECT_EQ(rows, num_conns) << context << "\n" << body.substr(0, 400);
}

// ---------------------------------------------------------------------------------------------
// A proc root whose net/tcp can be swapped atomically, small or large.

std::string proc_rows(int n) {
    std::string s =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n";
    for (int i = 0; i < n; ++i) {
        char line[200];
        std::snprintf(line, sizeof line,
                      "%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n",
                      i, 20000 + i, 7000 + i);
        s += line;
    }
    return s;
}

// `n` distinct listener rows over 127.x.y.z: a table that takes a while to read and render.
std::string large_proc_rows(int n) {
    std::string s =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n";
    s.reserve(std::size_t(n) * 152 + 200);
    for (int i = 0; i < n; ++i) {
        char line[200];
        // /proc prints the address word as it lies in memory: 127.0.b.c is 0xCCBB007F here.
        unsigned b = unsigned(i / 60000) & 0xff, c = unsigned(i / 240) % 250 + 1;
        std::snprintf(line, sizeof line,
                      "%6d: %02X%02X007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n",
                      i % 100000, c, b, 1024 + i % 240, 100000 + i);
        s += line;
    }
    return s;
}

class held_root {
  public:
    held_root() {
        char t[] = "/tmp/tcptable-serve-XXXXXX";
        if (::mkdtemp(t) == nullptr) throw std::runtime_error("mkdtemp");
        dir_ = t;
        fs::create_directories(dir_ / "net");
        write("net/tcp", proc_rows(5));
        write("net/tcp6",
              "  sl  local_address                         remote_address                        "
              "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        fs::copy_file(std::string(TCPTABLE_TEST_DATA_DIR) + "/procfs/debian12-k6.18-snmp.txt",
                      dir_ / "net" / "snmp");
    }
    ~held_root() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string str() const { return dir_.string(); }
    fs::path path(const std::string& rel) const { return dir_ / rel; }

    // Replaces `rel` atomically (rename), so that no reader sees half a file.
    void write(const std::string& rel, const std::string& text) {
        fs::path tmp = dir_ / (rel + ".new");
        std::ofstream(tmp) << text;
        fs::rename(tmp, dir_ / rel);
    }

  private:
    fs::path dir_;
};

std::vector<std::string> procfs_args(const held_root& root) {
    return {"--backend", "procfs", "--proc-root", root.str()};
}

bool have(const char* tool) {
    return std::system((std::string(tool) + " --version >/dev/null 2>&1").c_str()) == 0;
}

// ---------------------------------------------------------------------------------------------

TEST(serve, http_head_allow_query_string_and_host) {
    serve_process server({});
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();

    auto get = parse(http_exchange(port, get_metrics));
    ASSERT_EQ(get.status, 200);
    EXPECT_EQ(get.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    expect_consistent(get.body, "GET");

    // HEAD: GET's headers, no body.
    auto head = parse(
        http_exchange(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(head.status, 200);
    EXPECT_GT(std::atol(head.headers["content-length"].c_str()), 1000);
    EXPECT_EQ(head.body, "");
    auto head404 =
        parse(http_exchange(port, "HEAD /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(head404.status, 404);
    EXPECT_EQ(head404.body, "");

    // 405 says what is allowed.
    for (const char* method : {"POST", "PUT", "DELETE"}) {
        auto r = parse(http_exchange(port, std::string(method) +
                                               " /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                               "0\r\nConnection: close\r\n\r\n"));
        EXPECT_EQ(r.status, 405) << method;
        EXPECT_EQ(r.headers["allow"], "GET, HEAD") << method;
    }

    // A query string does not change the path.
    auto query = parse(
        http_exchange(port, "GET /metrics?x=1&y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(query.status, 200);
    EXPECT_NE(query.body.find("tcptable_tcp_num_conns "), std::string::npos);
    EXPECT_EQ(
        parse(http_exchange(port, "GET /metricsx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            .status,
        404);
    EXPECT_EQ(parse(http_exchange(
                        port, "GET /?/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                  .status,
              404);

    // HTTP/1.1 needs exactly one Host; HTTP/1.0 does not.
    EXPECT_EQ(
        parse(http_exchange(port, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")).status,
        400);
    EXPECT_EQ(
        parse(http_exchange(
                  port, "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"))
            .status,
        400);
    EXPECT_EQ(parse(http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n")).status, 200);
    EXPECT_EQ(parse(http_exchange(port, "NOT HTTP AT ALL\r\n\r\n")).status, 400);

    // Keep-alive: two requests on one connection.
    client c(port);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(parse(c.read_response(false, 10s)).status, 200);
    ASSERT_TRUE(c.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto second = parse(c.read_response(true, 10s));
    EXPECT_EQ(second.status, 200);

    if (have("promtool")) {
        fs::path file = fs::path(::testing::TempDir()) /
                        ("serve_metrics_" + std::to_string(::getpid()) + ".txt");
        std::ofstream(file) << get.body;
        std::string cmd =
            "promtool check metrics < " + file.string() + " > " + file.string() + ".lint 2>&1";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
        std::ifstream lint(file.string() + ".lint");
        std::string out((std::istreambuf_iterator<char>(lint)), std::istreambuf_iterator<char>());
        EXPECT_EQ(out, "");
        fs::remove(file);
        fs::remove(file.string() + ".lint");
    }
    ::kill(server.pid(), SIGTERM);
    auto st = server.wait_exit(10s);
    EXPECT_TRUE(st.exited && st.code == 0) << st.code;
}

// Opens and resets batches of loopback connections on a thread of its own, so that the live
// table changes between any two reads of it. Resets (SO_LINGER 0) leave no TIME-WAIT behind.
// Bounded: `max_connections` in all, or `limit`, or until destroyed.
class churn {
  public:
    explicit churn(int max_connections = 50000, std::chrono::milliseconds limit = 20s)
        : thread_([this, max_connections, limit] { run(max_connections, limit); }) {}
    ~churn() {
        stop_.store(true);
        thread_.join();
    }
    int made() const { return made_.load(); }

  private:
    void run(int max_connections, std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(l, 64) != 0 || ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return;
        while (!stop_.load() && made_.load() < max_connections && clock_type::now() < deadline) {
            int fds[20];
            int n = 0;
            for (; n < 20; n += 2) {
                fds[n] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fds[n] < 0) break;
                // Blocking is fine: our own listener, whose backlog holds the whole batch.
                if (::connect(fds[n], reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
                    (fds[n + 1] = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC)) < 0) {
                    ::close(fds[n]);
                    break;
                }
            }
            linger reset{1, 0};
            for (int i = 0; i < n; ++i) {
                ::setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
                ::close(fds[i]);
            }
            if (n == 0) break;
            made_ += n / 2;
        }
        ::close(l);
    }

    std::atomic<bool> stop_{false};
    std::atomic<int> made_{0};
    std::thread thread_;  // last: started once the rest is constructed
};

TEST(serve, fifty_concurrent_scrapes_with_a_stalled_client_under_churn) {
    serve_process server({});
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();
    // Rows come and go throughout: a scrape that read the table twice (once for the rows,
    // once for num_conns) would disagree with itself.
    churn changes;
    // Half a request, then nothing: it must not hold anyone else up.
    client stalled(port);
    ASSERT_TRUE(stalled.connected());
    ASSERT_TRUE(stalled.send("GET /metrics HTTP/1.1\r\nHo"));

    std::vector<client> clients;
    for (int i = 0; i < 50; ++i) {
        clients.emplace_back(port);
        ASSERT_TRUE(clients.back().connected()) << i;
    }
    for (auto& c : clients) ASSERT_TRUE(c.send(get_metrics));
    int answered = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        auto r = parse(clients[i].read_all(20s));
        EXPECT_EQ(r.status, 200) << "scrape " << i;
        if (r.status != 200) continue;
        ++answered;
        expect_consistent(r.body, "scrape " + std::to_string(i));
    }
    EXPECT_EQ(answered, 50);
    std::printf("[          ] %d connections made and reset meanwhile\n", changes.made());
    ASSERT_TRUE(stalled.send("st: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(parse(stalled.read_all(10s)).status, 200);
}

// With a large table, each read takes a while: the server still accepts and answers what needs
// no read meanwhile; every scrape is answered and counts num_conns from the rows it exports; and
// scrapes arriving during a read share it (how many do depends on scheduling: reported, and
// bounded only by the number of scrapes).
TEST(serve, a_slow_read_blocks_nothing_and_every_scrape_agrees) {
    held_root root;
    constexpr int rows = 200000;
    root.write("net/tcp", large_proc_rows(rows));
    serve_process server({}, procfs_args(root));
    std::uint16_t port = server.wait_listening(60s);
    ASSERT_NE(port, 0) << server.failure();

    std::vector<client> waiting;
    for (int i = 0; i < 51; ++i) {
        waiting.emplace_back(port);
        ASSERT_TRUE(waiting.back().connected() && waiting.back().send(get_metrics)) << i;
    }
    // Needs no read: answered whether or not a read is running.
    auto nope = parse(
        http_exchange(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 30s));
    EXPECT_EQ(nope.status, 404) << "the server did not answer while table reads were due";
    auto head =
        parse(http_exchange(port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 30s));
    EXPECT_EQ(head.status, 404);
    for (std::size_t i = 0; i < waiting.size(); ++i) {
        auto w = parse(waiting[i].read_all(120s));
        ASSERT_EQ(w.status, 200) << "scrape " << i;
        EXPECT_EQ(sum_of(w.body, "tcptable_connections"), rows) << "scrape " << i;
        EXPECT_EQ(sum_of(w.body, "tcptable_tcp_num_conns"), rows) << "scrape " << i;
    }
    auto last = parse(http_exchange(port, get_metrics, 120s));
    long long scrapes = sum_of(last.body, "tcptable_exporter_scrapes_total");
    long long reads = sum_of(last.body, "tcptable_exporter_table_reads_total");
    EXPECT_EQ(scrapes, 52);
    EXPECT_GE(reads, 1);
    EXPECT_LE(reads, scrapes);
    std::printf("[          ] 52 scrapes of a %d-row table took %lld reads\n", rows, reads);
}

TEST(serve, sigterm_with_a_scrape_in_flight_exits_promptly) {
    held_root root;
    root.write("net/tcp", large_proc_rows(200000));
    serve_process server({}, procfs_args(root));
    std::uint16_t port = server.wait_listening(60s);
    ASSERT_NE(port, 0) << server.failure();
    client c(port);
    ASSERT_TRUE(c.connected() && c.send(get_metrics));
    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
    // A read still running is bounded (a regular file); after a short grace the server exits
    // without it in any case.
    auto st = server.wait_exit(30s);
    ASSERT_TRUE(st.exited) << "still running 30 s after SIGTERM with a scrape in flight";
    EXPECT_EQ(st.code, 0);
    EXPECT_TRUE(c.wait_eof(10s));
}

TEST(serve, sigint_and_sigterm_stop_an_idle_server_with_connections_open) {
    for (int sig : {SIGINT, SIGTERM}) {
        serve_process server({});
        std::uint16_t port = server.wait_listening();
        ASSERT_NE(port, 0) << server.failure();
        client idle(port), kept(port);
        ASSERT_TRUE(idle.connected() && kept.connected());
        ASSERT_TRUE(kept.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        ASSERT_EQ(parse(kept.read_response(false, 10s)).status, 200);
        ASSERT_EQ(::kill(server.pid(), sig), 0);
        auto st = server.wait_exit(5s);
        ASSERT_TRUE(st.exited) << "signal " << sig << ": still running after 5 s";
        EXPECT_EQ(st.code, 0) << sig;
        EXPECT_TRUE(idle.wait_eof(5s));
        EXPECT_TRUE(kept.wait_eof(5s));
    }
}

TEST(serve, a_failed_scrape_answers_500_and_logs_one_line) {
    held_root root;
    serve_process server({}, procfs_args(root));
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();

    root.write("net/tcp", proc_rows(2) + "   9: not a row\n");
    auto bad = parse(http_exchange(port, get_metrics));
    EXPECT_EQ(bad.status, 500);
    EXPECT_NE(bad.body.find("malformed TCP table data"), std::string::npos) << bad.body;
    std::string line = server.stderr_line(5s);
    EXPECT_EQ(line.rfind("tcptable: ", 0), 0u) << line;
    EXPECT_NE(line.find("malformed TCP table data"), std::string::npos) << line;

    root.write("net/tcp", proc_rows(2));
    fs::remove(root.path("net/snmp"));
    auto no_counters = parse(http_exchange(port, get_metrics));
    EXPECT_EQ(no_counters.status, 500);
    EXPECT_NE(no_counters.body.find(root.str() + "/net/snmp"), std::string::npos)
        << no_counters.body;
    line = server.stderr_line(5s);
    EXPECT_NE(line.find(root.str() + "/net/snmp"), std::string::npos) << line;

    fs::copy_file(std::string(TCPTABLE_TEST_DATA_DIR) + "/procfs/debian12-k6.18-snmp.txt",
                  root.path("net/snmp"));
    auto good = parse(http_exchange(port, get_metrics));
    EXPECT_EQ(good.status, 200);
    EXPECT_EQ(sum_of(good.body, "tcptable_tcp_num_conns"), 2);
}

// ---------------------------------------------------------------------------------------------
// -u: the UDP sockets, on /metrics as `--format prometheus -u` prints them.

// The stdout of `tcptable ARGS...`, bounded by timeout(1); `status` is its exit status.
std::string run_cli(const std::vector<std::string>& args, int& status) {
    std::string cmd = "timeout 60 " + std::string(TCPTABLE_CLI);
    for (const auto& a : args) cmd += " '" + a + "'";
    std::string out;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
        status = -1;
        return out;
    }
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int rc = ::pclose(p);
    status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

// The lines of `metrics` about the metric family `name`: its HELP, TYPE and samples, in order.
std::string family_lines(const std::string& metrics, const std::string& name) {
    std::string out;
    std::istringstream lines(metrics);
    std::string line;
    while (std::getline(lines, line)) {
        const bool sample = line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0;
        const bool meta = line.rfind("# HELP " + name + " ", 0) == 0 ||
                          line.rfind("# TYPE " + name + " ", 0) == 0;
        if (sample || meta) out += line + "\n";
    }
    return out;
}

TEST(serve, u_serves_the_udp_sockets_as_format_prometheus_u_prints_them) {
    held_root root;
    root.write("net/udp", tcptable::testing::read_netlink_file("loopback.udp"));
    root.write("net/udp6", tcptable::testing::read_netlink_file("loopback.udp6"));
    // The expected counts: what the library reads from the same files.
    tcptable::snapshot_options o;
    o.backend = tcptable::backend_kind::procfs;
    o.proc_root = root.str();
    std::uint64_t counts[2][2] = {};  // [ipv6][connected]
    for (const tcptable::udp_row& r : tcptable::snapshot_udp(o))
        counts[r.family() == tcptable::ip_family::ipv6][r.connected()]++;
    // The captures hold both kinds in both families, so a swapped label shows.
    for (auto& family : counts)
        for (auto n : family) ASSERT_GT(n, 0u);

    const std::vector<std::vector<std::string>> flag_sets = {{"-u"}, {"-t", "-u"}, {}, {"-t"}};
    for (const auto& flags : flag_sets) {
        const bool udp = std::find(flags.begin(), flags.end(), "-u") != flags.end();
        const bool tcp = !udp || flags.size() == 2;
        std::string which;
        for (const auto& f : flags) which += f + " ";
        SCOPED_TRACE(which.empty() ? "(no flags)" : which);
        std::vector<std::string> global = flags;
        for (const auto& a : procfs_args(root)) global.push_back(a);

        int status = 0;
        std::vector<std::string> once_args = global;
        once_args.insert(once_args.end(), {"--format", "prometheus"});
        const std::string once = run_cli(once_args, status);
        ASSERT_EQ(status, 0) << once;

        serve_process server({}, global);
        std::uint16_t port = server.wait_listening();
        ASSERT_NE(port, 0) << server.failure();
        auto get = parse(http_exchange(port, get_metrics));
        ASSERT_EQ(get.status, 200) << get.body;
        // The one-shot exposition, then serve's own counters.
        EXPECT_EQ(get.body.substr(0, once.size()), once);
        EXPECT_EQ(get.body.find("# HELP tcptable_exporter_scrapes_total ", once.size()),
                  once.size());

        const std::string udp_lines = family_lines(get.body, "tcptable_udp_sockets");
        if (udp) {
            EXPECT_EQ(udp_lines, family_lines(once, "tcptable_udp_sockets"));
            EXPECT_NE(udp_lines.find("# TYPE tcptable_udp_sockets gauge\n"), std::string::npos);
            for (int f = 0; f < 2; ++f)
                for (int c = 0; c < 2; ++c) {
                    const std::string sample = std::string("tcptable_udp_sockets{family=\"") +
                                               (f ? "ipv6" : "ipv4") + "\",connected=\"" +
                                               (c ? "true" : "false") + "\"} " +
                                               std::to_string(counts[f][c]) + "\n";
                    EXPECT_NE(udp_lines.find(sample), std::string::npos) << sample << "not in:\n"
                                                                         << udp_lines;
                }
        } else {
            EXPECT_EQ(udp_lines, "");
        }
        if (tcp) {
            expect_consistent(get.body, "TCP with " + which);
        } else {
            EXPECT_EQ(sum_of(get.body, "tcptable_connections"), -1) << get.body;
            EXPECT_EQ(sum_of(get.body, "tcptable_tcp_num_conns"), -1) << get.body;
        }

        // OpenMetrics: the same UDP samples, "# EOF" last.
        auto om = parse(http_exchange(port,
                                      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: "
                                      "application/openmetrics-text; version=1.0.0\r\n"
                                      "Connection: close\r\n\r\n"));
        ASSERT_EQ(om.status, 200);
        EXPECT_EQ(om.headers["content-type"],
                  "application/openmetrics-text; version=1.0.0; charset=utf-8");
        EXPECT_EQ(family_lines(om.body, "tcptable_udp_sockets"), udp_lines);
        EXPECT_TRUE(om.body.ends_with("# EOF\n")) << om.body.substr(om.body.size() - 100);

        if (udp && have("promtool")) {
            fs::path file = fs::path(::testing::TempDir()) /
                            ("serve_udp_metrics_" + std::to_string(::getpid()) + ".txt");
            std::ofstream(file) << get.body;
            std::string cmd = "promtool check metrics < " + file.string() + " >/dev/null 2>&1";
            EXPECT_EQ(std::system(cmd.c_str()), 0) << get.body;
            fs::remove(file);
        }
        ::kill(server.pid(), SIGTERM);
        auto st = server.wait_exit(10s);
        EXPECT_TRUE(st.exited && st.code == 0) << st.code;
    }
}

// --textfile takes -t / -u as --format prometheus does: the file holds what it prints.
TEST(serve, textfile_with_u_writes_what_format_prometheus_u_prints) {
    held_root root;
    root.write("net/udp", tcptable::testing::read_netlink_file("loopback.udp"));
    root.write("net/udp6", tcptable::testing::read_netlink_file("loopback.udp6"));
    const std::string file = root.str() + "/metrics.prom";
    for (const std::vector<std::string>& flags :
         std::vector<std::vector<std::string>>{{"-u"}, {"-t", "-u"}, {}}) {
        std::vector<std::string> global = flags;
        for (const auto& a : procfs_args(root)) global.push_back(a);
        SCOPED_TRACE(flags.empty() ? "(no flags)" : flags.back() + " " + flags.front());
        int status = 0;
        std::vector<std::string> once_args = global;
        once_args.insert(once_args.end(), {"--format", "prometheus"});
        const std::string once = run_cli(once_args, status);
        ASSERT_EQ(status, 0) << once;
        std::vector<std::string> textfile_args = global;
        textfile_args.insert(textfile_args.end(), {"--textfile", file});
        EXPECT_EQ(run_cli(textfile_args, status), "");
        ASSERT_EQ(status, 0);
        std::ifstream in(file);
        const std::string written((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
        EXPECT_EQ(written, once);
        const bool udp = !flags.empty();
        EXPECT_EQ(written.find("# TYPE tcptable_udp_sockets gauge\n") != std::string::npos, udp);
        EXPECT_EQ(written.find("tcptable_connections{") != std::string::npos, flags.size() != 1);
    }
}

// A UDP table that cannot be read: at start-up exit 1 before listening (in
// bad_options_fail_at_start_up_before_listening); once serving, a scrape answers 500 with the
// cause and logs it, and the next good read answers 200 again.
TEST(serve, u_a_failed_udp_read_answers_500_and_logs_one_line) {
    held_root root;
    root.write("net/udp", tcptable::testing::read_netlink_file("loopback.udp"));
    std::vector<std::string> global = {"-u"};
    for (const auto& a : procfs_args(root)) global.push_back(a);
    serve_process server({}, global);
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();

    root.write("net/udp", tcptable::testing::read_netlink_file("loopback.udp") + "not a row\n");
    auto bad = parse(http_exchange(port, get_metrics));
    EXPECT_EQ(bad.status, 500);
    EXPECT_NE(bad.body.find("reading the UDP table: "), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find(root.str() + "/net/udp"), std::string::npos) << bad.body;
    std::string line = server.stderr_line(5s);
    EXPECT_EQ(line.rfind("tcptable: scrape failed: reading the UDP table: ", 0), 0u) << line;

    root.write("net/udp", tcptable::testing::read_netlink_file("loopback.udp"));
    auto good = parse(http_exchange(port, get_metrics));
    EXPECT_EQ(good.status, 200);
    EXPECT_GT(sum_of(good.body, "tcptable_udp_sockets"), 0) << good.body;
}

// Start-up reads the table and the counters once: options that cannot work end serve with
// exit code 1 and the cause, before it listens.
TEST(serve, bad_options_fail_at_start_up_before_listening) {
    const std::string small = std::string(TCPTABLE_TEST_DATA_DIR) + "/cli/small";
    struct bad_case {
        std::vector<std::string> args;
        std::string in_stderr;
    };
    const bad_case cases[] = {
        {{"--proc-root", "/nonexistent-tcptable-serve"}, "/nonexistent-tcptable-serve/net/tcp"},
        {{"--netns", "/nonexistent-tcptable-netns"}, "/nonexistent-tcptable-netns"},
        {{"--backend", "iphlpapi"}, "backend iphlpapi is not available"},
        // A table and no counters.
        {{"--backend", "procfs", "--proc-root", small}, small + "/net/snmp"},
        // -u: a proc root without net/udp.
        {{"-u", "--backend", "procfs", "--proc-root", small}, small + "/net/udp"},
    };
    for (const auto& c : cases) {
        serve_process server({}, c.args);
        auto st = server.wait_exit(10s);
        std::string out = server.drain_stdout(1s);
        std::string err = server.drain_stderr(1s);
        ASSERT_TRUE(st.exited) << c.args.back() << ": still running after 10 s; stdout: " << out;
        EXPECT_EQ(st.code, 1) << c.args.back();
        EXPECT_EQ(out.find("listening"), std::string::npos) << out;
        EXPECT_EQ(err.rfind("tcptable: ", 0), 0u) << err;
        EXPECT_NE(err.find(c.in_stderr), std::string::npos) << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    }
}

TEST(serve, idle_connections_are_closed_after_the_idle_timeout) {
    serve_process server({"--idle-timeout", "0.3"});
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();
    // Well under the 10 s a begun request gets: only the idle timeout can close them this soon.
    client silent(port);
    ASSERT_TRUE(silent.connected());
    EXPECT_TRUE(silent.wait_eof(5s)) << "a connection that sent nothing is still open after 5 s";

    client kept(port);
    ASSERT_TRUE(kept.connected());
    ASSERT_TRUE(kept.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(parse(kept.read_response(false, 10s)).status, 200);
    EXPECT_TRUE(kept.wait_eof(5s)) << "a kept-alive connection is still open after 5 s of silence";
    // The server itself goes on.
    EXPECT_EQ(parse(http_exchange(port, get_metrics)).status, 200);
}

// Retries a scrape on fresh connections (a connection can be closed at accept while the server
// is still freeing slots) until one is answered, at most `tries` times within `limit`.
response scrape_until_answered(std::uint16_t port, int tries, std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    response r;
    for (int i = 0; i < tries && clock_type::now() < deadline; ++i) {
        r = parse(http_exchange(port, get_metrics, std::chrono::milliseconds(ms_left(deadline))));
        if (r.status == 200) return r;
    }
    return r;
}

TEST(serve, connections_beyond_the_cap_are_closed_at_once) {
    serve_process server({"--max-connections", "3"});
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();
    std::vector<client> held;
    for (int i = 0; i < 3; ++i) {
        held.emplace_back(port);
        ASSERT_TRUE(held.back().connected());
    }
    // The kernel hands connections to accept() in the order they were made: this is the 4th.
    client extra(port);
    ASSERT_TRUE(extra.connected());
    EXPECT_TRUE(extra.wait_eof(5s)) << "the 4th connection was not closed";
    // The held ones are still served.
    ASSERT_TRUE(held[0].send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(parse(held[0].read_response(false, 10s)).status, 200);
    held.pop_back();
    auto r = scrape_until_answered(port, 50, 10s);
    ASSERT_EQ(r.status, 200);
    EXPECT_GE(sum_of(r.body, "tcptable_exporter_dropped_connections_total"), 1);
}

// More connections than the server has descriptors: accept() fails with EMFILE while they
// wait. A server that retries at once spins at ~100 % of a core; this one must stay idle.
//
// The bound is on waste and is not flaky: the clients send nothing, so a correct server has no
// work at all in the window and uses ~0 ticks; load on the machine can only slow a spinning
// server down, never make an idle one busy. A spinning server would need to be starved below
// 10 % of a core (ten runnable competitors per core) to pass by mistake.
TEST(serve, out_of_descriptors_it_backs_off_instead_of_spinning) {
    // UBSan checks a virtual call's vtable by writing it through a pipe (sanitizer_common's
    // IsAccessibleMemoryRange): with no descriptor left the pipe fails and it reports a false
    // "invalid vptr", so a UBSan build of the server cannot run out of descriptors and live.
    if (std::string_view(TCPTABLE_SANITIZE).find("undefined") != std::string_view::npos ||
        std::string_view(TCPTABLE_SANITIZE).find("vptr") != std::string_view::npos)
        GTEST_SKIP() << "UBSan's vptr check needs a free descriptor (build without undefined)";
    constexpr rlim_t limit = 64;
    serve_process server({}, {}, limit);
    std::uint16_t port = server.wait_listening();
    ASSERT_NE(port, 0) << server.failure();
    std::vector<client> idle;
    for (int i = 0; i < 100; ++i) {
        idle.emplace_back(port);
        ASSERT_TRUE(idle.back().connected()) << i;
    }
    ASSERT_TRUE(wait_until([&] { return server.open_descriptors() >= limit - 8; }, 10s))
        << "the server holds only " << server.open_descriptors() << " descriptors";

    const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    const long before = server.cpu_ticks();
    const auto t0 = clock_type::now();
    // The measurement window (not a synchronisation): CPU used while nothing should happen.
    std::this_thread::sleep_for(2s);
    const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double cpu = double(server.cpu_ticks() - before) / double(ticks_per_second);
    EXPECT_LT(cpu / wall, 0.10) << "used " << cpu << " s of CPU in " << wall
                                << " s with all descriptors taken";
    std::printf("[          ] CPU %.1f %% of a core over %.1f s, %zu descriptors open\n",
                100.0 * cpu / wall, wall, server.open_descriptors());

    idle.clear();
    auto r = scrape_until_answered(port, 100, 20s);
    ASSERT_EQ(r.status, 200) << "no scrape answered after the idle connections closed";
    // 100 connections, under 64 descriptors: at least 100 - 64 were closed at accept.
    EXPECT_GE(sum_of(r.body, "tcptable_exporter_dropped_connections_total"), 36);
    ::kill(server.pid(), SIGTERM);
    auto st = server.wait_exit(10s);
    EXPECT_TRUE(st.exited && st.code == 0) << st.code;
}

}  // namespace
