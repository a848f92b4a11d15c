// SPDX-License-Identifier: MIT
// The /proc/net/tcp parser on real captures and on every kind of malformed input.
#include "linux/procfs_parser.hpp"
#include "linux/sockstat.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "linux/linux_byte_order.hpp"
#include "linux/linux_states.hpp"
#include "linux/procfs_backend.hpp"
#include "support/capture_files.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

namespace fs = std::filesystem;

std::string read_capture(const std::string& name) {
    return tcptable::testing::read_test_data("procfs/" + name);
}

struct parsed {
    std::error_code ec;
    error_info info;
    std::vector<tcp_row> rows;
};

parsed parse(std::string_view text, ip_family family = ip_family::ipv4,
             state_set states = state_set::all()) {
    parsed p;
    p.ec = parse_proc_net_tcp(text, family, "test-file", states, p.rows, p.info);
    return p;
}

const std::string v4_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";
const std::string v6_header =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const std::string good_v4_line =
    "   0: 0100007F:0050 0200007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "4242 1 0000000000000000 20 4 30 10 -1\n";

TEST(procfs_parser, real_ipv4_capture) {
    auto p = parse(read_capture("debian12-k6.18-tcp.txt"));
    ASSERT_FALSE(p.ec) << p.info.to_string();
    ASSERT_EQ(p.rows.size(), 12u);
    // "   0: 0100007F:C75D 00000000:0000 0A ... 8411"
    const tcp_row& r0 = p.rows[0];
    EXPECT_EQ(r0.local_address, ip_address::v4(127, 0, 0, 1));
    EXPECT_EQ(r0.local_port, 0xC75D);
    EXPECT_EQ(r0.remote_address, ip_address::v4(0, 0, 0, 0));
    EXPECT_EQ(r0.remote_port, 0);
    EXPECT_EQ(r0.state, tcp_state::listen);
    EXPECT_EQ(r0.inode, 8411u);
    EXPECT_EQ(r0.uid, 0u);
    // "   1: 0101007F:B8CF" is 127.0.1.1, not 127.1.0.1 or 1.1.0.127.
    EXPECT_EQ(p.rows[1].local_address, ip_address::v4(127, 0, 1, 1));
    // The TIME-WAIT row (st 06) has no inode.
    const tcp_row& tw = p.rows[11];
    EXPECT_EQ(tw.state, tcp_state::time_wait);
    EXPECT_EQ(tw.inode, 0u);
    EXPECT_EQ(tw.local_port, 0xEDA6);
    EXPECT_EQ(tw.remote_port, 0xC75D);
}

TEST(procfs_parser, real_ipv6_capture) {
    auto p = parse(read_capture("debian12-k6.18-tcp6.txt"), ip_family::ipv6);
    ASSERT_FALSE(p.ec) << p.info.to_string();
    ASSERT_EQ(p.rows.size(), 7u);
    EXPECT_EQ(p.rows[0].local_address, ip_address::v6_loopback());
    EXPECT_EQ(p.rows[0].local_address.to_string(), "::1");
    EXPECT_EQ(p.rows[0].remote_address.to_string(), "::");
    EXPECT_EQ(p.rows[0].state, tcp_state::listen);
    EXPECT_EQ(p.rows[1].state, tcp_state::close_wait);  // st 08: the half-closed peer
    EXPECT_EQ(p.rows[5].state, tcp_state::fin_wait2);   // st 05: the side that shut down
    EXPECT_EQ(p.rows[1].remote_port, 0xEC3A);
}

TEST(procfs_parser, filters_states) {
    auto p = parse(read_capture("debian12-k6.18-tcp.txt"), ip_family::ipv4, state_set::listening());
    ASSERT_FALSE(p.ec);
    EXPECT_EQ(p.rows.size(), 3u);
    for (const auto& r : p.rows) EXPECT_EQ(r.state, tcp_state::listen);
}

TEST(procfs_parser, header_only_is_an_empty_table) {
    auto p = parse(v4_header);
    EXPECT_FALSE(p.ec);
    EXPECT_TRUE(p.rows.empty());
    EXPECT_FALSE(parse(v6_header, ip_family::ipv6).ec);
}

TEST(procfs_parser, every_linux_state) {
    for (unsigned st = 1; st <= 13; ++st) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02X", st);
        std::string line = good_v4_line;
        line.replace(line.find(" 01 ") + 1, 2, hex);
        auto p = parse(v4_header + line);
        ASSERT_FALSE(p.ec) << st << ": " << p.info.to_string();
        ASSERT_EQ(p.rows.size(), 1u);
        EXPECT_EQ(p.rows[0].state, *mib_state_from_linux(st));
    }
}

