// SPDX-License-Identifier: MIT
// Windows: a process's name is its image file's name without the directory, as Task Manager
// shows it ("svchost.exe"), in UTF-8.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// clang-format off
#include <windows.h>
#include <tlhelp32.h>
// clang-format on

#include <iterator>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "../common/process.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// The Win32 code in std::system_category(), which is the Win32 error space on Windows. Not
// error_from_win32(): that one reads ERROR_INSUFFICIENT_BUFFER as a table that kept changing.
std::error_code win32_error(DWORD err) noexcept {
    // A failed call that set no error still failed.
    return {static_cast<int>(err != 0 ? err : ERROR_GEN_FAILURE), std::system_category()};
}

std::error_code last_error() noexcept { return win32_error(::GetLastError()); }

class handle {
  public:
    explicit handle(HANDLE h) noexcept : h_(h) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() {
        if (valid()) ::CloseHandle(h_);
    }
    bool valid() const noexcept { return h_ != nullptr && h_ != INVALID_HANDLE_VALUE; }
    HANDLE get() const noexcept { return h_; }

  private:
    HANDLE h_;
};

// The part after the last '\' (or '/'), UTF-16 into UTF-8. Throws std::bad_alloc.
std::error_code file_name_utf8(std::wstring_view path, std::string& out) {
    if (auto slash = path.find_last_of(L"\\/"); slash != std::wstring_view::npos)
        path.remove_prefix(slash + 1);
    out.clear();
    if (path.empty()) return {};
    const int wide = static_cast<int>(path.size());
    int n = ::WideCharToMultiByte(CP_UTF8, 0, path.data(), wide, nullptr, 0, nullptr, nullptr);
    if (n <= 0) return last_error();
    out.resize(static_cast<std::size_t>(n));
    n = ::WideCharToMultiByte(CP_UTF8, 0, path.data(), wide, out.data(), n, nullptr, nullptr);
    if (n <= 0) return last_error();
    out.resize(static_cast<std::size_t>(n));
    return {};
}

// QueryFullProcessImageNameW's Win32 path, the buffer grown up to the longest path there is.
std::error_code image_name(std::uint32_t pid, std::string& out) {
    handle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (!process.valid()) return last_error();
    std::vector<wchar_t> buf(MAX_PATH + 1);
    for (;;) {
        DWORD size = static_cast<DWORD>(buf.size());
        if (::QueryFullProcessImageNameW(process.get(), 0, buf.data(), &size))
            return file_name_utf8(std::wstring_view(buf.data(), size), out);
        const DWORD err = ::GetLastError();
        if (err != ERROR_INSUFFICIENT_BUFFER || buf.size() >= 32768) return win32_error(err);
        buf.resize(buf.size() * 4);
    }
}

// The process list's entry for `pid`: names even the processes that refuse to be opened
// (System, protected processes, other users' services). False if the pid is not listed.
bool listed_name(std::uint32_t pid, std::string& out) {
    handle snapshot(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
    if (!snapshot.valid()) return false;
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL more = ::Process32FirstW(snapshot.get(), &entry); more;
         more = ::Process32NextW(snapshot.get(), &entry)) {
        if (entry.th32ProcessID != pid) continue;
        // szExeFile is the file name alone; bounded in case it fills the array.
        std::wstring_view name(entry.szExeFile, std::size(entry.szExeFile));
        name = name.substr(0, name.find(L'\0'));
        return !file_name_utf8(name, out);
    }
    return false;
}

}  // namespace

std::error_code platform_process_name(std::uint32_t pid, std::string& out) noexcept {
    try {
        std::error_code ec = image_name(pid, out);
        if (!ec) return {};
        // The query's error stands when the process is not listed either (it does not exist).
        if (listed_name(pid, out)) return {};
        return ec;
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace tcptable::inline v0_1::detail
