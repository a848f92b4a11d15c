// SPDX-License-Identifier: MIT
// The setters of the Win32 layer's test seams (src/compat/win32/win32_api.hpp): a test-only
// object, linked into the tests and the fuzzer, never into the library.
#include "compat/win32/win32_api.hpp"

namespace tcptable::inline v0_1::detail {

void set_win32_rows_hook(win32_rows_hook hook, void* context) noexcept {
    seam_state::rows_hook_context.store(context);
    seam_state::rows_hook.store(hook);
}

void set_win32_udp_rows_hook(win32_udp_rows_hook hook, void* context) noexcept {
    seam_state::udp_rows_hook_context.store(context);
    seam_state::udp_rows_hook.store(hook);
}

void set_win32_snapshot_bypass(bool bypass) noexcept { seam_state::snapshot_bypass.store(bypass); }

}  // namespace tcptable::inline v0_1::detail
