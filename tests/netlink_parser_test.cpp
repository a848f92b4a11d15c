// SPDX-License-Identifier: MIT
// The netlink parser on captured dumps and on crafted malformed messages.
#include "linux/netlink_parser.hpp"

#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "linux/procfs_parser.hpp"
#include "support/capture_files.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::detail;

using namespace tcptable::testing;  // the capture files and their parse
using parse_result = parsed_capture;

parse_result parse_all(const std::vector<datagram>& datagrams,
                       address_family family = address_family::both,
                       state_set states = state_set::all()) {
    parse_result r;
    netlink_parser parser(family, states);
    parse_datagrams(parser, datagrams, r);
    return r;
}

std::vector<tcp_row> proc_rows(state_set states = state_set::all()) {
    std::vector<tcp_row> rows;
    error_info info;
    EXPECT_FALSE(parse_proc_net_tcp(read_netlink_file("loopback.tcp"), ip_family::ipv4,
                                    "loopback.tcp", states, rows, info))
        << info.to_string();
    EXPECT_FALSE(parse_proc_net_tcp(read_netlink_file("loopback.tcp6"), ip_family::ipv6,
                                    "loopback.tcp6", states, rows, info))
        << info.to_string();
    return rows;
}

// The parsed rows with their socket cookies cleared, for comparing with /proc's, which has none;
// every captured socket must have had one.
std::vector<tcp_row> without_cookies(std::vector<tcp_row> rows) {
    for (auto& r : rows) {
        EXPECT_NE(r.cookie, 0u) << "a netlink row without idiag_cookie";
        r.cookie = 0;
    }
    return rows;
}

std::vector<tcp_row> sorted(std::vector<tcp_row> rows) {
    std::sort(rows.begin(), rows.end(), [](const tcp_row& a, const tcp_row& b) {
        if (auto c = row_order::compare(a, b); c != 0) return c < 0;
        return a.inode < b.inode;
    });
    return rows;
}

// --- Crafted messages -------------------------------------------------------------------

void append(datagram& d, const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    d.insert(d.end(), b, b + n);
}

void append_header(datagram& d, std::uint32_t len, std::uint16_t type, std::uint16_t flags = 0,
                   std::uint32_t seq = 7) {
    nlmsghdr h{};
    h.nlmsg_len = len;
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_MULTI | flags);
    h.nlmsg_seq = seq;
    append(d, &h, sizeof h);
}

inet_diag_msg v4_socket(std::uint8_t state = 10, std::uint16_t sport = 8080) {
    inet_diag_msg m{};
    m.idiag_family = AF_INET;
    m.idiag_state = state;
    m.id.idiag_sport = boost::endian::native_to_big(sport);
    m.id.idiag_dport = 0;
    const std::uint8_t addr[4] = {127, 0, 0, 1};
    std::memcpy(m.id.idiag_src, addr, 4);
    m.idiag_uid = 1000;
    m.idiag_inode = 4242;
    return m;
}

void append_socket(datagram& d, const inet_diag_msg& m, std::uint16_t flags = 0,
                   std::uint16_t type = SOCK_DIAG_BY_FAMILY) {
    append_header(d, NLMSG_HDRLEN + sizeof m, type, flags);
    append(d, &m, sizeof m);
}

void append_done(datagram& d, int status = 0) {
    append_header(d, NLMSG_HDRLEN + sizeof status, NLMSG_DONE);
    append(d, &status, sizeof status);
}

parse_result parse_one(const datagram& d) { return parse_all({d}); }

TEST(netlink_parser, legacy_capture_equals_proc_capture) {
    auto r = parse_all(read_netlink_capture("loopback-legacy.bin"));
    ASSERT_FALSE(r.ec) << r.info.to_string();
    EXPECT_TRUE(r.done);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.rows.size(), 93u);
    // Same sockets, same fields (uid and inode included), as /proc read at the same moment.
    EXPECT_EQ(sorted(without_cookies(r.rows)), sorted(proc_rows()));
}

