// SPDX-License-Identifier: MIT
// Fuzzes the /proc/net/snmp parser. Input: the file's bytes.
// Beyond "no crash", it checks that an error names the file and a line that exists, and that
// the counters of a successful parse, printed back as the kernel prints them, parse to the same
// counters.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "linux/snmp_parser.hpp"

namespace {

constexpr const char* file_name = "fuzz/net/snmp";

bool same(const tcptable::tcp_statistics& a, const tcptable::tcp_statistics& b) {
    return a.rto_algorithm == b.rto_algorithm && a.rto_min == b.rto_min && a.rto_max == b.rto_max &&
           a.max_conn == b.max_conn && a.active_opens == b.active_opens &&
           a.passive_opens == b.passive_opens && a.attempt_fails == b.attempt_fails &&
           a.estab_resets == b.estab_resets && a.curr_estab == b.curr_estab &&
           a.in_segs == b.in_segs && a.out_segs == b.out_segs && a.retrans_segs == b.retrans_segs &&
           a.in_errs == b.in_errs && a.out_rsts == b.out_rsts;
}

// The kernel's layout (net/ipv4/proc.c, icmp_put and snmp_seq_show_tcp_udp).
std::string print_snmp(const tcptable::tcp_statistics& s) {
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "Ip: Forwarding DefaultTTL\nIp: 1 64\n"
        "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
        "EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
        "Tcp: %lld %lld %lld %lld %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu 0\n"
        "Udp: InDatagrams\nUdp: 0\n",
        static_cast<long long>(s.rto_algorithm), static_cast<long long>(s.rto_min),
        static_cast<long long>(s.rto_max), static_cast<long long>(s.max_conn),
        static_cast<unsigned long long>(s.active_opens),
        static_cast<unsigned long long>(s.passive_opens),
        static_cast<unsigned long long>(s.attempt_fails),
        static_cast<unsigned long long>(s.estab_resets),
        static_cast<unsigned long long>(s.curr_estab), static_cast<unsigned long long>(s.in_segs),
        static_cast<unsigned long long>(s.out_segs),
        static_cast<unsigned long long>(s.retrans_segs), static_cast<unsigned long long>(s.in_errs),
        static_cast<unsigned long long>(s.out_rsts));
    return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    tcptable::tcp_statistics stats;
    tcptable::error_info info;
    std::error_code ec = tcptable::detail::parse_snmp_tcp(text, file_name, stats, info);
    if (ec) {
        FUZZ_CHECK(ec == tcptable::errc::parse_error);
        FUZZ_CHECK(info.file == file_name);
        FUZZ_CHECK(!info.message.empty());
        std::size_t lines = 0;
        for (char c : text) lines += c == '\n';
        // A truncated last line is named one past the last newline; "no Tcp: lines" names none.
        FUZZ_CHECK(info.line <= lines + 1);
        FUZZ_CHECK(info.line >= 1 || info.message == "no Tcp: lines");
        return 0;
    }
    tcptable::tcp_statistics again;
    tcptable::error_info again_info;
    FUZZ_CHECK(!tcptable::detail::parse_snmp_tcp(print_snmp(stats), file_name, again, again_info));
    FUZZ_CHECK(same(stats, again));
    return 0;
}
