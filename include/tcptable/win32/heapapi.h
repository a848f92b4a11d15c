/* SPDX-License-Identifier: MIT */
/* The process heap functions, over malloc and free: Win32 examples allocate their tables with
 * HeapAlloc(GetProcessHeap(), ...), and one heap per process is all such code relies on. */
#ifndef TCPTABLE_WIN32_HEAPAPI_H
#define TCPTABLE_WIN32_HEAPAPI_H

#include <stdlib.h>

#include "minwindef.h"

#define HEAP_ZERO_MEMORY 0x00000008

/* Any non-null handle will do: HeapAlloc and HeapFree ignore it. */
static inline HANDLE GetProcessHeap(void) { return (HANDLE)(uintptr_t)1; }

static inline LPVOID HeapAlloc(HANDLE heap, DWORD flags, SIZE_T bytes) {
    (void)heap;
    /* Windows hands out a unique pointer even for zero bytes; malloc(0) may return NULL. */
    if (bytes == 0) bytes = 1;
    return (flags & HEAP_ZERO_MEMORY) ? calloc(1, bytes) : malloc(bytes);
}

static inline BOOL HeapFree(HANDLE heap, DWORD flags, LPVOID memory) {
    (void)heap;
    (void)flags;
    free(memory);
    return TRUE;
}

#endif /* TCPTABLE_WIN32_HEAPAPI_H */
