// SPDX-License-Identifier: MIT
#include "sockstat.hpp"

#include "fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

namespace tcptable::inline v0_1::detail {
namespace {

// The number after `key ` on `line`, or 0.
std::size_t field(std::string_view line, std::string_view key) noexcept {
    for (std::size_t pos = line.find(key); pos != std::string_view::npos;
         pos = line.find(key, pos + 1)) {
        bool starts_word = pos == 0 || line[pos - 1] == ' ';
        std::size_t v = pos + key.size();
        if (!starts_word || v >= line.size() || line[v] != ' ') continue;
        std::size_t n = 0;
        auto r = std::from_chars(line.data() + v + 1, line.data() + line.size(), n);
        return r.ec == std::errc{} ? n : 0;
    }
    return 0;
}

std::string_view read_small(const std::string& path, char (&buf)[4096]) noexcept {
    // A FIFO there would block; anything but a regular file is no estimate.
    unique_fd fd;
    mode_t mode;
    if (open_regular(path.c_str(), fd, mode) != 0) return {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string_view(buf, std::size_t(n)) : std::string_view{};
}

}  // namespace

std::size_t parse_sockstat_tcp(std::string_view text) noexcept {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.starts_with("TCP: ") || line.starts_with("TCP6: "))
            return field(line, "inuse") + field(line, "tw");
    }
    return 0;
}

std::size_t estimate_tcp_rows(const std::string& proc_root) noexcept {
    char buf[4096];
    try {
        return parse_sockstat_tcp(read_small(proc_root + "/net/sockstat", buf)) +
               parse_sockstat_tcp(read_small(proc_root + "/net/sockstat6", buf));
    } catch (...) {
        return 0;
    }
}

}  // namespace tcptable::inline v0_1::detail
