// SPDX-License-Identifier: MIT
// Metrics from the netlink parser (a captured dump of this kernel asking for the extensions,
// crafted and truncated attributes) and from /proc, and the shared code keeping metrics beside
// their rows through state filtering and sorting.
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstddef>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/backend.hpp"
#include "linux/netlink_parser.hpp"
#include "linux/procfs_backend.hpp"
#include "linux/procfs_parser.hpp"
#include "support/capture_files.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::detail;

using namespace tcptable::testing;  // the capture files and their parse

parsed_capture parse(const std::vector<datagram>& datagrams, bool with_metrics = true,
                     state_set states = state_set::all()) {
    parsed_capture r;
    netlink_parser parser(address_family::both, states);
    if (with_metrics) parser.collect_metrics(&r.metrics);
    parse_datagrams(parser, datagrams, r);
    return r;
}

// The INET_DIAG_INFO payload of the first ESTABLISHED socket of the capture with data moved.
std::vector<std::byte> captured_tcp_info() {
    for (const auto& d : read_netlink_capture("loopback-info.bin")) {
        std::size_t off = 0;
        while (off + NLMSG_HDRLEN <= d.size()) {
            nlmsghdr h;
            std::memcpy(&h, d.data() + off, sizeof h);
            if (h.nlmsg_type == TCPDIAG_GETSOCK &&
                h.nlmsg_len >= NLMSG_HDRLEN + sizeof(inet_diag_msg)) {
                inet_diag_msg m;
                std::memcpy(&m, d.data() + off + NLMSG_HDRLEN, sizeof m);
                std::size_t a = off + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof m);
                const std::size_t end = off + h.nlmsg_len;
                while (m.idiag_state == 1 && a + sizeof(rtattr) <= end) {
                    rtattr ra;
                    std::memcpy(&ra, d.data() + a, sizeof ra);
                    if (ra.rta_len < sizeof ra) break;
                    if (ra.rta_type == INET_DIAG_INFO)
                        return {d.begin() + std::ptrdiff_t(a + RTA_LENGTH(0)),
                                d.begin() + std::ptrdiff_t(a + ra.rta_len)};
                    a += RTA_ALIGN(ra.rta_len);
                }
            }
            if (h.nlmsg_len < NLMSG_HDRLEN) break;
            off += NLMSG_ALIGN(h.nlmsg_len);
        }
    }
    ADD_FAILURE() << "no ESTABLISHED socket with INET_DIAG_INFO in loopback-info.bin";
    return {};
}

TEST(metrics_parser, captured_dump_gives_one_metrics_value_per_row) {
    auto r = parse(read_netlink_capture("loopback-info.bin"));
    ASSERT_FALSE(r.ec) << r.info.to_string();
    ASSERT_EQ(r.metrics.size(), r.rows.size());
    ASSERT_GT(r.rows.size(), 90u);
    std::size_t established = 0;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const tcp_row& row = r.rows[i];
        const tcp_metrics& m = r.metrics[i];
        if (row.state == tcp_state::established) {
            ++established;
            // Every field this kernel's tcp_info has is there for a connection.
            for (auto f :
                 {tcp_metric::rtt_us, tcp_metric::rttvar_us, tcp_metric::rto_ms, tcp_metric::cwnd,
                  tcp_metric::mss, tcp_metric::pmtu, tcp_metric::bytes_acked,
                  tcp_metric::bytes_received, tcp_metric::bytes_sent, tcp_metric::segs_out,
                  tcp_metric::segs_in, tcp_metric::delivery_rate, tcp_metric::busy_time_ms,
                  tcp_metric::last_send_ms, tcp_metric::send_queue, tcp_metric::recv_queue,
                  tcp_metric::snd_buf, tcp_metric::rcv_buf})
                EXPECT_TRUE(m.has(f)) << to_string(f) << " of row " << i;
            EXPECT_GT(*m[tcp_metric::mss], 0u);
            EXPECT_GT(*m[tcp_metric::cwnd], 0u);
            // Loopback's MTU (65536; IPv4 reports 65535, the most an IPv4 packet can hold).
            EXPECT_GE(*m[tcp_metric::pmtu], 65535u);
            EXPECT_LE(*m[tcp_metric::pmtu], 65536u);
            ASSERT_TRUE(m.congestion());
            EXPECT_FALSE(m.congestion()->empty());
            EXPECT_FALSE(m.has(tcp_metric::backlog));
        } else if (row.state == tcp_state::time_wait || row.state == tcp_state::fin_wait2) {
            // (The capture's FIN-WAIT-2 socket is an orphan the kernel keeps as a time-wait
            // socket.)
            // No tcp_info, no queues: nothing at all, rather than zeros.
            EXPECT_FALSE(m.any()) << "TIME-WAIT row " << i;
        } else if (row.state == tcp_state::listen) {
            EXPECT_TRUE(m.has(tcp_metric::backlog));
            EXPECT_FALSE(m.has(tcp_metric::rtt_us)) << "a listener's tcp_info is all zeros";
            EXPECT_FALSE(m.has(tcp_metric::cwnd));
        }
    }
    EXPECT_GT(established, 80u);
}

