// SPDX-License-Identifier: MIT
#include "snmp_parser.hpp"

#include <charconv>
#include <vector>

namespace tcptable::inline v0_1::detail {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && line[pos] == ' ') ++pos;
        std::size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        if (end > pos) words.push_back(line.substr(pos, end - pos));
        pos = end;
    }
    return words;
}

}  // namespace

std::error_code parse_snmp_tcp(std::string_view text, const std::string& file_name,
                               tcp_statistics& out, error_info& info) {
    auto fail = [&](std::size_t line, std::string msg) {
        info.file = file_name;
        info.line = line;
        info.message = std::move(msg);
        return make_error_code(errc::parse_error);
    };
    std::vector<std::string_view> names, values;
    std::size_t line_no = 0, names_line = 0, values_line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) return fail(line_no + 1, "truncated line (no newline)");
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        if (line.substr(0, 4) != "Tcp:") continue;
        if (names.empty()) {
            names = split_words(line.substr(4));
            names_line = line_no;
        } else if (values.empty()) {
            values = split_words(line.substr(4));
            values_line = line_no;
        } else {
            return fail(line_no, "more than two Tcp: lines");
        }
    }
    if (names.empty()) return fail(0, "no Tcp: lines");
    if (values.empty()) return fail(names_line, "Tcp: names without a line of values");
    if (names.size() != values.size())
        return fail(values_line, "Tcp: has " + std::to_string(names.size()) + " names but " +
                                     std::to_string(values.size()) + " values");

    struct column {
        std::string_view name;
        std::int64_t* signed_field;
        std::uint64_t* unsigned_field;
    };
    const column columns[] = {
        {"RtoAlgorithm", &out.rto_algorithm, nullptr},
        {"RtoMin", &out.rto_min, nullptr},
        {"RtoMax", &out.rto_max, nullptr},
        {"MaxConn", &out.max_conn, nullptr},
        {"ActiveOpens", nullptr, &out.active_opens},
        {"PassiveOpens", nullptr, &out.passive_opens},
        {"AttemptFails", nullptr, &out.attempt_fails},
        {"EstabResets", nullptr, &out.estab_resets},
        {"CurrEstab", nullptr, &out.curr_estab},
        {"InSegs", nullptr, &out.in_segs},
        {"OutSegs", nullptr, &out.out_segs},
        {"RetransSegs", nullptr, &out.retrans_segs},
        {"InErrs", nullptr, &out.in_errs},
        {"OutRsts", nullptr, &out.out_rsts},
    };
    for (const column& c : columns) {
        std::size_t i = 0;
        while (i < names.size() && names[i] != c.name) ++i;
        if (i == names.size()) return fail(names_line, "missing column " + std::string(c.name));
        std::string_view v = values[i];
        const char* end = v.data() + v.size();
        std::from_chars_result r;
        if (c.signed_field)
            r = std::from_chars(v.data(), end, *c.signed_field);
        else
            r = std::from_chars(v.data(), end, *c.unsigned_field);
        if (r.ec != std::errc{} || r.ptr != end)
            return fail(values_line,
                        "bad value '" + std::string(v) + "' for " + std::string(c.name));
    }
    return {};
}

}  // namespace tcptable::inline v0_1::detail
