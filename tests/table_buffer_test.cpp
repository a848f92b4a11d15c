// SPDX-License-Identifier: MIT
// The iphlpapi buffer loop and the Win32 error mapping, driven by fake table calls, on every
// platform.
#include "win/table_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <tcptable/error.hpp>
#include <vector>

#include "win/win32_error.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// A table of `rows` 24-byte rows behind a DWORD count, as the API sizes one; `grow` rows
// appear after every call, and the first `busy` calls fail with STATUS_UNSUCCESSFUL.
struct fake_table {
    explicit fake_table(std::uint32_t initial_rows, std::uint32_t growth = 0)
        : rows(initial_rows), grow(growth) {}

    std::uint32_t rows;
    std::uint32_t grow;
    int busy = 0;
    int calls = 0;
    std::vector<std::uint32_t> sizes_seen;
    std::vector<std::uint32_t> sizes_asked;  // what each refusal wrote back (0: none)

    std::uint32_t bytes() const { return 4 + rows * 24; }
    std::uint32_t operator()(void* buf, std::uint32_t* size) {
        ++calls;
        sizes_seen.push_back(*size);
        std::uint32_t status;
        if (busy > 0) {
            --busy;
            status = win32_status_unsuccessful;
        } else if (buf == nullptr || *size < bytes()) {
            *size = bytes();
            status = win32_error_insufficient_buffer;
        } else {
            std::memcpy(buf, &rows, 4);
            status = win32_no_error;
        }
        sizes_asked.push_back(status == win32_error_insufficient_buffer ? *size : 0);
        rows += grow;
        return status;
    }
};

std::uint32_t entries(const table_buffer& buf) {
    std::uint32_t n;
    std::memcpy(&n, buf.data(), 4);
    return n;
}

TEST(table_buffer, probe_then_fill) {
    fake_table t(1000);
    table_buffer buf;
    EXPECT_EQ(fill_table(std::ref(t), buf), win32_no_error);
    EXPECT_EQ(t.calls, 2);
    EXPECT_EQ(t.sizes_seen[0], 0u);  // the probe
    EXPECT_EQ(entries(buf), 1000u);
    EXPECT_GE(buf.size_bytes(), t.bytes());
}

TEST(table_buffer, slack_absorbs_rows_that_appear_after_the_probe) {
    fake_table t(1000, 50);
    table_buffer buf;
    EXPECT_EQ(fill_table(std::ref(t), buf), win32_no_error);
    EXPECT_EQ(t.calls, 2);
    EXPECT_EQ(entries(buf), 1050u);
}

TEST(table_buffer, retries_when_the_table_outgrows_the_slack) {
    // 100 rows (2 404 bytes) at the probe, 200 more after every call: the first fill, with
    // 2 404 bytes and the slack, finds 300 rows (7 204 bytes) and is refused; the retry, sized
    // from that refusal and the slack, holds the 500 rows it then finds.
    fake_table t(100, 200);
    table_buffer buf;
    EXPECT_EQ(fill_table(std::ref(t), buf), win32_no_error);
    ASSERT_EQ(t.calls, 3);
    EXPECT_EQ(entries(buf), 500u);
    EXPECT_EQ(t.sizes_asked[0], 2404u);
    EXPECT_EQ(t.sizes_asked[1], 7204u);
    // Every call after a refusal offers at least the size that refusal asked for.
    for (std::size_t i = 1; i < t.sizes_seen.size(); ++i)
        EXPECT_GE(t.sizes_seen[i], t.sizes_asked[i - 1]) << i;
}

TEST(table_buffer, gives_up_after_a_bounded_number_of_calls) {
    fake_table t(100, 100000);
    table_buffer buf;
    auto status = fill_table(std::ref(t), buf);
    EXPECT_EQ(status, win32_error_insufficient_buffer);
    EXPECT_EQ(t.calls, max_table_calls);
    EXPECT_EQ(error_from_win32(status), errc::table_changed);
}

TEST(table_buffer, status_unsuccessful_is_retried) {
    fake_table t(10);
    t.busy = 2;
    table_buffer buf;
    EXPECT_EQ(fill_table(std::ref(t), buf), win32_no_error);
    EXPECT_EQ(entries(buf), 10u);

    fake_table stuck(10);
    stuck.busy = 1000;
    table_buffer buf2;
    auto status = fill_table(std::ref(stuck), buf2);
    EXPECT_EQ(status, win32_status_unsuccessful);
    EXPECT_EQ(stuck.calls, max_table_calls);
    EXPECT_EQ(error_from_win32(status), errc::table_changed);
}

TEST(table_buffer, empty_tables_are_empty_results) {
    fake_table t(0);
    table_buffer buf;
    EXPECT_EQ(fill_table(std::ref(t), buf), win32_no_error);
    EXPECT_EQ(entries(buf), 0u);

    // A call that succeeds on the null probe, or says there is no data, also means "empty".
    for (std::uint32_t answer : {win32_no_error, win32_error_no_data}) {
        int calls = 0;
        table_buffer b;
        auto status = fill_table(
            [&](void*, std::uint32_t*) {
                ++calls;
                return answer;
            },
            b);
        EXPECT_EQ(status, win32_no_error);
        EXPECT_EQ(calls, 1);
        ASSERT_NE(b.data(), nullptr);
        EXPECT_EQ(entries(b), 0u);
    }
}

TEST(table_buffer, other_errors_stop_the_loop_at_once) {
    int calls = 0;
    table_buffer buf;
    auto status = fill_table(
        [&](void*, std::uint32_t*) {
            ++calls;
            return win32_error_not_supported;
        },
        buf);
    EXPECT_EQ(status, win32_error_not_supported);
    EXPECT_EQ(calls, 1);
}

TEST(table_buffer, slack_is_bounded) {
    EXPECT_GT(size_with_slack(1000), 1000u);
    EXPECT_EQ(size_with_slack(0xffffffffu), 0x7fffffffu);
}

TEST(win32_error, mapping) {
    EXPECT_FALSE(error_from_win32(win32_no_error));
    EXPECT_EQ(error_from_win32(win32_error_not_supported), errc::not_supported);
    EXPECT_EQ(error_from_win32(win32_error_not_supported), std::errc::not_supported);
    EXPECT_EQ(error_from_win32(win32_error_not_enough_memory), std::errc::not_enough_memory);
    EXPECT_EQ(error_from_win32(win32_error_outofmemory), std::errc::not_enough_memory);
    EXPECT_EQ(error_from_win32(win32_error_insufficient_buffer), errc::table_changed);
    EXPECT_EQ(error_from_win32(win32_status_unsuccessful), errc::table_changed);
    auto ec = error_from_win32(win32_error_invalid_parameter);
    EXPECT_EQ(ec.category(), std::system_category());
    EXPECT_EQ(ec.value(), 87);
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail
