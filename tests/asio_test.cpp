// The opt-in Asio header: async_snapshot with each completion token, conversions, the watcher,
// and the table diff underneath it.
#include "support/loopback.hpp"

#include <tcptable/asio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace tcptable::testing {
namespace {

TEST(async_snapshot, plain_callback_completes_on_the_callers_executor) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    bool called = false;
    std::thread::id ran_on;
    async_snapshot(io.get_executor(), {}, [&](boost::system::error_code ec, tcp_table t) {
        called = true;
        ran_on = std::this_thread::get_id();
        EXPECT_FALSE(ec);
        EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    });
    EXPECT_FALSE(called);  // never inline: the read runs elsewhere
    io.run_for(std::chrono::seconds(10));
    EXPECT_TRUE(called);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(async_snapshot, errors_arrive_as_error_codes_and_convert_back) {
    asio::io_context io;
    snapshot_options o;
    o.backend = backend_kind::procfs;
    o.proc_root = "/nonexistent-tcptable";
    boost::system::error_code got;
    async_snapshot(io.get_executor(), o, [&](boost::system::error_code ec, tcp_table t) {
        got = ec;
        EXPECT_TRUE(t.empty());
    });
    io.run_for(std::chrono::seconds(10));
    EXPECT_EQ(to_std(got), std::errc::no_such_file_or_directory);
    // tcptable's own category survives the round trip.
    std::error_code parse = errc::parse_error;
    EXPECT_EQ(to_std(to_boost(parse)), parse);
    EXPECT_STREQ(to_boost(parse).category().name(), "tcptable");
    EXPECT_EQ(to_boost(parse).message(), parse.message());
    EXPECT_FALSE(to_boost(std::error_code{}));
}

TEST(async_snapshot, use_future) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("::1"));
    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run_for(std::chrono::seconds(10)); });
    std::future<tcp_table> f = async_snapshot(io.get_executor(), {}, asio::use_future);
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    tcp_table t = f.get();
    EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    snapshot_options bad;
    bad.backend = backend_kind::procfs;
    bad.proc_root = "/nonexistent-tcptable";
    auto fb = async_snapshot(io.get_executor(), bad, asio::use_future);
    EXPECT_THROW(fb.get(), boost::system::system_error);
    guard.reset();
    io.stop();
    runner.join();
}

// A coroutine function, not a capturing lambda: a lambda's captures live in the lambda object,
// which co_spawn may destroy while the coroutine still runs.
asio::awaitable<void> snapshot_twice(tcp::endpoint listening, std::size_t* rows, bool* found,
                                     bool* threw) {
    auto ex = co_await asio::this_coro::executor;
    // A named variable, not a temporary: GCC 12 mis-handles class-type temporaries inside a
    // co_await expression (the copy's std::string points into the temporary).
    snapshot_options all;
    tcp_table t = co_await async_snapshot(ex, all, asio::use_awaitable);
    *rows = t.size();
    *found = find_row(t, listening, any_endpoint(listening)).has_value();
    snapshot_options bad;
    bad.backend = backend_kind::procfs;
    bad.proc_root = "/nonexistent-tcptable";
    try {
        co_await async_snapshot(ex, bad, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        *threw = to_std(e.code()) == std::errc::no_such_file_or_directory;
    }
}

TEST(async_snapshot, cpp20_coroutine) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    std::size_t rows = 0;
    bool found = false, threw = false;
    asio::co_spawn(io, snapshot_twice(l.endpoint(), &rows, &found, &threw), asio::detached);
    io.run_for(std::chrono::seconds(10));
    EXPECT_GE(rows, 1u);
    EXPECT_TRUE(found);
    EXPECT_TRUE(threw);
}

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

TEST(watcher, reports_a_connection_through_its_life) {
    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    auto port = l.endpoint().port();
    snapshot_options o;
    o.family = address_family::ipv4;
    std::vector<tcp_event> seen;
    auto w = watcher::create(io.get_executor(), o, std::chrono::milliseconds(20));
    w->start([&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
        ASSERT_FALSE(ec);
        for (const auto& e : events)
            if (e.row.local_port == port || e.row.remote_port == port) seen.push_back(e);
    });
    std::unique_ptr<connection> c;
    tcp::endpoint client_local;
    int step = 0;
    // Drive the connection through its states from the same io_context, one step at a time,
    // each once the watcher has taken two snapshots since the last (a large table on a busy
    // machine can take longer than the interval).
    asio::steady_timer driver(io);
    std::size_t mark = 0;
    std::function<void()> next = [&] {
        driver.expires_after(std::chrono::milliseconds(20));
        driver.async_wait([&](const boost::system::error_code&) {
            if (w->snapshots() < mark + 2) return next();
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
            next();
        });
    };
    next();
    io.run_for(std::chrono::seconds(30));
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
    asio::io_context io;
    int calls = 0;
    auto w = watcher::create(io.get_executor(), {}, std::chrono::milliseconds(10));
    w->start([&](const boost::system::error_code&, const std::vector<tcp_event>&) { ++calls; });
    w->cancel();
    io.run_for(std::chrono::seconds(2));
    EXPECT_EQ(calls, 0);
    EXPECT_TRUE(io.stopped());  // nothing left pending once cancelled
}

}  // namespace
}  // namespace tcptable::testing