TEST(procfs_parser, lowercase_hex_and_extreme_values) {
    std::string line =
        "9999: ffffffff:ffff 00000000:0001 0a 00000000:00000000 00:00000000 00000000 4294967295 0 "
        "4294967295\n";
    auto p = parse(v4_header + line);
    ASSERT_FALSE(p.ec) << p.info.to_string();
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0].local_address, ip_address::v4(255, 255, 255, 255));
    EXPECT_EQ(p.rows[0].local_port, 65535);
    EXPECT_EQ(p.rows[0].remote_port, 1);
    EXPECT_EQ(p.rows[0].uid, 4294967295u);
    EXPECT_EQ(p.rows[0].inode, 4294967295u);
}

struct malformed_case {
    const char* name;
    std::string text;
    std::size_t line;
    const char* message_part;
};

class procfs_malformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(procfs_malformed, is_a_parse_error_naming_file_and_line) {
    const auto& c = GetParam();
    auto p = parse(c.text);
    EXPECT_EQ(p.ec, errc::parse_error);
    EXPECT_EQ(p.info.file, "test-file");
    EXPECT_EQ(p.info.line, c.line);
    EXPECT_NE(p.info.message.find(c.message_part), std::string::npos) << p.info.message;
}

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
    s.replace(s.find(from), from.size(), to);
    return s;
}

