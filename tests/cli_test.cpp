// SPDX-License-Identifier: MIT
// The tcptable command-line tool, run as a separate process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "support/loopback.hpp"
#include "support/netlink_probe.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace tcptable::testing {
namespace {

using namespace std::chrono_literals;

struct result {
    int exit_code = -1;  // -1: killed by a signal, or by the watchdog (timed_out)
    bool timed_out = false;
    std::string out;
    std::string err;
};

// The CLI as a child process of the test, run through /bin/sh so that `args` may hold shell
// words and redirections (`> /dev/full`, `>&-`). sh execs the CLI, so the child is the CLI
// itself; it runs in a process group of its own, and the watchdog kills only that group.
class cli_process {
  public:
    // `shell_prefix` runs in the shell before the exec ("ulimit -f 1;").
    explicit cli_process(const std::string& args, const std::string& shell_prefix = "") {
        const std::string cmd = shell_prefix + " exec " + TCPTABLE_CLI + " " + args;
        int out[2], err[2];
        if (::pipe2(out, O_CLOEXEC) != 0) return;
        if (::pipe2(err, O_CLOEXEC) != 0) {
            ::close(out[0]);
            ::close(out[1]);
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            // Only async-signal-safe calls between fork and exec: the test has threads.
            ::setpgid(0, 0);
            ::dup2(out[1], 1);
            ::dup2(err[1], 2);
            ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        ::close(err[1]);
        out_fd_ = out[0];
        err_fd_ = err[0];
        if (pid_ < 0) return;
        ::setpgid(pid_, pid_);  // as the child does, whichever runs first
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    }
    cli_process(const cli_process&) = delete;
    cli_process& operator=(const cli_process&) = delete;
    ~cli_process() {
        if (pid_ > 0 && !reaped_) {
            ::kill(-pid_, SIGKILL);  // our own process group, still running
            int status;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        for (int fd : {out_fd_, err_fd_, pidfd_})
            if (fd >= 0) ::close(fd);
    }

    bool started() const { return pid_ > 0 && pidfd_ >= 0; }
    pid_t pid() const { return pid_; }

    // One line of stdout (without the newline), waiting at most `limit`; nullopt on timeout or
    // end of output.
    std::optional<std::string> read_line(std::chrono::milliseconds limit = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            if (auto nl = out_.find('\n'); nl != std::string::npos) {
                std::string line = out_.substr(0, nl);
                out_.erase(0, nl + 1);
                return line;
            }
            if (out_fd_ < 0) return std::nullopt;
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s) return std::nullopt;
            pollfd p{out_fd_, POLLIN, 0};
            int r = ::poll(&p, 1, int(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return std::nullopt;
            drain(out_fd_, out_);
        }
    }

    // Waits at most `limit` for a line of stderr that starts with `prefix`; true when one came.
    bool wait_stderr_line(const std::string& prefix, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            for (std::size_t at = 0; at < err_.size();) {
                if (err_.compare(at, prefix.size(), prefix) == 0) return true;
                auto nl = err_.find('\n', at);
                if (nl == std::string::npos) break;
                at = nl + 1;
            }
            if (err_fd_ < 0) return false;
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s) return false;
            pollfd p{err_fd_, POLLIN, 0};
            int r = ::poll(&p, 1, int(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return false;
            drain(err_fd_, err_);
        }
    }

    // True once the process has exited (not yet reaped), waiting at most `limit` for it while
    // collecting its stderr.
    bool exited_within(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            pollfd p[2] = {{pidfd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
            auto left = deadline - std::chrono::steady_clock::now();
            if (left < 0s) left = 0s;
            int r = ::poll(p, err_fd_ >= 0 ? 2 : 1,
                           int(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
            if (r < 0 && errno == EINTR) continue;
            if (r > 0 && (p[0].revents & POLLIN)) return true;
            if (r > 0 && err_fd_ >= 0 && p[1].revents) drain(err_fd_, err_);
            if (r == 0) return false;
        }
    }

    // Sends SIGINT (Ctrl-C) to the process.
    void interrupt() const {
        if (pid_ > 0 && !reaped_) ::kill(pid_, SIGINT);
    }

    // Collects stdout and stderr until the process exits and both close, or `limit` passes:
    // then the watchdog kills the process group and says so in `err`.
    result wait(std::chrono::milliseconds limit = 60s) {
        result r;
        if (!started()) {
            r.err = "could not start the CLI";
            return r;
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        bool exited = false;
        while (!exited || out_fd_ >= 0 || err_fd_ >= 0) {
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s) {
                r.timed_out = true;
                break;
            }
            pollfd p[3];
            nfds_t n = 0;
            if (out_fd_ >= 0) p[n++] = {out_fd_, POLLIN, 0};
            if (err_fd_ >= 0) p[n++] = {err_fd_, POLLIN, 0};
            if (!exited) p[n++] = {pidfd_, POLLIN, 0};
            int rc = ::poll(p, n, int(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
            if (rc < 0 && errno == EINTR) continue;
            if (rc < 0) break;
            for (nfds_t i = 0; i < n; ++i) {
                if (p[i].revents == 0) continue;
                if (p[i].fd == pidfd_) {
                    exited = true;
                } else if (p[i].fd == out_fd_) {
                    drain(out_fd_, out_);
                } else {
                    drain(err_fd_, err_);
                }
            }
        }
        if (r.timed_out) ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = std::move(out_);
        r.err = std::move(err_);
        if (r.timed_out)
            r.err += "[watchdog: the CLI did not finish within " + std::to_string(limit.count()) +
                     " ms and was killed]";
        else if (WIFSIGNALED(status))
            r.err += "[the CLI died of signal " + std::to_string(WTERMSIG(status)) + "]";
        return r;
    }

  private:
    // Appends what `fd` has to `to`; closes it at end of file.
    static void drain(int& fd, std::string& to) {
        char buf[65536];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) return;
        if (n <= 0) {
            ::close(fd);
            fd = -1;
            return;
        }
        to.append(buf, std::size_t(n));
    }

    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1, pidfd_ = -1;
    bool reaped_ = false;
    std::string out_, err_;
};

// Runs the CLI with `args` (shell words) to the end, capturing stdout and stderr, under a
// watchdog of `limit`.
result run_cli(const std::string& args, std::chrono::milliseconds limit = 60s,
               const std::string& shell_prefix = "") {
    cli_process p(args, shell_prefix);
    return p.wait(limit);
}

std::size_t count_lines(const std::string& s) {
    return std::size_t(std::count(s.begin(), s.end(), '\n'));
}

const std::string captures = std::string(TCPTABLE_TEST_DATA_DIR) + "/cli";

// A temporary directory of the test's own, removed with what it holds.
class temp_dir {
  public:
    temp_dir() {
        std::string t = ::testing::TempDir() + "tcptable-cli-XXXXXX";
        if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp");
        path_ = t;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& str() const { return path_; }
    // Writes `relative` (directories made as needed) through a rename, so a reader sees the old
    // file or the new one, never a half-written one.
    void write(const std::string& relative, const std::string& text) const {
        std::filesystem::path file = std::filesystem::path(path_) / relative;
        std::filesystem::create_directories(file.parent_path());
        std::filesystem::path tmp = file;
        tmp += ".new";
        { std::ofstream(tmp) << text; }
        std::filesystem::rename(tmp, file);
    }

  private:
    std::string path_;
};

const std::string tcp_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

// A /proc/net/tcp with one listener on 127.0.0.1:`port`.
std::string tcp_file_listening_on(std::uint16_t port) {
    char row[160];
    std::snprintf(row, sizeof row,
                  "   0: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     "
                  "0        0 %u 1 0000000000000000 100 0 0 10 0\n",
                  unsigned(port), 4000u + port);
    return tcp_header + row;
}

TEST(cli, help_and_version_exit_zero) {
    auto h = run_cli("--help");
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("--json"), std::string::npos);
    auto v = run_cli("--version");
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out, std::string("tcptable ") + version_string + "\n");
}

TEST(cli, usage_errors_exit_two_with_one_line) {
    for (const char* args : {"--no-such-option", "--state BOGUS", "--backend nope", "-4 -6",
                             "--state", "extra-positional"}) {
        auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 2) << args;
        EXPECT_EQ(count_lines(r.err), 1u) << args << ": " << r.err;
        EXPECT_EQ(r.err.rfind("tcptable: ", 0), 0u) << r.err;
        EXPECT_TRUE(r.out.empty());
    }
}

TEST(cli, runtime_errors_exit_one_with_the_cause) {
    auto r = run_cli("--proc-root /nonexistent-tcptable-root");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("/nonexistent-tcptable-root/net/tcp"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;

    auto bad = run_cli("--backend procfs --proc-root " + captures + "/malformed");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("malformed/net/tcp:3: malformed field: remote address"),
              std::string::npos)
        << bad.err;
}

TEST(cli, text_output_of_a_captured_table_is_exact) {
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "Proto Local Address           Foreign Address         State\n"
              "tcp   10.0.0.1:443            10.0.0.2:50000          ESTABLISHED\n"
              "tcp   127.0.0.1:80            0.0.0.0:*               LISTEN\n"
              "tcp   127.0.0.1:80            127.0.0.1:256           TIME-WAIT\n"
              "tcp   127.0.1.1:22            0.0.0.0:*               LISTEN\n"
              "tcp6  [::]:22                 [::]:*                  LISTEN\n"
              "tcp6  [::1]:631               [::1]:40000             CLOSE-WAIT\n");
    auto l = run_cli("--backend procfs --proc-root " + captures + "/small -l -6");
    EXPECT_EQ(l.out,
              "Proto Local Address           Foreign Address         State\n"
              "tcp6  [::]:22                 [::]:*                  LISTEN\n");
    auto s = run_cli("--backend procfs --proc-root " + captures +
                     "/small -4 --state time-wait,ESTABLISHED");
    EXPECT_EQ(count_lines(s.out), 3u);
    EXPECT_NE(s.out.find("TIME-WAIT"), std::string::npos);
}

TEST(cli, unsorted_keeps_the_file_order) {
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small --unsorted -4");
    ASSERT_EQ(r.exit_code, 0);
    // The file lists 127.0.1.1:22 first.
    EXPECT_EQ(r.out.substr(r.out.find('\n') + 1, 20), "tcp   127.0.1.1:22  ");
}

TEST(cli, json_has_exactly_the_documented_keys) {
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 6u);
    const std::set<std::string> allowed{
        "protocol",    "family", "local_address", "local_port", "remote_address",
        "remote_port", "state",  "pid",           "inode",      "uid"};
    for (const auto& row : j) {
        for (const auto& [k, v] : row.items()) EXPECT_TRUE(allowed.count(k)) << k;
        EXPECT_TRUE(row.at("local_port").is_number());
        EXPECT_TRUE(row.at("local_address").is_string());
    }
    EXPECT_EQ(j[0]["family"], "ipv4");
    EXPECT_EQ(j[0]["local_address"], "10.0.0.1");
    EXPECT_EQ(j[0]["local_port"], 443);
    EXPECT_EQ(j[0]["remote_port"], 50000);
    EXPECT_EQ(j[0]["state"], "ESTABLISHED");
    EXPECT_EQ(j[0]["inode"], 5001);
    EXPECT_EQ(j[0]["uid"], 1000);
    EXPECT_FALSE(j[2].contains("inode"));  // TIME-WAIT
    EXPECT_EQ(j[5]["family"], "ipv6");
    EXPECT_EQ(j[5]["local_address"], "::1");
    EXPECT_EQ(run_cli("--proc-root " + captures + "/empty --backend procfs --json").out, "[]\n");
}

TEST(cli, statistics) {
    auto r = run_cli("--stats");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_lines(r.out), 15u);
    EXPECT_EQ(r.out.rfind("RtoAlgorithm ", 0), 0u);
    EXPECT_NE(r.out.find("\nNumConns "), std::string::npos);
    auto j = nlohmann::json::parse(run_cli("--stats --json").out);
    EXPECT_EQ(j.size(), 15u);
    EXPECT_EQ(j["MaxConn"], -1);
    EXPECT_GE(j["NumConns"].get<int>(), 0);
    auto bad = run_cli("--stats --proc-root /nonexistent-tcptable");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("/nonexistent-tcptable/net/snmp"), std::string::npos);
}

TEST(cli, pid_column_names_the_owner) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    auto r = run_cli("-p -l -4");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string needle = "127.0.0.1:" + std::to_string(l.endpoint().port()) + " ";
    auto pos = r.out.find(needle);
    ASSERT_NE(pos, std::string::npos);
    std::string line = r.out.substr(pos, r.out.find('\n', pos) - pos);
    EXPECT_NE(line.find(" " + std::to_string(::getpid()) + "/cli_test"), std::string::npos) << line;
}

