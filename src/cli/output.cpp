// SPDX-License-Identifier: MIT
#include "output.hpp"

#include "info_output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <tcptable/process.hpp>
#include <unordered_map>

namespace tcptable::cli {
namespace {

// One endpoint column; long IPv6 endpoints push the next column right, as ss does.
void endpoint_column(fmt::memory_buffer& buf, const ip_address& a, std::uint16_t port,
                     bool star_zero_port) {
    const std::size_t start = buf.size();
    append_endpoint(buf, a, port, star_zero_port);
    constexpr std::size_t width = 23;
    for (std::size_t i = buf.size() - start; i < width; ++i) buf.push_back(' ');
    buf.push_back(' ');
}

void flush(std::FILE* out, fmt::memory_buffer& buf) {
    write_out(out, std::string_view(buf.data(), buf.size()));
    buf.clear();
}

// Names as printed (escaped), once per process; "" for a process whose name is unknown (gone
// since the snapshot, or not ours to read).
class name_cache {
  public:
    const std::string& get(std::uint32_t pid) {
        auto [it, inserted] = names_.try_emplace(pid);
        std::error_code ec;
        if (inserted) it->second = printable(tcptable::process_name(pid, ec));
        return it->second;
    }

  private:
    std::unordered_map<std::uint32_t, std::string> names_;
};

void append_text_row(fmt::memory_buffer& buf, const tcp_row& r, bool show_pid, name_cache& names) {
    buf.append(std::string_view(r.family() == ip_family::ipv4 ? "tcp   " : "tcp6  "));
    endpoint_column(buf, r.local_address, r.local_port, false);
    endpoint_column(buf, r.remote_address, r.remote_port, true);
    std::string_view state = to_string(r.state);
    buf.append(state);
    if (show_pid) {
        for (std::size_t i = state.size(); i < 12; ++i) buf.push_back(' ');
        if (r.pid != 0)
            fmt::format_to(std::back_inserter(buf), " {}/{}", r.pid, names.get(r.pid));
        else
            buf.append(std::string_view(" -"));
    }
    buf.push_back('\n');
}

void append_text_header(fmt::memory_buffer& buf, bool show_pid) {
    fmt::format_to(std::back_inserter(buf), "{:<5} {:<23} {:<23} {}\n", "Proto", "Local Address",
                   "Foreign Address", show_pid ? "State        PID/Program name" : "State");
}

}  // namespace

void append_endpoint(fmt::memory_buffer& out, const ip_address& a, std::uint16_t port,
                     bool star_zero_port) {
    char text[ip_address::max_text_length];
    const std::string_view addr(text, std::size_t(a.to_chars(text, text + sizeof text) - text));
    if (a.is_v6()) {
        out.push_back('[');
        out.append(addr);
        out.push_back(']');
    } else {
        out.append(addr);
    }
    out.push_back(':');
    if (star_zero_port && port == 0 && a.is_unspecified())
        out.push_back('*');
    else
        fmt::format_to(std::back_inserter(out), "{}", port);
}

std::string endpoint_text(const ip_address& a, std::uint16_t port) {
    fmt::memory_buffer buf;
    append_endpoint(buf, a, port);
    return fmt::to_string(buf);
}

write_error::write_error(int error)
    : std::runtime_error(std::string("write error: ") + std::strerror(error)), error_(error) {}

void write_out(std::FILE* out, std::string_view text) {
    if (text.empty()) return;
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), out) != text.size())
        throw write_error(errno != 0 ? errno : EIO);
}

void flush_out(std::FILE* out) {
    errno = 0;
    if (std::fflush(out) != 0 || std::ferror(out)) throw write_error(errno != 0 ? errno : EIO);
}

