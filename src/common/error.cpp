// SPDX-License-Identifier: MIT
#include <string>
#include <tcptable/error.hpp>

namespace tcptable::inline v0_1 {
namespace {

class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tcptable"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::parse_error:
                return "malformed TCP table data";
            case errc::not_supported:
                return "not supported on this platform";
            case errc::invalid_argument:
                return "invalid argument";
            case errc::table_changed:
                return "the TCP table kept changing while it was read";
            case errc::backend_unavailable:
                return "backend not available";
        }
        return "unknown tcptable error";
    }
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<errc>(value)) {
            case errc::not_supported:
                return std::errc::not_supported;
            case errc::invalid_argument:
                return std::errc::invalid_argument;
            default:
                return {value, *this};
        }
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

std::string error_info::to_string() const {
    std::string s = file;
    if (!file.empty() && line != 0) s += ':' + std::to_string(line);
    if (!message.empty()) {
        if (!s.empty()) s += ": ";
        s += message;
    }
    return s;
}

}  // namespace tcptable::inline v0_1