TEST(cli, count_summarises_by_state) {
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small --count");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Total: 6\n", 0), 0u);
    EXPECT_NE(r.out.find("LISTEN               2        1        3\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("TIME-WAIT            1        0        1\n"), std::string::npos) << r.out;
    auto j = nlohmann::json::parse(
        run_cli("--backend procfs --proc-root " + captures + "/small --count --json").out);
    EXPECT_EQ(j["total"], 6);
    EXPECT_EQ(j["states"]["CLOSE-WAIT"]["ipv6"], 1);
}

bool have_promtool() { return std::system("promtool --version >/dev/null 2>&1") == 0; }

TEST(cli, prometheus_format_passes_promtool) {
    auto r = run_cli("--format prometheus");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("# TYPE tcptable_connections gauge\n"), std::string::npos);
    EXPECT_NE(r.out.find("# TYPE tcptable_tcp_active_opens_total counter\n"), std::string::npos);
    EXPECT_NE(r.out.find("tcptable_connections{family=\"ipv4\",state=\"LISTEN\"} "),
              std::string::npos);
    if (!have_promtool()) GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
    std::string file = ::testing::TempDir() + "metrics_" + std::to_string(::getpid());
    { std::ofstream(file) << r.out; }
    std::string out;
    EXPECT_EQ(
        std::system(("promtool check metrics < " + file + " > " + file + ".lint 2>&1").c_str()), 0);
    std::ifstream lint(file + ".lint");
    std::getline(lint, out, '\0');
    EXPECT_EQ(out, "") << out;
    std::remove(file.c_str());
    std::remove((file + ".lint").c_str());
}

