// SPDX-License-Identifier: MIT OR GPL-2.0-only
// Owner pids in one pass: an iter/task_file program, run by reading an iterator made from its
// link (bpf_owner_pids.cpp), that writes one record per (process, open socket file). Only thread
// group leaders count: /proc/<pid>/fd is the leader's file table, and the kernel already skips
// threads sharing it.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "task_sockets.h"

#define TCPTABLE_S_IFMT 00170000
#define TCPTABLE_S_IFSOCK 0140000

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("iter/task_file")
int tcptable_task_sockets(struct bpf_iter__task_file* ctx) {
    struct seq_file* seq = ctx->meta->seq;
    struct task_struct* task = ctx->task;
    struct file* file = ctx->file;
    if (!task || !file) return 0;
    if (task->pid != task->tgid) return 0;  // a thread with a file table of its own
    // A socket file's inode is the socket's, SOCK_INODE (struct socket_alloc: the socket,
    // then its vfs inode), the number /proc/<pid>/fd shows as "socket:[N]".
    struct inode* inode = file->f_inode;
    if (!inode || (inode->i_mode & TCPTABLE_S_IFMT) != TCPTABLE_S_IFSOCK) return 0;
    // Every socket, of any family: user space looks each inode up in its table anyway, and a
    // read of the socket's family here (two probe reads per file) costs more than the records
    // of the few non-internet sockets.
    struct tcptable_bpf_task_socket rec = {(__u32)inode->i_ino, (__u32)task->tgid};
    bpf_seq_write(seq, &rec, sizeof rec);
    return 0;
}
