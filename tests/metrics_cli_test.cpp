// SPDX-License-Identifier: MIT
// `tcptable --info` on a private namespace's table: the columns, the "info" JSON object with
// absent fields left out, and the options it excludes.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/netlink_probe.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace {

using namespace tcptable::testing;

struct result {
    int status = -1;
    std::string out;
};

// Runs the CLI in the calling thread's namespace (popen's child inherits it); stderr joins
// stdout only when asked.
result run_cli(const std::string& args, bool with_stderr = false) {
    result r;
    std::string cmd = std::string(TCPTABLE_CLI) + " " + args + (with_stderr ? " 2>&1" : "");
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

class metrics_cli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!ns_.entered()) GTEST_SKIP() << "no private network namespace: " << ns_.why_not();
        if (auto why = netlink_refused_reason(); !why.empty()) GTEST_SKIP() << why;
    }
    scoped_private_netns ns_;
};

TEST_F(metrics_cli, info_json_and_text_show_the_accept_queue) {
    std::uint16_t port = 0;
    int l = loopback_listener(false, port);
    ASSERT_GE(l, 0);
    ASSERT_EQ(::listen(l, 9), 0);
    int c[3];
    for (int& fd : c) ASSERT_GE(fd = loopback_connect(false, port), 0);
    // A listener's tcpi_unacked is its accept queue; bounded wait for all three.
    bool queued = false;
    for (int i = 0; i < 12000 && !queued; ++i) {
        tcp_info ti{};
        socklen_t len = sizeof ti;
        ::getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len);
        queued = ti.tcpi_unacked == 3;
        if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(queued);

    result j = run_cli("--info --json -l");
    ASSERT_EQ(j.status, 0) << j.out;
    auto rows = nlohmann::json::parse(j.out);
    ASSERT_EQ(rows.size(), 1u);
    const auto& info = rows[0].at("info");
    EXPECT_EQ(info.at("recv_queue"), 3);
    EXPECT_EQ(info.at("backlog"), 9);
    EXPECT_FALSE(info.contains("rtt_us")) << "absent fields are left out";
    EXPECT_TRUE(info.at("congestion").is_string());

    result all = run_cli("--info --json");
    ASSERT_EQ(all.status, 0);
    for (const auto& row : nlohmann::json::parse(all.out)) {
        ASSERT_TRUE(row.contains("info"));
        if (row.at("state") == "ESTABLISHED") {
            EXPECT_TRUE(row["info"].contains("rtt_us"));
            EXPECT_TRUE(row["info"].contains("cwnd"));
        }
        for (const auto& [key, value] : row["info"].items()) EXPECT_FALSE(value.is_null()) << key;
    }
    // Without --info no row has the object.
    result plain = run_cli("--json");
    ASSERT_EQ(plain.status, 0);
    for (const auto& row : nlohmann::json::parse(plain.out)) EXPECT_FALSE(row.contains("info"));

    result t = run_cli("-i -l");
    ASSERT_EQ(t.status, 0);
    EXPECT_NE(t.out.find("Recv-Q"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("LISTEN"), std::string::npos);
    // LISTEN, then Recv-Q 3 and Send-Q 9.
    const auto at = t.out.find("LISTEN");
    std::string state, recvq, sendq;
    std::istringstream words(t.out.substr(at));
    words >> state >> recvq >> sendq;
    EXPECT_EQ(recvq, "3");
    EXPECT_EQ(sendq, "9");
    for (int fd : c) ::close(fd);
    ::close(l);
}

TEST(metrics_cli_usage, info_excludes_other_outputs) {
    for (const char* args : {"--info --count", "--info --stats", "--info --format prometheus",
                             "--info --watch 1", "-i serve"}) {
        result r = run_cli(args, true);
        EXPECT_EQ(r.status, 2) << args << ": " << r.out;
        EXPECT_NE(r.out.find("--info"), std::string::npos) << args << ": " << r.out;
    }
}

}  // namespace