TEST(netlink_parser, legacy_capture_spans_several_datagrams_and_both_families) {
    auto datagrams = read_netlink_capture("loopback-legacy.bin");
    EXPECT_GT(datagrams.size(), 1u);
    auto r = parse_all(datagrams);
    ASSERT_FALSE(r.ec);
    auto v6 = std::count_if(r.rows.begin(), r.rows.end(),
                            [](const tcp_row& row) { return row.family() == ip_family::ipv6; });
    EXPECT_EQ(v6, 10);
    for (const auto& row : r.rows) {
        EXPECT_TRUE(row.local_address.is_loopback());
        EXPECT_EQ(row.local_address.scope_id(), 0u);
    }
}

TEST(netlink_parser, capture_has_the_states_the_tool_made) {
    auto r = parse_all(read_netlink_capture("loopback-legacy.bin"));
    ASSERT_FALSE(r.ec);
    auto count = [&](tcp_state s) {
        return std::count_if(r.rows.begin(), r.rows.end(),
                             [&](const tcp_row& row) { return row.state == s; });
    };
    EXPECT_EQ(count(tcp_state::listen), 2);
    EXPECT_EQ(count(tcp_state::established), 88);
    EXPECT_EQ(count(tcp_state::close_wait), 1);
    EXPECT_EQ(count(tcp_state::fin_wait2), 1);
    EXPECT_EQ(count(tcp_state::time_wait), 1);
    for (const auto& row : r.rows)
        if (row.state == tcp_state::time_wait) {
            EXPECT_EQ(row.inode, 0u);
        }
}

TEST(netlink_parser, by_family_capture_equals_proc_tcp6) {
    auto r = parse_all(read_netlink_capture("loopback-v6.bin"));
    ASSERT_FALSE(r.ec) << r.info.to_string();
    std::vector<tcp_row> v6;
    error_info info;
    ASSERT_FALSE(parse_proc_net_tcp(read_netlink_file("loopback.tcp6"), ip_family::ipv6, "tcp6",
                                    state_set::all(), v6, info));
    EXPECT_EQ(sorted(without_cookies(r.rows)), sorted(v6));
}

TEST(netlink_parser, listen_capture_holds_only_listeners) {
    // The kernel applied idiag_states: the raw dump has nothing but the two listeners.
    auto r = parse_all(read_netlink_capture("loopback-listen.bin"));
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(sorted(without_cookies(r.rows)), sorted(proc_rows(state_set::listening())));
    ASSERT_EQ(r.rows.size(), 2u);
}

TEST(netlink_parser, user_space_filters_apply) {
    auto datagrams = read_netlink_capture("loopback-legacy.bin");
    auto v4 = parse_all(datagrams, address_family::ipv4);
    ASSERT_FALSE(v4.ec);
    EXPECT_EQ(v4.rows.size(), 83u);
    auto tw = parse_all(datagrams, address_family::both, {tcp_state::time_wait});
    ASSERT_FALSE(tw.ec);
    EXPECT_EQ(tw.rows.size(), 1u);
}

TEST(netlink_parser, fields_convert_at_the_edge) {
    datagram d;
    append_socket(d, v4_socket(1, 0x1234));
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec) << r.info.to_string();
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].local_address, ip_address::v4(127, 0, 0, 1));
    EXPECT_EQ(r.rows[0].local_port, 0x1234);
    EXPECT_EQ(r.rows[0].state, tcp_state::established);
    EXPECT_EQ(r.rows[0].uid, 1000u);
    EXPECT_EQ(r.rows[0].inode, 4242u);
    EXPECT_TRUE(r.done);
}

TEST(netlink_parser, scope_id_only_for_link_local) {
    inet_diag_msg m = v4_socket();
    m.idiag_family = AF_INET6;
    m.id.idiag_if = 3;
    std::uint8_t link_local[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::uint8_t loopback[16] = {};
    loopback[15] = 1;
    std::memcpy(m.id.idiag_src, link_local, 16);
    std::memcpy(m.id.idiag_dst, loopback, 16);
    datagram d;
    append_socket(d, m);
    // fe80::/10 covers febf:: too.
    link_local[1] = 0xbf;
    std::memcpy(m.id.idiag_src, link_local, 16);
    append_socket(d, m);
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec);
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].local_address.scope_id(), 3u);
    EXPECT_EQ(r.rows[0].remote_address.scope_id(), 0u);  // ::1 never carries one, as in /proc
    EXPECT_EQ(r.rows[0].local_address.to_string(), "fe80::1%3");
    EXPECT_EQ(r.rows[1].local_address.scope_id(), 3u);
}

