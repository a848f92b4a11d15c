/* SPDX-License-Identifier: MIT */
/* A program whose entry point is wmain, with the one line the C runtime here needs
 * (TCPTABLE_WIN32_MAIN_CALLS_WMAIN). Run as `wmain_test abc`: exit status 0 when wmain got its
 * arguments as wide strings. */
#include <Windows.h>
#include <tchar.h>
#include <wchar.h>

int wmain(int argc, wchar_t** argv) {
    return argc == 2 && wcscmp(argv[1], L"abc") == 0 && argv[2] == NULL ? 0 : 1;
}
TCPTABLE_WIN32_MAIN_CALLS_WMAIN
