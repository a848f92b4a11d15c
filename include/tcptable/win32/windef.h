/* SPDX-License-Identifier: MIT */
/* <windef.h>: the basic types (minwindef.h) and the generic character types (winnt.h). */
#ifndef TCPTABLE_WIN32_WINDEF_H
#define TCPTABLE_WIN32_WINDEF_H

#include "minwindef.h"
#include "winnt.h"

#endif /* TCPTABLE_WIN32_WINDEF_H */
