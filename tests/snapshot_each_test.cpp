// SPDX-License-Identifier: MIT
// snapshot_each on a real table: a private namespace holding ~2100 of the test's own loopback
// sockets, more than one netlink datagram's worth, compared with snapshot() of the same table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <tcptable/snapshot.hpp>
#include <vector>

#ifdef TCPTABLE_TEST_CLI_OUTPUT
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/output.hpp"
#endif
#include "linux/test_seams.hpp"
#include "support/netlink_probe.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

using namespace tcptable;
using namespace tcptable::testing;

namespace {

// The test's sockets, closed at the end.
struct socket_set {
    std::vector<int> fds;
    ~socket_set() {
        for (int fd : fds) ::close(fd);
    }
};

class snapshot_each_test : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!ns_.entered()) GTEST_SKIP() << "no private network namespace: " << ns_.why_not();
        TCPTABLE_SKIP_WITHOUT_NETLINK();
        // ~2100 listeners of both families plus established pairs: several datagrams of a
        // dump (one holds a few hundred rows).
        for (int i = 0; i < 2100; ++i) {
            std::uint16_t port = 0;
            int l = loopback_listener(i % 3 == 0, port);
            ASSERT_GE(l, 0) << "listener " << i;
            sockets_.fds.push_back(l);
            if (i % 100 == 0) {
                int c = loopback_connect(i % 3 == 0, port);
                ASSERT_GE(c, 0);
                sockets_.fds.push_back(c);
            }
        }
    }

    // All rows of snapshot_each, sorted, and how many batches carried them.
    static std::vector<tcp_row> each(snapshot_options o, std::size_t& batches) {
        std::vector<tcp_row> rows;
        batches = 0;
        std::error_code ec;
        error_info info;
        snapshot_each(
            o,
            [&](std::span<const tcp_row> batch) {
                EXPECT_FALSE(batch.empty());
                ++batches;
                rows.insert(rows.end(), batch.begin(), batch.end());
            },
            ec, &info);
        EXPECT_FALSE(ec) << ec.message() << ": " << info.to_string();
        sort_rows(rows);
        return rows;
    }

    static std::vector<tcp_row> whole(snapshot_options o) {
        o.sorted = true;
        tcp_table t = snapshot(o);
        return {t.begin(), t.end()};
    }

    scoped_private_netns ns_;
    socket_set sockets_;
};

TEST_F(snapshot_each_test, streams_the_same_rows_as_snapshot_in_several_batches) {
    for (backend_kind b : {backend_kind::automatic, backend_kind::netlink}) {
        snapshot_options o;
        o.sorted = false;
        o.backend = b;
        std::size_t batches = 0;
        std::vector<tcp_row> rows = each(o, batches);
        EXPECT_GE(rows.size(), 2100u + 2 * 21u);
        EXPECT_GE(batches, 2u) << "the table fit one datagram: the batch boundary is not tested";
        EXPECT_EQ(rows, whole(o));
        // Each row once: no dump restart delivered a row twice.
        EXPECT_EQ(std::adjacent_find(rows.begin(), rows.end()), rows.end());
    }
}

TEST_F(snapshot_each_test, filters_families_and_states_as_snapshot) {
    for (address_family f : {address_family::ipv4, address_family::ipv6, address_family::both}) {
        for (state_set s : {state_set::listening(), state_set::all()}) {
            snapshot_options o;
            o.sorted = false;
            o.family = f;
            o.states = s;
            std::size_t batches = 0;
            std::vector<tcp_row> rows = each(o, batches);
            EXPECT_FALSE(rows.empty());
            EXPECT_EQ(rows, whole(o));
        }
    }
}