TEST(cli, prometheus_counts_listening_ports_of_a_capture) {
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small --format prometheus");
    // The capture has no snmp file: statistics fail and the command says why.
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("small/net/snmp"), std::string::npos) << r.err;
}

std::string http_get(std::uint16_t port, const std::string& raw_request) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(s, asio::buffer(raw_request));
    std::string reply;
    boost::system::error_code ec;
    char buf[4096];
    for (int i = 0; i < 10000; ++i) {
        std::size_t n = s.read_some(asio::buffer(buf), ec);
        if (ec) break;
        reply.append(buf, n);
    }
    return reply;
}

TEST(cli, serve_answers_metrics_and_survives_bad_requests) {
    cli_process server("serve --listen 127.0.0.1:0");
    ASSERT_TRUE(server.started());
    std::string line = server.read_line().value_or("");
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    auto port = std::uint16_t(std::stoi(line.substr(line.rfind(':') + 1)));
    std::string url = "http://127.0.0.1:" + std::to_string(port);
    auto ok = http_get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok.substr(0, 200);
    EXPECT_NE(ok.find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(ok.find("tcptable_tcp_num_conns "), std::string::npos);
    auto missing = http_get(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(missing.rfind("HTTP/1.1 404", 0), 0u) << missing;
    auto garbage = http_get(port, "THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
    auto post = http_get(
        port,
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
    // Still serving; and curl, as a scraper would.
    if (std::system("curl --version >/dev/null 2>&1") == 0) {
        std::string cmd = "curl -fsS -o /dev/null -w '%{http_code}' " + url + "/metrics";
        FILE* p = ::popen(cmd.c_str(), "r");
        char code[8] = {};
        ASSERT_TRUE(p);
        EXPECT_NE(std::fgets(code, sizeof code, p), nullptr);
        ::pclose(p);
        EXPECT_STREQ(code, "200");
    }
    auto again = http_get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(again.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    server.interrupt();
    auto end = server.wait(20s);
    EXPECT_EQ(end.exit_code, 0) << end.err;  // SIGINT ends it cleanly
}

TEST(cli, serve_rejects_a_bad_listen_address) {
    EXPECT_EQ(run_cli("serve --listen nonsense").exit_code, 2);
    EXPECT_EQ(run_cli("serve --listen 127.0.0.1:99999").exit_code, 2);
}

TEST(cli, watch_prints_json_events_for_a_new_connection) {
    cli_process w("--watch 0.05 --json -4 --watch-limit 30");
    ASSERT_TRUE(w.started());
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    // The CLI says on stderr when its baseline is in; a connection opened after that is new.
    ASSERT_TRUE(w.wait_stderr_line("tcptable: watching", 30s))
        << "no 'tcptable: watching' line within 30 s";
    connection c(io, l);
    const auto port = l.endpoint().port();
    const auto client_port = c.client.local_endpoint().port();
    std::set<std::uint16_t> ends;  // local ports of the reported rows of this connection
    bool both_ends = false;
    for (int lines = 0; lines < 100000 && !both_ends; ++lines) {
        auto line = w.read_line(30s);
        ASSERT_TRUE(line) << "the watcher stopped reporting before both ends of the connection";
        auto j = nlohmann::json::parse(*line);
        if (j["event"] != "opened" || j["state"] != "ESTABLISHED") continue;
        if ((j["local_port"] == port && j["remote_port"] == client_port) ||
            (j["local_port"] == client_port && j["remote_port"] == port))
            ends.insert(j["local_port"].get<std::uint16_t>());
        both_ends = ends.size() == 2;
    }
    EXPECT_TRUE(both_ends) << "no connection reported with both its ends";
    w.interrupt();
    auto end = w.wait(20s);
    EXPECT_EQ(end.exit_code, 0) << end.err;  // Ctrl-C exits cleanly
}

// `--watch` without a value is the documented form: every second. CLI11 2.1 used to bind 0 to
// it, skipping the range check, and the watcher divided by the zero interval (SIGFPE).
TEST(cli, watch_without_a_value_watches_every_second) {
    const std::string small = "--backend procfs --proc-root " + captures + "/small ";
    for (const std::string& args : std::vector<std::string>{
             "--watch --watch-limit 0.5", "--watch --json --watch-limit 0.5",
             small + "--watch --watch-limit 0.5", small + "--watch --json --watch-limit 0.5",
             small + "-l --watch --watch-limit 0.5", small + "--watch-limit 0.5 --watch"}) {
        auto r = run_cli(args, 60s);
        EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
        // The one line the watcher prints once its baseline is in names the event source:
        // captured files are only polled.
        if (args.find("--proc-root") != std::string::npos)
            EXPECT_EQ(r.err, "tcptable: watching (events: poll)\n") << args;
        else
            EXPECT_EQ(r.err.rfind("tcptable: watching (events: ", 0), 0u) << args << ": " << r.err;
    }
}

// --events: only with --watch, only the four names; a kernel source for captured files, or
// one this build or system lacks, is a usage error (exit 2) that says why.
TEST(cli, watch_events_option) {
    EXPECT_EQ(run_cli("--events netlink").exit_code, 2);
    EXPECT_EQ(run_cli("--watch --events nonsense --watch-limit 0.1").exit_code, 2);
    auto r = run_cli("--backend procfs --proc-root " + captures +
                     "/small --watch --events netlink --watch-limit 5");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("no kernel events"), std::string::npos) << r.err;
    auto p = run_cli("--watch --events poll --watch-limit 0.3");
    EXPECT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(p.err, "tcptable: watching (events: poll)\n");
    auto n = run_cli("--watch --events netlink --watch-limit 0.3");
    EXPECT_EQ(n.exit_code, 0) << n.err;
    EXPECT_EQ(n.err, "tcptable: watching (events: netlink)\n");
}

TEST(cli, watch_interval_and_limit_must_be_positive_finite_numbers) {
    const std::string small = "--backend procfs --proc-root " + captures + "/small ";
    for (const std::string args :
         {"--watch=", "--watch ''", "--watch 0", "--watch -1", "--watch nan", "--watch inf",
          "--watch 1e400", "--watch 0x10", "--watch ' 1'", "--watch 1s", "--watch 100000",
          "--watch 1 --watch-limit nan", "--watch 1 --watch-limit inf",
          "--watch 1 --watch-limit -1", "--watch 1 --watch-limit ''", "--watch 1 --watch-limit=",
          "--watch-limit nan --watch", "--watch 1 --watch-limit 1e400"}) {
        // A usage error is immediate; a watcher that started would run until the watchdog.
        auto r = run_cli(small + args, 20s);
        EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << args << ": " << r.err;
        EXPECT_EQ(r.err.rfind("tcptable: --watch", 0), 0u) << args << ": " << r.err;
        EXPECT_EQ(r.out, "") << args;
    }
}

// Every mode's output goes through checked writes: a failed one is `tcptable: write error:
// <strerror>` and exit 1, not exit 0 and output silently lost.
TEST(cli, write_errors_exit_one_with_one_message) {
    const std::string stats = "--proc-root " + captures + "/stats ";
    const std::vector<std::string> modes = {stats,
                                            stats + "--json",
                                            stats + "--format json",
                                            stats + "-p",
                                            stats + "--count",
                                            stats + "--count --json",
                                            stats + "--stats",
                                            stats + "--stats --json",
                                            stats + "--format prometheus",
                                            "--help",
                                            "--version"};
    const std::pair<std::string, std::string> failures[] = {
        {"> /dev/full", "No space left on device"},  // ENOSPC, as a full file system
        {">&-", "Bad file descriptor"},              // stdout closed
    };
    for (const auto& [redirect, message] : failures) {
        for (const auto& mode : modes) {
            auto r = run_cli(mode + " " + redirect, 20s);
            EXPECT_EQ(r.exit_code, 1) << mode << redirect << ": " << r.err;
            EXPECT_EQ(r.err, "tcptable: write error: " + message + "\n") << mode << redirect;
        }
    }
    // The same modes succeed when stdout takes the output.
    for (const auto& mode : modes) EXPECT_EQ(run_cli(mode, 20s).exit_code, 0) << mode;
}

// A write cut short part way (the file size limit, as a file system filling up) leaves the file
// holding what fit; the command says so rather than exiting 0 on half a JSON document.
TEST(cli, output_cut_short_is_a_write_error) {
    temp_dir dir;
    const std::string file = dir.str() + "/out.json";
    // sh: SIGXFSZ ignored (the CLI inherits that), files limited to one 512-byte block.
    auto r = run_cli("--backend procfs --proc-root " + captures + "/small --json > " + file, 20s,
                     "trap '' XFSZ; ulimit -f 1;");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err, "tcptable: write error: File too large\n");
    EXPECT_EQ(std::filesystem::file_size(file), 512u);  // what fit: the document is 873 bytes
}

// A watcher whose output fails stops, and exits 1 with the message.
TEST(cli, watch_stops_on_a_write_error) {
    temp_dir root;
    root.write("net/tcp", tcp_file_listening_on(1000));
    for (const std::string format : {"", " --json"}) {
        cli_process w("--backend procfs --proc-root " + root.str() +
                      " --watch 0.05 --watch-limit 10" + format + " > /dev/full");
        ASSERT_TRUE(w.started());
        // Once the baseline is in, a new version of the file is an event to print.
        ASSERT_TRUE(w.wait_stderr_line("tcptable: watching", 20s)) << format;
        root.write("net/tcp", tcp_file_listening_on(format.empty() ? 1001 : 1002));
        auto r = w.wait(20s);
        EXPECT_EQ(r.exit_code, 1) << format << ": " << r.err;
        EXPECT_EQ(r.err,
                  "tcptable: watching (events: poll)\ntcptable: write error: No space left on "
                  "device\n")
            << format;
    }
    // Closed stdout: refused before watching.
    auto r = run_cli(
        "--backend procfs --proc-root " + root.str() + " --watch 0.05 --watch-limit 10 >&-", 20s);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err, "tcptable: write error: Bad file descriptor\n");
}

// A proc root with regular net/tcp, tcp6 and snmp, then `fifo_name` replaced by a FIFO.
void fifo_root(const temp_dir& root, const std::string& fifo_name) {
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    root.write("net/tcp", tcp_file_listening_on(1000));
    root.write("net/tcp6", slurp(captures + "/small/net/tcp6"));
    root.write("net/snmp", slurp(captures + "/stats/net/snmp"));
    const std::string path = root.str() + "/" + fifo_name;
    std::filesystem::remove(path);
    ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0) << std::strerror(errno);
}

// A FIFO (no writer) where a regular file is expected used to block for ever; each mode must
// end with exit 1 and one line naming the file, within the watchdog.
void expect_refused(const std::string& args, const std::string& path) {
    auto r = run_cli(args, 10s);
    EXPECT_EQ(r.exit_code, 1) << args << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << args << ": " << r.err;
    EXPECT_NE(r.err.find(path + ": not a"), std::string::npos) << args << ": " << r.err;
    EXPECT_NE(r.err.find("(a FIFO)"), std::string::npos) << args << ": " << r.err;
}

TEST(cli, fifo_as_tcp_is_an_error_not_a_hang) {
    temp_dir root;
    fifo_root(root, "net/tcp");
    for (const std::string mode : {"", "--stats", "--watch 0.05 --watch-limit 30"})
        expect_refused("--proc-root " + root.str() + " " + mode, root.str() + "/net/tcp");
}

TEST(cli, fifo_as_tcp6_is_an_error_not_a_hang) {
    temp_dir root;
    fifo_root(root, "net/tcp6");
    for (const std::string mode : {"", "--stats", "--watch 0.05 --watch-limit 30"})
        expect_refused("--proc-root " + root.str() + " " + mode, root.str() + "/net/tcp6");
}

TEST(cli, fifo_as_snmp_is_an_error_not_a_hang) {
    temp_dir root;
    fifo_root(root, "net/snmp");
    for (const std::string mode : {"--stats", "--format prometheus"})
        expect_refused("--proc-root " + root.str() + " " + mode, root.str() + "/net/snmp");
}

TEST(cli, fifo_as_netns_is_an_error_not_a_hang) {
    temp_dir dir;
    const std::string fifo = dir.str() + "/ns";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << std::strerror(errno);
    for (const std::string mode :
         {"", "--backend procfs", "--stats", "--watch 0.05 --watch-limit 30"})
        expect_refused("--netns " + fifo + " " + mode, fifo);
}

// An empty --netns used to read the host's own table, as if none was given; an empty
// --proc-root read /net/tcp. Both are usage errors, whatever the mode.
TEST(cli, empty_netns_or_proc_root_is_a_usage_error) {
    for (const std::string option : {"--netns", "--proc-root"}) {
        for (const std::string mode :
             {"", "--json", "--stats", "--count", "--watch --watch-limit 5", "--format prometheus",
              "serve --listen 127.0.0.1:0"}) {
            for (const std::string& args : {option + " '' " + mode, option + "= " + mode}) {
                auto r = run_cli(args, 20s);
                EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
                EXPECT_EQ(count_lines(r.err), 1u) << args << ": " << r.err;
                EXPECT_EQ(r.err.rfind("tcptable: " + option, 0), 0u) << args << ": " << r.err;
                EXPECT_EQ(r.out, "") << args;
            }
        }
    }
}

// A process of the test's own that names itself `name`, as any local user may (prctl
// PR_SET_NAME; or the name of the executable), and holds a listener on 127.0.0.1. Killed and
// reaped when destroyed; it ends by itself after a minute should the test die first.
class named_listener {
  public:
    // `close_in_child`: descriptors of earlier listeners the child must not keep open.
    named_listener(const std::string& name, const std::vector<int>& close_in_child) {
        int ready[2], hold[2];
        if (::pipe2(ready, O_CLOEXEC) != 0) return;
        if (::pipe2(hold, O_CLOEXEC) != 0) {
            ::close(ready[0]);
            ::close(ready[1]);
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            // Only async-signal-safe calls: the test has threads.
            ::close(ready[0]);
            ::close(hold[1]);
            for (int fd : close_in_child) ::close(fd);
            std::uint16_t port = 0;
            if (loopback_listener(false, port) < 0) ::_exit(1);
            ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
            if (::write(ready[1], &port, sizeof port) != sizeof port) ::_exit(1);
            pollfd p{hold[0], POLLIN, 0};
            ::poll(&p, 1, 60000);
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(hold[0]);
        hold_ = hold[1];
        pollfd p{ready[0], POLLIN, 0};
        if (pid_ > 0 && ::poll(&p, 1, 10000) == 1 &&
            ::read(ready[0], &port_, sizeof port_) != sizeof port_)
            port_ = 0;
        ::close(ready[0]);
    }
    named_listener(const named_listener&) = delete;
    named_listener& operator=(const named_listener&) = delete;
    ~named_listener() {
        if (hold_ >= 0) ::close(hold_);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);  // our own child
            int status;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }
    int hold_fd() const { return hold_; }

  private:
    pid_t pid_ = -1;
    int hold_ = -1;
    std::uint16_t port_ = 0;
};

// Bytes a terminal may act on: C0 controls but the newline, and DEL.
std::size_t control_bytes(const std::string& s) {
    return std::size_t(std::count_if(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\n') || c == 0x7f;
    }));
}

