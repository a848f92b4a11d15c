// SPDX-License-Identifier: MIT
// The size race of the Win32 table functions: the table grows between the caller's probe and
// its fill. Every buffer here is a heap block of exactly the size passed, so under ASan a single
// byte written past *SizePointer fails the test; the rest checks ERROR_INSUFFICIENT_BUFFER with
// the new exact size and that a Windows-style retry loop converges while connections keep
// opening. The live cases run in a forked child inside a network namespace of its own, so the
// table holds only this test's sockets and every size is known exactly.
#include "compat/win32/win32_api.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <tcptable/tcptable.hpp>
#include <thread>
#include <vector>

#include "linux/test_seams.hpp"
#include "support/child_process.hpp"
#include "support/private_netns.hpp"
#include "win32/loopback_sockets.hpp"

// Last: the Win32 headers define macros (s_addr, TRUE, ...) that must not reach the others.
#include <iphlpapi.h>
#include <winsock2.h>

namespace {

using tcptable::ip_address;
using tcptable::tcp_row;
using tcptable::tcp_state;
using tcptable::testing::run_in_child;
using tcptable::testing::win32::loopback_sockets;

// --- Through the test seam: every function, exact-size blocks. ------------------------------

struct grow_table {
    std::vector<tcp_row> first, later;
    int calls = 0;
};

void supply(std::vector<tcp_row>& rows, void* context) {
    auto* t = static_cast<grow_table*>(context);
    rows = t->calls++ == 0 ? t->first : t->later;
}

std::vector<tcp_row> make_rows(std::size_t n, bool v6) {
    std::vector<tcp_row> rows;
    for (std::size_t i = 0; i < n; ++i) {
        tcp_row r;
        r.local_address = v6 ? ip_address::v6_loopback() : ip_address::v4_loopback();
        r.remote_address = r.local_address;
        r.local_port = static_cast<std::uint16_t>(20000 + i);
        r.remote_port = 80;
        r.state = tcp_state::established;
        r.pid = static_cast<std::uint32_t>(100 + i);
        rows.push_back(r);
    }
    return rows;
}

struct table_function {
    const char* name;
    bool v6;
    std::size_t row_size;
    std::function<DWORD(void*, ULONG*)> call;
};

const std::vector<table_function>& table_functions() {
    static const std::vector<table_function> all = {
        {"GetTcpTable", false, sizeof(MIB_TCPROW),
         [](void* b, ULONG* s) { return GetTcpTable(static_cast<PMIB_TCPTABLE>(b), s, TRUE); }},
        {"GetTcp6Table", true, sizeof(MIB_TCP6ROW),
         [](void* b, ULONG* s) { return GetTcp6Table(static_cast<PMIB_TCP6TABLE>(b), s, TRUE); }},
        {"GetTcpTable2", false, sizeof(MIB_TCPROW2),
         [](void* b, ULONG* s) { return GetTcpTable2(static_cast<PMIB_TCPTABLE2>(b), s, TRUE); }},
        {"GetTcp6Table2", true, sizeof(MIB_TCP6ROW2),
         [](void* b, ULONG* s) { return GetTcp6Table2(static_cast<PMIB_TCP6TABLE2>(b), s, TRUE); }},
        {"GetExtendedTcpTable(AF_INET, OWNER_PID_ALL)", false, sizeof(MIB_TCPROW_OWNER_PID),
         [](void* b, ULONG* s) {
             return GetExtendedTcpTable(b, s, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0);
         }},
        {"GetExtendedTcpTable(AF_INET6, OWNER_PID_ALL)", true, sizeof(MIB_TCP6ROW_OWNER_PID),
         [](void* b, ULONG* s) {
             return GetExtendedTcpTable(b, s, FALSE, AF_INET6, TCP_TABLE_OWNER_PID_ALL, 0);
         }},
        {"GetExtendedTcpTable(AF_INET, BASIC_ALL)", false, sizeof(MIB_TCPROW),
         [](void* b, ULONG* s) {
             return GetExtendedTcpTable(b, s, FALSE, AF_INET, TCP_TABLE_BASIC_ALL, 0);
         }},
    };
    return all;
}

// A heap block of exactly `size` bytes (at least one, so that a zero size is still a block
// ASan guards), filled with a pattern.
std::unique_ptr<unsigned char[]> exact_block(std::size_t size) {
    std::unique_ptr<unsigned char[]> b(new unsigned char[size ? size : 1]);
    std::memset(b.get(), 0x5A, size ? size : 1);
    return b;
}

bool untouched(const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != 0x5A) return false;
    return true;
}