TEST_F(snapshot_each_test, sorted_owner_pids_and_procfs_make_one_call_with_the_whole_table) {
    snapshot_options sorted;
    snapshot_options pids;
    pids.sorted = false;
    pids.owner_pids = true;
    snapshot_options procfs;
    procfs.sorted = false;
    procfs.backend = backend_kind::procfs;
    for (const snapshot_options& o : {sorted, pids, procfs}) {
        std::size_t batches = 0;
        std::vector<tcp_row> rows = each(o, batches);
        EXPECT_EQ(batches, 1u);
        EXPECT_EQ(rows, whole(o));
    }
    // The owners are filled: every listener here is this process's (accepted-but-queued
    // sockets have no descriptor, so no owner).
    std::size_t batches = 0, listeners = 0;
    for (const tcp_row& r : each(pids, batches)) {
        if (r.state != tcp_state::listen) continue;
        ++listeners;
        EXPECT_EQ(r.pid, std::uint32_t(::getpid()));
    }
    EXPECT_EQ(listeners, 2100u);
}

TEST_F(snapshot_each_test, an_exception_from_the_callback_stops_the_dump_and_propagates) {
    snapshot_options o;
    o.sorted = false;
    std::size_t calls = 0;
    std::error_code ec;
    EXPECT_THROW(snapshot_each(
                     o,
                     [&](std::span<const tcp_row>) {
                         ++calls;
                         throw std::runtime_error("stop");
                     },
                     ec),
                 std::runtime_error);
    EXPECT_EQ(calls, 1u);
}

// NLM_F_DUMP_INTR on the third datagram (a seam; a real table change cannot be timed): the
// rows of the first two are delivered, the flagged one's are not, and the error says so. No
// row twice, every delivered row a real one.
TEST_F(snapshot_each_test, an_interrupted_dump_stops_with_table_changed_and_no_duplicates) {
    snapshot_options o;
    o.sorted = false;
    const std::vector<tcp_row> all = whole(o);
    detail::test_seams::set_forced_dump_interruption(3);
    std::vector<tcp_row> rows;
    std::size_t batches = 0;
    std::error_code ec;
    error_info info;
    snapshot_each(
        o,
        [&](std::span<const tcp_row> batch) {
            ++batches;
            rows.insert(rows.end(), batch.begin(), batch.end());
        },
        ec, &info);
    detail::test_seams::set_forced_dump_interruption(0);
    EXPECT_EQ(ec, make_error_code(errc::table_changed)) << ec.message();
    EXPECT_NE(info.message.find("NLM_F_DUMP_INTR"), std::string::npos) << info.message;
    EXPECT_EQ(batches, 2u);
    EXPECT_FALSE(rows.empty());
    EXPECT_LT(rows.size(), all.size());
    sort_rows(rows);
    EXPECT_EQ(std::adjacent_find(rows.begin(), rows.end()), rows.end());
    std::size_t unknown = 0;
    for (const tcp_row& r : rows) unknown += std::find(all.begin(), all.end(), r) == all.end();
    EXPECT_EQ(unknown, 0u);
}

#ifdef TCPTABLE_TEST_CLI_OUTPUT
// The CLI's streaming output (tcptable --unsorted, cli::print_streamed) into a memory stream,
// with the dump interrupted at datagram `interrupt_at` (0: not at all).
struct streamed {
    std::error_code ec;
    error_info info;
    std::string text;
};

streamed print_streamed(const snapshot_options& o, bool json, int interrupt_at) {
    streamed s;
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = ::open_memstream(&data, &size);
    if (out == nullptr) throw std::runtime_error("open_memstream failed");
    detail::test_seams::set_forced_dump_interruption(interrupt_at);
    try {
        s.ec = cli::print_streamed(out, o, json, s.info);
    } catch (...) {
        detail::test_seams::set_forced_dump_interruption(0);
        std::fclose(out);
        std::free(data);
        throw;
    }
    detail::test_seams::set_forced_dump_interruption(0);
    std::fclose(out);
    s.text.assign(data, size);
    std::free(data);
    return s;
}

// Each element of a parsed --json array must be the JSON of a row of `all` (the CLI's own
// row_json of it: every key and value), and none may come twice.
void expect_rows_of(const nlohmann::json& array, const std::vector<tcp_row>& all) {
    std::vector<nlohmann::json> known;
    for (const tcp_row& r : all) known.push_back(cli::row_json(r));
    std::vector<nlohmann::json> seen;
    for (const auto& element : array) {
        EXPECT_NE(std::find(known.begin(), known.end(), element), known.end())
            << "not a row of the table: " << element.dump();
        EXPECT_EQ(std::find(seen.begin(), seen.end(), element), seen.end())
            << "printed twice: " << element.dump();
        seen.push_back(element);
    }
}

