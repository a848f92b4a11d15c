// Boost.Asio integration, opt-in and header-only: the one public header that includes Boost.
//
//   co_await tcptable::async_snapshot(ex, opts, boost::asio::use_awaitable);
//
// Completions use boost::system::error_code, Asio's own convention, so use_future and
// use_awaitable turn a failure into an exception as they do for Asio's operations. to_std()
// gives the std::error_code the rest of tcptable uses (tcptable::errc included).
#pragma once

#include <tcptable/diff.hpp>
#include <tcptable/tcptable.hpp>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <system_error>

namespace tcptable {

namespace asio_detail {

// Carries a std::error_category inside a boost::system::error_code, for categories Boost does
// not know (tcptable's own).
class std_category_adapter final : public boost::system::error_category {
  public:
    explicit std_category_adapter(const std::error_category& c) noexcept : cat_(&c) {}
    const char* name() const noexcept override { return cat_->name(); }
    std::string message(int ev) const override { return cat_->message(ev); }
    const std::error_category& wrapped() const noexcept { return *cat_; }

  private:
    const std::error_category* cat_;
};

inline const std_category_adapter& tcptable_boost_category() noexcept {
    static const std_category_adapter instance(error_category());
    return instance;
}

// Snapshots block in read()/recv(): they run here, never on the caller's threads.
inline boost::asio::thread_pool& blocking_pool() {
    static boost::asio::thread_pool pool(1);
    return pool;
}

}  // namespace asio_detail

inline boost::system::error_code to_boost(const std::error_code& ec) noexcept {
    if (!ec) return {};
    if (ec.category() == std::system_category())
        return {ec.value(), boost::system::system_category()};
    if (ec.category() == std::generic_category())
        return {ec.value(), boost::system::generic_category()};
    return {ec.value(), asio_detail::tcptable_boost_category()};
}

inline std::error_code to_std(const boost::system::error_code& ec) noexcept {
    if (!ec) return {};
    if (ec.category() == asio_detail::tcptable_boost_category())
        return {ec.value(), error_category()};
    if (ec.category() == boost::system::generic_category())
        return {ec.value(), std::generic_category()};
    return {ec.value(), std::system_category()};
}

// Takes a snapshot off the caller's thread and completes on the handler's associated executor
// (by default `ex`) with (error_code, tcp_table).
template <class Executor, class CompletionToken>
auto async_snapshot(const Executor& ex, snapshot_options options, CompletionToken&& token) {
    using signature = void(boost::system::error_code, tcp_table);
    // The options travel as a plain pointer: GCC 12 mis-copies class-type arguments of the
    // coroutine that Boost 1.74's use_awaitable runs the initiation in (a std::string member
    // ends up pointing into another object). The posted work owns and frees them.
    auto* opts = new snapshot_options(std::move(options));
    return boost::asio::async_initiate<CompletionToken, signature>(
        [ex](auto handler, snapshot_options* raw) {
            std::unique_ptr<snapshot_options> owned(raw);
            auto work = boost::asio::make_work_guard(ex);
            boost::asio::post(
                asio_detail::blocking_pool(),
                [h = std::move(handler), w = std::move(work), o = std::move(owned)]() mutable {
                    std::error_code ec;
                    tcp_table table = snapshot(*o, ec);
                    // Hand-off rules, each learnt from a sanitizer report:
                    // - The completion goes to the caller's executor with post(), never run
                    //   inline here, and from there to the handler's associated executor.
                    // - It waits until this thread has returned from post(): Asio signals the
                    //   waking thread after unlocking, so the caller could otherwise see the
                    //   handler run and destroy its io_context while post() still touches it.
                    // - It owns the work guard and releases it just before the handler, after
                    //   which nothing here touches the caller's context.
                    auto posted = std::make_shared<std::atomic<bool>>(false);
                    auto to = w.get_executor();
                    boost::asio::post(to, [h = std::move(h), w = std::move(w), posted, ec,
                                           t = std::move(table)]() mutable {
                        posted->wait(false);
                        auto target = boost::asio::get_associated_executor(h, w.get_executor());
                        boost::asio::dispatch(
                            target, [h = std::move(h), w = std::move(w), ec,
                                     t = std::move(t)]() mutable {
                                auto complete = std::move(h);
                                w.reset();
                                complete(to_boost(ec), std::move(t));
                            });
                    });
                    posted->store(true);
                    posted->notify_one();
                });
        },
        token, opts);
}

// Endpoint conversions.
inline boost::asio::ip::address to_asio(const ip_address& a) {
    if (a.is_v4()) {
        const auto& b = a.bytes();
        return boost::asio::ip::address_v4(
            boost::asio::ip::address_v4::bytes_type{b[0], b[1], b[2], b[3]});
    }
    return boost::asio::ip::address_v6(a.bytes(), a.scope_id());
}

inline ip_address from_asio(const boost::asio::ip::address& a) {
    if (a.is_v4()) return ip_address::v4(a.to_v4().to_bytes());
    return ip_address::v6(a.to_v6().to_bytes(), static_cast<std::uint32_t>(a.to_v6().scope_id()));
}

inline boost::asio::ip::tcp::endpoint local_endpoint(const tcp_row& r) {
    return {to_asio(r.local_address), r.local_port};
}
inline boost::asio::ip::tcp::endpoint remote_endpoint(const tcp_row& r) {
    return {to_asio(r.remote_address), r.remote_port};
}

// Takes a snapshot every `interval` on a steady_timer and reports what changed since the last
// one. Deadlines advance by the interval from the previous deadline, so the period does not
// drift with the time a snapshot takes; a snapshot that overruns skips the missed ticks.
// At most two tables are held. The handler runs on the executor given; cancel() stops it.
class watcher : public std::enable_shared_from_this<watcher> {
  public:
    using handler_type =
        std::function<void(const boost::system::error_code&, const std::vector<tcp_event>&)>;