TEST(metrics_parser, captured_accept_queue_and_unread_bytes) {
    auto r = parse(read_netlink_capture("loopback-info.bin"));
    ASSERT_FALSE(r.ec) << r.info.to_string();
    int queued_listeners = 0, unread = 0;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const tcp_metrics& m = r.metrics[i];
        if (r.rows[i].state == tcp_state::listen && m[tcp_metric::backlog] == 5u) {
            ++queued_listeners;
            EXPECT_EQ(m[tcp_metric::recv_queue], 3u);
            EXPECT_EQ(m[tcp_metric::send_queue], 5u);  // as ss prints a listener's Send-Q
        }
        if (r.rows[i].state == tcp_state::established && m[tcp_metric::recv_queue] == 1000u) {
            ++unread;
            EXPECT_EQ(m[tcp_metric::bytes_received], 1000u);
        }
    }
    EXPECT_EQ(queued_listeners, 1);
    EXPECT_EQ(unread, 1);
}

// The same moment's /proc gives the same queues, row for row.
TEST(metrics_parser, captured_queues_equal_proc_queues) {
    auto r = parse(read_netlink_capture("loopback-info.bin"));
    ASSERT_FALSE(r.ec) << r.info.to_string();
    std::vector<tcp_row> proc;
    std::vector<tcp_metrics> proc_metrics;
    for (auto [file, family] : {std::pair{"loopback-info.tcp", ip_family::ipv4},
                                std::pair{"loopback-info.tcp6", ip_family::ipv6}}) {
        procfs_parser p(family, file, state_set::all());
        p.collect_metrics(&proc_metrics);
        error_info info;
        ASSERT_FALSE(p.parse_lines(read_netlink_file(file), proc, info)) << info.to_string();
    }
    ASSERT_EQ(proc.size(), proc_metrics.size());
    ASSERT_EQ(proc.size(), r.rows.size());
    using key = std::tuple<std::string, std::uint16_t, std::string, std::uint16_t, std::uint32_t>;
    std::map<key, std::size_t> by_key;
    for (std::size_t i = 0; i < proc.size(); ++i)
        by_key[{proc[i].local_address.to_string(), proc[i].local_port,
                proc[i].remote_address.to_string(), proc[i].remote_port, proc[i].inode}] = i;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const tcp_row& row = r.rows[i];
        auto it = by_key.find({row.local_address.to_string(), row.local_port,
                               row.remote_address.to_string(), row.remote_port, row.inode});
        ASSERT_NE(it, by_key.end()) << "row " << i << " not in /proc";
        const tcp_metrics& pm = proc_metrics[it->second];
        const tcp_metrics& nm = r.metrics[i];
        EXPECT_EQ(pm[tcp_metric::recv_queue], nm[tcp_metric::recv_queue]) << "row " << i;
        if (row.state != tcp_state::listen) {
            EXPECT_EQ(pm[tcp_metric::send_queue], nm[tcp_metric::send_queue]) << "row " << i;
            EXPECT_EQ(pm[tcp_metric::rto_retransmits], nm[tcp_metric::rto_retransmits]);
        } else {
            EXPECT_FALSE(pm.has(tcp_metric::send_queue)) << "/proc has no backlog";
        }
        // /proc knows nothing of tcp_info.
        EXPECT_FALSE(pm.has(tcp_metric::rtt_us));
        EXPECT_FALSE(pm.congestion());
    }
}

