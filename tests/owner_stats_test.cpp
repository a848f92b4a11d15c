// SPDX-License-Identifier: MIT
// Owner pids (one pass over /proc/*/fd) and the MIB_TCPSTATS counters from /proc/net/snmp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "linux/owner_pids.hpp"
#include "linux/snmp_parser.hpp"
#include "support/loopback.hpp"

namespace tcptable::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

snapshot_options with_owners() {
    snapshot_options o;
    o.owner_pids = true;
    return o;
}

TEST(owner_pids, the_tests_own_sockets_belong_to_this_process) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);
    tcp_table t = snapshot(with_owners());
    auto lr = find_row(t, l.endpoint(), any_endpoint(l.endpoint()));
    auto cr = find_row(t, c.client.local_endpoint(), c.client.remote_endpoint());
    ASSERT_TRUE(lr && cr);
    EXPECT_EQ(lr->pid, std::uint32_t(::getpid()));
    EXPECT_EQ(cr->pid, std::uint32_t(::getpid()));
    EXPECT_EQ(lr->owner_count, 1);
    // Without the option nobody is looked up.
    auto plain = find_row(snapshot(), l.endpoint(), any_endpoint(l.endpoint()));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->pid, 0u);
}

TEST(owner_pids, shared_socket_reports_the_lowest_pid_and_the_count) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    int extra_fd = ::dup(l.acceptor.native_handle());  // same process, two fds: counts once
    ASSERT_GE(extra_fd, 0);
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The child inherits the listener; it only waits, bounded, then exits.
        char b = 1;
        (void)!::write(ready[1], &b, 1);
        ::sleep(20);
        ::_exit(0);
    }
    char b;
    ASSERT_EQ(::read(ready[0], &b, 1), 1);
    tcp_table t = snapshot(with_owners());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ::close(extra_fd);
    ::close(ready[0]);
    ::close(ready[1]);
    auto row = find_row(t, l.endpoint(), any_endpoint(l.endpoint()));
    ASSERT_TRUE(row);
    EXPECT_EQ(row->owner_count, 2);
    EXPECT_EQ(row->pid, std::uint32_t(std::min(::getpid(), child)));
}

TEST(owner_pids, time_wait_rows_have_no_owner) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);
    auto cl = c.client.local_endpoint(), cr = c.client.remote_endpoint();
    c.client.close();
    char byte;
    boost::system::error_code ec;
    c.server.read_some(asio::buffer(&byte, 1), ec);
    c.server.close();
    ASSERT_TRUE(wait_until([&] { return state_of({}, cl, cr) == tcp_state::time_wait; }));
    tcp_table t = snapshot(with_owners());
    auto row = find_row(t, cl, cr);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->pid, 0u);
    EXPECT_EQ(row->owner_count, 0);
}

// ss -tanp prints users:(("name",pid=N,fd=M),...) for each socket.
TEST(owner_pids, match_ss_for_the_tests_sockets) {
    if (std::system("ss -V >/dev/null 2>&1") != 0) GTEST_SKIP() << "ss (iproute2) is not installed";
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);
    std::string port = std::to_string(l.endpoint().port());
    std::string cmd = "ss -tanpH 'sport = :" + port + "' 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_TRUE(p);
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    std::set<std::uint32_t> ss_pids;
    for (std::size_t pos = out.find("pid="); pos != std::string::npos;
         pos = out.find("pid=", pos + 4))
        ss_pids.insert(std::uint32_t(std::stoul(out.substr(pos + 4))));
    tcp_table t = snapshot(with_owners());
    std::set<std::uint32_t> ours;
    for (const auto& r : t)
        if (r.local_port == l.endpoint().port()) ours.insert(r.pid);
    EXPECT_EQ(ours, ss_pids) << out;
    EXPECT_EQ(ours, std::set<std::uint32_t>{std::uint32_t(::getpid())});
}

