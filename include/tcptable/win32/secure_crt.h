/* SPDX-License-Identifier: MIT */
/* The bounds-checked string copy of Microsoft's C runtime, which Win32 examples use and glibc
 * does not provide. Like the CRT's, it never writes past the destination and leaves an empty
 * string when the source does not fit; it returns the error instead of calling a handler. */
#ifndef TCPTABLE_WIN32_SECURE_CRT_H
#define TCPTABLE_WIN32_SECURE_CRT_H

#include <errno.h>
#include <stddef.h>

#ifndef TCPTABLE_WIN32_ERRNO_T_DEFINED
#define TCPTABLE_WIN32_ERRNO_T_DEFINED
typedef int errno_t;
#endif

static inline errno_t strcpy_s(char* dest, size_t dest_size, const char* src) {
    size_t i;
    if (dest == NULL || dest_size == 0) return EINVAL;
    if (src == NULL) {
        dest[0] = '\0';
        return EINVAL;
    }
    for (i = 0; i < dest_size; ++i) {
        dest[i] = src[i];
        if (src[i] == '\0') return 0;
    }
    dest[0] = '\0';
    return ERANGE;
}

#endif /* TCPTABLE_WIN32_SECURE_CRT_H */