INSTANTIATE_TEST_SUITE_P(
    cases, procfs_malformed,
    ::testing::Values(
        malformed_case{"empty_file", "", 0, "empty file"},
        malformed_case{"wrong_header", "hello world\n" + good_v4_line, 1, "header"},
        malformed_case{"header_without_newline", v4_header.substr(0, 40), 1, "truncated"},
        malformed_case{"truncated_line", v4_header + good_v4_line.substr(0, 30), 2, "truncated"},
        malformed_case{"truncated_after_good", v4_header + good_v4_line + "   1: 0100", 3,
                       "truncated"},
        malformed_case{"bad_hex_address",
                       v4_header + replace_once(good_v4_line, "0100007F", "0100G07F"), 2,
                       "local address"},
        malformed_case{"bad_hex_port", v4_header + replace_once(good_v4_line, ":C350", ":C3Z0"), 2,
                       "remote address"},
        malformed_case{"short_address",
                       v4_header + replace_once(good_v4_line, "0100007F:0050", "100007F:0050"), 2,
                       "local address"},
        malformed_case{"long_address",
                       v4_header + replace_once(good_v4_line, "0100007F:0050", "00100007F:0050"), 2,
                       "local address"},
        malformed_case{"ipv6_address_in_tcp",
                       v4_header + replace_once(good_v4_line,
                                                "0100007F:", "00000000000000000000000001000000:"),
                       2, "local address"},
        malformed_case{"bad_state", v4_header + replace_once(good_v4_line, " 01 ", " 0X "), 2,
                       "state"},
        malformed_case{"unknown_state_0", v4_header + replace_once(good_v4_line, " 01 ", " 00 "), 2,
                       "unknown TCP state 0"},
        malformed_case{"unknown_state_14", v4_header + replace_once(good_v4_line, " 01 ", " 0E "),
                       2, "unknown TCP state 14"},
        malformed_case{"missing_inode",
                       v4_header + "   0: 0100007F:0050 0200007F:C350 01 00000000:00000000 "
                                   "00:00000000 00000000  1000        0\n",
                       2, "missing field: inode"},
        malformed_case{"missing_everything_after_state",
                       v4_header + "   0: 0100007F:0050 0200007F:C350 01\n", 2, "tx_queue"},
        malformed_case{"missing_remote", v4_header + "   0: 0100007F:0050\n", 2, "local address"},
        malformed_case{"blank_line", v4_header + "\n", 2, "slot"},
        malformed_case{"bad_uid", v4_header + replace_once(good_v4_line, "  1000 ", "  10x0 "), 2,
                       "uid"},
        malformed_case{"uid_overflow",
                       v4_header + replace_once(good_v4_line, "  1000 ", " 99999999999 "), 2,
                       "uid"},
        malformed_case{"inode_overflow",
                       v4_header + replace_once(good_v4_line, " 4242 ", " 4294967296 "), 2,
                       "inode"},
        malformed_case{"negative_inode",
                       v4_header + replace_once(good_v4_line, " 4242 ", " -4242 "), 2, "inode"},
        malformed_case{"over_long_line", v4_header + std::string(600, ' ') + good_v4_line, 2,
                       "longer than"},
        malformed_case{"nul_byte",
                       v4_header + replace_once(good_v4_line, " 1000",
                                                std::string(" 1\0"
                                                            "00",
                                                            5)),
                       2, "NUL"},
        malformed_case{"tab_separated",
                       v4_header + replace_once(good_v4_line, " 0200007F", "\t0200007F"), 2,
                       "local address"},
        malformed_case{
            "crlf_after_inode",
            v4_header +
                replace_once(good_v4_line, " 4242 1 0000000000000000 20 4 30 10 -1\n", " 4242\r\n"),
            2, "malformed field: inode"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(procfs_parser, crlf_only_fails_where_it_matters) {
    // A CR after the last field we read is harmless; one inside the fields is an error.
    auto ok = parse(v4_header + replace_once(good_v4_line, "-1\n", "-1\r\n"));
    EXPECT_FALSE(ok.ec);
}

TEST(procfs_parser, streaming_in_chunks_gives_the_same_rows) {
    std::string text = read_capture("debian12-k6.18-tcp.txt");
    auto whole = parse(text);
    ASSERT_FALSE(whole.ec);
    // Feed every split point that falls on a line boundary.
    procfs_parser parser(ip_family::ipv4, "x", state_set::all());
    std::vector<tcp_row> rows;
    error_info info;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        ASSERT_FALSE(
            parser.parse_lines(std::string_view(text).substr(pos, nl + 1 - pos), rows, info));
        pos = nl + 1;
    }
    ASSERT_FALSE(parser.finish({}, info));
    EXPECT_EQ(rows, whole.rows);
}

// Generated input: many rows round-trip through the /proc text format.
TEST(procfs_parser, generated_rows_round_trip) {
    std::string text = v6_header;
    std::vector<tcp_row> expected;
    for (unsigned i = 0; i < 2000; ++i) {
        tcp_row r;
        ip_address::bytes_type b{};
        for (unsigned k = 0; k < 16; ++k) b[k] = std::uint8_t(i * 7 + k * 13);
        r.local_address = ip_address::v6(b);
        b[0] ^= 0xff;
        r.remote_address = ip_address::v6(b);
        r.local_port = std::uint16_t(i * 31);
        r.remote_port = std::uint16_t(65535 - i);
        r.state = *mib_state_from_linux(1 + i % 12);
        r.uid = i;
        r.inode = 100000 + i;
        expected.push_back(r);
        char line[300];
        int n = std::snprintf(line, sizeof line, "%4u: ", i);
        for (const auto* a : {&r.local_address, &r.remote_address}) {
            for (int w = 0; w < 4; ++w)
                n += std::snprintf(line + n, sizeof line - n, "%08X",
                                   load_proc_address_word(a->bytes().data() + 4 * w));
            n += std::snprintf(line + n, sizeof line - n, ":%04X ",
                               a == &r.local_address ? r.local_port : r.remote_port);
        }
        std::snprintf(line + n, sizeof line - n,
                      "%02X 00000000:00000000 00:00000000 00000000 %5u        0 %u 1 "
                      "0000000000000000 20 4 30 10 -1\n",
                      1 + i % 12, r.uid, r.inode);
        text += line;
    }
    auto p = parse(text, ip_family::ipv6);
    ASSERT_FALSE(p.ec) << p.info.to_string();
    EXPECT_EQ(p.rows, expected);
}

// The file reader around the parser, on a crafted proc root.
class procfs_files : public ::testing::Test {
  protected:
    void SetUp() override {
        root = fs::temp_directory_path() / ("tcptable-procfs-" + std::to_string(::getpid()));
        fs::create_directories(root / "net");
    }
    void TearDown() override { fs::remove_all(root); }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(root / "net" / name, std::ios::binary) << text;
    }
    snapshot_options opts() const {
        snapshot_options o;
        o.backend = backend_kind::procfs;
        o.proc_root = root.string();
        return o;
    }
    fs::path root;
};

TEST_F(procfs_files, reads_a_directory_of_captures_sorted) {
    write("tcp", read_capture("debian12-k6.18-tcp.txt"));
    write("tcp6", read_capture("debian12-k6.18-tcp6.txt"));
    tcp_table t = snapshot(opts());
    ASSERT_EQ(t.size(), 19u);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), row_order{}));
    EXPECT_EQ(t[0].local_address, ip_address::v4(0, 0, 0, 0));
    EXPECT_TRUE(t[t.size() - 1].local_address.is_v6());
}