namespace {

// The length of the UTF-8 sequence at the start of `s` (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s) noexcept {
    const auto c = static_cast<unsigned char>(s[0]);
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c == 0xE0) {
        n = 3;
        lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
        n = 3;
    } else if (c == 0xED) {
        n = 3;
        hi = 0x9F;
    } else if (c == 0xF0) {
        n = 4;
        lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
        n = 4;
    } else if (c == 0xF4) {
        n = 4;
        hi = 0x8F;
    } else {
        return 0;
    }
    if (s.size() < n) return 0;
    const auto c1 = static_cast<unsigned char>(s[1]);
    if (c1 < lo || c1 > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return 0;
    return n;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto escape = [&out](unsigned char c) {
        fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
            ++i;
        } else if (c >= 0x20 && c < 0x7f) {
            out += char(c);
            ++i;
        } else if (c < 0x80) {  // C0 controls, DEL
            escape(c);
            ++i;
        } else if (std::size_t n = utf8_sequence_length(text.substr(i)); n == 0) {
            escape(c);
            ++i;
        } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            // U+0080 to U+009F: C1 controls (U+009B is CSI), which terminals may act on.
            escape(c);
            escape(static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string json_text(const nlohmann::json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The TCP rows of the text table, flushed to `out` every 64 KiB; one name cache per print.
void append_text_rows(std::FILE* out, fmt::memory_buffer& buf, std::span<const tcp_row> rows,
                      bool show_pid, name_cache& names) {
    for (const tcp_row& r : rows) {
        append_text_row(buf, r, show_pid, names);
        if (buf.size() > 64 * 1024) flush(out, buf);
    }
}

}  // namespace

void print_text(std::FILE* out, const tcp_table& table, const print_options& opts) {
    print_text(out, table, udp_table{}, opts);
}

void print_text(std::FILE* out, const tcp_table& table, const udp_table& udp,
                const print_options& opts) {
    fmt::memory_buffer buf;
    if (opts.header) append_text_header(buf, opts.show_pid);
    name_cache names;
    append_text_rows(out, buf, table.rows(), opts.show_pid, names);
    // UDP has no state: the column stays empty, as netstat leaves it.
    for (const udp_row& r : udp) {
        buf.append(std::string_view(r.family() == ip_family::ipv4 ? "udp   " : "udp6  "));
        endpoint_column(buf, r.local_address, r.local_port, false);
        if (opts.show_pid) {
            endpoint_column(buf, r.remote_address, r.remote_port, true);
            buf.append(std::string_view("            "));
            if (r.pid != 0)
                fmt::format_to(std::back_inserter(buf), " {}/{}", r.pid, names.get(r.pid));
            else
                buf.append(std::string_view(" -"));
        } else {
            append_endpoint(buf, r.remote_address, r.remote_port, true);
        }
        buf.push_back('\n');
        if (buf.size() > 64 * 1024) flush(out, buf);
    }
    flush(out, buf);
}

void print_text_rows(std::FILE* out, std::span<const tcp_row> rows, const print_options& opts) {
    fmt::memory_buffer buf;
    if (opts.header) append_text_header(buf, opts.show_pid);
    name_cache names;
    append_text_rows(out, buf, rows, opts.show_pid, names);
    flush(out, buf);
}

void print_statistics(std::FILE* out, const tcp_statistics& s, bool json) {
    // The MIB_TCPSTATS field names, without the dw prefix, in their structure order.
    const std::pair<const char*, std::int64_t> fields[] = {
        {"RtoAlgorithm", s.rto_algorithm},
        {"RtoMin", s.rto_min},
        {"RtoMax", s.rto_max},
        {"MaxConn", s.max_conn},
        {"ActiveOpens", std::int64_t(s.active_opens)},
        {"PassiveOpens", std::int64_t(s.passive_opens)},
        {"AttemptFails", std::int64_t(s.attempt_fails)},
        {"EstabResets", std::int64_t(s.estab_resets)},
        {"CurrEstab", std::int64_t(s.curr_estab)},
        {"InSegs", std::int64_t(s.in_segs)},
        {"OutSegs", std::int64_t(s.out_segs)},
        {"RetransSegs", std::int64_t(s.retrans_segs)},
        {"InErrs", std::int64_t(s.in_errs)},
        {"OutRsts", std::int64_t(s.out_rsts)},
        {"NumConns", std::int64_t(s.num_conns)},
    };
    if (json) {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [name, value] : fields) j[name] = value;
        write_out(out, json_text(j, 2) + "\n");
        return;
    }
    fmt::memory_buffer buf;
    for (const auto& [name, value] : fields)
        fmt::format_to(std::back_inserter(buf), "{:<13} {}\n", name, value);
    flush(out, buf);
}

nlohmann::json row_json(const tcp_row& r) {
    nlohmann::json j = {
        {"protocol", "tcp"},
        {"family", r.family() == ip_family::ipv4 ? "ipv4" : "ipv6"},
        {"local_address", r.local_address.to_string()},
        {"local_port", r.local_port},
        {"remote_address", r.remote_address.to_string()},
        {"remote_port", r.remote_port},
        {"state", to_string(r.state)},
    };
    if (r.pid != 0) j["pid"] = r.pid;
    if (r.inode != 0) j["inode"] = r.inode;
    if (r.uid != tcp_row::unknown_uid) j["uid"] = r.uid;
    if (r.cookie != 0) j["cookie"] = r.cookie;
    return j;
}

nlohmann::json row_json(const udp_row& r) {
    nlohmann::json j = {
        {"protocol", "udp"},
        {"family", r.family() == ip_family::ipv4 ? "ipv4" : "ipv6"},
        {"local_address", r.local_address.to_string()},
        {"local_port", r.local_port},
        {"remote_address", r.remote_address.to_string()},
        {"remote_port", r.remote_port},
    };
    if (r.pid != 0) j["pid"] = r.pid;
    if (r.inode != 0) j["inode"] = r.inode;
    if (r.uid != udp_row::unknown_uid) j["uid"] = r.uid;
    return j;
}

void print_json(std::FILE* out, const tcp_table& table, const print_options& opts) {
    print_json(out, table, udp_table{}, opts);
}

namespace {

// The keys of row_json, in the order nlohmann's sorted object prints them, formatted straight
// into `buf`: no document tree per row. Every value is ASCII (addresses, state names) or a
// number, so nothing needs escaping.
template <class Row>
void append_row_json(fmt::memory_buffer& buf, const Row& r, std::string_view protocol,
                     std::string_view state, std::uint64_t cookie) {
    char local[ip_address::max_text_length], remote[ip_address::max_text_length];
    const std::string_view l(
        local, std::size_t(r.local_address.to_chars(local, local + sizeof local) - local));
    const std::string_view rm(
        remote, std::size_t(r.remote_address.to_chars(remote, remote + sizeof remote) - remote));
    auto it = std::back_inserter(buf);
    buf.push_back('{');
    if (cookie != 0) fmt::format_to(it, "\"cookie\":{},", cookie);
    fmt::format_to(it, "\"family\":\"{}\",", r.family() == ip_family::ipv4 ? "ipv4" : "ipv6");
    if (r.inode != 0) fmt::format_to(it, "\"inode\":{},", r.inode);
    fmt::format_to(it, "\"local_address\":\"{}\",\"local_port\":{},", l, r.local_port);
    if (r.pid != 0) fmt::format_to(it, "\"pid\":{},", r.pid);
    fmt::format_to(it, "\"protocol\":\"{}\",\"remote_address\":\"{}\",\"remote_port\":{}", protocol,
                   rm, r.remote_port);
    if (!state.empty()) fmt::format_to(it, ",\"state\":\"{}\"", state);
    if (r.uid != Row::unknown_uid) fmt::format_to(it, ",\"uid\":{}", r.uid);
    buf.push_back('}');
}

}  // namespace

json_writer::json_writer(std::FILE* out) : out_(out) { buf_.push_back('['); }

void json_writer::next() {
    if (!first_) buf_.push_back(',');
    first_ = false;
    buf_.append(std::string_view("\n  "));
}

void json_writer::maybe_flush() {
    if (buf_.size() > 64 * 1024) flush(out_, buf_);
}

void json_writer::row(const tcp_row& r, const tcp_metrics* m) {
    next();
    if (m) {
        // Rows with metrics keep the tree: the "info" object is rare and small.
        nlohmann::json j = row_json(r);
        j["info"] = info_json(*m);
        buf_.append(json_text(j));
    } else {
        append_row_json(buf_, r, "tcp", to_string(r.state), r.cookie);
    }
    maybe_flush();
}

void json_writer::row(const udp_row& r) {
    next();
    append_row_json(buf_, r, "udp", {}, 0);
    maybe_flush();
}

void json_writer::finish() {
    buf_.append(std::string_view(first_ ? "]\n" : "\n]\n"));
    flush(out_, buf_);
}

std::error_code print_streamed(std::FILE* out, const snapshot_options& options, bool json,
                               error_info& info) {
    print_options popts;
    std::optional<json_writer> jw;
    if (json) jw.emplace(out);
    bool delivered = false;  // a batch has been printed (or, for JSON, buffered)
    std::error_code ec;
    snapshot_each(
        options,
        [&](std::span<const tcp_row> rows) {
            if (jw) {
                for (const tcp_row& r : rows) jw->row(r);
            } else {
                popts.header = !delivered;
                print_text_rows(out, rows, popts);
            }
            delivered = true;
        },
        ec, &info);
    // Failed before any row: nothing printed, as when snapshot() fails (the array's "[" is still
    // in the writer's buffer, which is dropped).
    if (ec && !delivered) return ec;
    // Failed after some rows (errc::table_changed: the kernel flagged the dump NLM_F_DUMP_INTR):
    // they stay printed and the array is closed.
    if (jw)
        jw->finish();
    else if (!delivered)
        print_text_rows(out, {}, popts);  // an empty table: the header alone
    return ec;
}

void print_json(std::FILE* out, const tcp_table& table, const udp_table& udp,
                const print_options&) {
    // Written row by row, formatted directly (json_writer): a 100k-row table never exists
    // twice in memory, and no row becomes a JSON document first.
    json_writer w(out);
    for (std::size_t i = 0; i < table.size(); ++i) w.row(table[i], table.metrics(i));
    for (const udp_row& r : udp) w.row(r);
    w.finish();
}

}  // namespace tcptable::cli