TEST(netlink_parser, bound_inactive_is_skipped) {
    datagram d;
    append_socket(d, v4_socket(13));
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec);
    EXPECT_TRUE(r.rows.empty());
}

TEST(netlink_parser, legacy_reply_type_and_noop_are_accepted) {
    datagram d;
    append_header(d, NLMSG_HDRLEN, NLMSG_NOOP);
    append_socket(d, v4_socket(), 0, TCPDIAG_GETSOCK);
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.rows.size(), 1u);
}

TEST(netlink_parser, attributes_after_the_message_are_skipped) {
    datagram d;
    inet_diag_msg m = v4_socket();
    nlattr attr{};
    attr.nla_len = NLA_HDRLEN + 4;
    attr.nla_type = INET_DIAG_MARK;
    std::uint32_t value = 9;
    append_header(d, NLMSG_HDRLEN + sizeof m + sizeof attr + sizeof value, SOCK_DIAG_BY_FAMILY);
    append(d, &m, sizeof m);
    append(d, &attr, sizeof attr);
    append(d, &value, sizeof value);
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec) << r.info.to_string();
    EXPECT_EQ(r.rows.size(), 1u);
}

TEST(netlink_parser, dump_intr_is_reported) {
    datagram d;
    append_socket(d, v4_socket(), NLM_F_DUMP_INTR);
    append_done(d);
    auto r = parse_one(d);
    ASSERT_FALSE(r.ec);
    EXPECT_TRUE(r.interrupted);
}

TEST(netlink_parser, nlmsg_error_is_the_kernels_errno) {
    datagram d;
    nlmsgerr e{};
    e.error = -EINVAL;
    append_header(d, NLMSG_HDRLEN + sizeof e, NLMSG_ERROR);
    append(d, &e, sizeof e);
    auto r = parse_one(d);
    EXPECT_EQ(r.ec, std::errc::invalid_argument);
    EXPECT_TRUE(r.kernel_refused);
}

TEST(netlink_parser, nlmsg_error_zero_is_an_ack) {
    datagram d;
    nlmsgerr e{};
    append_header(d, NLMSG_HDRLEN + sizeof e, NLMSG_ERROR);
    append(d, &e, sizeof e);
    append_done(d);
    auto r = parse_one(d);
    EXPECT_FALSE(r.ec);
    EXPECT_TRUE(r.done);
}

TEST(netlink_parser, done_with_negative_status_is_an_error) {
    datagram d;
    append_done(d, -ENOBUFS);
    auto r = parse_one(d);
    EXPECT_EQ(r.ec, std::errc::no_buffer_space);
    EXPECT_TRUE(r.kernel_refused);
}

TEST(netlink_parser, done_without_payload_is_accepted) {
    datagram d;
    append_header(d, NLMSG_HDRLEN, NLMSG_DONE);
    auto r = parse_one(d);
    EXPECT_FALSE(r.ec);
    EXPECT_TRUE(r.done);
}

// Every malformed case: a parse_error naming the message and the offset, never a crash.
struct malformed_case {
    const char* name;
    datagram bytes;
    const char* says;
};