// `-p` prints names other users choose: control bytes and invalid UTF-8 come out as \xNN
// (backslash as \\), so the names cannot drive the terminal of whoever runs tcptable.
TEST(cli, process_names_are_escaped) {
    struct named {
        std::string name;   // as set
        std::string shown;  // as printed
    };
    const named cases[] = {
        {"\x1b[31mevil\x07", "\\x1b[31mevil\\x07"},
        {std::string("bad\xff\xfe") + "x\xc3", "bad\\xff\\xfex\\xc3"},  // invalid UTF-8
        {"a\\b\xc3\xa9", "a\\\\b\xc3\xa9"},                    // valid UTF-8 (e-acute) stays
        {std::string("c1\xc2\x9b") + "2J", "c1\\xc2\\x9b2J"},  // U+009B, the C1 CSI
        {"del\x7f", "del\\x7f"},
    };
    std::vector<std::unique_ptr<named_listener>> procs;
    std::vector<int> holds;
    for (const auto& c : cases) {
        procs.push_back(std::make_unique<named_listener>(c.name, holds));
        ASSERT_NE(procs.back()->port(), 0) << "child for " << c.shown << " did not start";
        holds.push_back(procs.back()->hold_fd());
    }
    auto r = run_cli("-p -l -4", 30s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(control_bytes(r.out), 0u);
    for (std::size_t i = 0; i < procs.size(); ++i) {
        std::string needle = "127.0.0.1:" + std::to_string(procs[i]->port()) + " ";
        auto pos = r.out.find(needle);
        ASSERT_NE(pos, std::string::npos) << needle;
        std::string line = r.out.substr(pos, r.out.find('\n', pos) - pos);
        EXPECT_NE(line.find(" " + std::to_string(procs[i]->pid()) + "/" + cases[i].shown),
                  std::string::npos)
            << line;
    }
    // JSON: valid (no name there to throw on), no raw control bytes, the owners' pids.
    auto j = run_cli("--json -p -l -4", 30s);
    ASSERT_EQ(j.exit_code, 0) << j.err;
    EXPECT_EQ(control_bytes(j.out), 0u);
    nlohmann::json rows;
    ASSERT_NO_THROW(rows = nlohmann::json::parse(j.out));
    for (const auto& p : procs) {
        bool found = false;
        for (const auto& row : rows)
            if (row["local_port"] == p->port()) found = row.value("pid", 0) == p->pid();
        EXPECT_TRUE(found) << "port " << p->port();
    }
}

// Options that ask for different outputs used to be resolved silently (one of them ignored).
// Each pair is a usage error naming both; compatible spellings still work.
TEST(cli, conflicting_options_are_usage_errors_naming_both) {
    struct conflict {
        std::string args, first, second;
    };
    const conflict conflicts[] = {
        {"--stats --format prometheus", "--stats", "--format prometheus"},
        {"--count --format prometheus", "--count", "--format prometheus"},
        {"--count --stats", "--count", "--stats"},
        {"--json --format table", "--json", "--format table"},
        {"--json --format prometheus", "--json", "--format prometheus"},
        {"--watch --count --watch-limit 3", "--watch", "--count"},
        {"--watch 2 --stats --watch-limit 3", "--watch", "--stats"},
        {"--watch --format prometheus --watch-limit 3", "--watch", "--format prometheus"},
        {"--watch-limit 5", "--watch-limit", "--watch"},
        {"--json serve", "serve", "--json"},
        {"serve --json", "serve", "--json"},
        {"--count serve", "serve", "--count"},
        {"--stats serve", "serve", "--stats"},
        {"--watch serve", "serve", "--watch"},
        {"serve --watch 1", "serve", "--watch"},
        {"--watch-limit 1 serve", "serve", "--watch-limit"},
        {"--format prometheus serve", "serve", "--format"},
        {"--format json serve", "serve", "--format"},
    };
    const std::string small = "--backend procfs --proc-root " + captures + "/stats ";
    for (const auto& c : conflicts) {
        // A command that ran instead would run until its limit or the watchdog.
        auto r = run_cli(small + c.args, 10s);
        EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << c.args << ": " << r.err;
        EXPECT_EQ(r.err.rfind("tcptable: ", 0), 0u) << c.args << ": " << r.err;
        EXPECT_NE(r.err.find(c.first), std::string::npos) << c.args << ": " << r.err;
        EXPECT_NE(r.err.find(c.second), std::string::npos) << c.args << ": " << r.err;
        EXPECT_EQ(r.out, "") << c.args;
    }
    for (const std::string args :
         {"--json --format json", "--format table", "--count --json", "--count --format json",
          "--count --format table", "--stats --json", "--stats --format json",
          "--watch 0.05 --watch-limit 0.2 --json", "--watch 0.05 --watch-limit 0.2 --format json",
          "-p --json"}) {
        auto r = run_cli(small + args, 20s);
        EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    }
    // --json and --format json print the same.
    EXPECT_EQ(run_cli(small + "--json --format json").out, run_cli(small + "--json").out);
}

TEST(cli, live_table_shows_the_tests_own_listener) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);
    std::string port = std::to_string(l.endpoint().port());
    auto r = run_cli("");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("127.0.0.1:" + port + " "), std::string::npos);
    auto j = nlohmann::json::parse(run_cli("--json -4").out);
    int matches = 0;
    for (const auto& row : j)
        if (row["local_port"] == l.endpoint().port() || row["remote_port"] == l.endpoint().port())
            ++matches;
    EXPECT_EQ(matches, 3);  // the listener and both ends of the connection
}

