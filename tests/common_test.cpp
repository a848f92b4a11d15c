// SPDX-License-Identifier: MIT
// The shared layer: state mapping, byte order, addresses, the sort contract, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tcptable/tcptable.hpp>
#include <vector>

#include "linux/linux_byte_order.hpp"
#include "linux/linux_states.hpp"
#include "win/mib_format.hpp"

namespace tcptable::inline v0_1 {
namespace {

TEST(state_names, match_the_seed_example) {
    const char* expected[] = {"CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
                              "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
                              "CLOSING",     "LAST-ACK",   "TIME-WAIT",  "DELETE-TCB"};
    for (int v = 1; v <= 12; ++v) {
        auto s = static_cast<tcp_state>(v);
        EXPECT_EQ(to_string(s), expected[v - 1]) << v;
        EXPECT_EQ(parse_tcp_state(expected[v - 1]), s);
    }
    EXPECT_EQ(to_string(tcp_state{0}), "UNKNOWN");
    EXPECT_EQ(to_string(tcp_state{13}), "UNKNOWN");
}

TEST(state_names, accept_other_spellings) {
    EXPECT_EQ(parse_tcp_state("established"), tcp_state::established);
    EXPECT_EQ(parse_tcp_state("time_wait"), tcp_state::time_wait);
    EXPECT_EQ(parse_tcp_state("ESTAB"), tcp_state::established);
    EXPECT_EQ(parse_tcp_state("SYN-RECV"), tcp_state::syn_received);
    EXPECT_EQ(parse_tcp_state("listening"), tcp_state::listen);
    EXPECT_EQ(parse_tcp_state("FIN-WAIT2"), tcp_state::fin_wait2);
    EXPECT_FALSE(parse_tcp_state(""));
    EXPECT_FALSE(parse_tcp_state("LISTENX"));
    EXPECT_FALSE(parse_tcp_state("ESTABLISHED "));
}

TEST(state_map, every_linux_state_has_its_mib_value) {
    // include/net/tcp_states.h against the MIB_TCP_STATE values.
    struct {
        unsigned linux_value;
        tcp_state mib;
    } cases[] = {
        {1, tcp_state::established}, {2, tcp_state::syn_sent},   {3, tcp_state::syn_received},
        {4, tcp_state::fin_wait1},   {5, tcp_state::fin_wait2},  {6, tcp_state::time_wait},
        {7, tcp_state::closed},      {8, tcp_state::close_wait}, {9, tcp_state::last_ack},
        {10, tcp_state::listen},     {11, tcp_state::closing},   {12, tcp_state::syn_received},
        {13, tcp_state::closed},
    };
    for (auto c : cases)
        EXPECT_EQ(detail::mib_state_from_linux(c.linux_value), c.mib) << c.linux_value;
    for (unsigned bad : {0u, 14u, 255u, 0xffffffffu})
        EXPECT_FALSE(detail::mib_state_from_linux(bad));
    EXPECT_EQ(static_cast<int>(tcp_state::closed), 1);
    EXPECT_EQ(static_cast<int>(tcp_state::delete_tcb), 12);
}

TEST(state_map, kernel_masks) {
    // Everything but TCP_BOUND_INACTIVE (13), which /proc never lists.
    EXPECT_EQ(detail::linux_state_mask(state_set::all()), 0x1ffeu);
    EXPECT_EQ(detail::linux_state_mask(state_set::listening()), 1u << 10);
    // SYN-RECEIVED covers both TCP_SYN_RECV and TCP_NEW_SYN_RECV.
    EXPECT_EQ(detail::linux_state_mask({tcp_state::syn_received}), (1u << 3) | (1u << 12));
    EXPECT_EQ(detail::linux_state_mask(state_set::connections()), 0x1ffeu & ~(1u << 10));
    EXPECT_EQ(detail::linux_state_mask({tcp_state::delete_tcb}), 0u);
}

TEST(state_set, operations) {
    state_set s{tcp_state::listen, tcp_state::time_wait};
    EXPECT_TRUE(s.contains(tcp_state::listen));
    EXPECT_TRUE(s.contains(tcp_state::time_wait));
    EXPECT_FALSE(s.contains(tcp_state::established));
    EXPECT_FALSE(s.contains(tcp_state{0}));
    EXPECT_TRUE(state_set::all().is_all());
    EXPECT_FALSE(state_set::connections().contains(tcp_state::listen));
    EXPECT_TRUE(state_set::connections().contains(tcp_state::time_wait));
    EXPECT_TRUE(state_set{}.empty());
}

TEST(byte_order, proc_address_words_are_memory_order) {
    // "0100007F" is 127.0.0.1 on the little-endian machines that print it this way.
    std::uint8_t b[4];
    detail::store_proc_address_word(0x0100007F, b);
    std::uint32_t as_memory;
    std::memcpy(&as_memory, b, 4);
    EXPECT_EQ(as_memory, 0x0100007Fu);
    if constexpr (std::endian::native == std::endian::little) {
        EXPECT_EQ(b[0], 127);
        EXPECT_EQ(b[3], 1);
    }
    EXPECT_EQ(detail::load_proc_address_word(b), 0x0100007Fu);
}

TEST(byte_order, mib_port_masks_the_undefined_high_bits) {
    // Port 80 in network order in the low 16 bits; garbage in the high 16 bits.
    std::uint16_t net80;
    const std::uint8_t wire[2] = {0x00, 0x50};
    std::memcpy(&net80, wire, 2);
    EXPECT_EQ(detail::port_from_mib_dword(net80), 80);
    EXPECT_EQ(detail::port_from_mib_dword(0xdead0000u | net80), 80);
    EXPECT_EQ(detail::port_to_mib_dword(80), net80);
    EXPECT_EQ(detail::port_to_mib_dword(65535), 0xffffu);
    for (std::uint32_t p : {1u, 255u, 256u, 443u, 8080u, 49152u, 65535u})
        EXPECT_EQ(
            detail::port_from_mib_dword(0xffff0000u | detail::port_to_mib_dword(std::uint16_t(p))),
            p);
}

TEST(byte_order, mib_address_is_network_order_in_memory) {
    ip_address a = ip_address::v4(10, 1, 2, 3);
    std::uint32_t dw = detail::address_to_mib_dword(a);
    std::uint8_t mem[4];
    std::memcpy(mem, &dw, 4);
    EXPECT_EQ(mem[0], 10);
    EXPECT_EQ(mem[3], 3);
    EXPECT_EQ(detail::address_from_mib_dword(dw), a);
}

TEST(ip_address, prints_and_parses) {
    struct {
        const char* text;
        const char* canonical;
    } cases[] = {
        {"0.0.0.0", "0.0.0.0"},
        {"127.0.0.1", "127.0.0.1"},
        {"255.255.255.255", "255.255.255.255"},
        {"::", "::"},
        {"::1", "::1"},
        {"fe80::1%2", "fe80::1%2"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"2001:DB8::0:1", "2001:db8::1"},
        {"1:0:0:0:0:0:0:0", "1::"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"},
        {"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
        {"::ffff:7f00:1", "::ffff:127.0.0.1"},
    };
    for (auto c : cases) {
        auto a = ip_address::parse(c.text);
        ASSERT_TRUE(a) << c.text;
        EXPECT_EQ(a->to_string(), c.canonical) << c.text;
        EXPECT_EQ(ip_address::parse(a->to_string()), a) << c.text;
    }
    EXPECT_EQ(ip_address::parse("::1")->bytes()[15], 1);
    EXPECT_EQ(ip_address::parse("fe80::1%2")->scope_id(), 2u);
    EXPECT_TRUE(ip_address::parse("::1")->is_loopback());
    EXPECT_TRUE(ip_address::parse("127.5.6.7")->is_loopback());
    EXPECT_EQ(ip_address::parse("127.0.0.1")->to_v4_uint(), 0x7f000001u);
}

TEST(ip_address, link_local_is_fe80_10_and_169_254_16) {
    for (const char* yes :
         {"fe80::", "fe80::1%3", "febf:ffff::1", "fe81::1", "169.254.0.0", "169.254.255.255"})
        EXPECT_TRUE(ip_address::parse(yes)->is_link_local()) << yes;
    for (const char* no :
         {"fec0::1", "fe7f::1", "ff02::1", "::1", "::", "2001:db8::1", "::ffff:169.254.1.1",
          "169.253.1.1", "169.255.0.1", "127.0.0.1", "0.0.0.0", "254.169.0.1"})
        EXPECT_FALSE(ip_address::parse(no)->is_link_local()) << no;
}

TEST(ip_address, rejects_malformed_text) {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d",
                            "1.2.3.4 ", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
                            "1:2:3:4:5:6:7", "::1%", "::1%x", "g::", "1:", "::ffff:1.2.3"}) {
        EXPECT_FALSE(ip_address::parse(bad)) << '"' << bad << '"';
    }
}

tcp_row row(const char* la, std::uint16_t lp, const char* ra, std::uint16_t rp) {
    tcp_row r;
    r.local_address = *ip_address::parse(la);
    r.local_port = lp;
    r.remote_address = *ip_address::parse(ra);
    r.remote_port = rp;
    r.state = tcp_state::established;
    return r;
}

// Each pair is in the contract's order; the usual wrong comparisons put it the other way.
TEST(sort_contract, pairs_that_flip_under_wrong_comparisons) {
    struct {
        tcp_row first, second;
        const char* why;
    } cases[] = {
        // A raw host-order 32-bit compare on a little-endian machine reads 127.0.0.2 as
        // 0x0200007f and 127.0.1.1 as 0x0101007f: the wrong way round.
        {row("127.0.0.2", 1, "0.0.0.0", 0), row("127.0.1.1", 1, "0.0.0.0", 0), "host-order word"},
        {row("127.0.1.1", 1, "0.0.0.0", 0), row("127.1.0.1", 1, "0.0.0.0", 0), "host-order word"},
        {row("10.0.0.1", 9, "0.0.0.0", 0), row("127.0.0.1", 1, "0.0.0.0", 0), "address first"},
        // Comparing only the first two octets (Wine's bug) calls these equal and keeps the
        // port order.
        {row("127.0.0.1", 200, "0.0.0.0", 0), row("127.0.0.2", 100, "0.0.0.0", 0), "two octets"},
        // Network-order 16-bit ports: 256 is 0x0001 and 1 is 0x0100 on the wire.
        {row("127.0.0.1", 1, "0.0.0.0", 0), row("127.0.0.1", 256, "0.0.0.0", 0), "port order"},
        {row("127.0.0.1", 80, "127.0.0.1", 1), row("127.0.0.1", 80, "127.0.0.1", 256),
         "remote port"},
        {row("127.0.0.1", 80, "127.0.0.2", 9), row("127.0.0.1", 80, "127.0.1.1", 1), "remote addr"},
        // Every IPv4 row precedes every IPv6 row, even :: against 255.255.255.255.
        {row("255.255.255.255", 65535, "0.0.0.0", 0), row("::", 0, "::", 0), "families"},
        {row("::1", 5, "::1", 1), row("::2", 1, "::1", 1), "ipv6 bytes"},
        {row("fe80::1%1", 5, "::", 0), row("fe80::1%2", 1, "::", 0), "scope id"},
        {row("fe80::1%9", 5, "::", 0), row("fe80::2%1", 1, "::", 0), "bytes before scope"},
    };
    for (const auto& c : cases) {
        EXPECT_TRUE(row_order{}(c.first, c.second)) << c.why;
        EXPECT_FALSE(row_order{}(c.second, c.first)) << c.why;
        std::vector<tcp_row> v{c.second, c.first};
        sort_rows(v);
        EXPECT_EQ(v[0], c.first) << c.why;
    }
}

// The fast path (keys + permutation, used from 64 rows) agrees with the plain comparator.
TEST(sort_contract, large_tables_sort_like_the_comparator) {
    std::mt19937 rng(12345);
    std::vector<tcp_row> rows;
    const char* v6[] = {"::", "::1", "fe80::1%3", "2001:db8::5", "ffff::"};
    for (int i = 0; i < 5000; ++i) {
        tcp_row r;
        if (rng() % 3 == 0) {
            r.local_address = *ip_address::parse(v6[rng() % 5]);
            r.remote_address = *ip_address::parse(v6[rng() % 5]);
        } else {
            r.local_address = ip_address::v4(127, std::uint8_t(rng() % 3), std::uint8_t(rng() % 3),
                                             std::uint8_t(rng() % 3));
            r.remote_address =
                ip_address::v4(std::uint8_t(rng() % 256), 0, 0, std::uint8_t(rng() % 2));
        }
        r.local_port = std::uint16_t(rng() % 600);
        r.remote_port = std::uint16_t(rng() % 600);
        r.inode = std::uint32_t(i);  // tells equal keys apart after the sort
        rows.push_back(r);
    }
    auto expected = rows;
    std::stable_sort(expected.begin(), expected.end(), row_order{});
    sort_rows(rows);
    ASSERT_EQ(rows.size(), expected.size());
    EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), row_order{}));
    // Same multiset of rows: compare after ordering ties by inode.
    auto by_key_then_inode = [](const tcp_row& a, const tcp_row& b) {
        auto c = row_order::compare(a, b);
        return c != 0 ? c < 0 : a.inode < b.inode;
    };
    std::sort(rows.begin(), rows.end(), by_key_then_inode);
    std::sort(expected.begin(), expected.end(), by_key_then_inode);
    EXPECT_EQ(rows, expected);
}