std::vector<malformed_case> malformed_cases() {
    std::vector<malformed_case> cases;
    {
        datagram d(8, std::byte{0});
        cases.push_back({"short_header", d, "truncated nlmsghdr"});
    }
    {
        datagram d;
        append_header(d, 8, SOCK_DIAG_BY_FAMILY);
        cases.push_back({"nlmsg_len_below_header", d, "shorter than the header"});
    }
    {
        datagram d;
        append_header(d, NLMSG_HDRLEN + sizeof(inet_diag_msg), SOCK_DIAG_BY_FAMILY);
        cases.push_back({"nlmsg_len_past_datagram", d, "runs past the datagram"});
    }
    {
        datagram d;
        inet_diag_msg m = v4_socket();
        append_header(d, NLMSG_HDRLEN + sizeof m + 2, SOCK_DIAG_BY_FAMILY);
        append(d, &m, sizeof m);
        d.resize(d.size() + 2);  // the length is odd by 2 and nothing pads it
        cases.push_back({"unpadded_length", d, "misaligned"});
    }
    {
        datagram d;
        inet_diag_msg m = v4_socket();
        append_header(d, NLMSG_HDRLEN + 40, SOCK_DIAG_BY_FAMILY);
        append(d, &m, 40);
        cases.push_back({"truncated_inet_diag_msg", d, "truncated inet_diag_msg"});
    }
    {
        datagram d;
        inet_diag_msg m = v4_socket();
        m.idiag_family = AF_UNIX;
        append_socket(d, m);
        cases.push_back({"unknown_family", d, "unknown address family 1"});
    }
    {
        datagram d;
        append_socket(d, v4_socket(0));
        cases.push_back({"state_zero", d, "unknown TCP state 0"});
    }
    {
        datagram d;
        append_socket(d, v4_socket(14));
        cases.push_back({"state_fourteen", d, "unknown TCP state 14"});
    }
    {
        datagram d;
        append_header(d, NLMSG_HDRLEN, 99);
        cases.push_back({"unknown_type", d, "unexpected message type 99"});
    }
    {
        datagram d;
        append_header(d, NLMSG_HDRLEN, NLMSG_OVERRUN);
        cases.push_back({"overrun", d, "NLMSG_OVERRUN"});
    }
    {
        datagram d;
        append_header(d, NLMSG_HDRLEN, NLMSG_ERROR);
        cases.push_back({"truncated_error", d, "truncated NLMSG_ERROR"});
    }
    {
        datagram d;
        nlmsgerr e{};
        e.error = INT32_MIN;
        append_header(d, NLMSG_HDRLEN + sizeof e, NLMSG_ERROR);
        append(d, &e, sizeof e);
        cases.push_back({"error_not_an_errno", d, "is not an errno"});
    }
    {
        datagram d;
        append_done(d, -100000);
        cases.push_back({"done_status_not_an_errno", d, "is not an errno"});
    }
    {
        datagram d;
        append_done(d);
        append_socket(d, v4_socket());
        cases.push_back({"message_after_done", d, "after NLMSG_DONE"});
    }
    {
        datagram d;
        append_socket(d, v4_socket());
        d.resize(d.size() + 6);  // a partial header after a good message
        cases.push_back({"trailing_bytes", d, "truncated nlmsghdr"});
    }
    return cases;
}

TEST(netlink_parser, malformed_messages_are_parse_errors) {
    for (const auto& c : malformed_cases()) {
        SCOPED_TRACE(c.name);
        auto r = parse_one(c.bytes);
        EXPECT_EQ(r.ec, errc::parse_error);
        EXPECT_EQ(r.info.file, netlink_source_name);
        EXPECT_GE(r.info.line, 1u);
        EXPECT_NE(r.info.message.find("byte offset"), std::string::npos) << r.info.message;
        EXPECT_NE(r.info.message.find(c.says), std::string::npos) << r.info.message;
    }
}

TEST(netlink_parser, error_names_the_message_and_offset) {
    datagram d;
    append_socket(d, v4_socket());
    append_socket(d, v4_socket(0));
    auto r = parse_one(d);
    ASSERT_EQ(r.ec, errc::parse_error);
    EXPECT_EQ(r.info.line, 2u);
    EXPECT_NE(
        r.info.message.find("byte offset " + std::to_string(NLMSG_HDRLEN + sizeof(inet_diag_msg))),
        std::string::npos)
        << r.info.message;
}

TEST(netlink_parser, wrong_sequence_number_is_a_parse_error) {
    datagram d;
    append_socket(d, v4_socket());
    netlink_parser parser(address_family::both, state_set::all(), 8);
    std::vector<tcp_row> rows;
    error_info info;
    EXPECT_EQ(parser.parse_datagram(d, rows, info), errc::parse_error);
    EXPECT_NE(info.message.find("sequence number 7"), std::string::npos);
}

