// SPDX-License-Identifier: MIT
// A real Prometheus (Debian's /usr/bin/prometheus) scrapes `tcptable serve --all-netns` every
// second on loopback; its HTTP API must show the target up, with no scrape error, and
// tcptable_connections series for a namespace this test made. Both processes are this test's
// children, on ports chosen free at run time, and are killed at the end; Prometheus gets a
// storage directory of its own, removed at the end.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
constexpr auto watchdog = std::chrono::seconds(90);  // under ctest's 120 s
const char* const prometheus_bin = "/usr/bin/prometheus";

// A child process with stdout and stderr in `log`; SIGKILLed and reaped when destroyed.
class child {
  public:
    child(std::vector<std::string> args, const std::string& log) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~child() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);  // only the process this test started
        int status;
        ::waitpid(pid_, &status, 0);
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    bool running() const {
        int status;
        return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
    }

  private:
    pid_t pid_ = -1;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A loopback port free now (bound to 0, read back, closed).
int free_port() {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

// GET http://127.0.0.1:port/path with curl (5 s at most); "" when it failed.
std::string http_get(int port, const std::string& path) {
    std::string cmd =
        "curl -sf --max-time 5 'http://127.0.0.1:" + std::to_string(port) + path + "' 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return {};
    std::string out;
    char buf[8192];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    return ::pclose(p) == 0 ? out : std::string();
}

// Polls `probe` (true when done; `why` says what it saw last) until it holds or the watchdog
// ends, pacing the polls 200 ms apart.
bool poll_until(const std::function<bool(std::string&)>& probe, clock_type::time_point deadline,
                std::string& why) {
    for (;;) {
        if (probe(why)) return true;
        if (clock_type::now() >= deadline) return false;
        ::poll(nullptr, 0, 200);
    }
}

TEST(prometheus, real_server_scrapes_every_namespace) {
    if (::access(prometheus_bin, X_OK) != 0) GTEST_SKIP() << "no " << prometheus_bin;
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for ip netns add";
    if (std::system("command -v curl >/dev/null") != 0) GTEST_SKIP() << "no curl";
    const std::string ns = "tcptable-prom-" + std::to_string(::getpid());
    if (std::system(("ip netns add " + ns + " 2>/dev/null").c_str()) != 0)
        GTEST_SKIP() << "ip netns add failed";
    struct ns_guard {
        std::string name;
        ~ns_guard() { std::system(("ip netns delete " + name + " 2>/dev/null").c_str()); }
    } guard{ns};

    const fs::path dir =
        fs::temp_directory_path() / ("tcptable-prom-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "data");
    struct dir_guard {
        fs::path p;
        ~dir_guard() {
            std::error_code ec;
            fs::remove_all(p, ec);
        }
    } dguard{dir};
    const auto deadline = clock_type::now() + watchdog;

    // tcptable serve on a free port of its choosing: the port is read from its first line.
    const int serve_port = free_port();
    ASSERT_NE(serve_port, 0);
    child serve({TCPTABLE_CLI, "serve", "--all-netns", "--listen",
                 "127.0.0.1:" + std::to_string(serve_port)},
                (dir / "serve.log").string());
    std::string why;
    ASSERT_TRUE(poll_until(
        [&](std::string& w) {
            w = read_file(dir / "serve.log");
            return w.find("listening on") != std::string::npos;
        },
        deadline, why))
        << "tcptable serve did not start: " << why;

    const int web_port = free_port();
    ASSERT_NE(web_port, 0);
    {
        std::ofstream cfg(dir / "prometheus.yml");
        cfg << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            << "scrape_configs:\n  - job_name: tcptable\n    static_configs:\n"
            << "      - targets: ['127.0.0.1:" << serve_port << "']\n";
    }
    child prom({prometheus_bin, "--config.file=" + (dir / "prometheus.yml").string(),
                "--storage.tsdb.path=" + (dir / "data").string(),
                "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
               (dir / "prometheus.log").string());

    // The target: up, with no scrape error.
    bool up = poll_until(
        [&](std::string& w) {
            std::string body = http_get(web_port, "/api/v1/targets");
            if (!prom.running()) {
                w = "prometheus exited: " + read_file(dir / "prometheus.log");
                return false;
            }
            if (body.empty()) return false;
            auto j = nlohmann::json::parse(body, nullptr, false);
            if (j.is_discarded()) return false;
            auto& targets = j["data"]["activeTargets"];
            if (!targets.is_array() || targets.empty()) return false;
            auto& t = targets[0];
            w = t.dump();
            return t["health"] == "up" && t["lastError"] == "";
        },
        deadline, why);
    ASSERT_TRUE(up) << "target not up within " << watchdog.count() << " s: " << why
                    << "\nserve log: " << read_file(dir / "serve.log");

    // tcptable_connections series, one set per namespace: ours among them.
    const std::string query = "/api/v1/query?query=tcptable_connections%7Bnetns%3D%22" + ns +
                              "%22%2Cstate%3D%22LISTEN%22%7D";
    bool series = poll_until(
        [&](std::string& w) {
            std::string body = http_get(web_port, query);
            auto j = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
            if (j.is_discarded()) return false;
            w = body;
            auto& result = j["data"]["result"];
            return result.is_array() && result.size() == 2;  // ipv4 and ipv6
        },
        deadline, why);
    EXPECT_TRUE(series) << "no tcptable_connections series for netns " << ns << ": " << why;

    // More than one namespace is exported (the host's and ours at least).
    std::string body = http_get(web_port, "/api/v1/query?query=count(tcptable_netns_info)");
    auto j = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << body;
    ASSERT_TRUE(j["data"]["result"].is_array() && !j["data"]["result"].empty()) << body;
    EXPECT_GE(std::stoi(j["data"]["result"][0]["value"][1].get<std::string>()), 2) << body;
}

std::string run_capture(const std::string& cmd, int& rc) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        rc = -1;
        return {};
    }
    std::string out;
    char buf[8192];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    rc = ::pclose(p);
    return out;
}

TEST(prometheus, textfile_is_written_whole_and_passes_promtool) {
    const fs::path dir =
        fs::temp_directory_path() / ("tcptable-textfile-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path file = dir / "tcptable.prom";
    int rc = 0;
    run_capture(
        std::string(TCPTABLE_CLI) + " --textfile " + file.string() + " --metric-names both 2>&1",
        rc);
    ASSERT_EQ(rc, 0);
    std::string text = read_file(file);
    EXPECT_NE(text.find("# TYPE tcptable_connections gauge"), std::string::npos);
    EXPECT_NE(text.find("node_tcp_connection_states{state=\"listen\"}"), std::string::npos);
    EXPECT_EQ(text.find("# EOF"), std::string::npos);  // the textfile collector wants 0.0.4
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::others_read);
    // Only the file itself: the temporary was renamed, not left behind.
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dir)) entries += e.path() == file ? 1 : 100;
    EXPECT_EQ(entries, 1u);
    if (::access("/usr/bin/promtool", X_OK) == 0) {
        std::string out =
            run_capture("/usr/bin/promtool check metrics < " + file.string() + " 2>&1", rc);
        EXPECT_EQ(rc, 0) << out;
    }
    // Periodic: --watch rewrites it until --watch-limit; it ends with exit 0 and a whole file.
    fs::remove(file);
    run_capture(std::string(TCPTABLE_CLI) + " --textfile " + file.string() +
                    " --watch 0.05 --watch-limit 0.3 2>&1",
                rc);
    EXPECT_EQ(rc, 0);
    EXPECT_NE(read_file(file).find("tcptable_tcp_max_conn "), std::string::npos);
    // A directory that is not there: a clear error, exit 1, nothing written.
    std::string err = run_capture(
        std::string(TCPTABLE_CLI) + " --textfile " + (dir / "no" / "x.prom").string() + " 2>&1",
        rc);
    EXPECT_EQ(WEXITSTATUS(rc), 1);
    EXPECT_NE(err.find("--textfile"), std::string::npos) << err;
    fs::remove_all(dir);
}

