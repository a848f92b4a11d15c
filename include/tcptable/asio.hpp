// SPDX-License-Identifier: MIT
// Boost.Asio integration, opt-in and header-only: the one public header that includes Boost.
//
//   co_await tcptable::async_snapshot(ex, opts, boost::asio::use_awaitable);
//
// Completions use boost::system::error_code, Asio's own convention, so use_future and
// use_awaitable turn a failure into an exception as they do for Asio's operations. to_std()
// gives the std::error_code the rest of tcptable uses (tcptable::errc included).
//
// How it runs (docs/DESIGN.md, "Asio integration"): the blocking read runs on a thread owned by
// a service of the caller's execution context, as Asio's own resolver does. The read's result
// is posted back to that context and from there dispatched to the handler's associated
// executor. Destroying the context stops and joins the service's thread first, so nothing is
// ever posted into freed memory, and no handler or io thread ever waits for another thread.
#pragma once

#include <tcptable/diff.hpp>
#include <tcptable/events.hpp>
#include <tcptable/tcptable.hpp>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/version.hpp>
#include <boost/system/error_code.hpp>
#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace tcptable::inline v0_1 {

namespace asio_detail {

// tcptable's std::error_category, carried inside a boost::system::error_code. The fixed id
// makes Boost compare the category by id rather than by address, so an error made in one shared
// object equals the category seen from another.
class std_category_adapter final : public boost::system::error_category {
  public:
    static constexpr boost::ulong_long_type stable_id = 0x8f3a7c1e5b2d4a69ULL;
    std_category_adapter() noexcept : boost::system::error_category(stable_id) {}
    const char* name() const noexcept override { return "tcptable"; }
    std::string message(int ev) const override { return ::tcptable::error_category().message(ev); }
};

inline const std_category_adapter& tcptable_boost_category() noexcept {
    static const std_category_adapter instance;
    return instance;
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

namespace asio_detail {

// The execution context an executor belongs to, for old- and new-style executors alike.
template <class Executor>
boost::asio::execution_context& context_of(const Executor& ex) {
    if constexpr (boost::asio::execution::is_executor<Executor>::value)
        return boost::asio::query(ex, boost::asio::execution::context);
    else
        return ex.context();
}

// One thread per execution context for the blocking reads. The thread starts on first use.
// shutdown(), which the context calls before it destroys anything, stops the thread after the
// read in progress (reads are bounded: regular files, netlink with a receive timeout), joins
// it and destroys the operations it had not started, without invoking them, as Asio does with
// the handlers of a context that is shut down.
//
// Lane 0 takes snapshots; lane 1 waits for event notifications (bounded waits too), so that a
// wait for events never delays a snapshot.
template <int Lane>
class blocking_service_lane final : public boost::asio::execution_context::service {
  public:
    using key_type = blocking_service_lane;
    static inline boost::asio::execution_context::id id;

    explicit blocking_service_lane(boost::asio::execution_context& owner)
        : boost::asio::execution_context::service(owner) {}
    blocking_service_lane(const blocking_service_lane&) = delete;
    blocking_service_lane& operator=(const blocking_service_lane&) = delete;
    ~blocking_service_lane() override { stop(); }

    // Runs f() on the service's thread. Once the context is shut down, f is destroyed unrun.
    template <class F>
    void run(F f) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (stopped_) return;  // f is destroyed on return, outside the lock
        if (!thread_.joinable()) {
            work_.emplace(io_->get_executor());
            thread_ = std::thread([io = io_.get()] { io->run(); });
        }
        boost::asio::post(*io_, std::move(f));
    }

  private:
    void shutdown() override { stop(); }

    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        // From here on run() touches nothing, so the rest needs no lock.
        work_.reset();
        io_->stop();
        if (thread_.joinable()) thread_.join();
        io_.reset();  // destroys what was queued and never started
    }

    std::mutex mutex_;
    bool stopped_ = false;
    std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>(1);
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
};

using blocking_service = blocking_service_lane<0>;
using event_wait_service = blocking_service_lane<1>;

// Counts outstanding work on an executor for as long as it lives. New-style executors are
// asked for outstanding_work.tracked (executor_work_guard cannot wrap, say, a strand of
// any_io_executor in Boost 1.74); old-style ones get an executor_work_guard.
template <class Executor, class = void>
class work_tracker {
  public:
    explicit work_tracker(const Executor& ex) : guard_(ex) {}
    Executor get_executor() const { return guard_.get_executor(); }

  private:
    boost::asio::executor_work_guard<Executor> guard_;
};

template <class Executor>
class work_tracker<Executor,
                   std::enable_if_t<boost::asio::execution::is_executor<Executor>::value>> {
  public:
    explicit work_tracker(const Executor& ex)
        : ex_(boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked)) {}
    auto get_executor() const { return ex_; }

  private:
    std::decay_t<decltype(boost::asio::prefer(std::declval<const Executor&>(),
                                              boost::asio::execution::outstanding_work.tracked))>
        ex_;
};

// The handler of an operation with work counted on the I/O executor and on the handler's
// associated executor, until it has been dispatched there.
template <class Handler, class IoExecutor>
class pending_handler {
  public:
    using handler_executor = boost::asio::associated_executor_t<Handler, IoExecutor>;

    template <class H>
    pending_handler(H&& h, const IoExecutor& io_ex)
        : handler_(std::forward<H>(h)),
          io_work_(io_ex),
          handler_work_(boost::asio::get_associated_executor(handler_, io_ex)) {}

    Handler& handler() noexcept { return handler_; }

    // On the I/O executor: hands the arguments to the handler on its executor; the work counts
    // end when this object does, after the dispatch.
    template <class R>
    void complete(const boost::system::error_code& ec, R&& result) {
        auto ex = handler_work_.get_executor();
        boost::asio::dispatch(ex, [h = std::move(handler_), ec,
                                   r = std::forward<R>(result)]() mutable { h(ec, std::move(r)); });
    }

  private:
    Handler handler_;
    work_tracker<IoExecutor> io_work_;
    work_tracker<handler_executor> handler_work_;
};

#if BOOST_ASIO_VERSION >= 101900
// Per-operation cancellation (Asio 1.19 and later): the handler waits in shared state; a
// cancellation takes it and completes it with operation_aborted at once, and the read's
// result, when it comes, finds nothing to complete and is dropped. Either way the slot is
// cleared on the I/O executor before the handler runs.
template <class Handler, class IoExecutor>
struct cancellable_state {
    std::mutex mutex;
    std::optional<pending_handler<Handler, IoExecutor>> pending;
    boost::asio::cancellation_slot slot;

    std::optional<pending_handler<Handler, IoExecutor>> take() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(pending, std::nullopt);
    }
};
#endif

// Runs `work(std::error_code&) -> R` (blocking) on the blocking service of io_ex's context and
// completes `handler(error_code, R)` through io_ex on the handler's associated executor. The
// service's thread posts only to io_ex, whose context joins that thread before it is
// destroyed.
template <class Handler, class IoExecutor, class Work>
class blocking_op {
  public:
    using result_type = std::invoke_result_t<Work&, std::error_code&>;

    template <class H, class W>
    blocking_op(H&& h, const IoExecutor& io_ex, W&& work)
        : io_ex_(io_ex), work_fn_(std::forward<W>(work)) {
        pending_handler<Handler, IoExecutor> p(std::forward<H>(h), io_ex);
#if BOOST_ASIO_VERSION >= 101900
        auto slot = boost::asio::get_associated_cancellation_slot(p.handler());
        if (slot.is_connected()) {
            shared_ = std::make_shared<cancellable_state<Handler, IoExecutor>>();
            shared_->pending.emplace(std::move(p));
            shared_->slot = slot;
            slot.template emplace<canceller>(canceller{shared_, io_ex});
            return;
        }
#endif
        pending_.emplace(std::move(p));
    }

    // On the service's thread.
    void operator()() {
        std::error_code ec;
        result_type result = work_fn_(ec);
#if BOOST_ASIO_VERSION >= 101900
        if (shared_) {
            auto p = shared_->take();
            if (!p) return;  // cancelled: the handler has had operation_aborted
            boost::asio::post(
                io_ex_, [p = std::move(*p), slot = shared_->slot, e = ::tcptable::to_boost(ec),
                         r = std::move(result)]() mutable {
                    slot.clear();
                    p.complete(e, std::move(r));
                });
            return;
        }
#endif
        boost::asio::post(io_ex_,
                          [p = std::move(*pending_), e = ::tcptable::to_boost(ec),
                           r = std::move(result)]() mutable { p.complete(e, std::move(r)); });
    }

  private:
#if BOOST_ASIO_VERSION >= 101900
    struct canceller {
        std::shared_ptr<cancellable_state<Handler, IoExecutor>> state;
        IoExecutor io_ex;
        void operator()(boost::asio::cancellation_type_t) {
            auto p = state->take();
            if (!p) return;  // already completing
            boost::asio::post(io_ex, [p = std::move(*p), slot = state->slot]() mutable {
                slot.clear();
                p.complete(boost::asio::error::operation_aborted, result_type{});
            });
        }
    };
    std::shared_ptr<cancellable_state<Handler, IoExecutor>> shared_;
#endif
    IoExecutor io_ex_;
    Work work_fn_;
    std::optional<pending_handler<Handler, IoExecutor>> pending_;
};

// Starts a blocking_op: `work(std::error_code&) -> R` runs on io_ex's service thread.
template <class Service = blocking_service, class Handler, class IoExecutor, class Work>
void start_blocking(Handler&& handler, const IoExecutor& io_ex, Work&& work) {
    using op_type = blocking_op<std::decay_t<Handler>, IoExecutor, std::decay_t<Work>>;
    auto& service = boost::asio::use_service<Service>(context_of(io_ex));
    service.run(op_type(std::forward<Handler>(handler), io_ex, std::forward<Work>(work)));
}

struct initiate_snapshot {
    template <class Handler, class IoExecutor>
    void operator()(Handler&& handler, const IoExecutor& io_ex, snapshot_options options) const {
        start_blocking(std::forward<Handler>(handler), io_ex,
                       [o = std::move(options)](std::error_code& ec) { return snapshot(o, ec); });
    }
};

template <class T>
inline constexpr bool is_executor_v =
    boost::asio::execution::is_executor<T>::value || boost::asio::is_executor<T>::value;

}  // namespace asio_detail

// Takes a snapshot off the caller's threads and completes with (error_code, tcp_table) on the
// handler's associated executor (by default `ex`). Nothing is allocated before the initiation
// runs; an awaitable that is never awaited costs nothing. Destroying ex's execution context
// with a snapshot in flight waits for that read to end (reads are bounded) and drops its
// result without calling the handler.
template <class Executor,
          class CompletionToken = typename boost::asio::default_completion_token<Executor>::type,
          std::enable_if_t<asio_detail::is_executor_v<Executor>, int> = 0>
auto async_snapshot(
    const Executor& ex, snapshot_options options,
    CompletionToken&& token = typename boost::asio::default_completion_token<Executor>::type()) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, tcp_table)>(
        asio_detail::initiate_snapshot{}, token, ex, std::move(options));
}

// The same, on an execution context's executor (an io_context, a thread_pool).
template <class ExecutionContext,
          class CompletionToken = typename boost::asio::default_completion_token<
              typename ExecutionContext::executor_type>::type,
          std::enable_if_t<
              std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>, int> = 0>
auto async_snapshot(ExecutionContext& ctx, snapshot_options options,
                    CompletionToken&& token = typename boost::asio::default_completion_token<
                        typename ExecutionContext::executor_type>::type()) {
    return async_snapshot(ctx.get_executor(), std::move(options),
                          std::forward<CompletionToken>(token));
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

// What a watcher watches, and how.
struct watch_options {
    watch_options() = default;  // not an aggregate (see snapshot_options)

    // With snapshot.owner_pids and no snapshot.owner_cache, the watcher makes one cache for
    // all its snapshots (include/tcptable/owner_cache.hpp).
    snapshot_options snapshot;
    std::chrono::steady_clock::duration interval = std::chrono::seconds(1);
    // Where events come from (docs/DESIGN.md, "Event sources"): `poll` diffs snapshots only;
    // `netlink` adds the kernel's destroy notifications (every close, unprivileged); `bpf`
    // takes opens, changes and closes from a BPF program, polling only to resync; `automatic`
    // is bpf where permitted, else netlink, else poll.
    event_source events = event_source::poll;
};

// Takes a snapshot every `interval` on a steady_timer and reports what changed since the last
// one, and, with an event source, what the kernel reports in between. Deadlines advance by
// the interval from the previous deadline, so the period does not drift with the time a
// snapshot takes; a snapshot that overruns skips the missed ticks. At most two tables are
// held, plus the cookies of sockets reported closed that a poll may still show (TIME-WAIT)
// and, for bpf, of sockets reported opened since (bounded by max_tracked_sockets).
//
// Everything runs on the watcher's own strand, so it is safe on an io_context run by several
// threads; the callback runs on that strand. Events reach the caller either through the
// callback given to start(), or, when start() gets none, through async_next(), which completes
// with each batch in turn (batches wait in a bounded queue until taken).
//
// With an event source, a close is reported once: by the source, with the figures and the
// owner (pid, uid, inode) of the row an earlier poll showed with the same cookie; the polls'
// diff no longer reports it, nor the TIME-WAIT row that follows. When the kernel drops
// notifications (ENOBUFS, a full ring buffer) a snapshot is taken at once, its diff reported
// in full, and resyncs() grows; that batch is delivered even when empty.
class watcher : public std::enable_shared_from_this<watcher> {
  public:
    using executor_type = boost::asio::strand<boost::asio::any_io_executor>;
    using handler_type =
        std::function<void(const boost::system::error_code&, const std::vector<tcp_event>&)>;
    using event_batch = std::vector<tcp_event>;

    // Events waiting for async_next beyond this many are dropped, oldest first, and the next
    // async_next completes with boost::asio::error::no_buffer_space.
    static constexpr std::size_t max_queued_events = std::size_t(1) << 20;
    // Sockets remembered beyond the live table (closed but maybe still polled; opened since
    // the last poll); past this, a close may be reported twice.
    static constexpr std::size_t max_tracked_sockets = std::size_t(1) << 20;
    // Notifications taken per wait, and how long one wait blocks the event thread at most.
    static constexpr std::size_t events_per_read = 4096;
    static constexpr std::chrono::milliseconds event_wait{250};

    // Throws std::system_error with errc::invalid_argument for an interval that is not
    // positive.
    template <class Executor, std::enable_if_t<asio_detail::is_executor_v<Executor>, int> = 0>
    static std::shared_ptr<watcher> create(const Executor& ex, snapshot_options options,
                                           std::chrono::steady_clock::duration interval) {
        watch_options w;
        w.snapshot = std::move(options);
        w.interval = interval;
        return create(ex, std::move(w));
    }

    template <class Executor, std::enable_if_t<asio_detail::is_executor_v<Executor>, int> = 0>
    static std::shared_ptr<watcher> create(const Executor& ex, watch_options options) {
        if (options.interval <= std::chrono::steady_clock::duration::zero())
            throw std::system_error(make_error_code(errc::invalid_argument),
                                    "tcptable::watcher: the interval must be positive");
        return std::shared_ptr<watcher>(
            new watcher(boost::asio::any_io_executor(ex), std::move(options)));
    }

    template <
        class ExecutionContext,
        std::enable_if_t<std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>,
                         int> = 0>
    static std::shared_ptr<watcher> create(ExecutionContext& ctx, snapshot_options options,
                                           std::chrono::steady_clock::duration interval) {
        return create(ctx.get_executor(), std::move(options), interval);
    }

    template <
        class ExecutionContext,
        std::enable_if_t<std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>,
                         int> = 0>
    static std::shared_ptr<watcher> create(ExecutionContext& ctx, watch_options options) {
        return create(ctx.get_executor(), std::move(options));
    }

    // Starts watching (dispatched to the strand; a second call does nothing). An event source
    // is subscribed to first, then the first snapshot is the baseline and reports no events;
    // `on_baseline`, when given, runs once it is taken (source() then says which source runs).
    // A source asked for by name that cannot be opened is reported as an error to the handler
    // (or async_next), and watching stops; `automatic` falls back to the next source instead.
    // Without a handler, events wait for async_next().
    void start(handler_type handler = {}, std::function<void()> on_baseline = {}) {
        boost::asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler),
                                        b = std::move(on_baseline)]() mutable {
            if (self->started_ || self->cancelled_) return;
            self->started_ = true;
            self->handler_ = std::move(h);
            self->on_baseline_ = std::move(b);
            if (self->requested_ != event_source::poll && self->options_.proc_root != "/proc") {
                // Captured files, or another mount: the kernel's events are not that table's.
                const char* why = "a table read from files has no kernel events";
                if (self->requested_ != event_source::automatic) {
                    // Nothing more happens: no timer, no subscription.
                    self->last_error_info_.message = why;
                    return self->deliver(to_boost(make_error_code(errc::not_supported)), {});
                }
                self->fallback_reason_ = why;
                self->set_source(event_source::poll);
                self->begin_polling();
            } else if (self->requested_ == event_source::poll) {
                self->set_source(event_source::poll);
                self->begin_polling();
            } else {
                self->subscribe();
            }
        });
    }

    // Stops: no more snapshots or callbacks; a pending async_next completes with
    // operation_aborted. A snapshot in flight ends on its own and its result is dropped.
    void cancel() {
        boost::asio::dispatch(strand_, [self = shared_from_this()] {
            self->cancelled_ = true;
            self->timer_.cancel();
            if (self->subscription_) self->subscription_->interrupt();
            self->queue_.clear();
            self->queued_events_ = 0;
            if (self->waiter_) self->finish_waiter(boost::asio::error::operation_aborted, {});
        });
    }

    // Completes with (error_code, std::vector<tcp_event>): the next batch of events, a snapshot
    // error (watching goes on), no_buffer_space after events were dropped, or
    // operation_aborted once cancelled. One async_next at a time (a second completes with
    // already_started).
    template <
        class CompletionToken = typename boost::asio::default_completion_token<executor_type>::type>
    auto async_next(CompletionToken&& token =
                        typename boost::asio::default_completion_token<executor_type>::type()) {
        return boost::asio::async_initiate<CompletionToken,
                                           void(boost::system::error_code, event_batch)>(
            initiate_next{shared_from_this()}, token);
    }

    executor_type get_executor() const noexcept { return strand_; }

    // The last table taken. Only from the strand (in the callback, or in an async_next
    // completion bound to get_executor()).
    const tcp_table& current() const noexcept { return current_; }
    // Where the last snapshot (or subscription) failed (file and line, or the path or call),
    // when it did. Only from the strand, like current().
    const error_info& last_error_info() const noexcept { return last_error_info_; }
    // Snapshots completed so far, the baseline included (any thread).
    std::size_t snapshots() const noexcept { return snapshots_.load(std::memory_order_relaxed); }
    // The event source in use: `automatic` until start() has chosen (any thread).
    event_source source() const noexcept {
        return static_cast<event_source>(source_.load(std::memory_order_acquire));
    }
    // The source asked for in watch_options.
    event_source requested_source() const noexcept { return requested_; }
    // Why `automatic` did not get a better source (bpf, netlink), when it did not. Only from
    // the strand, like current().
    const std::string& fallback_reason() const noexcept { return fallback_reason_; }
    // Times the kernel dropped notifications and a snapshot resynced the table (any thread).
    std::size_t resyncs() const noexcept { return resyncs_.load(std::memory_order_relaxed); }
    // Events dropped because the async_next queue was full (any thread).
    std::size_t dropped_events() const noexcept {
        return dropped_events_.load(std::memory_order_relaxed);
    }
    // Notifications the event source delivered, duplicates included (any thread).
    std::size_t notifications() const noexcept {
        return notifications_.load(std::memory_order_relaxed);
    }

  private:
    watcher(boost::asio::any_io_executor ex, watch_options options)
        : strand_(boost::asio::make_strand(std::move(ex))),
          timer_(strand_),
          options_(std::move(options.snapshot)),
          interval_(options.interval),
          requested_(options.events) {
        options_.sorted = true;  // the diff is a merge of sorted tables, the joins a search
        // Owners of each poll resolve only what changed since the last one.
        if (options_.owner_pids && !options_.owner_cache)
            options_.owner_cache = std::make_shared<owner_cache>();
    }

    // A parked async_next: the handler, with work counted on its executor while it waits.
    struct waiter_base {
        virtual ~waiter_base() = default;
        virtual void complete(boost::system::error_code ec, event_batch events) = 0;
    };
    template <class Handler>
    struct waiter final : waiter_base {
        using executor = boost::asio::associated_executor_t<Handler, executor_type>;
        waiter(Handler&& h, const executor_type& strand)
            : handler(std::move(h)), work(boost::asio::get_associated_executor(handler, strand)) {}
        void complete(boost::system::error_code ec, event_batch events) override {
            auto ex = work.get_executor();
            boost::asio::post(ex, [h = std::move(handler), ec, e = std::move(events)]() mutable {
                h(ec, std::move(e));
            });
        }
        Handler handler;
        asio_detail::work_tracker<executor> work;
    };

    struct initiate_next {
        std::shared_ptr<watcher> self;
        template <class Handler>
        void operator()(Handler&& handler) const {
            auto w =
                std::make_unique<waiter<std::decay_t<Handler>>>(std::move(handler), self->strand_);
            // post, not dispatch: a completion never runs inside the initiating call.
            boost::asio::post(self->strand_, [s = self, w = std::move(w)]() mutable {
                s->add_waiter(std::move(w));
            });
        }
    };

    void add_waiter(std::unique_ptr<waiter_base> w) {
        if (waiter_) return w->complete(boost::asio::error::already_started, {});
        waiter_ = std::move(w);
        if (cancelled_) return finish_waiter(boost::asio::error::operation_aborted, {});
        if (overflowed_) {
            overflowed_ = false;
            return finish_waiter(boost::asio::error::no_buffer_space, {});
        }
        if (!queue_.empty()) {
            auto [ec, events] = std::move(queue_.front());
            queue_.pop_front();
            queued_events_ -= events.size();
            finish_waiter(ec, std::move(events));
        }
    }

    void finish_waiter(boost::system::error_code ec, event_batch events) {
        auto w = std::move(waiter_);
        w->complete(ec, std::move(events));
    }

    void deliver(const boost::system::error_code& ec, event_batch events) {
        if (handler_) return handler_(ec, events);
        if (waiter_ && queue_.empty() && !overflowed_) return finish_waiter(ec, std::move(events));
        queued_events_ += events.size();
        queue_.emplace_back(ec, std::move(events));
        while (queued_events_ > max_queued_events && queue_.size() > 1) {
            queued_events_ -= queue_.front().second.size();
            dropped_events_.fetch_add(queue_.front().second.size(), std::memory_order_relaxed);
            queue_.pop_front();
            overflowed_ = true;
        }
    }

    void set_source(event_source s) noexcept {
        source_.store(static_cast<std::uint8_t>(s), std::memory_order_release);
    }

    // ---- The event source.

    struct opened_subscription {
        std::shared_ptr<event_subscription> subscription;
        error_info info;
    };

    void subscribe() {
        asio_detail::start_blocking<asio_detail::event_wait_service>(
            [self = shared_from_this()](boost::system::error_code ec, opened_subscription o) {
                self->on_subscribed(ec, std::move(o));
            },
            strand_,
            [source = requested_, netns = options_.netns](std::error_code& ec) {
                opened_subscription o;
                o.subscription = event_subscription::open(source, netns, ec, &o.info);
                return o;
            });
    }

    void on_subscribed(const boost::system::error_code& ec, opened_subscription o) {
        if (cancelled_) return;
        if (ec) {
            if (requested_ != event_source::automatic) {
                // Nothing more happens: no timer, no subscription.
                last_error_info_ = std::move(o.info);
                return deliver(ec, {});
            }
            fallback_reason_ = o.info.message.empty() ? ec.message() : o.info.message;
            set_source(event_source::poll);
        } else {
            subscription_ = std::move(o.subscription);
            set_source(subscription_->source());
        }
        begin_polling();
    }

    struct read_events {
        event_batch events;
        bool lost = false;
        error_info info;
    };

    void wait_for_events() {
        asio_detail::start_blocking<asio_detail::event_wait_service>(
            [self = shared_from_this()](boost::system::error_code ec, read_events r) {
                self->on_events(ec, std::move(r));
            },
            strand_,
            [sub = subscription_](std::error_code& ec) {
                read_events r;
                ec = sub->read(r.events, event_wait, events_per_read, r.lost, &r.info);
                return r;
            });
    }

    void on_events(const boost::system::error_code& ec, read_events r) {
        if (cancelled_) return;
        if (ec) {
            // The subscription failed for good: say so, and go on polling.
            last_error_info_ = std::move(r.info);
            subscription_.reset();
            set_source(event_source::poll);
            return deliver(ec, {});
        }
        notifications_.fetch_add(r.events.size(), std::memory_order_relaxed);
        event_batch out;
        out.reserve(r.events.size());
        const auto now = std::chrono::steady_clock::now();
        for (auto& e : r.events)
            if (reconcile(e, now)) out.push_back(std::move(e));
        if (!out.empty()) deliver({}, std::move(out));
        if (cancelled_) return;
        if (r.lost) {
            resyncs_.fetch_add(1, std::memory_order_relaxed);
            resync_pending_ = true;
            if (!snapshot_in_flight_) take();
        }
        wait_for_events();
    }

    // Whether the source's event is news; fills what polls knew of its socket.
    bool reconcile(tcp_event& e, std::chrono::steady_clock::time_point now) {
        const std::uint64_t cookie = e.row.cookie;
        if (e.kind == event_kind::opened) {
            if (cookie != 0 && opened_.size() < max_tracked_sockets)
                opened_.try_emplace(cookie, opened_socket{e.row, now});
            return true;
        }
        if (e.kind == event_kind::state_changed) {
            if (const tcp_row* seen = find_current(e.row)) copy_owner(*seen, e.row);
            return !known_closed(e.row);
        }
        // closed
        if (known_closed(e.row)) return false;
        if (auto it = opened_.find(cookie); cookie != 0 && it != opened_.end()) {
            e.seen_open = true;
            copy_owner(it->second.row, e.row);
            e.lifetime_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.at).count();
            opened_.erase(it);
        } else if (const tcp_row* seen = find_current(e.row)) {
            e.seen_open = true;
            copy_owner(*seen, e.row);
        }
        remember_closed(e.row);
        return true;
    }

    void remember_closed(const tcp_row& r) {
        if (r.cookie == 0 || closed_.size() >= max_tracked_sockets) return;
        closed_.emplace(r.cookie, r);
        closed_ends_.insert(r);
    }

    // Reported closed already: by its cookie, or, for the TIME-WAIT row that follows a closed
    // socket (the kernel gives it a cookie of its own), by its endpoints.
    bool known_closed(const tcp_row& r) const {
        if (r.cookie != 0 && closed_.find(r.cookie) != closed_.end()) return true;
        return r.state == tcp_state::time_wait && closed_ends_.count(r) != 0;
    }

    static void copy_owner(const tcp_row& from, tcp_row& to) noexcept {
        if (from.cookie != 0 && from.cookie == to.cookie) {
            // The same socket: the endpoints it had, should the notification have lost them.
            to.local_address = from.local_address;
            to.remote_address = from.remote_address;
            to.local_port = from.local_port;
            to.remote_port = from.remote_port;
        }
        if (to.pid == 0) {
            to.pid = from.pid;
            to.owner_count = from.owner_count;
        }
        if (to.uid == tcp_row::unknown_uid) to.uid = from.uid;
        if (to.inode == 0) to.inode = from.inode;
    }

    // The row of the last table with r's endpoints and cookie (or the only one with its
    // endpoints, when either cookie is unknown).
    static const tcp_row* find_in(const tcp_table& t, const tcp_row& r) noexcept {
        const tcp_row* first = t.data();
        const tcp_row* last = first + t.size();
        auto lo = std::lower_bound(first, last, r, row_order{});
        auto hi = std::upper_bound(lo, last, r, row_order{});
        for (auto p = lo; p != hi; ++p)
            if (p->cookie != 0 && p->cookie == r.cookie) return p;
        if (hi - lo == 1 && (lo->cookie == 0 || r.cookie == 0)) return lo;
        return nullptr;
    }
    // By cookie first: an aborted socket's notification has lost its endpoints (the kernel
    // clears the local address and the remote port when it resets a connection).
    const tcp_row* find_current(const tcp_row& r) const noexcept {
        if (r.cookie != 0) {
            auto it = by_cookie_.find(r.cookie);
            if (it != by_cookie_.end()) return current_.data() + it->second;
        }
        return find_in(current_, r);
    }
    void index_current() {
        by_cookie_.clear();
        for (std::size_t i = 0; i < current_.size(); ++i)
            if (current_.data()[i].cookie != 0) by_cookie_.emplace(current_.data()[i].cookie, i);
    }
    static bool has_endpoints(const tcp_table& t, const tcp_row& r) noexcept {
        return std::binary_search(t.data(), t.data() + t.size(), r, row_order{});
    }

    // ---- Polling.

    void begin_polling() {
        next_ = std::chrono::steady_clock::now();
        take();
    }

    // The table with where a failure happened, which an error code alone cannot say.
    struct taken {
        tcp_table table;
        error_info info;
    };

    void take() {
        if (snapshot_in_flight_) return;
        snapshot_in_flight_ = true;
        snapshot_started_ = std::chrono::steady_clock::now();
        const bool resync = std::exchange(resync_pending_, false);
        asio_detail::start_blocking(
            [self = shared_from_this(), resync](boost::system::error_code ec, taken t) {
                self->snapshot_in_flight_ = false;
                self->last_error_info_ = std::move(t.info);
                self->on_snapshot(ec, std::move(t.table), resync);
            },
            strand_,
            [o = options_](std::error_code& ec) {
                taken t;
                t.table = snapshot(o, ec, &t.info);
                return t;
            });
    }

    // Drops what the source has reported already; with bpf, everything but a resync's diff.
    void filter_polled(event_batch& events, bool resync) {
        if (!subscription_) return;
        if (source() == event_source::bpf && !resync) {
            events.clear();
            return;
        }
        std::erase_if(events, [this](const tcp_event& e) {
            if (known_closed(e.row)) return true;
            const std::uint64_t c = e.row.cookie;
            return c != 0 && e.kind == event_kind::opened && opened_.find(c) != opened_.end();
        });
        // A source reports a close when the socket ends, and TIME-WAIT follows the end: a row
        // the poll finds in TIME-WAIT whose close the source has not reported (its
        // notification lost, or not read yet) is reported closed here, once.
        for (auto& e : events) {
            if (e.row.state != tcp_state::time_wait || e.kind == event_kind::closed) continue;
            e.seen_open = e.kind == event_kind::state_changed;
            e.kind = event_kind::closed;
            e.old_state = tcp_state{0};
        }
    }

    // Forgets the sockets the new table no longer shows, unless reported after the snapshot
    // began (the table may predate them).
    void prune(const tcp_table& t) {
        std::erase_if(closed_, [&](const auto& kv) { return !has_endpoints(t, kv.second); });
        closed_ends_.clear();
        for (const auto& kv : closed_) closed_ends_.insert(kv.second);
        std::erase_if(opened_, [&](const auto& kv) {
            return kv.second.at < snapshot_started_ && find_in(t, kv.second.row) == nullptr;
        });
    }

    void on_snapshot(const boost::system::error_code& ec, tcp_table t, bool resync) {
        if (cancelled_) return;
        snapshots_.fetch_add(1, std::memory_order_relaxed);
        if (ec) {
            deliver(ec, {});
        } else if (!have_baseline_) {
            current_ = std::move(t);
            if (subscription_) index_current();
            have_baseline_ = true;
            if (on_baseline_) std::exchange(on_baseline_, {})();
            if (cancelled_) return;
            if (subscription_) wait_for_events();
        } else {
            auto events = diff_tables(current_, t);
            filter_polled(events, resync);
            if (subscription_) {
                prune(t);
                // Closes the poll saw before the source did are reported once, here.
                for (const auto& e : events)
                    if (e.kind == event_kind::closed) remember_closed(e.row);
            }
            current_ = std::move(t);
            if (subscription_) index_current();
            if (!events.empty() || resync) deliver(ec, std::move(events));
        }
        if (cancelled_) return;
        if (resync_pending_) return take();
        auto now = std::chrono::steady_clock::now();
        next_ += interval_;
        if (next_ < now) next_ += ((now - next_) / interval_ + 1) * interval_;
        timer_.expires_at(next_);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wec) {
            if (wec || self->cancelled_) return;
            self->take();
        });
    }

    struct opened_socket {
        tcp_row row;
        std::chrono::steady_clock::time_point at;
    };

    executor_type strand_;
    boost::asio::steady_timer timer_;
    snapshot_options options_;
    std::chrono::steady_clock::duration interval_;
    event_source requested_;
    std::chrono::steady_clock::time_point next_;
    std::chrono::steady_clock::time_point snapshot_started_;
    handler_type handler_;
    std::function<void()> on_baseline_;
    tcp_table current_;
    error_info last_error_info_;
    std::string fallback_reason_;
    std::shared_ptr<event_subscription> subscription_;
    // Cookie -> row: sockets reported closed that the last table may still show.
    std::unordered_map<std::uint64_t, tcp_row> closed_;
    std::set<tcp_row, row_order> closed_ends_;  // their endpoints
    // Cookie -> index in current_, with an event source.
    std::unordered_map<std::uint64_t, std::size_t> by_cookie_;
    // Cookie -> row and time: sockets the source reported opened, not yet closed.
    std::unordered_map<std::uint64_t, opened_socket> opened_;
    std::atomic<std::size_t> snapshots_{0};
    std::atomic<std::size_t> resyncs_{0};
    std::atomic<std::size_t> dropped_events_{0};
    std::atomic<std::size_t> notifications_{0};
    std::atomic<std::uint8_t> source_{static_cast<std::uint8_t>(event_source::automatic)};
    bool started_ = false;
    bool have_baseline_ = false;
    bool cancelled_ = false;
    bool snapshot_in_flight_ = false;
    bool resync_pending_ = false;
    std::unique_ptr<waiter_base> waiter_;
    std::deque<std::pair<boost::system::error_code, event_batch>> queue_;
    std::size_t queued_events_ = 0;
    bool overflowed_ = false;
};

}  // namespace tcptable::inline v0_1