// Where each message of a whole datagram ends, as the parser steps (NLMSG_ALIGN of nlmsg_len).
std::vector<std::size_t> message_ends(const datagram& d) {
    std::vector<std::size_t> ends;
    for (std::size_t at = 0; at + NLMSG_HDRLEN <= d.size();) {
        nlmsghdr h;
        std::memcpy(&h, d.data() + at, sizeof h);
        at += NLMSG_ALIGN(h.nlmsg_len);
        ends.push_back(at);
    }
    return ends;
}

// The contract on a datagram cut short: a cut at a message boundary is a shorter valid
// datagram, which parses into exactly the rows of the messages it still holds; a cut anywhere
// else leaves a truncated message, which is a parse_error naming it. Every prefix of every
// captured datagram, each with a fresh parser.
TEST(netlink_parser, every_truncated_prefix_is_a_parse_error_unless_it_ends_a_message) {
    std::size_t cut_inside = 0, cut_at_boundary = 0;
    for (const char* name : {"loopback-legacy.bin", "loopback-v6.bin", "loopback-listen.bin"}) {
        SCOPED_TRACE(name);
        for (const auto& d : read_netlink_capture(name)) {
            // The whole datagram first: the rows every shorter cut must be a prefix of.
            std::vector<tcp_row> all;
            {
                netlink_parser parser(address_family::both, state_set::all());
                error_info info;
                ASSERT_FALSE(parser.parse_datagram(d, all, info)) << info.to_string();
            }
            const auto ends = message_ends(d);
            // Socket messages among the first k messages: the rows a cut after them gives.
            std::vector<std::size_t> sockets_before{0};
            for (std::size_t k = 0, at = 0; k < ends.size(); at = ends[k++]) {
                nlmsghdr h;
                std::memcpy(&h, d.data() + at, sizeof h);
                sockets_before.push_back(
                    sockets_before.back() +
                    (h.nlmsg_type == SOCK_DIAG_BY_FAMILY || h.nlmsg_type == TCPDIAG_GETSOCK));
            }
            ASSERT_EQ(all.size(), sockets_before.back());
            std::size_t next_end = 0;  // index into ends of the first end >= n
            for (std::size_t n = 0; n < d.size(); ++n) {
                while (next_end < ends.size() && ends[next_end] < n) ++next_end;
                datagram cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
                netlink_parser parser(address_family::both, state_set::all());
                std::vector<tcp_row> rows;
                error_info info;
                const auto ec = parser.parse_datagram(cut, rows, info);
                const bool boundary = n == 0 || (next_end < ends.size() && ends[next_end] == n);
                if (boundary) {
                    ++cut_at_boundary;
                    ASSERT_FALSE(ec) << "cut at " << n << ": " << info.to_string();
                    // Exactly the rows of the whole messages before the cut.
                    ASSERT_EQ(rows.size(), sockets_before[n == 0 ? 0 : next_end + 1])
                        << "cut at " << n;
                    EXPECT_TRUE(std::equal(rows.begin(), rows.end(), all.begin()))
                        << "cut at " << n;
                } else {
                    ++cut_inside;
                    ASSERT_EQ(ec, errc::parse_error) << "cut at " << n << " of " << d.size();
                    EXPECT_EQ(info.file, netlink_source_name);
                    EXPECT_NE(info.message.find("byte offset"), std::string::npos) << info.message;
                }
            }
        }
    }
    // The captures hold many messages per datagram, so both kinds of cut were made.
    EXPECT_GT(cut_at_boundary, 10u);
    EXPECT_GT(cut_inside, 1000u);
}

// What any row the parser returns must be, whatever bytes it was given.
std::string row_problem(const tcp_row& r) {
    const auto s = static_cast<unsigned>(r.state);
    if (s < 1 || s > 12) return "state " + std::to_string(s);
    if (r.local_address.family() != r.remote_address.family()) return "mixed families";
    for (const ip_address* a : {&r.local_address, &r.remote_address}) {
        if (a->is_v4()) {
            for (std::size_t i = 4; i < 16; ++i)
                if (a->bytes()[i] != 0) return "IPv4 address with bytes past the fourth";
            if (a->scope_id() != 0) return "IPv4 address with a scope id";
        } else if (a->scope_id() != 0 &&
                   !(a->bytes()[0] == 0xfe && (a->bytes()[1] & 0xc0) == 0x80)) {
            return "scope id on an address that is not link-local: " + a->to_string();
        }
    }
    return {};
}

