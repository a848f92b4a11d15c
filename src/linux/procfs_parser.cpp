// SPDX-License-Identifier: MIT
#include "procfs_parser.hpp"

#include <charconv>
#include <cstring>

#include "linux_byte_order.hpp"
#include "linux_states.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// Hex digit values; 0xff marks a byte that is not a hex digit.
constexpr auto hex_table = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = 0xff;
    for (int c = '0'; c <= '9'; ++c) t[c] = std::uint8_t(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = std::uint8_t(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) t[c] = std::uint8_t(c - 'A' + 10);
    return t;
}();

// A cursor over one line. Each reader returns false on malformed input and leaves `what`
// naming the field it was reading, for the error message.
struct cursor {
    const char* p;
    const char* end;
    const char* what = "";

    void skip_spaces() noexcept {
        while (p != end && *p == ' ') ++p;
    }
    bool expect(char c) noexcept {
        if (p == end || *p != c) return false;
        ++p;
        return true;
    }
    // Exactly n hex digits into a number.
    bool hex_fixed(std::size_t n, std::uint32_t& v) noexcept {
        if (std::size_t(end - p) < n) return false;
        std::uint32_t r = 0;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint8_t h = hex_table[static_cast<unsigned char>(p[i])];
            if (h == 0xff) return false;
            r = r << 4 | h;
        }
        p += n;
        v = r;
        return true;
    }
    // A decimal number up to `max`. std::from_chars takes digits only (no sign, no space) and
    // reports a number past the type's range instead of wrapping it around.
    bool decimal(std::uint64_t& v, std::uint64_t max) noexcept {
        std::uint64_t r = 0;
        auto [next, ec] = std::from_chars(p, end, r);
        if (ec != std::errc{} || r > max) return false;
        p = next;
        v = r;
        return true;
    }
    // A field made of hex digits and one ':' ("00000000:00000000"), not interpreted.
    bool skip_hex_token() noexcept {
        const char* start = p;
        while (p != end && *p != ' ') {
            if (*p != ':' && hex_table[static_cast<unsigned char>(*p)] == 0xff) return false;
            ++p;
        }
        return p != start;
    }
    bool at_separator() const noexcept { return p != end && *p == ' '; }
};

// A hex number of 1 to 8 digits filling all of `text`.
bool hex_number(std::string_view text, std::uint64_t& v) noexcept {
    if (text.empty() || text.size() > 8) return false;
    std::uint64_t r = 0;
    for (char ch : text) {
        const std::uint8_t h = hex_table[static_cast<unsigned char>(ch)];
        if (h == 0xff) return false;
        r = r << 4 | h;
    }
    v = r;
    return true;
}

}  // namespace

std::error_code procfs_parser::fail(error_info& info, std::string message) const {
    info.file = file_;
    info.line = line_;
    info.message = std::move(message);
    return make_error_code(errc::parse_error);
}

std::error_code procfs_parser::parse_header(std::string_view line, error_info& info) {
    // "  sl  local_address rem_address   st tx_queue ..." (tcp6 says "remote_address").
    cursor c{line.data(), line.data() + line.size()};
    auto word = [&](std::string_view w) {
        c.skip_spaces();
        if (std::size_t(c.end - c.p) < w.size() || std::memcmp(c.p, w.data(), w.size()) != 0)
            return false;
        c.p += w.size();
        return c.p == c.end || *c.p == ' ';
    };
    if (!word("sl") || !word("local_address") || !(word("rem_address") || word("remote_address")) ||
        !word("st"))
        return fail(info, std::string("not a /proc/net/") + std::string(to_string(protocol_)) +
                              " header (expected \"sl local_address rem_address st ...\")");
    header_seen_ = true;
    return {};
}