TEST(prometheus, openmetrics_when_the_accept_header_asks) {
    if (std::system("command -v curl >/dev/null") != 0) GTEST_SKIP() << "no curl";
    const fs::path dir = fs::temp_directory_path() / ("tcptable-om-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const int port = free_port();
    ASSERT_NE(port, 0);
    child serve({TCPTABLE_CLI, "serve", "--listen", "127.0.0.1:" + std::to_string(port)},
                (dir / "serve.log").string());
    std::string why;
    ASSERT_TRUE(poll_until(
        [&](std::string& w) {
            w = read_file(dir / "serve.log");
            return w.find("listening on") != std::string::npos;
        },
        clock_type::now() + watchdog, why))
        << why;
    int rc = 0;
    const std::string base =
        "curl -s --max-time 10 -D - http://127.0.0.1:" + std::to_string(port) + "/metrics";
    std::string om = run_capture(
        base +
            " -H 'Accept: "
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'",
        rc);
    EXPECT_NE(om.find("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
              std::string::npos)
        << om;
    EXPECT_TRUE(om.ends_with("# EOF\n")) << om.substr(om.size() > 200 ? om.size() - 200 : 0);
    // Counter families lose _total in HELP and TYPE; samples keep it.
    EXPECT_NE(om.find("# TYPE tcptable_tcp_active_opens counter\n"), std::string::npos);
    EXPECT_NE(om.find("\ntcptable_tcp_active_opens_total "), std::string::npos);
    EXPECT_NE(om.find("# TYPE tcptable_exporter_scrapes counter\n"), std::string::npos);
    // q=0 refuses it; no Accept header at all gets the 0.0.4 text format.
    for (const std::string& h :
         {std::string(" -H 'Accept: application/openmetrics-text;q=0'"), std::string()}) {
        std::string text = run_capture(base + h, rc);
        EXPECT_NE(text.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
                  std::string::npos)
            << text;
        EXPECT_EQ(text.find("# EOF"), std::string::npos);
        EXPECT_NE(text.find("# TYPE tcptable_tcp_active_opens_total counter\n"), std::string::npos);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
