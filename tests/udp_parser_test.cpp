// SPDX-License-Identifier: MIT
// The UDP table's parsers: netlink IPPROTO_UDP dumps and /proc/net/udp{,6} captured on this
// kernel (tests/data/netlink), malformed input for both, and the shared UDP snapshot contract.
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <tcptable/udp.hpp>
#include <vector>

#include "common/backend.hpp"
#include "linux/netlink_parser.hpp"
#include "linux/procfs_parser.hpp"
#include "support/capture_files.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::detail;
namespace fs = std::filesystem;

using namespace tcptable::testing;  // the capture files and their parse

parsed_capture parse_netlink(const std::vector<datagram>& datagrams,
                             address_family family = address_family::both) {
    parsed_capture r;
    netlink_parser parser(family, state_set::all(), std::nullopt, transport_protocol::udp);
    parse_datagrams(parser, datagrams, r);
    return r;
}

struct proc_result {
    std::error_code ec;
    error_info info;
    std::vector<tcp_row> rows;
};

proc_result parse_proc(std::string_view text, ip_family family = ip_family::ipv4) {
    proc_result r;
    r.ec = parse_proc_net_udp(text, family, "udp-file", r.rows, r.info);
    return r;
}

udp_table as_udp(const std::vector<tcp_row>& rows) {
    udp_table t;
    udp_rows_from(rows, t);
    sort_rows(t.mutable_rows());
    return t;
}

// --- Captures -----------------------------------------------------------------------------

TEST(udp_capture, netlink_and_proc_agree_row_for_row) {
    auto v4 = parse_netlink(read_netlink_capture("loopback-udp.bin"));
    ASSERT_FALSE(v4.ec) << v4.info.to_string();
    EXPECT_TRUE(v4.done);
    auto v6 = parse_netlink(read_netlink_capture("loopback-udp6.bin"));
    ASSERT_FALSE(v6.ec) << v6.info.to_string();
    auto p4 = parse_proc(read_netlink_file("loopback.udp"));
    ASSERT_FALSE(p4.ec) << p4.info.to_string();
    auto p6 = parse_proc(read_netlink_file("loopback.udp6"), ip_family::ipv6);
    ASSERT_FALSE(p6.ec) << p6.info.to_string();

    // What the tool made: 400 bound + 3 connected pairs + 1 wildcard (IPv4), 3 pairs + 1 (IPv6).
    ASSERT_EQ(v4.rows.size(), 407u);
    ASSERT_EQ(v6.rows.size(), 7u);
    ASSERT_EQ(p4.rows.size(), 407u);
    ASSERT_EQ(p6.rows.size(), 7u);

    std::vector<tcp_row> nl = v4.rows, proc = p4.rows;
    nl.insert(nl.end(), v6.rows.begin(), v6.rows.end());
    proc.insert(proc.end(), p6.rows.begin(), p6.rows.end());
    udp_table a = as_udp(nl), b = as_udp(proc);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "row " << i;

    std::size_t connected4 = 0, connected6 = 0, wildcard = 0;
    for (const udp_row& r : a) {
        EXPECT_NE(r.inode, 0u);
        EXPECT_EQ(r.uid, 0u);  // the tool runs as root
        EXPECT_NE(r.local_port, 0);
        if (r.connected()) {
            EXPECT_TRUE(r.remote_address.is_loopback());
            (r.family() == ip_family::ipv4 ? connected4 : connected6)++;
        } else {
            EXPECT_TRUE(r.remote_address.is_unspecified());
            EXPECT_EQ(r.remote_address.family(), r.family());
        }
        if (r.local_address.is_unspecified()) ++wildcard;
    }
    EXPECT_EQ(connected4, 3u);
    EXPECT_EQ(connected6, 3u);
    EXPECT_EQ(wildcard, 2u);
    // The contract's order: every IPv4 row first, sorted by local then remote end.
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end(), udp_row_order{}));
    EXPECT_TRUE(a[0].family() == ip_family::ipv4);
    EXPECT_TRUE(a[a.size() - 1].family() == ip_family::ipv6);
}

TEST(udp_capture, dump_spans_several_datagrams_and_the_family_filter_holds) {
    auto d = read_netlink_capture("loopback-udp.bin");
    EXPECT_GE(d.size(), 3u);  // rows, rows, NLMSG_DONE
    EXPECT_EQ(parse_netlink(d, address_family::ipv6).rows.size(), 0u);
    EXPECT_EQ(parse_netlink(d, address_family::ipv4).rows.size(), 407u);
}

TEST(udp_capture, a_tcp_parser_would_take_the_rows_but_the_udp_one_checks_more) {
    // The same text parsed as TCP gives the same endpoints: the layouts agree up to the inode.
    std::vector<tcp_row> tcp_rows;
    error_info info;
    ASSERT_FALSE(parse_proc_net_tcp(read_netlink_file("loopback.udp"), ip_family::ipv4, "udp",
                                    state_set::all(), tcp_rows, info))
        << info.to_string();
    auto udp_rows = parse_proc(read_netlink_file("loopback.udp")).rows;
    ASSERT_EQ(tcp_rows.size(), udp_rows.size());
    for (std::size_t i = 0; i < tcp_rows.size(); ++i) EXPECT_EQ(tcp_rows[i], udp_rows[i]);
}

