// SPDX-License-Identifier: MIT
// Fuzzes the /proc/net/tcp{,6} parser. Input: 4 bytes of settings, then the file's bytes.
//   byte 0: bit 0 = IPv6; bytes 1-2: the state filter (state_set bits, little-endian);
//   byte 3: seeds where the chunked run splits the file.
// Beyond "no crash", it checks that the whole-file and the chunk-by-chunk paths agree (rows and
// error), that every row is well-formed and passes the filter, that printing the rows back in
// /proc format parses to the same rows, and that an error names the file and a line that exists.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "linux/procfs_parser.hpp"

namespace {

using tcptable::error_info;
using tcptable::ip_family;
using tcptable::state_set;
using tcptable::tcp_row;
using tcptable::detail::parse_proc_net_tcp;
using tcptable::detail::procfs_parser;

constexpr const char* file_name = "fuzz/net/tcp";

// The whole file fed in pieces, as the reader feeds each read().
std::error_code parse_chunked(std::string_view text, ip_family family, state_set states,
                              std::uint8_t seed, std::vector<tcp_row>& out, error_info& info) {
    procfs_parser parser(family, file_name, states);
    return tcptable::fuzz::parse_chunked(parser, text, seed, out, info);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const ip_family family = data[0] & 1 ? ip_family::ipv6 : ip_family::ipv4;
    const state_set states =
        state_set::from_bits(static_cast<std::uint16_t>(data[1] | data[2] << 8));
    const std::uint8_t seed = data[3];
    std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);

    std::vector<tcp_row> rows;
    error_info info;
    std::error_code ec = parse_proc_net_tcp(text, family, file_name, states, rows, info);

    std::vector<tcp_row> chunked_rows;
    error_info chunked_info;
    std::error_code chunked_ec =
        parse_chunked(text, family, states, seed, chunked_rows, chunked_info);
    FUZZ_CHECK(ec == chunked_ec);
    FUZZ_CHECK(info.line == chunked_info.line && info.message == chunked_info.message);
    // On failure the caller discards the rows, so only successful runs must agree on them.
    if (!ec) FUZZ_CHECK(rows == chunked_rows);

    if (ec) {
        FUZZ_CHECK(ec == tcptable::errc::parse_error);
        FUZZ_CHECK(info.file == file_name);
        FUZZ_CHECK(!info.message.empty());
        // Line 0 only for an empty file, which has no line to name.
        FUZZ_CHECK(info.line <= tcptable::fuzz::count_lines(text));
        FUZZ_CHECK(info.line >= 1 || info.message.find("empty file") != std::string::npos);
        return 0;
    }

    for (const auto& r : rows) {
        FUZZ_CHECK(tcptable::fuzz::well_formed(r));
        FUZZ_CHECK(r.family() == family);
        FUZZ_CHECK(states.contains(r.state));
    }
    // The round trip: the kernel's format of these rows parses back to the same rows.
    std::vector<tcp_row> again;
    error_info again_info;
    std::string printed = tcptable::fuzz::print_proc(rows, family);
    std::error_code again_ec =
        parse_proc_net_tcp(printed, family, file_name, state_set::all(), again, again_info);
    if (again_ec) std::fprintf(stderr, "%s\n", again_info.to_string().c_str());
    FUZZ_CHECK(!again_ec);
    FUZZ_CHECK(again == rows);
    return 0;
}
