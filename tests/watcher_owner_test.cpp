// SPDX-License-Identifier: MIT
// The Asio watcher with owner pids (Linux): its events carry the owning process, and keep
// doing so when a socket changes hands between two of its snapshots. Two paths: the /proc path
// through the watcher's one owner cache (the BPF iterator switched off by the test seam), and
// whatever the machine permits (the BPF iterator as root).
//
// Each case runs in a forked child in a private network namespace, so the table holds only the
// test's sockets; the child is bounded by run_in_child's limit and by a timer of its own that
// names the step it was stuck at.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <functional>
#include <memory>
#include <string>
#include <tcptable/asio.hpp>
#include <tcptable/owner_cache.hpp>
#include <utility>
#include <vector>

#include "linux/test_seams.hpp"
#include "support/child_process.hpp"
#include "support/loopback.hpp"
#include "support/private_netns.hpp"

namespace tcptable::testing {
namespace {

using namespace std::chrono_literals;
namespace d = tcptable::detail;

std::string row_text(const tcp_event& e) {
    return std::string(to_string(e.kind)) + " " + std::to_string(e.row.local_port) + "->" +
           std::to_string(e.row.remote_port) + " " + std::string(to_string(e.row.state)) + " pid " +
           std::to_string(e.row.pid) + " count " + std::to_string(int(e.row.owner_count));
}

// A process holding one socket and nothing else of ours, until `hold` reaches end of file; it
// says it is ready on `ready` once every other descriptor is closed. Only system calls after
// fork: the watcher's threads are not in the child.
pid_t spawn_holder(int socket_fd, int hold_read, int ready_write) {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    ::alarm(90);  // bounded, whatever the parent does
    // Close everything from 3 up but the three descriptors kept (the gaps between them).
    int keep[3] = {socket_fd, hold_read, ready_write};
    for (int i = 0; i < 3; ++i)
        for (int j = i + 1; j < 3; ++j)
            if (keep[j] < keep[i]) std::swap(keep[i], keep[j]);
    unsigned from = 3;
    for (int k : keep) {
        if (unsigned(k) > from) ::close_range(from, unsigned(k) - 1, 0);
        from = unsigned(k) + 1;
    }
    ::close_range(from, ~0U, 0);
    char b = 'r';
    if (::write(ready_write, &b, 1) != 1) ::_exit(4);
    while (::read(hold_read, &b, 1) > 0) {
    }
    ::_exit(0);
}

// The case itself, in the child; "" when every expectation held.
std::string watch_owners(bool bpf_permitted) {
    if (std::string why = enter_private_netns(); !why.empty()) return "SKIP: " + why;
    d::test_seams::set_owner_bpf_disabled(!bpf_permitted);
    const auto self = static_cast<std::uint32_t>(::getpid());

    asio::io_context io;
    listener l(io, asio::ip::make_address("127.0.0.1"));
    const auto port = l.endpoint().port();
    auto cache = std::make_shared<owner_cache>();
    watch_options wo;
    wo.snapshot.family = address_family::ipv4;
    wo.snapshot.owner_pids = true;
    wo.snapshot.owner_cache = cache;
    wo.interval = 20ms;
    auto w = watcher::create(io, wo);

    std::vector<tcp_event> seen;
    std::string failure;
    std::unique_ptr<connection> c;
    std::uint16_t cport = 0;
    pid_t holder = -1;
    int hold_write = -1;
    asio::posix::stream_descriptor ready(io);
    char ready_byte = 0;
    bool moved = false;
    int step = 0;
    std::size_t mark = 0;

    // One step each time the watcher has taken two snapshots since the last one (and, after
    // the hand-over, once the holder said it is alone with the socket).
    std::function<void()> advance = [&] {
        if (w->snapshots() < mark + 2) return;
        switch (step) {
            case 0:  // a connection, both ends here
                c = std::make_unique<connection>(io, l);
                cport = c->client.local_endpoint().port();
                break;
            case 1: {  // the server end moves to another process; this one closes its copy
                int hold[2], rdy[2];
                if (::pipe2(hold, O_CLOEXEC) != 0 || ::pipe2(rdy, O_CLOEXEC) != 0) {
                    failure = "pipe2 failed";
                    w->cancel();
                    return;
                }
                holder = spawn_holder(c->server.native_handle(), hold[0], rdy[1]);
                ::close(hold[0]);
                ::close(rdy[1]);
                hold_write = hold[1];
                if (holder < 0) {
                    failure = "fork failed";
                    ::close(rdy[0]);
                    w->cancel();
                    return;
                }
                ready.assign(rdy[0]);
                asio::async_read(ready, asio::buffer(&ready_byte, 1),
                                 [&](const boost::system::error_code& ec, std::size_t) {
                                     if (ec) {
                                         failure = "the holder never said it was ready";
                                         w->cancel();
                                         return;
                                     }
                                     c->server.close();
                                     moved = true;
                                     mark = w->snapshots();
                                 });
                break;
            }
            case 2:  // the server end, now the holder's, goes to CLOSE-WAIT
                if (!moved) return;
                c->client.shutdown(tcp::socket::shutdown_send);
                break;
            default:  // done
                w->cancel();
                break;
        }
        ++step;
        mark = w->snapshots();
    };
    asio::steady_timer limit(io);
    limit.expires_after(60s);
    limit.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        failure = "stuck at step " + std::to_string(step) + " after " +
                  std::to_string(w->snapshots()) + " snapshots";
        w->cancel();
        ready.close();
    });
    asio::steady_timer driver(io);
    std::function<void()> tick = [&] {
        driver.expires_after(10ms);
        driver.async_wait([&](const boost::system::error_code&) {
            advance();
            if (step <= 3 && failure.empty()) return tick();
            w->cancel();
            ready.close();
            limit.cancel();  // or io.run() would wait for it
        });
    };
    w->start(
        [&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
            if (ec && failure.empty()) failure = "watcher error: " + ec.message();
            for (const auto& e : events)
                if (e.row.local_port == port || e.row.remote_port == port) seen.push_back(e);
        },
        [&] { tick(); });
    io.run();