// ---- Streaming (issue 16, item 3): --unsorted prints each netlink datagram's rows as they
// arrive, and --json formats rows directly instead of building a document per row.

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The reference files were printed by the tree-building writer before the streaming one
// replaced it: the bytes must not change.
TEST(cli, json_is_byte_identical_to_the_tree_writers_output) {
    auto small = run_cli("--backend procfs --proc-root " + captures + "/small --json");
    EXPECT_EQ(small.exit_code, 0) << small.err;
    EXPECT_EQ(small.out, file_text(captures + "/small.json.expected"));

    temp_dir root;
    const std::string procfs = std::string(TCPTABLE_TEST_DATA_DIR) + "/procfs/debian12-k6.18-";
    root.write("net/tcp", file_text(procfs + "tcp.txt"));
    root.write("net/tcp6", file_text(procfs + "tcp6.txt"));
    auto debian = run_cli("--backend procfs --proc-root " + root.str() + " --json");
    EXPECT_EQ(debian.exit_code, 0) << debian.err;
    const std::string expected = file_text(captures + "/debian12-k6.18.json.expected");
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(debian.out, expected);
    // Unsorted through procfs is one batch in the backend's order: the same rows.
    auto unsorted = run_cli("--backend procfs --proc-root " + root.str() + " --json --unsorted");
    EXPECT_EQ(nlohmann::json::parse(unsorted.out).size(), nlohmann::json::parse(expected).size());
}

