// SPDX-License-Identifier: MIT
// Bounds for asynchronous tests: a watchdog that ends the test process with a message when a
// stage has not finished in time, and a gate that one thread opens for another. Both use a
// mutex and a condition variable only (no std::atomic::wait, latch or semaphore: MinGW's
// libstdc++ loses their wake-ups).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace tcptable::testing {

// Fails the whole test program, naming the stage, if the watchdog is not destroyed within
// `limit`. The limit is a bound for a hang, not a speed expectation: make it generous.
class watchdog {
  public:
    watchdog(std::string stage, std::chrono::seconds limit) : stage_(std::move(stage)) {
        thread_ = std::thread([this, limit] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
                std::fprintf(stderr, "watchdog: '%s' has not finished after %lld s: failing\n",
                             stage_.c_str(), static_cast<long long>(limit.count()));
                std::fflush(stderr);
                std::_Exit(3);
            }
        });
    }
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;
    ~watchdog() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

  private:
    std::string stage_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// Opened once by one thread; wait() returns once it is open.
class gate {
  public:
    void open() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return open_; });
    }
    bool is_open() {
        std::lock_guard<std::mutex> lock(mutex_);
        return open_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

}  // namespace tcptable::testing
