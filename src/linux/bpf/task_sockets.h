/* SPDX-License-Identifier: MIT */
/* What the iterator (task_sockets.bpf.c) writes per socket file (read by bpf_owner_pids.cpp). */
#ifndef TCPTABLE_BPF_TASK_SOCKETS_H
#define TCPTABLE_BPF_TASK_SOCKETS_H

struct tcptable_bpf_task_socket {
    __u32 inode; /* the socket's inode (SOCK_INODE), as /proc/<pid>/fd shows "socket:[N]" */
    __u32 tgid;  /* the process (thread group leader), in the initial pid namespace */
};

#endif