std::error_code procfs_parser::parse_row(std::string_view line, std::vector<tcp_row>& out,
                                         error_info& info) {
    cursor c{line.data(), line.data() + line.size()};
    const std::size_t words = family_ == ip_family::ipv4 ? 1 : 4;
    tcp_row row;
    std::uint64_t number = 0;

    auto endpoint = [&](ip_address& addr, std::uint16_t& port) {
        std::uint8_t bytes[16] = {};
        for (std::size_t i = 0; i < words; ++i) {
            std::uint32_t w;
            if (!c.hex_fixed(8, w)) return false;
            store_proc_address_word(w, bytes + 4 * i);
        }
        std::uint32_t p;
        if (!c.expect(':') || !c.hex_fixed(4, p)) return false;
        port = static_cast<std::uint16_t>(p);
        if (family_ == ip_family::ipv4) {
            addr = ip_address::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
        } else {
            ip_address::bytes_type b;
            std::memcpy(b.data(), bytes, 16);
            addr = ip_address::v6(b);
        }
        return c.at_separator();
    };

    // Each field: spaces, then the value, then a space or the end of the line.
    bool missing = false;
    auto field = [&](const char* what) {
        c.skip_spaces();
        c.what = what;
        missing = c.p == c.end;
        return !missing;
    };
    auto field_end = [&] { return c.p == c.end || *c.p == ' '; };
    std::uint32_t linux_state = 0;
    bool ok = field("slot number") && c.decimal(number, UINT32_MAX) && c.expect(':') &&
              field("local address") && endpoint(row.local_address, row.local_port) &&
              field("remote address") && endpoint(row.remote_address, row.remote_port) &&
              field("state") && c.hex_fixed(2, linux_state) && field_end();
    // tx_queue:rx_queue, tr:tm->when, retrnsmt: checked for shape, kept only for metrics.
    std::string_view tokens[3];
    int t = 0;
    for (const char* f : {"tx_queue:rx_queue", "tr:tm->when", "retrnsmt"}) {
        const char* start = nullptr;
        ok = ok && field(f) && (start = c.p, c.skip_hex_token()) && field_end();
        if (ok) tokens[t++] = std::string_view(start, std::size_t(c.p - start));
    }
    ok = ok && field("uid") && c.decimal(number, UINT32_MAX) && field_end();
    row.uid = static_cast<std::uint32_t>(number);
    ok = ok && field("timeout") && c.decimal(number, UINT64_MAX / 10) && field_end();
    // Socket inode numbers are unsigned int in the kernel (get_next_ino()).
    ok = ok && field("inode") && c.decimal(number, UINT32_MAX) && field_end();
    row.inode = static_cast<std::uint32_t>(number);
    if (protocol_ == transport_protocol::udp) {
        // "%d %pK %u" (net/ipv4/udp.c, udp4_format_sock): the reference count, the socket's
        // (hashed) address, the drop counter; then the padding seq_pad adds, spaces only.
        ok = ok && field("ref") && c.decimal(number, INT32_MAX) && field_end();
        ok = ok && field("pointer") && c.skip_hex_token() && field_end();
        ok = ok && field("drops") && c.decimal(number, UINT32_MAX) && field_end();
        if (ok) {
            c.skip_spaces();
            c.what = "end of line (text after drops)";
            ok = c.p == c.end;
        }
    }
    if (!ok)
        return fail(info, std::string(missing ? "missing field: " : "malformed field: ") + c.what);
    std::optional<tcp_state> state;
    if (protocol_ == transport_protocol::udp) {
        state = udp_state_from_linux(linux_state);
        if (!state)
            return fail(info, "UDP socket in state " + std::to_string(linux_state) +
                                  " (expected 07, unconnected, or 01, connected)");
    } else {
        state = mib_state_from_linux(linux_state);
        if (!state) return fail(info, "unknown TCP state " + std::to_string(linux_state));
    }
    row.state = *state;
    if (!states_.contains(row.state)) return {};
    if (metrics_) {
        // "%08X:%08X" and "%08X" (net/ipv4/tcp_ipv4.c, get_tcp4_sock).
        const auto colon = tokens[0].find(':');
        std::uint64_t tx = 0, rx = 0, retransmits = 0;
        if (colon == std::string_view::npos || !hex_number(tokens[0].substr(0, colon), tx) ||
            !hex_number(tokens[0].substr(colon + 1), rx))
            return fail(info, "malformed field: tx_queue:rx_queue");
        if (!hex_number(tokens[2], retransmits)) return fail(info, "malformed field: retrnsmt");
        tcp_metrics m;
        // get_timewait4_sock (timer 3: TIME-WAIT, and FIN-WAIT-2 orphans kept as time-wait
        // sockets) and get_openreq4 print zeros here: nothing is known.
        const bool minisock = tokens[1].starts_with("03:") || row.state == tcp_state::time_wait ||
                              row.state == tcp_state::syn_received;
        if (!minisock) {
            m.set(tcp_metric::recv_queue, rx);
            if (row.state != tcp_state::listen) {
                m.set(tcp_metric::send_queue, tx);
                m.set(tcp_metric::rto_retransmits, retransmits);
            }
        }
        metrics_->push_back(m);
    }
    out.push_back(row);
    return {};
}

std::error_code procfs_parser::parse_lines(std::string_view text, std::vector<tcp_row>& out,
                                           error_info& info) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (nl == std::string_view::npos) {
            ++line_;
            return fail(info, "truncated line (no newline)");
        }
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        ++line_;
        if (line.size() > max_line_length)
            return fail(info, "line longer than " + std::to_string(max_line_length) + " bytes");
        if (line.find('\0') != std::string_view::npos) return fail(info, "NUL byte in line");
        std::error_code ec = header_seen_ ? parse_row(line, out, info) : parse_header(line, info);
        if (ec) return ec;
    }
    return {};
}

std::error_code procfs_parser::finish(std::string_view rest, error_info& info) {
    if (!rest.empty()) {
        ++line_;
        return fail(info, "truncated line (no newline at end of file)");
    }
    if (!header_seen_) {
        line_ = 0;
        return fail(info, "empty file (no header line)");
    }
    return {};
}

namespace {

std::error_code parse_whole(procfs_parser& parser, std::string_view contents,
                            std::vector<tcp_row>& out, error_info& info) {
    auto last_nl = contents.rfind('\n');
    std::string_view whole =
        last_nl == std::string_view::npos ? std::string_view{} : contents.substr(0, last_nl + 1);
    std::string_view rest =
        last_nl == std::string_view::npos ? contents : contents.substr(last_nl + 1);
    if (auto ec = parser.parse_lines(whole, out, info)) return ec;
    return parser.finish(rest, info);
}

}  // namespace

std::error_code parse_proc_net_tcp(std::string_view contents, ip_family family,
                                   std::string file_name, state_set states,
                                   std::vector<tcp_row>& out, error_info& info) {
    procfs_parser parser(family, std::move(file_name), states);
    return parse_whole(parser, contents, out, info);
}

std::error_code parse_proc_net_udp(std::string_view contents, ip_family family,
                                   std::string file_name, std::vector<tcp_row>& out,
                                   error_info& info) {
    procfs_parser parser(family, std::move(file_name), state_set::all(), transport_protocol::udp);
    return parse_whole(parser, contents, out, info);
}

}  // namespace tcptable::inline v0_1::detail