// --- Malformed /proc/net/udp ---------------------------------------------------------------

const std::string v4_header =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode ref pointer drops            \n";
const std::string good_row =
    "  123: 0100007F:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   104        0 "
    "21384 2 0000000000000000 0";

TEST(udp_procfs, good_row_and_the_kernels_padding) {
    auto r = parse_proc(v4_header + good_row + "\n");
    ASSERT_FALSE(r.ec) << r.info.to_string();
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].local_address, ip_address::v4(127, 0, 0, 1));
    EXPECT_EQ(r.rows[0].local_port, 0x14E9);
    EXPECT_EQ(r.rows[0].uid, 104u);
    EXPECT_EQ(r.rows[0].inode, 21384u);
    EXPECT_EQ(r.rows[0].state, tcp_state::closed);
    // udp4_seq_show pads rows to 127 columns with spaces (seq_pad).
    auto padded = parse_proc(v4_header + good_row + std::string(20, ' ') + "\n");
    EXPECT_FALSE(padded.ec) << padded.info.to_string();
    // Connected: state 01.
    std::string connected = good_row;
    connected.replace(connected.find(" 07 "), 4, " 01 ");
    auto c = parse_proc(v4_header + connected + "\n");
    ASSERT_FALSE(c.ec) << c.info.to_string();
    EXPECT_EQ(c.rows[0].state, tcp_state::established);
}

struct bad_case {
    const char* name;
    std::string text;
    std::size_t line;
    const char* message_part;
};

TEST(udp_procfs, malformed_input_is_an_error_naming_file_and_line) {
    auto with = [](std::string row) { return v4_header + good_row + "\n" + row + "\n"; };
    auto replaced = [](std::string from, std::string to) {
        std::string r = good_row;
        r.replace(r.find(from), from.size(), to);
        return r;
    };
    const bad_case cases[] = {
        {"no drops", with(good_row.substr(0, good_row.size() - 2)), 3, "missing field: drops"},
        {"no ref", with(good_row.substr(0, good_row.find(" 2 0000"))), 3, "missing field: ref"},
        {"text after drops", with(good_row + " 7"), 3, "end of line"},
        {"bad pointer", with(replaced("0000000000000000", "00000000zz000000")), 3,
         "malformed field: pointer"},
        {"negative ref", with(replaced(" 2 0000", " -2 0000")), 3, "malformed field: ref"},
        {"TCP state", with(replaced(" 07 ", " 0A ")), 3, "UDP socket in state 10"},
        {"state 0", with(replaced(" 07 ", " 00 ")), 3, "UDP socket in state 0"},
        {"short address", with(replaced("0100007F:14E9", "0100007:14E9")), 3,
         "malformed field: local address"},
        {"v6 width in a v4 file",
         with(replaced("0100007F:14E9", "00000000000000000000000001000000:14E9")), 3,
         "malformed field: local address"},
        {"inode past 32 bits", with(replaced(" 21384 ", " 4294967296 ")), 3,
         "malformed field: inode"},
        {"NUL byte", v4_header + std::string("  1: \0", 6) + "\n", 2, "NUL byte"},
        {"truncated last line", v4_header + good_row, 2, "truncated line"},
        {"not a header", good_row + "\n", 1, "not a /proc/net/udp header"},
        {"long line", with(std::string(600, ' ')), 3, "line longer"},
    };
    for (const auto& c : cases) {
        auto r = parse_proc(c.text);
        EXPECT_EQ(r.ec, errc::parse_error) << c.name;
        EXPECT_EQ(r.info.file, "udp-file") << c.name;
        EXPECT_EQ(r.info.line, c.line) << c.name;
        EXPECT_NE(r.info.message.find(c.message_part), std::string::npos)
            << c.name << ": " << r.info.message;
    }
    auto empty = parse_proc("");
    EXPECT_EQ(empty.ec, errc::parse_error);
    EXPECT_NE(empty.info.message.find("empty file"), std::string::npos);
}

// --- Malformed netlink ---------------------------------------------------------------------

void append(datagram& d, const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    d.insert(d.end(), b, b + n);
}

datagram socket_message(std::uint8_t family, std::uint8_t state) {
    inet_diag_msg m{};
    m.idiag_family = family;
    m.idiag_state = state;
    m.id.idiag_sport = boost::endian::native_to_big(std::uint16_t{5353});
    m.id.idiag_src[0] = boost::endian::native_to_big(0x7f000001u);
    m.idiag_inode = 99;
    nlmsghdr h{};
    h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + sizeof m);
    h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    h.nlmsg_flags = NLM_F_MULTI;
    datagram d;
    append(d, &h, sizeof h);
    append(d, &m, sizeof m);
    return d;
}

