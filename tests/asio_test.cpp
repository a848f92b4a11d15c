// SPDX-License-Identifier: MIT
// The opt-in Asio header: async_snapshot with each completion token and executor kind, its
// hand-off under stress and at teardown, conversions, and the watcher.
//
// Every test ends with io.run() returning because the work is done (never run_for followed by
// destroying a context that still has work), under a watchdog that fails the program with the
// stage's name if it hangs.
#include "support/async_watchdog.hpp"
#include "support/loopback.hpp"

#include <tcptable/asio.hpp>

#include <boost/asio/bind_executor.hpp>
#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/bind_cancellation_slot.hpp>
#endif
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace tcptable::testing {
namespace {

using namespace std::chrono_literals;
constexpr auto hang_limit = std::chrono::seconds(120);

// The error of the failing read below: a missing proc directory on Linux; on Windows the procfs
// backend itself, which is not supported there.
#ifdef _WIN32
const std::error_condition bad_read_error = std::errc::not_supported;
#else
const std::error_condition bad_read_error = std::errc::no_such_file_or_directory;
#endif

snapshot_options failing_options() {
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = "/nonexistent-tcptable";
    return o;
}

// A proc root holding a captured two-family table: a tiny, fixed table that costs little to
// read (on Windows the procfs backend answers not_supported at once, which is as good for the
// hand-off).
snapshot_options tiny_table_options() {
    static const std::string root = [] {
        namespace fs = std::filesystem;
        fs::path dir =
            fs::temp_directory_path() / ("tcptable-asio-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir / "net");
        const std::string data = TCPTABLE_TEST_DATA_DIR "/procfs/";
        fs::copy_file(data + "debian12-k6.18-tcp.txt", dir / "net" / "tcp");
        fs::copy_file(data + "debian12-k6.18-tcp6.txt", dir / "net" / "tcp6");
        return dir.string();
    }();
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = root;
    return o;
}

TEST(async_snapshot, plain_callback_completes_on_the_callers_executor) {
    watchdog wd("plain callback", hang_limit);
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    bool called = false;
    std::thread::id ran_on;
    async_snapshot(io.get_executor(), {}, [&](boost::system::error_code ec, tcp_table t) {
        called = true;
        ran_on = std::this_thread::get_id();
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    });
    EXPECT_FALSE(called);  // never inline: the read runs elsewhere
    io.run();              // returns once the snapshot's work is done
    EXPECT_TRUE(called);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(async_snapshot, execution_context_overload_and_thread_pool) {
    watchdog wd("context overload", hang_limit);
    asio::io_context io;
    bool called = false;
    async_snapshot(io, tiny_table_options(),
                   [&](boost::system::error_code, tcp_table) { called = true; });
    io.run();
    EXPECT_TRUE(called);

    asio::thread_pool pool(2);
    auto f = async_snapshot(pool, failing_options(), asio::use_future);
    EXPECT_THROW(f.get(), boost::system::system_error);
    pool.join();
}

TEST(async_snapshot, errors_arrive_as_error_codes_and_convert_back) {
    watchdog wd("errors", hang_limit);
    asio::io_context io;
    boost::system::error_code got;
    async_snapshot(io.get_executor(), failing_options(),
                   [&](boost::system::error_code ec, tcp_table t) {
                       got = ec;
                       EXPECT_TRUE(t.empty());
                   });
    io.run();
    EXPECT_EQ(to_std(got), bad_read_error);
    // tcptable's own category survives the round trip.
    std::error_code parse = errc::parse_error;
    EXPECT_EQ(to_std(to_boost(parse)), parse);
    EXPECT_STREQ(to_boost(parse).category().name(), "tcptable");
    EXPECT_EQ(to_boost(parse).message(), parse.message());
    EXPECT_FALSE(to_boost(std::error_code{}));
    // Categories compare by their stable id, not by address: a second instance (as another
    // shared object would hold) is the same category.
    asio_detail::std_category_adapter other;
    EXPECT_NE(&other, &to_boost(parse).category());
    EXPECT_TRUE(to_boost(parse).category() == other);
    EXPECT_EQ(to_std(boost::system::error_code(static_cast<int>(errc::table_changed), other)),
              std::error_code(errc::table_changed));
}

TEST(async_snapshot, use_future) {
    watchdog wd("use_future", hang_limit);
    asio::io_context io;
    listener l(io, asio::ip::make_address("::1"));
    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    std::future<tcp_table> f = async_snapshot(io.get_executor(), {}, asio::use_future);
    tcp_table t = f.get();
    EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    auto fb = async_snapshot(io.get_executor(), failing_options(), asio::use_future);
    EXPECT_THROW(fb.get(), boost::system::system_error);
    guard.reset();  // run() returns once nothing is left
    runner.join();
}

TEST(async_snapshot, completes_on_the_handlers_associated_executor) {
    watchdog wd("associated executor", hang_limit);
    asio::io_context io, other;
    auto other_guard = asio::make_work_guard(other);
    std::thread::id other_thread;
    std::thread other_runner([&] {
        other_thread = std::this_thread::get_id();
        other.run();
    });
    std::thread::id ran_on;
    bool on_other = false;
    async_snapshot(io.get_executor(), tiny_table_options(),
                   asio::bind_executor(other, [&](boost::system::error_code, tcp_table) {
                       ran_on = std::this_thread::get_id();
                       on_other = other.get_executor().running_in_this_thread();
                       other_guard.reset();
                   }));
    io.run();  // returns when the result has been handed to `other`
    other_runner.join();
    EXPECT_TRUE(on_other);
    EXPECT_EQ(ran_on, other_thread);
}

// A coroutine function, not a capturing lambda: a lambda's captures live in the lambda object,
// which co_spawn may destroy while the coroutine still runs.
asio::awaitable<void> snapshot_with_temporaries(tcp::endpoint listening, std::size_t* rows,
                                                bool* found, bool* threw, bool* tiny_ok) {
    auto ex = co_await asio::this_coro::executor;
    // Temporaries inside co_await (GCC 12 corrupted aggregate temporaries there; the options
    // types are not aggregates, so these are safe).
    tcp_table t = co_await async_snapshot(ex, snapshot_options{}, asio::use_awaitable);
    *rows = t.size();
    *found = find_row(t, listening, any_endpoint(listening)).has_value();
    try {
        co_await async_snapshot(ex, failing_options(), asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        *threw = to_std(e.code()) == bad_read_error;
    }
    // The default completion token of an executor that has one.
    asio::use_awaitable_t<>::executor_with_default<asio::any_io_executor> aex(ex);
    boost::system::error_code ec;
    try {
        tcp_table tiny = co_await async_snapshot(aex, tiny_table_options());
        *tiny_ok = true;
        (void)tiny;
    } catch (const boost::system::system_error& e) {
        ec = e.code();
#ifdef _WIN32
        *tiny_ok = to_std(ec) == std::errc::not_supported;
#endif
    }
}

TEST(async_snapshot, cpp20_coroutine_with_temporaries_and_default_token) {
    watchdog wd("coroutine", hang_limit);
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    std::size_t rows = 0;
    bool found = false, threw = false, tiny_ok = false;
    asio::co_spawn(io, snapshot_with_temporaries(l.endpoint(), &rows, &found, &threw, &tiny_ok),
                   asio::detached);
    io.run();
    EXPECT_GE(rows, 1u);
    EXPECT_TRUE(found);
    EXPECT_TRUE(threw);
    EXPECT_TRUE(tiny_ok);
}

TEST(async_snapshot, an_awaitable_never_awaited_frees_everything) {
    // Under LeakSanitizer this leaked the options before.
    asio::io_context io;
    {
        auto never = async_snapshot(io.get_executor(), tiny_table_options(), asio::use_awaitable);
        (void)never;
    }
    io.run();  // nothing was started: returns at once
    SUCCEED();
}

// Hand-offs back to back: each completion starts the next, in `chains` chains at once, on an
// io_context run by `threads` threads. A lost wake-up anywhere hangs, and the watchdog fails.
void hand_off_stress(int chains, int per_chain, int threads) {
    watchdog wd("hand-off stress " + std::to_string(chains) + "x" + std::to_string(per_chain) +
                    " on " + std::to_string(threads) + " threads",
                hang_limit);
    asio::io_context io(threads);
    auto options = tiny_table_options();
    std::mutex m;
    int completed = 0, failed = 0;
    std::function<void(int)> next = [&](int left) {
        if (left == 0) return;
        async_snapshot(io.get_executor(), options,
                       [&, left](boost::system::error_code ec, tcp_table) {
                           {
                               std::lock_guard<std::mutex> lock(m);
                               ++completed;
#ifndef _WIN32
                               if (ec) ++failed;
#else
                (void)ec;
#endif
                           }
                           next(left - 1);
                       });
    };
    for (int c = 0; c < chains; ++c) next(per_chain);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    EXPECT_EQ(completed, chains * per_chain);
    EXPECT_EQ(failed, 0);
}

TEST(async_snapshot, stress_5000_hand_offs_one_thread) { hand_off_stress(1, 5000, 1); }
TEST(async_snapshot, stress_hand_offs_four_chains_four_threads) { hand_off_stress(4, 1500, 4); }

// The blocking step is held until a helper thread opens the gate, in no fixed order with the
// io_context's destruction: either the context is destroyed while the read runs (shutdown
// waits for it, then drops the result), or after the result was queued (dropped unrun). The
// handler must never run and nothing may touch the destroyed context (AddressSanitizer).
TEST(async_snapshot, context_destroyed_with_an_operation_in_flight) {
    watchdog wd("teardown in flight", hang_limit);
    for (int round = 0; round < 40; ++round) {
        gate entered, release;
        bool called = false;
        std::thread opener;
        {
            asio::io_context io;
            asio_detail::start_blocking([&](boost::system::error_code, int) { called = true; },
                                        io.get_executor(),
                                        [&](std::error_code&) {
                                            entered.open();
                                            release.wait();
                                            return 42;
                                        });
            entered.wait();
            opener = std::thread([&] { release.open(); });
            if (round % 2) opener.join();  // sometimes done before the destruction begins
        }
        if (opener.joinable()) opener.join();
        EXPECT_FALSE(called) << "round " << round;
    }
}

#if BOOST_ASIO_VERSION >= 101900
// Per-operation cancellation (Asio 1.19+; CI builds these tests against Debian's Boost 1.81 too):
// the handler completes with operation_aborted while the read is still held, and the read's
// result is dropped when it comes.
TEST(async_snapshot, cancellation_slot_aborts_while_the_read_runs) {
    watchdog wd("cancellation slot", hang_limit);
    gate entered, release;
    boost::system::error_code got;
    int calls = 0;
    {
        asio::io_context io;
        asio::cancellation_signal signal;
        asio_detail::start_blocking(
            asio::bind_cancellation_slot(signal.slot(),
                                         [&](boost::system::error_code ec, int) {
                                             ++calls;
                                             got = ec;
                                         }),
            io.get_executor(), [&](std::error_code&) {
                entered.open();
                release.wait();
                return 42;
            });
        entered.wait();
        signal.emit(asio::cancellation_type::terminal);
        io.run();  // the aborted completion ran; the read is still held
        EXPECT_EQ(calls, 1);
        EXPECT_EQ(got, asio::error::operation_aborted);
        release.open();
        io.restart();
        io.run();  // the read's result finds nothing to complete
    }
    EXPECT_EQ(calls, 1);

    // Through async_snapshot, and a slot that is never emitted changes nothing.
    asio::io_context io;
    asio::cancellation_signal unused;
    bool ok = false;
    async_snapshot(io, tiny_table_options(),
                   asio::bind_cancellation_slot(
                       unused.slot(), [&](boost::system::error_code, tcp_table) { ok = true; }));
    io.run();
    EXPECT_TRUE(ok);
}
#endif

TEST(async_snapshot, context_destroyed_before_it_ever_ran) {
    watchdog wd("teardown unrun", hang_limit);
    bool called = false;
    {
        asio::io_context io;
        for (int i = 0; i < 20; ++i)
            async_snapshot(io.get_executor(), tiny_table_options(),
                           [&](boost::system::error_code, tcp_table) { called = true; });
    }
    EXPECT_FALSE(called);
}

#ifndef _WIN32
// A FIFO where net/tcp belongs: the read refuses it (or, before that check existed, blocked in
// open); either way destroying the context must not hang or touch freed memory.
TEST(async_snapshot, context_destroyed_with_a_fifo_read_in_flight) {
    watchdog wd("teardown fifo", hang_limit);
    namespace fs = std::filesystem;
    fs::path dir =
        fs::temp_directory_path() / ("tcptable-fifo-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir / "net");
    ASSERT_EQ(::mkfifo((dir / "net" / "tcp").c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo((dir / "net" / "tcp6").c_str(), 0600), 0);
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = dir.string();
    boost::system::error_code got;
    bool called = false;
    {
        asio::io_context io;
        async_snapshot(io.get_executor(), o, [&](boost::system::error_code ec, tcp_table) {
            called = true;
            got = ec;
        });
        io.run();  // bounded: the FIFO is refused, not waited on
    }
    EXPECT_TRUE(called);
    EXPECT_TRUE(got) << "a FIFO is not a /proc table";
    fs::remove_all(dir);
}
#endif

TEST(asio_conversions, endpoints_round_trip) {
    for (const char* text : {"127.0.0.1", "10.1.2.3", "::1", "fe80::1%3", "2001:db8::7"}) {
        auto a = asio::ip::make_address(text);
        EXPECT_EQ(to_asio(from_asio(a)), a) << text;
        EXPECT_EQ(from_asio(a), *ip_address::parse(text)) << text;
    }
    tcp_row r;
    r.local_address = *ip_address::parse("127.0.0.1");
    r.local_port = 8080;
    r.remote_address = *ip_address::parse("::1");
    r.remote_port = 9;
    EXPECT_EQ(local_endpoint(r), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 8080));
    EXPECT_EQ(remote_endpoint(r).port(), 9);
}

tcp_row make_row(std::uint16_t lport, std::uint16_t rport, tcp_state s) {
    tcp_row r;
    r.local_address = ip_address::v4_loopback();
    r.remote_address = ip_address::v4_loopback();
    r.local_port = lport;
    r.remote_port = rport;
    r.state = s;
    return r;
}

TEST(diff_tables, opened_closed_and_changed_in_one_merge) {
    tcp_table before({make_row(1, 0, tcp_state::listen), make_row(2, 5, tcp_state::established),
                      make_row(3, 5, tcp_state::established)});
    tcp_table after({make_row(1, 0, tcp_state::listen), make_row(2, 5, tcp_state::time_wait),
                     make_row(4, 5, tcp_state::syn_sent)});
    auto ev = diff_tables(before, after);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    EXPECT_EQ(ev[0].old_state, tcp_state::established);
    EXPECT_EQ(ev[0].row.state, tcp_state::time_wait);
    EXPECT_EQ(ev[1].kind, event_kind::closed);
    EXPECT_EQ(ev[1].row.local_port, 3);
    EXPECT_EQ(ev[2].kind, event_kind::opened);
    EXPECT_EQ(ev[2].row.local_port, 4);
    EXPECT_TRUE(diff_tables(after, after).empty());
    EXPECT_EQ(diff_tables(tcp_table{}, after).size(), 3u);
    EXPECT_EQ(diff_tables(before, tcp_table{}).size(), 3u);
    // Two listeners on one port (SO_REUSEPORT): one closing is one event.
    tcp_table two({make_row(1, 0, tcp_state::listen), make_row(1, 0, tcp_state::listen)});
    tcp_table one({make_row(1, 0, tcp_state::listen)});
    auto ev2 = diff_tables(two, one);
    ASSERT_EQ(ev2.size(), 1u);
    EXPECT_EQ(ev2[0].kind, event_kind::closed);
    EXPECT_EQ(to_string(event_kind::state_changed), "state_changed");
}

TEST(watcher, rejects_an_interval_that_is_not_positive) {
    asio::io_context io;
    for (auto interval :
         {std::chrono::steady_clock::duration::zero(), std::chrono::steady_clock::duration(-1),
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(-1s)}) {
        try {
            watcher::create(io.get_executor(), {}, interval);
            ADD_FAILURE() << "accepted " << interval.count();
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::error_code(errc::invalid_argument));
        }
    }
    EXPECT_NO_THROW(watcher::create(io, {}, 1ns));
}

TEST(watcher, reports_a_connection_through_its_life) {
    watchdog wd("watcher through a connection's life", hang_limit);
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    auto port = l.endpoint().port();
    snapshot_options o;
    o.family = address_family::ipv4;
    std::vector<tcp_event> seen;
    auto w = watcher::create(io.get_executor(), o, 20ms);
    std::unique_ptr<connection> c;
    tcp::endpoint client_local;
    int step = 0;
    // Drive the connection through its states, one step each time the watcher has taken two
    // snapshots since the last step (a large table on a busy machine can take longer than the
    // interval). The callback runs on the watcher's strand; this io_context has one thread.
    std::size_t mark = 0;
    std::function<void()> advance = [&] {
        if (w->snapshots() < mark + 2) return;
        mark = w->snapshots();
        switch (step++) {
            case 0:
                c = std::make_unique<connection>(io, l);
                client_local = c->client.local_endpoint();
                break;
            case 1:
                c->client.shutdown(tcp::socket::shutdown_send);  // FIN-WAIT-2 / CLOSE-WAIT
                break;
            case 2:
                c->server.close();  // client to TIME-WAIT, server row gone
                c->client.close();
                break;
            default:
                w->cancel();
                return;
        }
    };
    // Snapshots without change call no callback, so a timer looks at the count between them.
    asio::steady_timer driver(io);
    std::function<void()> tick = [&] {
        driver.expires_after(10ms);
        driver.async_wait([&](const boost::system::error_code&) {
            advance();
            if (step <= 3) tick();
        });
    };
    w->start(
        [&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
            ASSERT_FALSE(ec);
            for (const auto& e : events)
                if (e.row.local_port == port || e.row.remote_port == port) seen.push_back(e);
        },
        [&] { tick(); });
    io.run();  // returns once cancelled and the last snapshot is in
    auto has = [&](event_kind k, std::uint16_t lport, tcp_state s, tcp_state old = tcp_state{0}) {
        for (const auto& e : seen)
            if (e.kind == k && e.row.local_port == lport && e.row.state == s &&
                (old == tcp_state{0} || e.old_state == old))
                return true;
        return false;
    };
    std::uint16_t cport = client_local.port();
    EXPECT_TRUE(has(event_kind::opened, cport, tcp_state::established));
    EXPECT_TRUE(has(event_kind::opened, port, tcp_state::established));
    EXPECT_TRUE(has(event_kind::state_changed, cport, tcp_state::fin_wait2));
    EXPECT_TRUE(
        has(event_kind::state_changed, port, tcp_state::close_wait, tcp_state::established));
    EXPECT_TRUE(has(event_kind::state_changed, cport, tcp_state::time_wait));
    EXPECT_TRUE(has(event_kind::closed, port, tcp_state::close_wait) ||
                has(event_kind::closed, port, tcp_state::last_ack));
    EXPECT_EQ(step, 4);
}

TEST(watcher, cancel_stops_further_snapshots) {
    watchdog wd("watcher cancel", hang_limit);
    asio::io_context io;
    int calls = 0;
    auto w = watcher::create(io.get_executor(), {}, 10ms);
    w->start([&](const boost::system::error_code&, const std::vector<tcp_event>&) { ++calls; });
    w->cancel();
    io.run();  // nothing left pending once cancelled
    EXPECT_EQ(calls, 0);
    EXPECT_LE(w->snapshots(), 1u);
}

// Events taken with co_await: the watcher starts without a callback, a connection opens once
// the baseline is in, and async_next hands over the batch that holds it; once cancelled,
// async_next completes with operation_aborted.
asio::awaitable<void> await_events(std::shared_ptr<watcher> w, tcp::endpoint listening,
                                   bool* saw_open, bool* aborted) {
    for (int batches = 0; batches < 1000 && !*saw_open; ++batches) {
        auto events = co_await w->async_next(asio::use_awaitable);
        for (const auto& e : events)
            if (e.kind == event_kind::opened && e.row.remote_port == listening.port())
                *saw_open = true;
    }
    w->cancel();
    try {
        co_await w->async_next(asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        *aborted = e.code() == asio::error::operation_aborted;
    }
}

TEST(watcher, async_next_hands_over_batches) {
    watchdog wd("watcher async_next", hang_limit);
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    snapshot_options o;
    o.family = address_family::ipv4;
    auto w = watcher::create(io, o, 20ms);
    std::unique_ptr<connection> c;
    bool saw_open = false, aborted = false;
    w->start({}, [&] { c = std::make_unique<connection>(io, l); });
    asio::co_spawn(io, await_events(w, l.endpoint(), &saw_open, &aborted), asio::detached);
    io.run();
    EXPECT_TRUE(saw_open);
    EXPECT_TRUE(aborted);
}

TEST(watcher, one_async_next_at_a_time) {
    watchdog wd("watcher one async_next", hang_limit);
    asio::io_context io;
    auto w = watcher::create(io, {}, 1s);  // never started: no batch can arrive
    boost::system::error_code first, second;
    w->async_next([&](boost::system::error_code ec, watcher::event_batch) { first = ec; });
    w->async_next([&](boost::system::error_code ec, watcher::event_batch) {
        second = ec;
        w->cancel();
    });
    io.run();
    EXPECT_EQ(second, asio::error::already_started);
    EXPECT_EQ(first, asio::error::operation_aborted);
}

// Four threads run the io_context; the watcher keeps to its strand (ThreadSanitizer).
TEST(watcher, on_a_four_thread_io_context) {
    watchdog wd("watcher on four threads", hang_limit);
    asio::io_context io(4);
    asio::io_context sockets;  // the test's own sockets, used from this thread only
    listener l(sockets, asio::ip::make_address("127.0.0.1"));
    auto port = l.endpoint().port();
    snapshot_options o;
    o.family = address_family::ipv4;
    auto w = watcher::create(io, o, 5ms);
    std::mutex m;
    std::condition_variable cv;
    bool baseline = false;
    // Client ports reported opened. A set, not a count: a table read through /proc (Wine's
    // iphlpapi reads it) can miss a row under churn, and the row then opens again.
    std::set<std::uint16_t> opened;
    constexpr std::size_t connections = 20;
    w->start(
        [&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
            EXPECT_FALSE(ec);
            std::lock_guard<std::mutex> lock(m);
            for (const auto& e : events)
                if (e.kind == event_kind::opened && e.row.remote_port == port)
                    opened.insert(e.row.local_port);
            cv.notify_all();
        },
        [&] {
            std::lock_guard<std::mutex> lock(m);
            baseline = true;
            cv.notify_all();
        });
    // Concurrent async_snapshots on the same context meanwhile.
    std::atomic<int> extra{0};
    for (int i = 0; i < 50; ++i)
        async_snapshot(io, tiny_table_options(),
                       [&](boost::system::error_code, tcp_table) { ++extra; });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([&] { io.run(); });
    {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return baseline; });
    }
    std::vector<std::unique_ptr<connection>> conns;
    for (std::size_t i = 0; i < connections; ++i)
        conns.push_back(std::make_unique<connection>(sockets, l));
    {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return opened.size() >= connections; });
    }
    w->cancel();
    for (auto& t : threads) t.join();
    std::set<std::uint16_t> expected;
    for (const auto& c : conns) expected.insert(c->client.local_endpoint().port());
    EXPECT_EQ(opened, expected);
    EXPECT_EQ(extra.load(), 50);
}

}  // namespace
}  // namespace tcptable::testing