TEST(errors, category_and_conditions) {
    std::error_code ec = errc::parse_error;
    EXPECT_EQ(ec.category().name(), std::string("tcptable"));
    EXPECT_EQ(ec.message(), "malformed TCP table data");
    EXPECT_EQ(std::error_code(errc::not_supported), std::errc::not_supported);
    error_info info{"/proc/net/tcp", 7, "bad hex"};
    EXPECT_EQ(info.to_string(), "/proc/net/tcp:7: bad hex");
    EXPECT_EQ((error_info{"", 0, "x"}).to_string(), "x");
}

// The version the headers carry is the one project() declares in CMakeLists.txt (passed in as
// TCPTABLE_PROJECT_VERSION: a stale generated version.hpp, or another install's headers found
// first, would differ), in the form MAJOR.MINOR.PATCH, each part the matching macro. The CLI
// prints version_string (cli_test checks "tcptable --version").
TEST(version, is_the_projects) {
    EXPECT_STREQ(version_string, TCPTABLE_PROJECT_VERSION);
    const std::string v = version_string;
    std::vector<int> parts;
    std::size_t at = 0;
    for (int i = 0; i < 3; ++i) {
        std::size_t end = at;
        while (end < v.size() && v[end] >= '0' && v[end] <= '9') ++end;
        ASSERT_GT(end, at) << "part " << i << " of \"" << v << "\" is not a number";
        ASSERT_LE(end - at, 9u) << v;
        parts.push_back(std::stoi(v.substr(at, end - at)));
        if (i < 2) {
            ASSERT_LT(end, v.size()) << "\"" << v << "\" has fewer than three parts";
            ASSERT_EQ(v[end], '.') << v;
            at = end + 1;
        } else {
            EXPECT_EQ(end, v.size()) << "\"" << v << "\" has more after MAJOR.MINOR.PATCH";
        }
    }
    EXPECT_EQ(parts[0], TCPTABLE_VERSION_MAJOR);
    EXPECT_EQ(parts[1], TCPTABLE_VERSION_MINOR);
    EXPECT_EQ(parts[2], TCPTABLE_VERSION_PATCH);
}

}  // namespace
}  // namespace tcptable::inline v0_1
