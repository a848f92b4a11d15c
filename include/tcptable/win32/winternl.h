/* SPDX-License-Identifier: MIT */
/* <winternl.h> as IP Helper programs include it: for NTSTATUS and NT_SUCCESS only. The native
 * API it otherwise declares (NtQuerySystemInformation, ...) is not provided. */
#ifndef TCPTABLE_WIN32_WINTERNL_H
#define TCPTABLE_WIN32_WINTERNL_H

#include "minwindef.h"

#ifndef TCPTABLE_WIN32_NTSTATUS_DEFINED
#define TCPTABLE_WIN32_NTSTATUS_DEFINED
typedef LONG NTSTATUS;
typedef NTSTATUS* PNTSTATUS;
#endif

#ifndef NT_SUCCESS
#define NT_SUCCESS(status) (((NTSTATUS)(status)) >= 0)
#endif

#endif /* TCPTABLE_WIN32_WINTERNL_H */
