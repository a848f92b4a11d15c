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

}  // namespace