TEST(metrics_parser, without_metrics_attributes_are_not_read) {
    auto with = parse(read_netlink_capture("loopback-info.bin"), true);
    auto without = parse(read_netlink_capture("loopback-info.bin"), false);
    ASSERT_FALSE(without.ec) << without.info.to_string();
    EXPECT_TRUE(without.metrics.empty());
    EXPECT_EQ(with.rows, without.rows);
}

TEST(metrics_parser, state_filter_keeps_metrics_beside_rows) {
    auto all = parse(read_netlink_capture("loopback-info.bin"));
    auto listeners = parse(read_netlink_capture("loopback-info.bin"), true, state_set::listening());
    ASSERT_FALSE(listeners.ec);
    ASSERT_EQ(listeners.rows.size(), listeners.metrics.size());
    std::size_t j = 0;
    for (std::size_t i = 0; i < all.rows.size(); ++i) {
        if (all.rows[i].state != tcp_state::listen) continue;
        ASSERT_LT(j, listeners.rows.size());
        EXPECT_EQ(listeners.rows[j], all.rows[i]);
        EXPECT_EQ(listeners.metrics[j], all.metrics[i]);
        ++j;
    }
    EXPECT_EQ(j, listeners.rows.size());
}

// An older kernel's tcp_info is shorter: the fields past its end are absent, not zero.
TEST(metrics_parser, truncated_tcp_info_leaves_newer_fields_absent) {
    const auto info = captured_tcp_info();
    ASSERT_GE(info.size(), sizeof(tcp_info) - 64);  // this kernel's, near the header's size
    tcp_metrics whole;
    metrics_from_tcp_info(info, 1, whole);
    ASSERT_TRUE(whole.has(tcp_metric::bytes_sent));
    ASSERT_TRUE(whole.has(tcp_metric::bytes_acked));

    // Linux 3.x's struct ends at tcpi_total_retrans (104 bytes, before tcpi_pacing_rate).
    const std::size_t v3 = offsetof(tcp_info, tcpi_pacing_rate);
    EXPECT_EQ(v3, 104u);
    tcp_metrics old;
    metrics_from_tcp_info(std::span(info).first(v3), 1, old);
    for (auto f : {tcp_metric::rtt_us, tcp_metric::rttvar_us, tcp_metric::cwnd, tcp_metric::mss,
                   tcp_metric::pmtu, tcp_metric::total_retrans, tcp_metric::rto_ms})
        EXPECT_EQ(old[f], whole[f]) << to_string(f);
    for (auto f : {tcp_metric::bytes_acked, tcp_metric::bytes_received, tcp_metric::segs_out,
                   tcp_metric::segs_in, tcp_metric::min_rtt_us, tcp_metric::delivery_rate,
                   tcp_metric::busy_time_ms, tcp_metric::bytes_sent, tcp_metric::bytes_retrans})
        EXPECT_FALSE(old.has(f)) << to_string(f) << " should be absent";

    // Linux 4.1 added bytes_acked and bytes_received; segs_out came in 4.2.
    tcp_metrics v41;
    metrics_from_tcp_info(std::span(info).first(offsetof(tcp_info, tcpi_segs_out)), 1, v41);
    EXPECT_EQ(v41[tcp_metric::bytes_acked], whole[tcp_metric::bytes_acked]);
    EXPECT_EQ(v41[tcp_metric::bytes_received], whole[tcp_metric::bytes_received]);
    EXPECT_FALSE(v41.has(tcp_metric::segs_out));

    // A field cut in half is absent too.
    tcp_metrics half;
    metrics_from_tcp_info(std::span(info).first(offsetof(tcp_info, tcpi_bytes_acked) + 4), 1, half);
    EXPECT_FALSE(half.has(tcp_metric::bytes_acked));
    EXPECT_TRUE(half.has(tcp_metric::total_retrans));

    tcp_metrics none;
    metrics_from_tcp_info({}, 1, none);
    EXPECT_FALSE(none.any());
}

// --- Crafted messages through the whole parser -------------------------------------------

void append(datagram& d, const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    d.insert(d.end(), b, b + n);
}

