// The tcptable command-line tool, run as a separate process.
#include <gtest/gtest.h>
#include <sys/wait.h>

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
