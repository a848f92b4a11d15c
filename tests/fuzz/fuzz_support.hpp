// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: a check that aborts (so libFuzzer saves the input) and the
// invariants every parsed row must hold, whatever backend produced it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/tcptable.hpp>
#include <vector>

#include "linux/linux_byte_order.hpp"

// An invariant that failed is a bug as real as a crash: abort() makes libFuzzer keep the input.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace tcptable::fuzz {

inline bool valid_state(tcp_state s) noexcept {
    auto v = static_cast<unsigned>(s);
    return v >= 1 && v <= static_cast<unsigned>(tcp_state_count);
}

// A row's two addresses share its family, and only IPv6 may carry a scope id.
inline bool well_formed(const tcp_row& r) noexcept {
    if (!valid_state(r.state)) return false;
    if (r.local_address.family() != r.remote_address.family()) return false;
    if (r.local_address.is_v4()) {
        for (std::size_t i = 4; i < 16; ++i)
            if (r.local_address.bytes()[i] != 0 || r.remote_address.bytes()[i] != 0) return false;
        if (r.local_address.scope_id() != 0 || r.remote_address.scope_id() != 0) return false;
    }
    return true;
}

// The Linux state that /proc prints for a MIB state (include/net/tcp_states.h); 0 for
// DELETE-TCB, which no Linux state maps to.
inline unsigned linux_state_of(tcp_state s) noexcept {
    constexpr unsigned table[] = {0, 7, 10, 2, 3, 1, 4, 5, 8, 11, 9, 6, 0};
    auto v = static_cast<unsigned>(s);
    return v < sizeof table / sizeof table[0] ? table[v] : 0;
}

// Feeds the whole lines of `text` to a procfs_parser in pieces of 1 to 4 lines, each ending
// after a '\n', as the reader does with each read(), then what follows the last '\n' to
// finish(). The piece boundaries depend only on `seed`, so a crash reproduces.
template <class Parser>
std::error_code parse_chunked(Parser& parser, std::string_view text, std::uint8_t seed,
                              std::vector<tcp_row>& out, error_info& info) {
    auto last_nl = text.rfind('\n');
    std::string_view whole =
        last_nl == std::string_view::npos ? std::string_view{} : text.substr(0, last_nl + 1);
    std::string_view rest = last_nl == std::string_view::npos ? text : text.substr(last_nl + 1);
    std::uint32_t x = seed * 2654435761u + 1;  // a small generator
    while (!whole.empty()) {
        x = x * 1103515245u + 12345u;
        std::size_t lines = 1 + (x >> 16) % 4, end = 0;
        for (std::size_t i = 0; i < lines && end < whole.size(); ++i)
            end = whole.find('\n', end) + 1;
        if (auto ec = parser.parse_lines(whole.substr(0, end), out, info)) return ec;
        whole.remove_prefix(end);
    }
    return parser.finish(rest, info);
}

// The lines of `text`, a last one without its '\n' included.
inline std::size_t count_lines(std::string_view text) noexcept {
    std::size_t n = 0;
    for (char c : text) n += c == '\n';
    return n + (text.empty() || text.back() == '\n' ? 0 : 1);
}

// Prints rows in the kernel's /proc/net/tcp{,6} format (net/ipv4/tcp_ipv4.c, get_tcp4_sock;
// net/ipv6/tcp_ipv6.c, get_tcp6_sock), so a parse of the text must give the same rows back.
inline std::string print_proc(const std::vector<tcp_row>& rows, ip_family family) {
    std::string out = family == ip_family::ipv4
                          ? "  sl  local_address rem_address   st tx_queue rx_queue tr "
                            "tm->when retrnsmt   uid  timeout inode\n"
                          : "  sl  local_address                         remote_address        "
                            "                st tx_queue rx_queue tr tm->when retrnsmt   uid  "
                            "timeout inode\n";
    const std::size_t words = family == ip_family::ipv4 ? 1 : 4;
    char buf[64];
    auto endpoint = [&](const ip_address& a, std::uint16_t port) {
        for (std::size_t i = 0; i < words; ++i) {
            std::snprintf(
                buf, sizeof buf, "%08X",
                static_cast<unsigned>(detail::load_proc_address_word(a.bytes().data() + 4 * i)));
            out += buf;
        }
        std::snprintf(buf, sizeof buf, ":%04X", static_cast<unsigned>(port));
        out += buf;
    };
    std::size_t slot = 0;
    for (const auto& r : rows) {
        std::snprintf(buf, sizeof buf, "%4zu: ", slot++);
        out += buf;
        endpoint(r.local_address, r.local_port);
        out += ' ';
        endpoint(r.remote_address, r.remote_port);
        std::snprintf(buf, sizeof buf, " %02X 00000000:00000000 00:00000000 00000000 %5u ",
                      linux_state_of(r.state), static_cast<unsigned>(r.uid));
        out += buf;
        std::snprintf(buf, sizeof buf, "%8d %u 1 0000000000000000 100 0 0 10 0\n", 0,
                      static_cast<unsigned>(r.inode));
        out += buf;
    }
    return out;
}

}  // namespace tcptable::fuzz