TEST(owner_pids, unreadable_and_vanished_processes_are_skipped) {
    namespace fs = std::filesystem;
    // A crafted proc directory: one process whose fd directory is missing (it "vanished"), one
    // that lists a socket, one whose fd entry is not a socket.
    fs::path root = fs::temp_directory_path() / ("tcptable-owners-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "100");
    fs::create_directories(root / "200" / "fd");
    fs::create_directories(root / "300" / "fd");
    fs::create_symlink("socket:[777]", root / "200" / "fd" / "3");
    fs::create_symlink("socket:[777]", root / "200" / "fd" / "4");
    fs::create_symlink("/dev/null", root / "300" / "fd" / "0");
    fs::create_symlink("socket:[12x]", root / "300" / "fd" / "1");
    std::vector<tcp_row> rows(3);
    rows[0].inode = 777;
    rows[1].inode = 778;  // nobody holds it
    rows[2].inode = 0;    // TIME-WAIT
    detail::owner_scan_result result;
    error_info info;
    ASSERT_FALSE(detail::map_owner_pids(root.string(), rows, result, info));
    EXPECT_EQ(rows[0].pid, 200u);
    EXPECT_EQ(rows[0].owner_count, 1);
    EXPECT_EQ(rows[1].pid, 0u);
    EXPECT_EQ(rows[2].pid, 0u);
    EXPECT_EQ(result.unmapped_rows, 1u);
    // A proc directory that does not exist is an error for the whole scan.
    EXPECT_EQ(detail::map_owner_pids((root / "none").string(), rows, result, info),
              std::errc::no_such_file_or_directory);
    fs::remove_all(root);
}

TEST(owner_pids, captured_tables_map_no_owner) {
    snapshot_options o = with_owners();
    o.backend = backend_kind::procfs;
    o.proc_root = std::string(TCPTABLE_TEST_DATA_DIR) + "/cli/small";
    tcp_table t = snapshot(o);
    EXPECT_EQ(t.size(), 6u);
    for (const auto& r : t) EXPECT_EQ(r.pid, 0u);
    EXPECT_EQ(t.unmapped_owner_rows, 5u);  // every row but the TIME-WAIT one
}

// /proc/net/snmp
const std::string snmp_names =
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
    "CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n";
const std::string snmp_values =
    "Tcp: 1 200 120000 -1 60100 60088 3 97146 7 270306 269696 5 2 48575 0\n";

TEST(snmp_parser, real_capture) {
    tcp_statistics s;
    error_info info;
    auto text = read_file(std::string(TCPTABLE_TEST_DATA_DIR) + "/procfs/debian12-k6.18-snmp.txt");
    ASSERT_FALSE(detail::parse_snmp_tcp(text, "snmp", s, info)) << info.to_string();
    EXPECT_EQ(s.rto_algorithm, 1);
    EXPECT_EQ(s.rto_min, 200);
    EXPECT_EQ(s.rto_max, 120000);
    EXPECT_EQ(s.max_conn, -1);
    EXPECT_EQ(s.active_opens, 60100u);
    EXPECT_EQ(s.out_rsts, 48575u);
}

TEST(snmp_parser, columns_are_found_by_name) {
    // Reordered and with a column this parser does not know.
    std::string text =
        "Ip: Forwarding\nIp: 1\n"
        "Tcp: NewThing OutRsts InErrs RetransSegs OutSegs InSegs CurrEstab EstabResets "
        "AttemptFails "
        "PassiveOpens ActiveOpens MaxConn RtoMax RtoMin RtoAlgorithm\n"
        "Tcp: 99 14 13 12 11 10 9 8 7 6 5 -1 3 2 1\n";
    tcp_statistics s;
    error_info info;
    ASSERT_FALSE(detail::parse_snmp_tcp(text, "snmp", s, info)) << info.to_string();
    EXPECT_EQ(s.rto_algorithm, 1);
    EXPECT_EQ(s.rto_min, 2);
    EXPECT_EQ(s.max_conn, -1);
    EXPECT_EQ(s.active_opens, 5u);
    EXPECT_EQ(s.curr_estab, 9u);
    EXPECT_EQ(s.out_rsts, 14u);
}

TEST(snmp_parser, malformed_input_is_a_parse_error) {
    struct {
        std::string text;
        const char* part;
    } cases[] = {
        {"", "no Tcp"},
        {"Udp: InDatagrams\nUdp: 1\n", "no Tcp"},
        {snmp_names, "without a line of values"},
        {snmp_names + "Tcp: 1 2 3\n", "15 names but 3 values"},
        {snmp_names + "Tcp: 1 200 120000 -1 x 60088 3 97146 7 270306 269696 5 2 48575 0\n",
         "bad value 'x' for ActiveOpens"},
        {snmp_names + "Tcp: 1 200 120000 -1 -5 60088 3 97146 7 270306 269696 5 2 48575 0\n",
         "bad value '-5'"},
        {"Tcp: RtoMin\nTcp: 1\n", "missing column RtoAlgorithm"},
        {snmp_names + snmp_values.substr(0, 20), "truncated"},
        {snmp_names + snmp_values + snmp_names, "more than two"},
    };
    for (const auto& c : cases) {
        tcp_statistics s;
        error_info info;
        EXPECT_EQ(detail::parse_snmp_tcp(c.text, "snmp", s, info), errc::parse_error) << c.text;
        EXPECT_NE(info.message.find(c.part), std::string::npos) << info.message;
    }
}

TEST(statistics, of_a_namespace_by_pid_and_by_path) {
    // This process's own namespace, named both ways, gives this namespace's counters.
    statistics_options by_pid, by_path, missing;
    by_pid.netns = std::to_string(::getpid());
    by_path.netns = "/proc/self/ns/net";
    missing.netns = "/nonexistent-tcptable-netns";
    tcp_statistics a = statistics(by_pid), b = statistics(by_path), c = statistics();
    EXPECT_EQ(a.rto_max, c.rto_max);
    EXPECT_EQ(b.rto_max, c.rto_max);
    EXPECT_LE(a.active_opens, c.active_opens);
    EXPECT_LE(b.active_opens, c.active_opens);
    std::error_code ec;
    error_info info;
    statistics(missing, ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_NE(info.to_string().find("/nonexistent-tcptable-netns"), std::string::npos);
}

TEST(statistics, match_proc_net_snmp_and_count_the_rows) {
    tcp_statistics before;
    error_info info;
    ASSERT_FALSE(detail::parse_snmp_tcp(read_file("/proc/net/snmp"), "snmp", before, info));
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    connection c(io, l);  // one active and one passive open between the two reads
    tcp_statistics s = statistics();
    tcp_statistics after;
    ASSERT_FALSE(detail::parse_snmp_tcp(read_file("/proc/net/snmp"), "snmp", after, info));
    EXPECT_EQ(s.rto_min, before.rto_min);
    EXPECT_EQ(s.max_conn, before.max_conn);
    EXPECT_GE(s.active_opens, before.active_opens + 1);
    EXPECT_LE(s.active_opens, after.active_opens);
    EXPECT_GE(s.passive_opens, before.passive_opens + 1);
    EXPECT_LE(s.in_segs, after.in_segs);
    EXPECT_GE(s.num_conns, 3u);
    statistics_options v4;
    v4.family = address_family::ipv4;
    EXPECT_LE(statistics(v4).num_conns, statistics().num_conns + 3);
    statistics_options bad;
    bad.proc_root = "/nonexistent";
    std::error_code ec;
    statistics(bad, ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_NE(info.file.find("/nonexistent/net/snmp"), std::string::npos);
}

}  // namespace
}  // namespace tcptable::testing