TEST(udp_netlink, states_other_than_close_and_established_are_errors) {
    auto ok = parse_netlink({socket_message(AF_INET, 7)});
    ASSERT_FALSE(ok.ec) << ok.info.to_string();
    ASSERT_EQ(ok.rows.size(), 1u);
    EXPECT_EQ(ok.rows[0].local_address, ip_address::v4(127, 0, 0, 1));
    EXPECT_EQ(ok.rows[0].local_port, 5353);
    EXPECT_EQ(ok.rows[0].inode, 99u);
    EXPECT_FALSE(parse_netlink({socket_message(AF_INET6, 1)}).ec);
    for (std::uint8_t bad : {0, 2, 10, 13, 200}) {
        auto r = parse_netlink({socket_message(AF_INET, bad)});
        EXPECT_EQ(r.ec, errc::parse_error) << int(bad);
        EXPECT_EQ(r.info.file, netlink_source_name);
        EXPECT_EQ(r.info.line, 1u);
        EXPECT_NE(r.info.message.find("UDP socket in state"), std::string::npos) << r.info.message;
    }
}

TEST(udp_netlink, truncated_and_cut_captures_are_errors_never_rows_past_the_bytes) {
    auto d = read_netlink_capture("loopback-udp.bin");
    ASSERT_FALSE(d.empty());
    datagram first = d[0];
    for (std::size_t cut :
         {std::size_t{1}, std::size_t{15}, std::size_t{17}, std::size_t{100}, first.size() - 1}) {
        datagram c(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(cut));
        auto r = parse_netlink({c});
        EXPECT_EQ(r.ec, errc::parse_error) << cut;
        EXPECT_FALSE(r.info.message.empty());
    }
    // The dump without its NLMSG_DONE: the parser is not done, so the backend keeps reading.
    std::vector<datagram> no_done(d.begin(), d.end() - 1);
    auto r = parse_netlink(no_done);
    EXPECT_FALSE(r.ec);
    EXPECT_FALSE(r.done);
}

// --- The shared contract -------------------------------------------------------------------

TEST(udp_contract, sort_rows_matches_udp_row_order) {
    auto table = as_udp(parse_proc(read_netlink_file("loopback.udp")).rows);
    auto six = as_udp(parse_proc(read_netlink_file("loopback.udp6"), ip_family::ipv6).rows);
    std::vector<udp_row> rows(table.begin(), table.end());
    rows.insert(rows.end(), six.begin(), six.end());
    std::mt19937 rng(15);
    for (int round = 0; round < 5; ++round) {
        std::shuffle(rows.begin(), rows.end(), rng);
        std::vector<udp_row> expected = rows;
        std::stable_sort(expected.begin(), expected.end(), udp_row_order{});
        sort_rows(rows);
        // Ties (none here: every row has its own port) would make the orders differ.
        ASSERT_EQ(rows, expected);
    }
}

TEST(udp_contract, a_state_filter_is_refused) {
    snapshot_options o;
    o.states = state_set::listening();
    std::error_code ec;
    error_info info;
    auto t = snapshot_udp(o, ec, &info);
    EXPECT_EQ(ec, errc::invalid_argument);
    EXPECT_TRUE(t.empty());
    EXPECT_NE(info.message.find("no TCP state"), std::string::npos);
    EXPECT_THROW(snapshot_udp(o), std::system_error);
}

// A /proc root of captured files: the procfs backend reads net/udp and net/udp6, drops a row
// the kernel listed twice (a seq_file page boundary while sockets come and go) and refuses a
// malformed file with its path.
TEST(udp_contract, captured_proc_root_with_a_repeated_row) {
    const fs::path root =
        fs::temp_directory_path() / ("udp_parser_test." + std::to_string(::getpid()));
    fs::create_directories(root / "net");
    std::string v4 = read_netlink_file("loopback.udp");
    // Repeat the third line (the second row) at the end.
    std::size_t a = 0;
    for (int i = 0; i < 2; ++i) a = v4.find('\n', a) + 1;
    std::size_t b = v4.find('\n', a) + 1;
    std::string repeated = v4 + v4.substr(a, b - a);
    std::ofstream(root / "net/udp") << repeated;
    std::ofstream(root / "net/udp6") << read_netlink_file("loopback.udp6");
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = root.string();
    std::error_code ec;
    error_info info;
    auto t = snapshot_udp(o, ec, &info);
    ASSERT_FALSE(ec) << info.to_string();
    EXPECT_EQ(t.size(), 414u);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), udp_row_order{}));

    o.family = address_family::ipv6;
    EXPECT_EQ(snapshot_udp(o).size(), 7u);

    std::ofstream(root / "net/udp", std::ios::app) << "garbage\n";
    o.family = address_family::both;
    t = snapshot_udp(o, ec, &info);
    EXPECT_EQ(ec, errc::parse_error);
    EXPECT_EQ(info.file, (root / "net/udp").string());
    EXPECT_EQ(info.line, 410u);
    fs::remove_all(root);
}

}  // namespace
