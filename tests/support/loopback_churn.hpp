// SPDX-License-Identifier: MIT
// A thread that opens and closes loopback connections to a listener of its own, as fast as it
// can, until told to stop or until it has made `max_connections`: the table changes under
// whatever runs meanwhile. Every other connection ends with an RST (SO_LINGER 0, no TIME-WAIT
// row), the rest with a normal close by the client (a TIME-WAIT row stays, so the table grows);
// with `leave_time_wait` false every one ends with an RST and the table keeps its size.
// Only the sockets it makes are closed. Plain sockets (support/netns_helpers.hpp), so not for
// files that include the Win32 headers, whose in_addr would clash with glibc's.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "support/netns_helpers.hpp"

namespace tcptable::testing {

class loopback_churn {
  public:
    loopback_churn(bool v6, long max_connections, bool leave_time_wait = true)
        : v6_(v6), max_(max_connections), leave_time_wait_(leave_time_wait) {
        listen_fd_ = loopback_listener(v6_, port_);
        if (listen_fd_ >= 0) thread_ = std::thread([this] { run(); });
    }
    ~loopback_churn() { stop(); }
    loopback_churn(const loopback_churn&) = delete;
    loopback_churn& operator=(const loopback_churn&) = delete;

    // "" once the first connection has been opened and closed (the churn is under way), or
    // why not: no listener, the thread ended first, or the watchdog ran out.
    std::string wait_started(std::chrono::seconds watchdog = std::chrono::seconds(30)) {
        if (listen_fd_ < 0) return "no loopback listener for the churn";
        std::unique_lock lock(m_);
        if (!cv_.wait_for(lock, watchdog, [&] { return opened_.load() > 0 || finished_; }))
            return "watchdog: the churn did not start within " + std::to_string(watchdog.count()) +
                   " s";
        if (opened_.load() == 0) return "the churn thread ended without a connection";
        return {};
    }

    // Stops the thread and closes the listener. Idempotent.
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
        if (listen_fd_ >= 0) ::close(listen_fd_);
        listen_fd_ = -1;
    }

    long opened() const { return opened_.load(); }
    long failures() const { return failures_.load(); }
    std::uint16_t port() const { return port_; }

  private:
    void run() {
        for (long n = 0; n < max_ && !stop_.load(); ++n) {
            int c = loopback_connect(v6_, port_);
            if (c < 0) {
                failures_.fetch_add(1);
                continue;
            }
            int s = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (!leave_time_wait_ || n % 2 == 0) {
                linger l{1, 0};
                ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            ::close(c);
            if (s >= 0) ::close(s);
            if (opened_.fetch_add(1) == 0) {
                std::lock_guard lock(m_);
                cv_.notify_all();
            }
        }
        std::lock_guard lock(m_);
        finished_ = true;
        cv_.notify_all();
    }

    bool v6_;
    long max_;
    bool leave_time_wait_;
    std::uint16_t port_ = 0;
    int listen_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<long> opened_{0}, failures_{0};
    std::mutex m_;
    std::condition_variable cv_;
    bool finished_ = false;
    std::thread thread_;
};

}  // namespace tcptable::testing
