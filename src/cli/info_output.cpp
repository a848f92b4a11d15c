// SPDX-License-Identifier: MIT
#include "info_output.hpp"

#include <fmt/format.h>

#include <iterator>
#include <optional>
#include <string_view>
#include <tcptable/process.hpp>
#include <unordered_map>

namespace tcptable::cli {
namespace {

void pad_to(fmt::memory_buffer& buf, std::size_t start, std::size_t width) {
    for (std::size_t i = buf.size() - start; i < width; ++i) buf.push_back(' ');
    buf.push_back(' ');
}

// A right-aligned number or "-", in `width` columns, then a space.
void number_column(fmt::memory_buffer& buf, std::optional<std::uint64_t> v, std::size_t width) {
    char text[24];
    std::size_t n = 1;
    if (v) {
        n = std::size_t(fmt::format_to_n(text, sizeof text, "{}", *v).out - text);
    } else {
        text[0] = '-';
    }
    for (std::size_t i = n; i < width; ++i) buf.push_back(' ');
    buf.append(std::string_view(text, n));
    buf.push_back(' ');
}

}  // namespace

void print_text_info(std::FILE* out, const tcp_table& table, const print_options& opts) {
    fmt::memory_buffer buf;
    if (opts.header) {
        fmt::format_to(std::back_inserter(buf),
                       "{:<5} {:<23} {:<23} {:<11} {:>7} {:>7} {:>8} {:>5} {:>5} {:>9} {:>11} "
                       "{:>11} {:>11} {}{}\n",
                       "Proto", "Local Address", "Foreign Address", "State", "Recv-Q", "Send-Q",
                       "RTT-ms", "CWND", "MSS", "Retr", "Sent", "Acked", "Rcvd", "Cong",
                       opts.show_pid ? "  PID/Program name" : "");
    }
    std::unordered_map<std::uint32_t, std::string> names;
    const tcp_metrics none;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const tcp_row& r = table[i];
        const tcp_metrics* mp = table.metrics(i);
        const tcp_metrics& m = mp ? *mp : none;
        buf.append(std::string_view(r.family() == ip_family::ipv4 ? "tcp   " : "tcp6  "));
        std::size_t start = buf.size();
        append_endpoint(buf, r.local_address, r.local_port, false);
        pad_to(buf, start, 23);
        start = buf.size();
        append_endpoint(buf, r.remote_address, r.remote_port, true);
        pad_to(buf, start, 23);
        start = buf.size();
        buf.append(to_string(r.state));
        pad_to(buf, start, 11);
        number_column(buf, m[tcp_metric::recv_queue], 7);
        number_column(buf, m[tcp_metric::send_queue], 7);
        if (auto rtt = m[tcp_metric::rtt_us]) {
            fmt::format_to(std::back_inserter(buf), "{:>4}.{:03} ", *rtt / 1000, *rtt % 1000);
        } else {
            buf.append(std::string_view("       - "));
        }
        number_column(buf, m[tcp_metric::cwnd], 5);
        number_column(buf, m[tcp_metric::mss], 5);
        {
            auto a = m[tcp_metric::retrans], b = m[tcp_metric::total_retrans];
            char text[48];
            std::size_t n;
            if (a || b) {
                auto part = [](std::optional<std::uint64_t> v) {
                    return v ? fmt::to_string(*v) : std::string("-");
                };
                n = std::size_t(fmt::format_to_n(text, sizeof text, "{}/{}", part(a), part(b)).out -
                                text);
            } else {
                text[0] = '-';
                n = 1;
            }
            for (std::size_t k = n; k < 9; ++k) buf.push_back(' ');
            buf.append(std::string_view(text, std::min(n, sizeof text)));
            buf.push_back(' ');
        }
        number_column(buf, m[tcp_metric::bytes_sent], 11);
        number_column(buf, m[tcp_metric::bytes_acked], 11);
        number_column(buf, m[tcp_metric::bytes_received], 11);
        auto cong = m.congestion();
        if (opts.show_pid) {
            start = buf.size();
            buf.append(cong ? printable(*cong) : std::string("-"));
            pad_to(buf, start, 6);
            if (r.pid != 0) {
                auto [it, inserted] = names.try_emplace(r.pid);
                std::error_code ec;
                if (inserted) it->second = printable(tcptable::process_name(r.pid, ec));
                fmt::format_to(std::back_inserter(buf), " {}/{}", r.pid, it->second);
            } else {
                buf.append(std::string_view(" -"));
            }
        } else {
            buf.append(cong ? printable(*cong) : std::string("-"));
        }
        buf.push_back('\n');
        if (buf.size() > 64 * 1024) {
            write_out(out, std::string_view(buf.data(), buf.size()));
            buf.clear();
        }
    }
    write_out(out, std::string_view(buf.data(), buf.size()));
}

nlohmann::json info_json(const tcp_metrics& m) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < tcp_metric_count; ++i) {
        const auto f = static_cast<tcp_metric>(i);
        if (auto v = m[f]) j[std::string(to_string(f))] = *v;
    }
    if (auto c = m.congestion()) j["congestion"] = std::string(*c);
    return j;
}

void print_metrics_note(const tcp_table& table) {
    if (!table.metrics_note.empty())
        std::fprintf(stderr, "tcptable: %s\n", table.metrics_note.c_str());
}

}  // namespace tcptable::cli