    template <class Executor>
    static std::shared_ptr<watcher> create(const Executor& ex, snapshot_options options,
                                           std::chrono::steady_clock::duration interval) {
        return std::shared_ptr<watcher>(new watcher(ex, std::move(options), interval));
    }

    // Starts watching. The first snapshot is the baseline and reports no events.
    void start(handler_type handler) {
        handler_ = std::move(handler);
        next_ = std::chrono::steady_clock::now();
        take();
    }

    void cancel() {
        boost::asio::dispatch(timer_.get_executor(), [self = shared_from_this()] {
            self->cancelled_ = true;
            self->timer_.cancel();
        });
    }

    const tcp_table& current() const noexcept { return current_; }
    // Snapshots completed so far, the baseline included.
    std::size_t snapshots() const noexcept { return snapshots_; }

  private:
    template <class Executor>
    watcher(const Executor& ex, snapshot_options options,
            std::chrono::steady_clock::duration interval)
        : timer_(ex), options_(std::move(options)), interval_(interval) {
        options_.sorted = true;  // the diff is a merge of sorted tables
    }

    void take() {
        async_snapshot(timer_.get_executor(), options_,
                       [self = shared_from_this()](boost::system::error_code ec, tcp_table t) {
                           self->on_snapshot(ec, std::move(t));
                       });
    }

    void on_snapshot(const boost::system::error_code& ec, tcp_table t) {
        if (cancelled_) return;
        ++snapshots_;
        if (ec) {
            handler_(ec, {});
        } else if (!have_baseline_) {
            current_ = std::move(t);
            have_baseline_ = true;
        } else {
            auto events = diff_tables(current_, t);
            current_ = std::move(t);
            if (!events.empty()) handler_(ec, events);
        }
        if (cancelled_) return;
        auto now = std::chrono::steady_clock::now();
        next_ += interval_;
        if (next_ < now) next_ += ((now - next_) / interval_ + 1) * interval_;
        timer_.expires_at(next_);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wec) {
            if (wec || self->cancelled_) return;
            self->take();
        });
    }

    boost::asio::steady_timer timer_;
    snapshot_options options_;
    std::chrono::steady_clock::duration interval_;
    std::chrono::steady_clock::time_point next_;
    handler_type handler_;
    tcp_table current_;
    std::size_t snapshots_ = 0;
    bool have_baseline_ = false;
    bool cancelled_ = false;
};

}  // namespace tcptable