// Random bit flips in captured datagrams: each flipped datagram either parses into rows that
// are well-formed (valid state, one family, IPv4 bytes and scope ids as the contract says), or
// is a parse_error that names the message, or reads as the kernel's errno (a flipped type can
// make an NLMSG_ERROR); never a crash (ASan runs this too). Flips of the length or the state
// must be caught: some are.
TEST(netlink_parser, bit_flips_give_well_formed_rows_or_a_parse_error) {
    std::mt19937 rng(12345);
    auto datagrams = read_netlink_capture("loopback-legacy.bin");
    ASSERT_FALSE(datagrams.empty());
    std::size_t parsed = 0, parse_errors = 0, kernel_errors = 0;
    for (int i = 0; i < 2000; ++i) {
        SCOPED_TRACE(i);
        datagram d = datagrams[static_cast<std::size_t>(i) % datagrams.size()];
        const std::size_t messages = message_ends(d).size();
        for (int flips = 0; flips < 4; ++flips) {
            std::size_t at = rng() % d.size();
            d[at] ^= std::byte(1u << (rng() % 8));
        }
        netlink_parser parser(address_family::both, state_set::all());
        std::vector<tcp_row> rows;
        error_info info;
        const auto ec = parser.parse_datagram(d, rows, info);
        if (!ec) {
            ++parsed;
        } else if (ec == errc::parse_error) {
            ++parse_errors;
            EXPECT_EQ(info.file, netlink_source_name);
            EXPECT_GE(info.line, 1u);
            EXPECT_NE(info.message.find("byte offset"), std::string::npos) << info.message;
        } else {
            ++kernel_errors;
            EXPECT_TRUE(parser.kernel_refused()) << ec.message();
            EXPECT_EQ(ec.category(), std::system_category());
            EXPECT_GE(ec.value(), 1);
            EXPECT_LE(ec.value(), 4095);
        }
        // Rows parsed before an error are kept in `rows`: they too must be well-formed.
        EXPECT_LE(rows.size(), messages);
        for (const auto& r : rows) {
            const std::string why = row_problem(r);
            EXPECT_TRUE(why.empty()) << why;
            if (!why.empty()) break;
        }
    }
    std::printf("bit flips: %zu parsed, %zu parse errors, %zu kernel errors\n", parsed,
                parse_errors, kernel_errors);
    EXPECT_GT(parse_errors, 0u);
    EXPECT_GT(parsed, 0u);  // most flips land in addresses and ports, which any value fits

    // Flips that must always be caught, in every message of every datagram: the high byte of
    // nlmsg_len (the length then runs past the datagram), and the state byte made 0 or 15.
    for (const auto& original : datagrams) {
        std::size_t begin = 0;
        for (std::size_t end : message_ends(original)) {
            nlmsghdr h;
            std::memcpy(&h, original.data() + begin, sizeof h);
            const bool socket_message =
                h.nlmsg_type == SOCK_DIAG_BY_FAMILY || h.nlmsg_type == TCPDIAG_GETSOCK;
            {
                datagram d = original;
                d[begin + offsetof(nlmsghdr, nlmsg_len) + 3] ^= std::byte{0x40};
                netlink_parser parser(address_family::both, state_set::all());
                std::vector<tcp_row> rows;
                error_info info;
                EXPECT_EQ(parser.parse_datagram(d, rows, info), errc::parse_error)
                    << "length flip at " << begin;
            }
            if (socket_message) {
                for (std::uint8_t bad : {0, 15}) {
                    datagram d = original;
                    d[begin + NLMSG_HDRLEN + offsetof(inet_diag_msg, idiag_state)] = std::byte{bad};
                    netlink_parser parser(address_family::both, state_set::all());
                    std::vector<tcp_row> rows;
                    error_info info;
                    EXPECT_EQ(parser.parse_datagram(d, rows, info), errc::parse_error)
                        << "state " << int(bad) << " at " << begin;
                    EXPECT_NE(info.message.find("unknown TCP state"), std::string::npos)
                        << info.message;
                }
            }
            begin = end;
        }
    }
}

}  // namespace
