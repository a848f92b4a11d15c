// The tcptable command-line tool, run as a separate process.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <set>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "support/loopback.hpp"

namespace tcptable::testing {
namespace {

struct result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs the CLI with `args` (shell words), capturing stdout and stderr.
result run_cli(const std::string& args) {
    std::string err_file = ::testing::TempDir() + "cli_stderr_" + std::to_string(::getpid());
    std::string cmd = std::string(TCPTABLE_CLI) + " " + args + " 2>" + err_file;
    result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 65536> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (FILE* e = std::fopen(err_file.c_str(), "r")) {
        while ((n = std::fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
        std::fclose(e);
    }
    std::remove(err_file.c_str());
    return r;
}

std::size_t count_lines(const std::string& s) {
    return std::size_t(std::count(s.begin(), s.end(), '\n'));
}

const std::string captures = std::string(TCPTABLE_TEST_DATA_DIR) + "/cli";

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
        "family", "local_address", "local_port", "remote_address", "remote_port", "state",
        "pid",    "inode",         "uid"};
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

// A child process we start and stop ourselves.
struct child_process {
    pid_t pid = -1;
    int out_fd = -1;
    explicit child_process(std::vector<std::string> args) {
        int p[2];
        if (::pipe(p) != 0) return;
        pid = ::fork();
        if (pid == 0) {
            ::dup2(p[1], 1);
            ::close(p[0]);
            ::close(p[1]);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(p[1]);
        out_fd = p[0];
    }
    // Reads one line of the child's stdout, waiting at most `limit`.
    std::string read_line(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd pfd{out_fd, POLLIN, 0};
            if (::poll(&pfd, 1, 50) <= 0) continue;
            char c;
            if (::read(out_fd, &c, 1) != 1) break;
            if (c == '\n') return line;
            line += c;
        }
        return line;
    }
    int stop() {
        ::kill(pid, SIGINT);
        int status = 0;
        for (int i = 0; i < 200; ++i) {
            if (::waitpid(pid, &status, WNOHANG) == pid)
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -2;
    }
    ~child_process() {
        if (out_fd >= 0) ::close(out_fd);
    }
};

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
    child_process server({TCPTABLE_CLI, "serve", "--listen", "127.0.0.1:0"});
    ASSERT_GT(server.pid, 0);
    std::string line = server.read_line();
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
    EXPECT_EQ(server.stop(), 0);  // SIGINT ends it cleanly
}

TEST(cli, serve_rejects_a_bad_listen_address) {
    EXPECT_EQ(run_cli("serve --listen nonsense").exit_code, 2);
    EXPECT_EQ(run_cli("serve --listen 127.0.0.1:99999").exit_code, 2);
}

TEST(cli, watch_prints_json_events_for_a_new_connection) {
    child_process w({TCPTABLE_CLI, "--watch", "0.05", "--json", "-4", "--watch-limit", "20"});
    ASSERT_GT(w.pid, 0);
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the baseline is taken by then
    connection c(io, l);
    std::set<std::string> events;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (events.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        std::string line = w.read_line(std::chrono::seconds(1));
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line);
        if (j["event"] == "opened" && j["state"] == "ESTABLISHED" &&
            (j["local_port"] == l.endpoint().port() || j["remote_port"] == l.endpoint().port()))
            events.insert(std::to_string(j["local_port"].get<int>()));
    }
    EXPECT_EQ(events.size(), 2u);  // both ends of the connection
    EXPECT_EQ(w.stop(), 0);        // Ctrl-C exits cleanly
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

}  // namespace
}  // namespace tcptable::testing