// The output as one JSON document, which must be an array ending in a newline; a parse error
// fails the test (and gives an empty array).
nlohmann::json parsed_array(const std::string& text) {
    EXPECT_TRUE(!text.empty() && text.back() == '\n');
    try {
        nlohmann::json j = nlohmann::json::parse(text);
        EXPECT_TRUE(j.is_array()) << text.substr(0, 200);
        return j.is_array() ? j : nlohmann::json::array();
    } catch (const nlohmann::json::exception& e) {
        ADD_FAILURE() << "not one JSON document (" << e.what() << "), ending:\n"
                      << text.substr(text.size() - std::min<std::size_t>(text.size(), 200));
        return nlohmann::json::array();
    }
}

TEST_F(snapshot_each_test, cli_streamed_json_is_one_whole_array_of_the_table) {
    snapshot_options o;
    o.sorted = false;
    const std::vector<tcp_row> all = whole(o);
    streamed s = print_streamed(o, true, 0);
    ASSERT_FALSE(s.ec) << s.ec.message() << ": " << s.info.to_string();
    nlohmann::json j = parsed_array(s.text);
    EXPECT_EQ(j.size(), all.size());
    expect_rows_of(j, all);
}

// NLM_F_DUMP_INTR on the third datagram: the rows of the first two were printed, and the array
// is closed after them, so stdout parses as JSON; the error (which the CLI prints on stderr,
// exiting 1) is table_changed, so the shorter array is never taken for the whole table.
TEST_F(snapshot_each_test, cli_streamed_json_interrupted_mid_dump_is_a_closed_array_and_an_error) {
    snapshot_options o;
    o.sorted = false;
    const std::vector<tcp_row> all = whole(o);
    streamed s = print_streamed(o, true, 3);
    EXPECT_EQ(s.ec, make_error_code(errc::table_changed)) << s.ec.message();
    EXPECT_NE(s.info.message.find("NLM_F_DUMP_INTR"), std::string::npos) << s.info.message;
    nlohmann::json j = parsed_array(s.text);
    EXPECT_FALSE(j.empty());
    EXPECT_LT(j.size(), all.size());
    expect_rows_of(j, all);
}

// Interrupted on the first datagram, before any row: nothing is printed (as when snapshot()
// fails in the sorted path) and the error is the same.
TEST_F(snapshot_each_test, cli_streamed_output_interrupted_before_any_row_prints_nothing) {
    snapshot_options o;
    o.sorted = false;
    for (bool json : {true, false}) {
        streamed s = print_streamed(o, json, 1);
        EXPECT_EQ(s.ec, make_error_code(errc::table_changed)) << s.ec.message();
        EXPECT_EQ(s.text, "") << (json ? "json" : "text");
    }
}

// Text: the header once, then the rows printed before the interruption, each on its line.
TEST_F(snapshot_each_test, cli_streamed_text_interrupted_mid_dump_keeps_the_header_and_rows) {
    snapshot_options o;
    o.sorted = false;
    const std::size_t total = whole(o).size();
    streamed s = print_streamed(o, false, 3);
    EXPECT_EQ(s.ec, make_error_code(errc::table_changed)) << s.ec.message();
    ASSERT_TRUE(s.text.starts_with("Proto ")) << s.text.substr(0, 200);
    EXPECT_EQ(s.text.find("Proto ", 1), std::string::npos) << "header printed twice";
    ASSERT_EQ(s.text.back(), '\n');
    const auto lines = static_cast<std::size_t>(std::count(s.text.begin(), s.text.end(), '\n'));
    EXPECT_GT(lines, 1u);         // the header and some rows
    EXPECT_LT(lines, total + 1);  // not the whole table
}
#endif

}  // namespace