// The lines of a table print, header dropped, sorted: the set of rows.
std::vector<std::string> row_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::vector<std::string> json_rows(const std::string& text) {
    std::vector<std::string> rows;
    for (const auto& r : nlohmann::json::parse(text)) rows.push_back(r.dump());
    std::sort(rows.begin(), rows.end());
    return rows;
}

TEST(cli, unsorted_streams_the_same_rows_as_the_sorted_table) {
    scoped_private_netns ns;
    if (!ns.entered()) GTEST_SKIP() << "no private network namespace: " << ns.why_not();
    TCPTABLE_SKIP_WITHOUT_NETLINK();
    // ~2100 listeners (both families) and a few connections: several netlink datagrams.
    std::vector<int> fds;
    struct closer {
        std::vector<int>& fds;
        ~closer() {
            for (int fd : fds) ::close(fd);
        }
    } close_all{fds};
    for (int i = 0; i < 2100; ++i) {
        std::uint16_t port = 0;
        int l = loopback_listener(i % 2 == 0, port);
        ASSERT_GE(l, 0) << "listener " << i;
        fds.push_back(l);
        if (i % 200 == 0) {
            int c = loopback_connect(i % 2 == 0, port);
            ASSERT_GE(c, 0);
            fds.push_back(c);
        }
    }
    auto sorted = run_cli("");
    ASSERT_EQ(sorted.exit_code, 0) << sorted.err;
    auto unsorted = run_cli("--unsorted");
    ASSERT_EQ(unsorted.exit_code, 0) << unsorted.err;
    // One header, then the rows.
    EXPECT_EQ(unsorted.out.substr(0, unsorted.out.find('\n')),
              sorted.out.substr(0, sorted.out.find('\n')));
    const auto rows = row_lines(sorted.out);
    EXPECT_GE(rows.size(), 2100u + 2 * 11u);
    EXPECT_EQ(row_lines(unsorted.out), rows);
    EXPECT_NE(unsorted.out, sorted.out) << "the kernel's order happened to be sorted";

    auto json = run_cli("--json");
    auto json_unsorted = run_cli("--json --unsorted");
    ASSERT_EQ(json.exit_code, 0) << json.err;
    ASSERT_EQ(json_unsorted.exit_code, 0) << json_unsorted.err;
    const auto jrows = json_rows(json.out);
    EXPECT_EQ(jrows.size(), rows.size());
    EXPECT_EQ(json_rows(json_unsorted.out), jrows);

    // Filters apply to the stream as to the table.
    for (const std::string args : {"-4", "-6", "-l", "-6 -l"}) {
        auto a = run_cli(args), b = run_cli(args + " --unsorted");
        EXPECT_EQ(row_lines(b.out), row_lines(a.out)) << args;
        EXPECT_FALSE(row_lines(a.out).empty()) << args;
    }
    // An empty stream still prints its header, or an empty array.
    EXPECT_EQ(run_cli("--unsorted --state SYN-SENT").out,
              sorted.out.substr(0, sorted.out.find('\n') + 1));
    EXPECT_EQ(run_cli("--unsorted --json --state SYN-SENT").out, "[]\n");
}

}  // namespace
}  // namespace tcptable::testing