class win32_race_seam : public ::testing::Test {
  protected:
    void SetUp() override { tcptable::detail::set_win32_snapshot_bypass(true); }
    void TearDown() override {
        tcptable::detail::set_win32_rows_hook(nullptr, nullptr);
        tcptable::detail::set_win32_snapshot_bypass(false);
    }
};

TEST_F(win32_race_seam, growth_between_probe_and_fill_writes_nothing_and_reports_new_size) {
    for (const auto& f : table_functions()) {
        SCOPED_TRACE(f.name);
        for (std::size_t base : {0u, 1u, 7u, 300u}) {
            grow_table t{make_rows(base, f.v6), make_rows(base + 13, f.v6)};
            tcptable::detail::set_win32_rows_hook(&supply, &t);
            ULONG size = 0;
            ASSERT_EQ(f.call(nullptr, &size), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
            ASSERT_EQ(size, 4 + base * f.row_size);

            const ULONG probed = size;
            auto block = exact_block(probed);
            EXPECT_EQ(f.call(block.get(), &size), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
            EXPECT_EQ(size, 4 + (base + 13) * f.row_size);
            EXPECT_TRUE(untouched(block.get(), probed));

            // The caller's retry, again with an exact block, now fits.
            auto retry = exact_block(size);
            ASSERT_EQ(f.call(retry.get(), &size), static_cast<DWORD>(NO_ERROR));
            DWORD count;
            std::memcpy(&count, retry.get(), sizeof count);
            EXPECT_EQ(count, base + 13);
            EXPECT_EQ(t.calls, 3);
        }
    }
}

TEST_F(win32_race_seam, shrink_between_probe_and_fill_fills_less_and_leaves_the_rest) {
    for (const auto& f : table_functions()) {
        SCOPED_TRACE(f.name);
        grow_table t{make_rows(40, f.v6), make_rows(25, f.v6)};
        tcptable::detail::set_win32_rows_hook(&supply, &t);
        ULONG size = 0;
        ASSERT_EQ(f.call(nullptr, &size), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        const ULONG probed = size;
        auto block = exact_block(probed);
        ASSERT_EQ(f.call(block.get(), &size), static_cast<DWORD>(NO_ERROR));
        EXPECT_EQ(size, probed);
        DWORD count;
        std::memcpy(&count, block.get(), sizeof count);
        EXPECT_EQ(count, 25u);
        const std::size_t used = 4 + 25 * f.row_size;
        EXPECT_TRUE(untouched(block.get() + used, probed - used));
    }
}

// --- Live, in a namespace of the test's own. ------------------------------------------------

std::uint32_t entries(const unsigned char* table) {
    DWORD n;
    std::memcpy(&n, table, sizeof n);
    return n;
}

TEST(win32_race_live, growth_between_probe_and_fill_in_a_private_namespace) {
    // procfs first: a skip of the netlink case (netlink refused here) ends the test.
    for (const char* backend : {"procfs", "netlink"}) {
        SCOPED_TRACE(backend);
        // A namespace per backend: the first one's closed connections linger in TIME-WAIT.
        TCPTABLE_EXPECT_CHILD(run_in_child([backend]() -> std::string {
            if (auto why = tcptable::testing::enter_private_netns(); !why.empty())
                return "SKIP: " + why;
            // The Win32 layer takes the automatic backend; refusing netlink makes it /proc.
            if (std::string(backend) == "procfs")
                tcptable::detail::test_seams::set_netlink_refusal(EPERM);
            tcptable::detail::test_seams::forget_default_backend();
            // Where the environment refuses NETLINK_SOCK_DIAG, the automatic backend is /proc
            // already: the netlink case would only repeat the procfs one.
            if (std::string(backend) == "netlink" &&
                tcptable::default_backend() != tcptable::backend_kind::netlink)
                return "SKIP: NETLINK_SOCK_DIAG is refused here; the automatic backend is /proc";
            loopback_sockets s;  // a listener and one connection: 3 rows
            ULONG size = 0;
            if (GetTcpTable(nullptr, &size, TRUE) != ERROR_INSUFFICIENT_BUFFER)
                return "probe did not ask for a buffer";
            if (size != 4 + 3 * sizeof(MIB_TCPROW)) return "probe size " + std::to_string(size);
            const ULONG probed = size;
            s.add_connections(40);  // 80 more rows
            auto block = exact_block(probed);
            if (GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(block.get()), &size, TRUE) !=
                ERROR_INSUFFICIENT_BUFFER)
                return "fill after growth did not refuse";
            if (size != 4 + 83 * sizeof(MIB_TCPROW)) return "new size " + std::to_string(size);
            if (!untouched(block.get(), probed)) return "refused buffer was written";
            auto retry = exact_block(size);
            if (GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(retry.get()), &size, TRUE) != NO_ERROR)
                return "retry failed";
            if (entries(retry.get()) != 83)
                return "retry has " + std::to_string(entries(retry.get())) + " rows";
            return "";
        }));
    }
}

// The loop a ported program runs (the GetTcpTable example, with its one retry made a loop):
// malloc the size the last call returned until the call succeeds, while another thread keeps
// opening connections in bursts.
//
// Why it converges, and how fast: after each burst the opener waits (a handshake, not a
// sleep) until the reader has finished a read since the burst ended. A burst that overlaps a
// read ends after the read began, so the next burst starts only after that read has finished:
// at most one burst overlaps any one read, which sees at most 2 * burst_size new rows (each
// connection adds its two rows; nothing closes in this namespace). A call is refused only when its
// table is larger than the one the previous call measured, so beyond the first call (a one-row
// buffer) every refusal needs a new row: at most 2 + 2 * burst_size calls per read, whatever
// the scheduler does. The test asserts that bound; a loop that did not converge (a wrong size
// in the refusal, say) would exceed it and hit the per-read cap.
constexpr int burst_size = 20;   // connections per burst: 40 rows
constexpr int burst_count = 30;  // 600 connections, 1 200 descriptors
constexpr int max_tries_per_read = 2 + 2 * burst_size;
// Watchdogs: a read that needs this many calls has failed; the whole loop gives up after
// this long or this many reads (a starved opener leaves the reader reading).
constexpr int tries_cap = 10 * max_tries_per_read;
constexpr auto read_watchdog = std::chrono::seconds(40);
constexpr long max_reads = 1000000;

struct retry_stats {
    int max_tries = 0;
    long refusals = 0;
    long loops = 0;
    long raced = 0;  // reads that needed more than the probe and one retry
    int opened = 0;
};

// What the reader has done, under one mutex, for the opener to wait on.
struct reader_progress {
    std::mutex m;
    std::condition_variable cv;
    long reads = 0;
    bool stop = false;
};

std::string retry_loop_converges(bool v6, retry_stats& stats) {
    reader_progress progress;
    std::atomic<int> opened{0};
    std::atomic<bool> opener_done{false};
    std::thread opener([&] {
        loopback_sockets s(v6);
        for (int i = 0; i < burst_count; ++i) {
            s.add_connections(burst_size);
            opened.fetch_add(burst_size);
            if (i + 1 == burst_count) break;
            // Until the reader has finished a read since this burst ended.
            std::unique_lock lock(progress.m);
            const long seen = progress.reads;
            progress.cv.wait(lock, [&] { return progress.stop || progress.reads > seen; });
            if (progress.stop) break;
        }
        opener_done.store(true);
        // The sockets stay open until the reader is done: the table never shrinks under it.
        std::unique_lock lock(progress.m);
        progress.cv.wait(lock, [&] { return progress.stop; });
    });
    auto stop_opener = [&] {
        {
            std::lock_guard lock(progress.m);
            progress.stop = true;
        }
        progress.cv.notify_all();
        opener.join();
    };

    std::string error;
    const auto deadline = std::chrono::steady_clock::now() + read_watchdog;
    std::uint32_t last_count = 0;
    // One more read once the opener is done, so the last burst is read too.
    bool last_read = false;
    while (error.empty()) {
        if (std::chrono::steady_clock::now() >= deadline || stats.loops >= max_reads) {
            error = "watchdog: " + std::to_string(stats.loops) + " reads, " +
                    std::to_string(opened.load()) + " of " +
                    std::to_string(burst_count * burst_size) + " connections opened";
            break;
        }
        last_read = opener_done.load();
        ++stats.loops;
        ULONG size = v6 ? sizeof(MIB_TCP6TABLE) : sizeof(MIB_TCPTABLE);
        auto buffer = exact_block(size);
        int tries = 1;
        DWORD rc;
        for (;;) {
            rc = v6 ? GetTcp6Table(reinterpret_cast<PMIB_TCP6TABLE>(buffer.get()), &size, TRUE)
                    : GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buffer.get()), &size, TRUE);
            if (rc != ERROR_INSUFFICIENT_BUFFER || tries == tries_cap) break;
            ++stats.refusals;
            buffer = exact_block(size);
            ++tries;
        }
        stats.max_tries = std::max(stats.max_tries, tries);
        stats.raced += tries > 2;
        if (rc != NO_ERROR) {
            error = "no success after " + std::to_string(tries) + " tries (rc " +
                    std::to_string(rc) + ")";
            break;
        }
        // Connections only open here: the table never shrinks between two successes.
        const std::uint32_t count = entries(buffer.get());
        if (count < last_count)
            error =
                "table shrank from " + std::to_string(last_count) + " to " + std::to_string(count);
        last_count = count;
        {
            std::lock_guard lock(progress.m);
            ++progress.reads;
        }
        progress.cv.notify_all();
        if (last_read) {
            // Everything the opener made, and the listener, as the last read saw it.
            const std::uint32_t want = 1 + 2 * (1 + burst_count * burst_size);
            if (error.empty() && count != want)
                error =
                    "last read has " + std::to_string(count) + " rows, not " + std::to_string(want);
            break;
        }
    }
    stop_opener();
    stats.opened = opened.load();
    return error;
}

