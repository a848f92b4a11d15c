// SPDX-License-Identifier: MIT
// Win32 programs on Linux: the seed's example program from Microsoft's GetTcpTable page,
// extracted at test time (never stored in this repository) and compiled unmodified as C and as
// C++ against include/tcptable/win32 and the built library; and this project's own examples.
// Each runs while the test holds known loopback sockets, and its rows must match the C++ API.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <tcptable/tcptable.hpp>
#include <tuple>
#include <vector>

#include "support/child_process.hpp"
#include "support/loopback_churn.hpp"
#include "support/private_netns.hpp"
#include "win32/loopback_sockets.hpp"

namespace {

namespace fs = std::filesystem;
using tcptable::ip_address;
using tcptable::tcp_state;
using tcptable::testing::win32::loopback_sockets;

struct run_result {
    int status = -1;
    std::string output;
};

// Runs a shell command, capturing stdout and stderr. Bounded by `timeout` (coreutils).
run_result run(const std::string& command) {
    run_result r;
    std::string bounded = "timeout 60 " + command + " 2>&1";
    FILE* p = ::popen(bounded.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// One row as a program printed it: "TCP[i] Field: value" lines grouped by i.
struct printed_row {
    std::map<std::string, std::string> fields;
    std::string get(const std::string& k) const {
        auto it = fields.find(k);
        return it == fields.end() ? std::string() : it->second;
    }
    int state() const { return std::atoi(get("State").c_str()); }
};

// std::regex is avoided: GCC 12 reports false maybe-uninitialized warnings in it under ASan.
std::vector<printed_row> parse_rows(const std::string& output) {
    std::map<int, printed_row> rows;
    std::istringstream in(output);
    std::string text;
    while (std::getline(in, text)) {
        auto first = text.find_first_not_of(" \t");
        if (first == std::string::npos || text.compare(first, 3, "TCP") != 0) continue;
        auto open = text.find('[', first);
        auto close = text.find("] ", first);
        auto colon = text.find(": ", first);
        if (open == std::string::npos || close == std::string::npos || colon == std::string::npos ||
            !(open < close && close < colon))
            continue;
        int index = std::atoi(text.substr(open + 1, close - open - 1).c_str());
        std::string value = text.substr(colon + 2);
        value.erase(value.find_last_not_of(" \t\r") + 1);
        rows[index].fields[text.substr(close + 2, colon - close - 2)] = value;
    }
    std::vector<printed_row> out;
    for (auto& [i, r] : rows) out.push_back(std::move(r));
    return out;
}

std::optional<printed_row> find(const std::vector<printed_row>& rows, const std::string& addr,
                                std::uint16_t lport, std::uint16_t rport) {
    for (const auto& r : rows)
        if (r.get("Local Addr") == addr && r.get("Local Port") == std::to_string(lport) &&
            r.get("Remote Port") == std::to_string(rport))
            return r;
    return std::nullopt;
}

// The C++ API's row for these ports on loopback.
std::optional<tcptable::tcp_row> api_row(tcptable::address_family family, std::uint16_t lport,
                                         std::uint16_t rport, bool pids) {
    tcptable::snapshot_options o;
    o.family = family;
    o.owner_pids = pids;
    for (const auto& r : tcptable::snapshot(o))
        if (r.local_port == lport && r.remote_port == rport && r.local_address.is_loopback())
            return r;
    return std::nullopt;
}

// Checks that a program's output holds the test's three rows as the C++ API sees them.
void expect_known_rows(const std::string& output, const loopback_sockets& s, bool v6, bool pids) {
    auto rows = parse_rows(output);
    ASSERT_FALSE(rows.empty()) << output;
    const std::string addr = v6 ? "::1" : "127.0.0.1";
    const auto family = v6 ? tcptable::address_family::ipv6 : tcptable::address_family::ipv4;
    struct expected {
        std::uint16_t lport, rport;
    };
    for (auto e : {expected{s.listen_port(), 0}, expected{s.client_port(), s.listen_port()},
                   expected{s.server_port(), s.client_port()}}) {
        SCOPED_TRACE(std::to_string(e.lport) + " -> " + std::to_string(e.rport));
        auto printed = find(rows, addr, e.lport, e.rport);
        auto api = api_row(family, e.lport, e.rport, pids);
        ASSERT_TRUE(printed.has_value()) << output.substr(0, 2000);
        ASSERT_TRUE(api.has_value());
        EXPECT_EQ(printed->state(), static_cast<int>(api->state));
        EXPECT_EQ(printed->get("Remote Addr"), e.rport == 0 ? (v6 ? "::" : "0.0.0.0") : addr);
        if (pids) {
            EXPECT_EQ(printed->get("Owning PID"), std::to_string(api->pid));
        }
    }
    // Order TRUE: the printed rows follow the contract (local address, then local port...).
    std::vector<tcptable::tcp_row> as_rows;
    for (const auto& r : rows) {
        tcptable::tcp_row t;
        auto la = ip_address::parse(r.get("Local Addr"));
        auto ra = ip_address::parse(r.get("Remote Addr"));
        ASSERT_TRUE(la && ra);
        t.local_address = *la;
        t.remote_address = *ra;
        t.local_port = static_cast<std::uint16_t>(std::stoi(r.get("Local Port")));
        t.remote_port = static_cast<std::uint16_t>(std::stoi(r.get("Remote Port")));
        as_rows.push_back(t);
    }
    EXPECT_TRUE(std::is_sorted(as_rows.begin(), as_rows.end(), tcptable::row_order{}));
}

// ss's view of the same sockets: the independent cross-check for the seed program.
void expect_ss_agrees(const loopback_sockets& s) {
    auto ss = run("ss -Htan");
    if (ss.status != 0) GTEST_SKIP() << "ss not usable: " << ss.output;
    const std::string listen = "127.0.0.1:" + std::to_string(s.listen_port());
    const std::string client = "127.0.0.1:" + std::to_string(s.client_port());
    bool saw_listener = false, saw_client = false;
    std::istringstream in(ss.output);
    std::string line;
    while (std::getline(in, line)) {
        // State Recv-Q Send-Q Local Peer
        std::istringstream fields(line);
        std::string state, recv_q, send_q, local, peer;
        fields >> state >> recv_q >> send_q >> local >> peer;
        if (state == "LISTEN" && local == listen) saw_listener = true;
        if (state == "ESTAB" && local == client && peer == listen) saw_client = true;
    }
    EXPECT_TRUE(saw_listener) << ss.output;
    EXPECT_TRUE(saw_client) << ss.output;
}

// The example program of the seed page, from the marker line to the closing brace of main.
std::optional<std::string> extract_seed_program(const fs::path& seed) {
    std::ifstream in(seed);
    if (!in) return std::nullopt;
    std::vector<std::string> lines;
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line == "// Need to link with Iphlpapi.lib and Ws2_32.lib") inside = true;
        if (line.rfind("Requirements", 0) == 0 && inside) break;
        if (inside) lines.push_back(line);
    }
    while (!lines.empty() && lines.back() != "}") lines.pop_back();
    if (lines.empty()) return std::nullopt;
    std::string program;
    for (const auto& l : lines) program += l + "\n";
    return program;
}

std::string link_flags() {
    // libtcptable is C++: a C program linked by the C driver needs the C++ runtime too.
    std::string flags = std::string(" ") + TCPTABLE_LIBRARY + " -lstdc++ -lm -pthread";
    if (std::string(TCPTABLE_SANITIZE).size())
        flags += std::string(" -fsanitize=") + TCPTABLE_SANITIZE;
    return flags;
}

class win32_seed_example : public ::testing::TestWithParam<const char*> {};

TEST_P(win32_seed_example, compiles_unmodified_and_prints_the_table) {
    const fs::path seed = fs::path(TCPTABLE_SEED_DIR) / "000_4f3f0d7dbb37f6f8.txt";
    if (!fs::exists(seed)) GTEST_SKIP() << "skipped: seed page " << seed << " is not present";
    auto program = extract_seed_program(seed);
    ASSERT_TRUE(program.has_value()) << "no example program found in " << seed;

    const fs::path dir = fs::path(TCPTABLE_TEST_WORK_DIR) / ("seed_" + std::string(GetParam()));
    fs::create_directories(dir);
    const fs::path source = dir / "seed_example.c";
    std::ofstream(source) << *program;

    const bool as_cxx = std::string(GetParam()) == "cxx";
    const fs::path exe = dir / "seed_example";
    // Only the include directory and the library: no edits to the source, no -D flags.
    std::string compile = std::string(as_cxx ? TCPTABLE_CXX_COMPILER : TCPTABLE_C_COMPILER) +
                          (as_cxx ? " -x c++ " : " ") + "-I " + TCPTABLE_WIN32_INCLUDE + " " +
                          source.string() + (as_cxx ? " -x none" : "") + " -o " + exe.string() +
                          link_flags();
    auto built = run(compile);
    ASSERT_EQ(built.status, 0) << compile << "\n" << built.output;
    // The program prints a DWORD with %ld; gcc warns about it (harmless on x86-64), nothing else.
    std::cout << "[ compiler ] " << built.output;

    loopback_sockets s;
    // The program sizes the table once and does not retry: when another process opens
    // sockets between its two calls, the second fails with ERROR_INSUFFICIENT_BUFFER (122), as
    // on Windows. That is the contract working; run it again, a bounded number of times.
    run_result ran;
    for (int attempt = 0; attempt < 5; ++attempt) {
        ran = run(exe.string());
        if (ran.status == 0 || ran.output.find("failed with 122") == std::string::npos) break;
    }
    ASSERT_EQ(ran.status, 0) << ran.output;
    expect_known_rows(ran.output, s, false, false);
    expect_ss_agrees(s);
}

INSTANTIATE_TEST_SUITE_P(languages, win32_seed_example, ::testing::Values("c", "cxx"));

#ifdef TCPTABLE_SOCKET_TABLE_C
// socket_table (tests/win32/programs): a Windows-style program with Winsock sockets of its own,
// the TCP and UDP tables with owners and module names. Built through tcptable::win32 as C and as
// C++ and run in a network namespace of its own, where the table holds only its sockets; while it
// holds them, `ss -tuanp` must list exactly the rows it printed, with the same owner.

// A program started with pipes on its stdin and stdout.
struct held_program {
    pid_t pid = -1;
    int in = -1, out = -1;
    std::string output;