TEST_F(procfs_files, missing_tcp6_is_an_empty_ipv6_table_only_for_both_families) {
    write("tcp", read_capture("debian12-k6.18-tcp.txt"));
    EXPECT_EQ(snapshot(opts()).size(), 12u);
    auto o = opts();
    o.family = address_family::ipv6;
    std::error_code ec;
    error_info info;
    snapshot(o, ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_NE(info.file.find("net/tcp6"), std::string::npos);
}

TEST_F(procfs_files, missing_proc_is_a_clear_error) {
    auto o = opts();
    o.proc_root = (root / "nonexistent").string();
    std::error_code ec;
    error_info info;
    tcp_table t = snapshot(o, ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(t.empty());
    EXPECT_NE(info.to_string().find("nonexistent/net/tcp"), std::string::npos);
    EXPECT_THROW(snapshot(o), std::system_error);
}

TEST_F(procfs_files, unreadable_file_is_a_clear_error) {
    fs::create_directories(root / "net" / "tcp");  // a directory where the file should be
    std::error_code ec;
    error_info info;
    snapshot(opts(), ec, &info);
    EXPECT_EQ(ec, std::errc::is_a_directory);
    EXPECT_NE(info.message.find("cannot read"), std::string::npos);
}

TEST_F(procfs_files, parse_error_names_file_and_line_in_the_exception) {
    write("tcp", v4_header + good_v4_line + replace_once(good_v4_line, " 01 ", " 7F "));
    write("tcp6", v6_header);
    try {
        snapshot(opts());
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), errc::parse_error);
        EXPECT_NE(std::string(e.what()).find("net/tcp:3: unknown TCP state 127"), std::string::npos)
            << e.what();
    }
}

TEST_F(procfs_files, large_file_read_in_chunks) {
    // More than one 256 KiB read, with lines split across reads.
    std::string text = v4_header;
    for (int i = 0; i < 5000; ++i)
        text += replace_once(good_v4_line, " 4242 ", " " + std::to_string(i + 1) + " ");
    write("tcp", text);
    write("tcp6", v6_header);
    tcp_table t = snapshot(opts());
    EXPECT_EQ(t.size(), 5000u);
    write("tcp", text + std::string(700, 'x') + "\n");
    std::error_code ec;
    error_info info;
    snapshot(opts(), ec, &info);
    EXPECT_EQ(ec, errc::parse_error);
    EXPECT_EQ(info.line, 5002u);
}

TEST_F(procfs_files, a_socket_listed_twice_is_one_row) {
    // /proc can repeat a line when the table changes while it is read.
    write("tcp", v4_header + good_v4_line + good_v4_line);
    write("tcp6", v6_header);
    EXPECT_EQ(snapshot(opts()).size(), 1u);
    auto o = opts();
    o.sorted = false;
    EXPECT_EQ(snapshot(o).size(), 1u);  // the backend drops the repeat itself
}

TEST_F(procfs_files, endless_line_without_newline_is_bounded) {
    write("tcp", v4_header + std::string(1 << 20, '1'));
    std::error_code ec;
    error_info info;
    snapshot(opts(), ec, &info);
    EXPECT_EQ(ec, errc::parse_error);
    EXPECT_EQ(info.line, 2u);
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail

namespace tcptable::inline v0_1::detail {
namespace {

TEST(sockstat, counts_in_use_and_time_wait) {
    EXPECT_EQ(
        parse_sockstat_tcp("sockets: used 9\nTCP: inuse 805 orphan 0 tw 663 alloc 900 mem 78\n"
                           "UDP: inuse 3 mem 0\n"),
        805u + 663u);
    EXPECT_EQ(parse_sockstat_tcp("TCP6: inuse 89\nUDP6: inuse 0\n"), 89u);
    EXPECT_EQ(parse_sockstat_tcp("UDP: inuse 3\n"), 0u);
    EXPECT_EQ(parse_sockstat_tcp("TCP: inuse x tw\n"), 0u);
    EXPECT_EQ(parse_sockstat_tcp(""), 0u);
    EXPECT_EQ(estimate_tcp_rows("/nonexistent"), 0u);
    // The live estimate is in the right range for the live table.
    std::size_t estimate = estimate_tcp_rows("/proc");
    std::size_t rows = snapshot().size();
    EXPECT_LE(estimate, rows + rows / 2 + 100);
    EXPECT_GE(estimate + 100, rows / 2);
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail
