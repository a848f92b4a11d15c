// SPDX-License-Identifier: MIT
// process_name(): this process by its own pid, pid 0, and pids that no process has.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/process.hpp>

#include "support/async_watchdog.hpp"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace tcptable::inline v0_1 {
namespace {

std::uint32_t own_pid() {
#ifdef _WIN32
    return static_cast<std::uint32_t>(::GetCurrentProcessId());
#else
    return static_cast<std::uint32_t>(::getpid());
#endif
}

#ifdef _WIN32
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}
#endif

// An id above any the system hands out: Linux's pid_max is at most 2^22, and Windows' ids
// index a handle table far smaller.
constexpr std::uint32_t never_a_pid = 0xfffffffc;

#ifndef _WIN32
// The pid of a child of ours that has ended and been reaped: no process has it (until the
// system hands it out again, which it does not do at once). Windows has no counterpart the
// test can rely on: Wine keeps an ended child openable after its last handle is closed.
std::uint32_t reaped_child_pid() {
    pid_t child = ::fork();
    if (child < 0) return 0;
    if (child == 0) ::_exit(0);
    // The child exits at once; a hang here ends the test program with a message.
    testing::watchdog bound("reaping the child", std::chrono::seconds(30));
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(child, &status, 0)) < 0 && errno == EINTR) {
    }
    return r == child ? static_cast<std::uint32_t>(child) : 0;
}
#endif

TEST(process_name, of_this_process_is_the_test_programs_name) {
    std::error_code ec = make_error_code(errc::parse_error);
    std::string name = process_name(own_pid(), ec);
    EXPECT_FALSE(ec) << ec.message();
#ifdef _WIN32
    // The image file's name, without its directory (Wine may change the letters' case).
    EXPECT_EQ(lower(name), "process_test.exe");
#else
    // The command name: the executable's name, cut to 15 bytes (TASK_COMM_LEN - 1).
    EXPECT_EQ(name, std::string(program_invocation_short_name).substr(0, 15));
    EXPECT_EQ(name, "process_test");
#endif
    EXPECT_EQ(process_name(own_pid()), name);
}

#ifndef _WIN32
TEST(process_name, keeps_the_bytes_a_process_set_itself) {
    // A name is whatever the process set: newlines and bytes that are not UTF-8 come back as
    // they are, only the kernel's final newline is dropped. Set on this thread, the main one,
    // whose name is the process's; put back afterwards.
    char old_name[16] = {};
    ASSERT_EQ(::prctl(PR_GET_NAME, old_name, 0, 0, 0), 0);
    const std::string odd = "a\nb\xff\x1b[0m\n";
    ASSERT_EQ(::prctl(PR_SET_NAME, odd.c_str(), 0, 0, 0), 0);
    std::error_code ec;
    std::string name = process_name(own_pid(), ec);
    ::prctl(PR_SET_NAME, old_name, 0, 0, 0);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(name, odd);
    EXPECT_EQ(process_name(own_pid()), old_name);
}
#endif

TEST(process_name, of_pid_0_is_an_invalid_argument) {
    std::error_code ec;
    EXPECT_EQ(process_name(0, ec), "");
    EXPECT_EQ(ec, make_error_code(errc::invalid_argument));
    try {
        (void)process_name(0);
        ADD_FAILURE() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(errc::invalid_argument));
    }
}

void expect_no_such_process(std::uint32_t pid) {
    std::error_code ec;
    EXPECT_EQ(process_name(pid, ec), "") << pid;
    ASSERT_TRUE(ec) << pid;
    EXPECT_EQ(ec.category(), std::system_category()) << pid << ": " << ec.message();
#ifdef _WIN32
    EXPECT_EQ(ec.value(), ERROR_INVALID_PARAMETER) << pid << ": " << ec.message();
#else
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << pid << ": " << ec.message();
#endif
    EXPECT_THROW((void)process_name(pid), std::system_error) << pid;
}

TEST(process_name, of_a_pid_no_process_has_is_the_systems_error) {
    expect_no_such_process(never_a_pid);
#ifndef _WIN32
    const std::uint32_t pid = reaped_child_pid();
    ASSERT_NE(pid, 0u) << "could not fork and reap a child";
    expect_no_such_process(pid);
#endif
}

}  // namespace
}  // namespace tcptable::inline v0_1