inet_diag_msg established_v4() {
    inet_diag_msg m{};
    m.idiag_family = AF_INET;
    m.idiag_state = 1;
    m.id.idiag_sport = boost::endian::native_to_big(std::uint16_t(5000));
    m.id.idiag_dport = boost::endian::native_to_big(std::uint16_t(6000));
    const std::uint8_t addr[4] = {127, 0, 0, 1};
    std::memcpy(m.id.idiag_src, addr, 4);
    std::memcpy(m.id.idiag_dst, addr, 4);
    m.idiag_rqueue = 11;
    m.idiag_wqueue = 22;
    m.idiag_inode = 77;
    return m;
}

// One message carrying `attrs` (already laid out) and NLMSG_DONE.
datagram message_with(const inet_diag_msg& m, const datagram& attrs) {
    datagram d;
    nlmsghdr h{};
    h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + sizeof m + attrs.size());
    h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    h.nlmsg_flags = NLM_F_MULTI;
    append(d, &h, sizeof h);
    append(d, &m, sizeof m);
    d.insert(d.end(), attrs.begin(), attrs.end());
    while (d.size() % 4) d.push_back(std::byte{0});
    nlmsghdr done{};
    done.nlmsg_len = NLMSG_HDRLEN + 4;
    done.nlmsg_type = NLMSG_DONE;
    done.nlmsg_flags = NLM_F_MULTI;
    append(d, &done, sizeof done);
    int status = 0;
    append(d, &status, sizeof status);
    return d;
}

void append_attr(datagram& attrs, std::uint16_t type, const void* p, std::size_t n) {
    rtattr a{};
    a.rta_len = static_cast<unsigned short>(RTA_LENGTH(n));
    a.rta_type = type;
    append(attrs, &a, sizeof a);
    append(attrs, p, n);
    while (attrs.size() % 4) attrs.push_back(std::byte{0});
}

TEST(metrics_parser, old_kernel_message_through_the_parser) {
    const auto info = captured_tcp_info();
    datagram attrs;
    append_attr(attrs, INET_DIAG_INFO, info.data(), 104);
    append_attr(attrs, INET_DIAG_CONG, "reno", 5);
    auto r = parse({message_with(established_v4(), attrs)});
    ASSERT_FALSE(r.ec) << r.info.to_string();
    ASSERT_EQ(r.metrics.size(), 1u);
    const tcp_metrics& m = r.metrics[0];
    EXPECT_EQ(m[tcp_metric::recv_queue], 11u);
    EXPECT_EQ(m[tcp_metric::send_queue], 22u);
    EXPECT_TRUE(m.has(tcp_metric::rtt_us));
    EXPECT_FALSE(m.has(tcp_metric::bytes_acked));
    EXPECT_FALSE(m.has(tcp_metric::bytes_sent));
    EXPECT_FALSE(m.has(tcp_metric::snd_buf)) << "no SKMEMINFO was sent";
    EXPECT_EQ(m.congestion(), std::string_view("reno"));
}

TEST(metrics_parser, skmeminfo_and_an_unterminated_congestion_name) {
    datagram attrs;
    std::uint32_t mem[SK_MEMINFO_VARS] = {};
    mem[SK_MEMINFO_RCVBUF] = 131072;
    mem[SK_MEMINFO_SNDBUF] = 16384;
    append_attr(attrs, INET_DIAG_SKMEMINFO, mem, sizeof mem);
    append_attr(attrs, INET_DIAG_CONG, "bbr", 3);
    auto r = parse({message_with(established_v4(), attrs)});
    ASSERT_FALSE(r.ec) << r.info.to_string();
    EXPECT_EQ(r.metrics[0][tcp_metric::rcv_buf], 131072u);
    EXPECT_EQ(r.metrics[0][tcp_metric::snd_buf], 16384u);
    EXPECT_EQ(r.metrics[0].congestion(), std::string_view("bbr"));
    EXPECT_FALSE(r.metrics[0].has(tcp_metric::rtt_us));

    // A name longer than any kernel's is cut at 15 bytes, not overrun.
    datagram long_name;
    append_attr(long_name, INET_DIAG_CONG, "abcdefghijklmnopqrstuvwxyz", 26);
    auto l = parse({message_with(established_v4(), long_name)});
    ASSERT_FALSE(l.ec);
    EXPECT_EQ(l.metrics[0].congestion(), std::string_view("abcdefghijklmno"));
}

