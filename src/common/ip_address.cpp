// SPDX-License-Identifier: MIT
#include <charconv>
#include <tcptable/ip_address.hpp>

namespace tcptable::inline v0_1 {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view s) noexcept {
    std::array<std::uint8_t, 4> out{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) {
            if (pos >= s.size() || s[pos] != '.') return std::nullopt;
            ++pos;
        }
        std::size_t start = pos;
        unsigned v = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 3)
            v = v * 10 + unsigned(s[pos++] - '0');
        std::size_t len = pos - start;
        // No empty parts, no leading zeros (they read as octal elsewhere), no value > 255.
        if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(v);
    }
    if (pos != s.size()) return std::nullopt;
    return out;
}

std::optional<ip_address::bytes_type> parse_v6(std::string_view s) noexcept {
    ip_address::bytes_type out{};
    std::uint16_t groups[8] = {};
    int count = 0;
    int gap = -1;  // index of the group where "::" stands
    std::size_t pos = 0;
    if (s.substr(0, 2) == "::") {
        gap = 0;
        pos = 2;
        if (pos == s.size()) return out;
    } else if (!s.empty() && s[0] == ':') {
        return std::nullopt;
    }
    while (pos < s.size()) {
        if (count == 8) return std::nullopt;
        // An embedded IPv4 tail ("::ffff:1.2.3.4") takes the last two groups.
        std::size_t next = s.find_first_of(":", pos);
        std::string_view part = s.substr(pos, next == std::string_view::npos ? s.npos : next - pos);
        if (part.find('.') != std::string_view::npos) {
            if (next != std::string_view::npos || count > 6) return std::nullopt;
            auto v4 = parse_v4(part);
            if (!v4) return std::nullopt;
            groups[count++] = static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]);
            groups[count++] = static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]);
            pos = s.size();
            break;
        }
        if (part.empty() || part.size() > 4) return std::nullopt;
        unsigned v = 0;
        for (char c : part) {
            int h = hex_value(c);
            if (h < 0) return std::nullopt;
            v = v << 4 | unsigned(h);
        }
        groups[count++] = static_cast<std::uint16_t>(v);
        if (next == std::string_view::npos) {
            pos = s.size();
            break;
        }
        pos = next + 1;
        if (pos < s.size() && s[pos] == ':') {
            if (gap >= 0) return std::nullopt;  // a second "::"
            gap = count;
            ++pos;
        } else if (pos == s.size()) {
            return std::nullopt;  // a trailing single ':'
        }
    }
    if (gap < 0 ? count != 8 : count > 7) return std::nullopt;
    int fill = 8 - count;
    int g = 0;
    for (int i = 0; i < count; ++i) {
        if (i == gap) g += fill;
        out[2 * g] = static_cast<std::uint8_t>(groups[i] >> 8);
        out[2 * g + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
        ++g;
    }
    return out;
}

}  // namespace

std::optional<ip_address> ip_address::parse(std::string_view text) noexcept {
    if (text.find(':') == std::string_view::npos) {
        auto v4 = parse_v4(text);
        if (!v4) return std::nullopt;
        return ip_address::v4(*v4);
    }
    std::uint32_t scope = 0;
    if (auto pct = text.find('%'); pct != std::string_view::npos) {
        auto sc = text.substr(pct + 1);
        auto [p, ec] = std::from_chars(sc.data(), sc.data() + sc.size(), scope);
        if (sc.empty() || ec != std::errc{} || p != sc.data() + sc.size()) return std::nullopt;
        text = text.substr(0, pct);
    }
    auto v6 = parse_v6(text);
    if (!v6) return std::nullopt;
    return ip_address::v6(*v6, scope);
}

bool ip_address::is_link_local() const noexcept {
    if (is_v4()) return bytes_[0] == 169 && bytes_[1] == 254;
    return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string ip_address::to_string() const {
    char buf[max_text_length];
    return std::string(buf, to_chars(buf, buf + sizeof buf));
}

char* ip_address::to_chars(char* first, char* last) const noexcept {
    if (last - first < static_cast<std::ptrdiff_t>(max_text_length)) return nullptr;
    char* buf = first;
    char* p = buf;
    if (is_v4()) {
        for (int i = 0; i < 4; ++i) {
            if (i) *p++ = '.';
            p = std::to_chars(p, last, bytes_[i]).ptr;
        }
        return p;
    }
    std::uint16_t g[8];
    for (int i = 0; i < 8; ++i)
        g[i] = static_cast<std::uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
    // RFC 5952: the longest run (the first of equals) of two or more zero groups becomes "::".
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
        i = j;
    }
    // IPv4-mapped addresses print their IPv4 tail in dotted form, as inet_ntop does.
    bool mapped = best == 0 && best_len == 5 && g[5] == 0xffff;
    int end = mapped ? 6 : 8;
    for (int i = 0; i < end;) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len;
            continue;
        }
        if (i != 0 && i != best + best_len) *p++ = ':';
        p = std::to_chars(p, last, g[i], 16).ptr;
        ++i;
    }
    if (mapped) {
        *p++ = ':';
        for (int i = 12; i < 16; ++i) {
            if (i != 12) *p++ = '.';
            p = std::to_chars(p, last, bytes_[i]).ptr;
        }
    }
    if (scope_id() != 0) {
        *p++ = '%';
        p = std::to_chars(p, last, scope_id()).ptr;
    }
    return p;
}

}  // namespace tcptable::inline v0_1
