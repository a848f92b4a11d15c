// SPDX-License-Identifier: MIT
// process_name(): this process by its own pid, pid 0, and a pid whose process is gone.
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

#include <vector>
#else
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace tcptable {
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

// The pid of a process of ours that has ended and been reaped: no process has it (until the
// system hands it out again, which it does not do at once).
std::uint32_t gone_pid() {
#ifdef _WIN32
    // A suspended copy of this program, ended before it runs; once its handles are closed, the
    // process object and its id are gone.
    std::vector<wchar_t> self(32768);
    DWORD n = ::GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
    if (n == 0 || n >= self.size()) return 0;
    std::wstring command = L"\"" + std::wstring(self.data(), n) + L"\" --gtest_list_tests";
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    if (!::CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, CREATE_SUSPENDED,
                          nullptr, nullptr, &si, &pi))
        return 0;
    ::TerminateProcess(pi.hProcess, 1);
    // Bounded: a process that is not gone after this fails the test.
    DWORD waited = ::WaitForSingleObject(pi.hProcess, 30000);
    ::CloseHandle(pi.hThread);
    ::CloseHandle(pi.hProcess);
    return waited == WAIT_OBJECT_0 ? static_cast<std::uint32_t>(pi.dwProcessId) : 0;
#else
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
#endif
}

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

TEST(process_name, of_a_process_that_is_gone_is_the_systems_error) {
    const std::uint32_t pid = gone_pid();
    ASSERT_NE(pid, 0u) << "could not start and end a child process";
    std::error_code ec;
    EXPECT_EQ(process_name(pid, ec), "");
    ASSERT_TRUE(ec);
    EXPECT_EQ(ec.category(), std::system_category()) << ec.message();
#ifdef _WIN32
    EXPECT_EQ(ec.value(), ERROR_INVALID_PARAMETER) << ec.message();
#else
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << ec.message();
#endif
    EXPECT_THROW((void)process_name(pid), std::system_error);
}

}  // namespace
}  // namespace tcptable