TEST(metrics_parser, malformed_attributes_are_parse_errors) {
    // Shorter than its own header.
    datagram short_len;
    rtattr a{};
    a.rta_len = 2;
    a.rta_type = INET_DIAG_INFO;
    append(short_len, &a, sizeof a);
    auto r = parse({message_with(established_v4(), short_len)});
    EXPECT_EQ(r.ec, errc::parse_error);
    EXPECT_NE(r.info.message.find("attribute length 2"), std::string::npos) << r.info.message;

    // Longer than the message.
    datagram long_len;
    a.rta_len = 200;
    append(long_len, &a, sizeof a);
    std::uint32_t pad = 0;
    append(long_len, &pad, sizeof pad);
    r = parse({message_with(established_v4(), long_len)});
    EXPECT_EQ(r.ec, errc::parse_error);

    // Without metrics the same bytes are skipped, as before.
    r = parse({message_with(established_v4(), long_len)}, false);
    EXPECT_FALSE(r.ec) << r.info.to_string();
}

TEST(metrics_parser, time_wait_and_request_sockets_have_no_queues) {
    for (std::uint8_t state : {std::uint8_t(6), std::uint8_t(12)}) {
        inet_diag_msg m = established_v4();
        m.idiag_state = state;
        m.idiag_rqueue = 0;
        m.idiag_wqueue = 0;
        auto r = parse({message_with(m, {})});
        ASSERT_FALSE(r.ec) << r.info.to_string();
        ASSERT_EQ(r.metrics.size(), 1u);
        EXPECT_FALSE(r.metrics[0].any()) << "state " << int(state);
    }
}

// --- /proc -------------------------------------------------------------------------------

TEST(metrics_parser, proc_fields_and_absences) {
    const std::string text =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0 "
        "       0 100 1 0000000000000000 100 0 0 10 0\n"
        "   1: 0100007F:1F90 0100007F:D431 01 0000001A:000003E8 01:00000014 00000002     0 "
        "       0 101 1 0000000000000000 20 4 30 10 -1\n"
        "   2: 0100007F:D432 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0 "
        "       0 0 3 0000000000000000\n";
    std::vector<tcp_row> rows;
    std::vector<tcp_metrics> metrics;
    procfs_parser p(ip_family::ipv4, "tcp", state_set::all());
    p.collect_metrics(&metrics);
    error_info info;
    ASSERT_FALSE(p.parse_lines(text, rows, info)) << info.to_string();
    ASSERT_EQ(metrics.size(), 3u);
    EXPECT_EQ(metrics[0][tcp_metric::recv_queue], 3u);  // accept queue
    EXPECT_FALSE(metrics[0].has(tcp_metric::send_queue));
    EXPECT_FALSE(metrics[0].has(tcp_metric::backlog));
    EXPECT_EQ(metrics[1][tcp_metric::send_queue], 0x1au);
    EXPECT_EQ(metrics[1][tcp_metric::recv_queue], 1000u);
    EXPECT_EQ(metrics[1][tcp_metric::rto_retransmits], 2u);
    EXPECT_FALSE(metrics[1].has(tcp_metric::rtt_us));
    EXPECT_FALSE(metrics[2].any());  // TIME-WAIT prints zeros
}

TEST(metrics_parser, proc_queue_over_8_digits_is_malformed_with_metrics) {
    const std::string text =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n"
        "   0: 0100007F:1F90 0100007F:D431 01 000000001A:000003E8 01:00000014 00000002     0 "
        "       0 101 1\n";
    std::vector<tcp_row> rows;
    std::vector<tcp_metrics> metrics;
    procfs_parser p(ip_family::ipv4, "tcp", state_set::all());
    p.collect_metrics(&metrics);
    error_info info;
    EXPECT_EQ(p.parse_lines(text, rows, info), errc::parse_error);
    EXPECT_NE(info.message.find("tx_queue"), std::string::npos) << info.message;
    EXPECT_TRUE(rows.empty());
    EXPECT_TRUE(metrics.empty());
}

// --- Shared code: filtering, de-duplication and sorting move metrics with rows -------------

tcp_row row_at(std::uint8_t last_octet, std::uint16_t port, tcp_state state, bool v6 = false) {
    tcp_row r;
    if (v6) {
        ip_address::bytes_type b{};
        b[15] = last_octet;
        r.local_address = ip_address::v6(b);
        r.remote_address = ip_address::v6(b);
    } else {
        r.local_address = ip_address::v4({127, 0, 0, last_octet});
        r.remote_address = ip_address::v4({127, 0, 0, 1});
    }
    r.local_port = port;
    r.remote_port = 1;
    r.state = state;
    r.inode = port;
    return r;
}

// Each row's metrics carry the row's local port in recv_queue, so a mismatch shows.
tcp_metrics tag(const tcp_row& r) {
    tcp_metrics m;
    m.set(tcp_metric::recv_queue, r.local_port);
    m.set(tcp_metric::send_queue, r.local_address.bytes()[r.local_address.is_v4() ? 3 : 15]);
    return m;
}

bool aligned(const tcp_table& t) {
    if (t.metrics().size() != t.size()) return false;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (!(*t.metrics(i) == tag(t[i]))) return false;
    return true;
}

TEST(metrics_table, sort_moves_metrics_with_their_rows) {
    std::mt19937 rng(14);
    std::vector<tcp_row> rows;
    for (int i = 0; i < 5000; ++i) {
        auto st = static_cast<tcp_state>(1 + rng() % 12);
        rows.push_back(row_at(std::uint8_t(rng()), std::uint16_t(rng()), st, rng() % 3 == 0));
    }
    tcp_table t(rows);
    for (const auto& r : t) t.mutable_metrics().push_back(tag(r));
    t.set_metrics_asked(true);
    sort_table(t);
    ASSERT_TRUE(aligned(t));
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), row_order{}));
    // The rows equal sort_rows' result.
    sort_rows(rows);
    EXPECT_TRUE(std::equal(rows.begin(), rows.end(), t.begin()));
}

TEST(metrics_table, keep_states_and_drop_repeated_rows_keep_alignment) {
    std::vector<tcp_row> rows;
    std::vector<tcp_metrics> metrics;
    for (std::uint16_t p = 1; p <= 60; ++p) {
        rows.push_back(row_at(2, p, p % 3 == 0 ? tcp_state::listen : tcp_state::established));
        metrics.push_back(tag(rows.back()));
        if (p % 7 == 0) {  // listed twice, as /proc can
            rows.push_back(rows.back());
            metrics.push_back(metrics.back());
        }
    }
    EXPECT_EQ(drop_repeated_rows(rows, 0, &metrics), 8u);
    ASSERT_EQ(rows.size(), 60u);
    keep_states(rows, state_set::listening(), 0, &metrics);
    ASSERT_EQ(rows.size(), 20u);
    ASSERT_EQ(metrics.size(), 20u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].state, tcp_state::listen);
        EXPECT_EQ(metrics[i], tag(rows[i]));
    }
}

TEST(metrics_model, names_and_presence) {
    EXPECT_EQ(to_string(tcp_metric::rtt_us), "rtt_us");
    EXPECT_EQ(to_string(tcp_metric::rcv_buf), "rcv_buf");
    EXPECT_EQ(rfc4898_name(tcp_metric::bytes_acked), "tcpEStatsAppHCThruOctetsAcked");
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < tcp_metric_count; ++i)
        names.push_back(to_string(static_cast<tcp_metric>(i)));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "duplicate name";
    tcp_metrics m;
    EXPECT_FALSE(m.any());
    EXPECT_EQ(m[tcp_metric::cwnd], std::nullopt);
    m.set(tcp_metric::cwnd, 0);  // a real zero is present
    EXPECT_EQ(m[tcp_metric::cwnd], 0u);
    m.clear(tcp_metric::cwnd);
    EXPECT_FALSE(m.has(tcp_metric::cwnd));
    m.set_congestion("cubic");
    EXPECT_EQ(m.congestion(), std::string_view("cubic"));
    m.set_congestion("");
    EXPECT_FALSE(m.congestion());
}

}  // namespace
