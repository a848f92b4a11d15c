/* SPDX-License-Identifier: MIT */
/* The part of <windows.h> that programs using the IP Helper API need, on systems without the
 * Windows SDK. On Windows, use the SDK's own headers instead of this directory. */
#ifndef TCPTABLE_WIN32_WINDOWS_H
#define TCPTABLE_WIN32_WINDOWS_H

#include "heapapi.h"
#include "minwindef.h"
#include "secure_crt.h"
#include "winbase.h"
#include "windef.h"
#include "winerror.h"
#include "winnt.h"

#endif /* TCPTABLE_WIN32_WINDOWS_H */
