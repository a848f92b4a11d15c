// SPDX-License-Identifier: MIT
// Loading the captured input under tests/data for the parser tests: a file's bytes, a netlink
// capture split into the datagrams recvmsg() returned (the format of
// tests/data/netlink/README.md: each datagram as a 4-byte little-endian length, then its bytes),
// and those datagrams run through a netlink_parser as the backend runs them.
#pragma once

#include <gtest/gtest.h>

#include <boost/endian/conversion.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/tcptable.hpp>
#include <vector>

#include "linux/netlink_parser.hpp"

namespace tcptable::testing {

using datagram = std::vector<std::byte>;

// The bytes of tests/data/<relative>. A file that cannot be opened fails the calling test (and
// reads as empty, which the test's own checks then reject too).
inline std::string read_test_data(const std::string& relative) {
    const std::string path = std::string(TCPTABLE_TEST_DATA_DIR) + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file of tests/data/netlink: a capture or the /proc text taken beside it.
inline std::string read_netlink_file(const std::string& name) {
    return read_test_data("netlink/" + name);
}

// Splits capture bytes into datagrams. A length running past the end, or bytes left over that
// cannot hold a length, fail the calling test: a capture is whole or it is broken.
inline std::vector<datagram> split_capture(std::string_view bytes, const std::string& name) {
    std::vector<datagram> out;
    std::size_t at = 0;
    while (at + 4 <= bytes.size()) {
        std::uint32_t n;
        std::memcpy(&n, bytes.data() + at, 4);
        n = boost::endian::little_to_native(n);
        at += 4;
        if (at + n > bytes.size()) break;
        const auto* p = reinterpret_cast<const std::byte*>(bytes.data() + at);
        out.emplace_back(p, p + n);
        at += n;
    }
    EXPECT_EQ(at, bytes.size()) << name << ": trailing bytes";
    return out;
}

// The datagrams of tests/data/netlink/<name>.
inline std::vector<datagram> read_netlink_capture(const std::string& name) {
    return split_capture(read_netlink_file(name), name);
}

// What a parser made of a capture's datagrams.
struct parsed_capture {
    std::error_code ec;
    error_info info;
    std::vector<tcp_row> rows;
    std::vector<tcp_metrics> metrics;  // filled when the parser was told to collect_metrics
    bool done = false;
    bool interrupted = false;
    bool kernel_refused = false;
};

// Feeds `datagrams` to `parser` in order and stops at the first error, as the backend's dump
// loop does; the rows parsed before an error stay in `r.rows`. To collect metrics, pass
// `&r.metrics` to parser.collect_metrics() first.
inline void parse_datagrams(detail::netlink_parser& parser, const std::vector<datagram>& datagrams,
                            parsed_capture& r) {
    for (const auto& d : datagrams) {
        r.ec = parser.parse_datagram(d, r.rows, r.info);
        if (r.ec) break;
    }
    r.done = parser.done();
    r.interrupted = parser.interrupted();
    r.kernel_refused = parser.kernel_refused();
}

}  // namespace tcptable::testing