    if (hold_write >= 0) ::close(hold_write);  // the holder exits
    if (holder > 0) {
        int status = 0;
        while (::waitpid(holder, &status, 0) < 0 && errno == EINTR) {
        }
        if (failure.empty() && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
            failure = "the holder ended with status " + std::to_string(status);
    }
    if (!failure.empty()) return failure;

    std::string log;
    for (const auto& e : seen) log += "\n  " + row_text(e);
    auto find = [&](event_kind k, std::uint16_t lport, tcp_state s) -> const tcp_event* {
        for (const auto& e : seen)
            if (e.kind == k && e.row.local_port == lport && e.row.state == s) return &e;
        return nullptr;
    };
    auto expect_owner = [&](const tcp_event* e, std::uint32_t pid, const char* what) {
        if (!e) return std::string("no event: ") + what;
        if (e->row.pid != pid || e->row.owner_count != 1)
            return std::string(what) + ": " + row_text(*e) + ", expected pid " +
                   std::to_string(pid) + " count 1";
        return std::string();
    };
    std::string why;
    for (std::string m :
         {expect_owner(find(event_kind::opened, cport, tcp_state::established), self,
                       "the client end opened"),
          expect_owner(find(event_kind::opened, port, tcp_state::established), self,
                       "the server end opened"),
          expect_owner(find(event_kind::state_changed, cport, tcp_state::fin_wait2), self,
                       "the client end in FIN-WAIT-2"),
          expect_owner(find(event_kind::state_changed, port, tcp_state::close_wait),
                       static_cast<std::uint32_t>(holder), "the handed-over server end")})
        if (!m.empty()) why += m + "\n";
    // The /proc path went through the cache the watcher was given, snapshot after snapshot.
    const auto st = cache->stats();
    if (!bpf_permitted && (st.snapshots < 6 || st.full_passes < 1))
        why += "the cache served " + std::to_string(st.snapshots) + " snapshots (" +
               std::to_string(st.full_passes) + " full passes) of the watcher's " +
               std::to_string(w->snapshots()) + "\n";
    if (!why.empty()) return why + "events:" + log;
    return "";
}

TEST(watcher_owners, proc_path_through_the_watchers_cache) {
    TCPTABLE_EXPECT_CHILD(run_in_child([] { return watch_owners(false); }, 120s));
}

TEST(watcher_owners, as_permitted_here) {
    TCPTABLE_EXPECT_CHILD(run_in_child([] { return watch_owners(true); }, 120s));
}

}  // namespace
}  // namespace tcptable::testing