    explicit held_program(const std::string& path) {
        int to[2], from[2];
        if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) return;
        pid = ::fork();
        if (pid == 0) {
            ::dup2(to[0], 0);
            ::dup2(from[1], 1);
            ::dup2(from[1], 2);
            ::execl(path.c_str(), path.c_str(), "hold", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(to[0]);
        ::close(from[1]);
        in = to[1];
        out = from[0];
    }
    // Reads until `marker` has been printed, the program ends, or 60 s pass.
    bool read_until(const std::string& marker) {
        for (int waited = 0; output.find(marker) == std::string::npos && waited < 600; ++waited) {
            pollfd p{out, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[4096];
            const ssize_t n = ::read(out, buf, sizeof buf);
            if (n <= 0) return output.find(marker) != std::string::npos;
            output.append(buf, static_cast<std::size_t>(n));
        }
        return output.find(marker) != std::string::npos;
    }
    // Lets it close its sockets and exit; returns its exit status (-1 if killed).
    int finish() {
        if (::write(in, "\n", 1) != 1) {
        }
        ::close(in);
        in = -1;
        read_until("RESULT ");
        char buf[4096];
        ssize_t n;
        while ((n = ::read(out, buf, sizeof buf)) > 0)
            output.append(buf, static_cast<std::size_t>(n));
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    ~held_program() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (in >= 0) ::close(in);
        if (out >= 0) ::close(out);
    }
};

// (protocol, local, remote, state, pid): TCP rows as ss names them; UDP rows by local end only.
using socket_key = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::string ss_state(const std::string& name) {
    if (name == "ESTABLISHED") return "ESTAB";
    if (name == "SYN-RECEIVED") return "SYN-RECV";
    return name;
}

std::set<socket_key> program_rows(const std::string& output) {
    std::set<socket_key> rows;
    std::istringstream in(output);
    std::string kind;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        f >> kind;
        if (kind == "TCP" || kind == "TCP6") {
            std::string local, remote, state, pid;
            f >> local >> remote >> state >> pid;
            // A listener's remote end: ss writes the port as "*".
            if (remote == "0.0.0.0:0" || remote == "[::]:0")
                remote.replace(remote.size() - 1, 1, "*");
            rows.insert({"tcp", local, remote, ss_state(state), pid});
        } else if (kind == "UDP" || kind == "UDP6") {
            std::string local, pid;
            f >> local >> pid;
            rows.insert({"udp", local, "", "", pid});
        }
    }
    return rows;
}

std::set<socket_key> ss_rows(const std::string& output) {
    std::set<socket_key> rows;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string netid, state, recv_q, send_q, local, peer, users;
        f >> netid >> state >> recv_q >> send_q >> local >> peer;
        std::getline(f, users);
        std::string pid = "0";
        if (auto at = users.find("pid="); at != std::string::npos)
            pid = users.substr(at + 4, users.find_first_not_of("0123456789", at + 4) - at - 4);
        if (netid == "tcp")
            rows.insert({"tcp", local, peer, state, pid});
        else if (netid == "udp")
            rows.insert({"udp", local, "", "", pid});
    }
    return rows;
}

class win32_socket_table : public ::testing::TestWithParam<const char*> {};

TEST_P(win32_socket_table, prints_what_ss_shows_in_a_quiet_namespace) {
    const std::string program =
        std::string(GetParam()) == "c" ? TCPTABLE_SOCKET_TABLE_C : TCPTABLE_SOCKET_TABLE_CXX;
    auto result = tcptable::testing::run_in_child(
        [&]() -> std::string {
            if (auto why = tcptable::testing::enter_private_netns(); !why.empty())
                return "SKIP: " + why;
            held_program p(program);
            if (p.pid <= 0) return "could not start " + program;
            if (!p.read_until("READY\n")) return "no READY: " + p.output;
            auto ss = run("ss -tuanpH");
            if (ss.status != 0) return "SKIP: ss not usable: " + ss.output;
            const std::string held = p.output;
            const std::string program_pid = std::to_string(p.pid);
            const int status = p.finish();
            if (status != 0 || p.output.find("RESULT ok") == std::string::npos)
                return "exit " + std::to_string(status) + ":\n" + p.output;
            const auto mine = program_rows(held), theirs = ss_rows(ss.output);
            // The listener, both ends of the connection, a UDP socket per family.
            if (mine.size() != 5) return "expected 5 rows:\n" + held;
            std::string diff;
            for (const auto& r : mine)
                if (!theirs.count(r))
                    diff += "only in the program: " + std::get<0>(r) + " " + std::get<1>(r) + " " +
                            std::get<2>(r) + " " + std::get<3>(r) + " pid " + std::get<4>(r) + "\n";
            for (const auto& r : theirs)
                if (!mine.count(r))
                    diff += "only in ss: " + std::get<0>(r) + " " + std::get<1>(r) + " " +
                            std::get<2>(r) + " " + std::get<3>(r) + " pid " + std::get<4>(r) + "\n";
            if (!diff.empty()) return diff + "program:\n" + held + "ss:\n" + ss.output;
            // Every row is the program's own, and its module is the program's file name.
            for (const auto& r : mine)
                if (std::get<4>(r) != program_pid)
                    return "a row not owned by the program (" + program_pid + "):\n" + held;
            const std::string name = fs::path(program).filename().string();
            if (held.find("MODULE tcp-listener " + name + "\n") == std::string::npos ||
                held.find("MODULE udp " + name + "\n") == std::string::npos)
                return "module names missing:\n" + held;
            return "";
        },
        std::chrono::seconds(90));
    if (result.skipped) GTEST_SKIP() << result.message;
    EXPECT_TRUE(result.ok) << result.message;
}

INSTANTIATE_TEST_SUITE_P(languages, win32_socket_table, ::testing::Values("c", "cxx"));
#endif

#ifdef TCPTABLE_EXAMPLE_GET_TCP6_TABLE
TEST(win32_examples, get_tcp6_table) {
    loopback_sockets s(true);
    auto ran = run(TCPTABLE_EXAMPLE_GET_TCP6_TABLE);
    ASSERT_EQ(ran.status, 0) << ran.output;
    expect_known_rows(ran.output, s, true, false);
}

TEST(win32_examples, get_tcp_table2) {
    loopback_sockets s;
    auto ran = run(TCPTABLE_EXAMPLE_GET_TCP_TABLE2);
    ASSERT_EQ(ran.status, 0) << ran.output;
    expect_known_rows(ran.output, s, false, true);
}

TEST(win32_examples, get_extended_tcp_table_owner_pid_all) {
    loopback_sockets s;
    auto ran = run(TCPTABLE_EXAMPLE_GET_EXTENDED_TCP_TABLE);
    ASSERT_EQ(ran.status, 0) << ran.output;
    expect_known_rows(ran.output, s, false, true);
}

// Each example, run while the table changes under it: a thread opens and closes loopback
// connections as fast as it can (up to 2 000 per run; half leave a TIME-WAIT row, so the
// table keeps growing) for as long as the program runs. The table grows between the call
// that sizes it and the call that fills it, so a program that does not retry fails with
// ERROR_INSUFFICIENT_BUFFER (122); the examples retry, and every run must exit 0 and print
// as many rows as it says it has. Each run in a network namespace of its own, so the churn's
// TIME-WAIT rows never reach the machine's table.
struct churn_run {
    const char* name;
    const char* path;
    bool v6;
};

// The name, not the bytes: ctest's test names (gtest_discover_tests) include this.
void PrintTo(const churn_run& r, std::ostream* os) { *os << r.name; }

class win32_examples_under_churn : public ::testing::TestWithParam<churn_run> {};

TEST_P(win32_examples_under_churn, exit_zero_in_every_run) {
    constexpr int runs = 10;
    constexpr long churn_per_run = 2000;
    const churn_run example = GetParam();
    long churned_while_running = 0;
    for (int i = 0; i < runs; ++i) {
        SCOPED_TRACE("run " + std::to_string(i + 1));
        auto result = tcptable::testing::run_in_child(
            [&]() -> std::string {
                if (auto why = tcptable::testing::enter_private_netns(); !why.empty())
                    return "SKIP: " + why;
                tcptable::testing::loopback_churn churn(example.v6, churn_per_run);
                if (auto why = churn.wait_started(); !why.empty()) return why;
                const long before = churn.opened();
                auto ran = run(example.path);
                const long during = churn.opened() - before;
                churn.stop();
                if (churn.failures() != 0)
                    return std::to_string(churn.failures()) + " churn connects failed";
                if (ran.status != 0)
                    return "exit status " + std::to_string(ran.status) + ": " +
                           ran.output.substr(0, 500);
                // "Number of entries: N", then N rows.
                const auto at = ran.output.find("Number of entries: ");
                if (at == std::string::npos) return "no entry count: " + ran.output.substr(0, 500);
                const auto entries = std::strtoul(ran.output.c_str() + at + 19, nullptr, 10);
                const auto rows = parse_rows(ran.output).size();
                if (rows != entries)
                    return "said " + std::to_string(entries) + " entries, printed " +
                           std::to_string(rows);
                return "CHURNED " + std::to_string(during);
            },
            std::chrono::seconds(90));
        if (result.skipped) GTEST_SKIP() << result.message;
        ASSERT_EQ(result.message.rfind("CHURNED ", 0), 0u) << result.message;
        churned_while_running += std::atol(result.message.c_str() + 8);
    }
    std::printf("%s: %d runs, %ld connections opened and closed while the program ran\n",
                example.name, runs, churned_while_running);
    // The table did change under the programs (over all runs; how much is the machine's
    // business, not the test's).
    EXPECT_GT(churned_while_running, 0);
}

INSTANTIATE_TEST_SUITE_P(
    examples, win32_examples_under_churn,
    ::testing::Values(churn_run{"get_tcp6_table", TCPTABLE_EXAMPLE_GET_TCP6_TABLE, true},
                      churn_run{"get_tcp_table2", TCPTABLE_EXAMPLE_GET_TCP_TABLE2, false},
                      churn_run{"get_extended_tcp_table", TCPTABLE_EXAMPLE_GET_EXTENDED_TCP_TABLE,
                                false}),
    [](const ::testing::TestParamInfo<churn_run>& p) { return std::string(p.param.name); });
#endif

}  // namespace