TEST(win32_race_live, retry_loop_converges_while_connections_keep_opening) {
    for (bool v6 : {false, true}) {
        SCOPED_TRACE(v6 ? "GetTcp6Table" : "GetTcpTable");
        retry_stats stats;
        auto result = run_in_child(
            [&]() -> std::string {
                if (auto why = tcptable::testing::enter_private_netns(); !why.empty())
                    return "SKIP: " + why;
                retry_stats s;
                std::string error = retry_loop_converges(v6, s);
                if (!error.empty()) return error;
                // Reported through the message channel.
                return "STATS " + std::to_string(s.max_tries) + " " + std::to_string(s.loops) +
                       " " + std::to_string(s.refusals) + " " + std::to_string(s.raced) + " " +
                       std::to_string(s.opened);
            },
            std::chrono::seconds(50));
        if (result.skipped) GTEST_SKIP() << result.message;
        ASSERT_EQ(result.message.rfind("STATS ", 0), 0u) << result.message;
        ASSERT_EQ(std::sscanf(result.message.c_str(), "STATS %d %ld %ld %ld %d", &stats.max_tries,
                              &stats.loops, &stats.refusals, &stats.raced, &stats.opened),
                  5)
            << result.message;
        std::printf("%s: %ld reads, %ld refusals, %ld raced, at most %d tries\n", v6 ? "v6" : "v4",
                    stats.loops, stats.refusals, stats.raced, stats.max_tries);
        RecordProperty(v6 ? "v6_max_tries" : "v4_max_tries", stats.max_tries);
        // Every burst was opened: the reader made progress after each.
        EXPECT_EQ(stats.opened, burst_count * burst_size);
        EXPECT_GE(stats.loops, burst_count);
        // The bound the handshake proves (see above), well below the per-read cap.
        EXPECT_LE(stats.max_tries, max_tries_per_read);
        EXPECT_GE(stats.max_tries, 2);  // the first call's one-row buffer was refused
    }
}

}  // namespace
