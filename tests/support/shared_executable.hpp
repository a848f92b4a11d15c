// SPDX-License-Identifier: MIT
// A copy of an executable that any user may run, for tests that run the CLI after dropping
// root: the build tree may sit in a directory only root can enter (a mktemp -d clone is 0700),
// and an unprivileged child could not even start the binary there. The CLI is linked
// statically against libtcptable, so the copy runs on its own.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace tcptable::testing {

class shared_executable {
  public:
    // Copies `path` into a fresh directory under the temporary directory, both mode 0755.
    explicit shared_executable(const std::string& path) {
        std::string templ = (std::filesystem::temp_directory_path() / "tcptable-exe-XXXXXX");
        if (!::mkdtemp(templ.data())) {
            error_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        dir_ = templ;
        const std::filesystem::path target =
            std::filesystem::path(dir_) / std::filesystem::path(path).filename();
        std::error_code ec;
        std::filesystem::copy_file(path, target, ec);
        if (ec || ::chmod(dir_.c_str(), 0755) != 0 || ::chmod(target.c_str(), 0755) != 0) {
            error_ = "copying " + path + ": " + (ec ? ec.message() : std::strerror(errno));
            return;
        }
        path_ = target.string();
    }
    ~shared_executable() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }
    shared_executable(const shared_executable&) = delete;
    shared_executable& operator=(const shared_executable&) = delete;

    // The copy's path; empty when the copy failed (then error() says why).
    const std::string& path() const noexcept { return path_; }
    const std::string& error() const noexcept { return error_; }

  private:
    std::string dir_, path_, error_;
};

}  // namespace tcptable::testing
