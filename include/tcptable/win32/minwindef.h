/* SPDX-License-Identifier: MIT */
/* The basic Windows data types, for programs written against the Win32 API and built on a
 * system without the Windows SDK. Written for tcptable from the documented type definitions
 * (learn.microsoft.com, "Windows Data Types"); sizes follow Windows' LLP64 model, so LONG,
 * ULONG and DWORD are 32 bits wide on every platform, as the MIB structures require. */
#ifndef TCPTABLE_WIN32_MINWINDEF_H
#define TCPTABLE_WIN32_MINWINDEF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define TCPTABLE_WIN32_BEGIN_DECLS extern "C" {
#define TCPTABLE_WIN32_END_DECLS }
#else
#define TCPTABLE_WIN32_BEGIN_DECLS
#define TCPTABLE_WIN32_END_DECLS
#endif

/* The functions behind these headers live in libtcptable; a shared build hides everything
 * else, so they carry default visibility on their declarations. */
#if defined(__GNUC__) || defined(__clang__)
#define TCPTABLE_WIN32_API __attribute__((visibility("default")))
/* Anonymous unions and structs are C11 and C++ but not C99; marking them keeps -Wpedantic
 * quiet in every language mode a caller may choose. */
#define TCPTABLE_WIN32_EXTENSION __extension__
#else
#define TCPTABLE_WIN32_API
#define TCPTABLE_WIN32_EXTENSION
#endif

/* Calling conventions mean nothing outside 32-bit Windows. */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef WSAAPI
#define WSAAPI
#endif
#ifndef IPHLPAPI_DLL_LINKAGE
#define IPHLPAPI_DLL_LINKAGE
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#ifndef ANY_SIZE
#define ANY_SIZE 1
#endif

typedef void VOID;
typedef void* PVOID;
typedef void* LPVOID;
typedef const void* LPCVOID;
typedef void* HANDLE;

typedef char CHAR;
typedef char* PCHAR;
typedef char* PSTR;
typedef char* LPSTR;
typedef const char* PCSTR;
typedef const char* LPCSTR;

typedef uint8_t BYTE;
typedef uint8_t UCHAR;
typedef uint8_t* PUCHAR;
typedef uint8_t BOOLEAN;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef uint16_t* PUSHORT;
typedef int INT;
typedef unsigned int UINT;
typedef int BOOL;
typedef int* PBOOL;
typedef int32_t LONG;
typedef int32_t* PLONG;
typedef uint32_t ULONG;
typedef uint32_t* PULONG;
typedef uint32_t DWORD;
typedef uint32_t* PDWORD;
typedef uint32_t* LPDWORD;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t ULONG64;
typedef uint64_t DWORD64;
typedef size_t SIZE_T;
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;

typedef union _LARGE_INTEGER {
    TCPTABLE_WIN32_EXTENSION struct {
        DWORD LowPart;
        LONG HighPart;
    };
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

#endif /* TCPTABLE_WIN32_MINWINDEF_H */
