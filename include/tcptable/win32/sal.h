/* SPDX-License-Identifier: MIT */
/* The source annotation (SAL) markers of Microsoft's headers, for programs that write them in
 * their own declarations. They are checked only by Microsoft's compiler; here every one expands
 * to nothing. The old double-underscore forms (__in, __out, ...) are left out on purpose:
 * libstdc++ uses those names for its own parameters, and defining them breaks <locale>. */
#ifndef TCPTABLE_WIN32_SAL_H
#define TCPTABLE_WIN32_SAL_H

#ifndef _In_
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(n)
#define _In_reads_opt_(n)
#define _In_reads_bytes_(n)
#define _In_reads_bytes_opt_(n)
#define _In_range_(lo, hi)
#define _Out_
#define _Out_opt_
#define _Out_writes_(n)
#define _Out_writes_opt_(n)
#define _Out_writes_z_(n)
#define _Out_writes_bytes_(n)
#define _Out_writes_bytes_opt_(n)
#define _Out_writes_to_(n, c)
#define _Out_writes_bytes_to_(n, c)
#define _Out_writes_bytes_to_opt_(n, c)
#define _Out_range_(lo, hi)
#define _Inout_
#define _Inout_opt_
#define _Inout_z_
#define _Inout_updates_(n)
#define _Inout_updates_opt_(n)
#define _Inout_updates_bytes_(n)
#define _Inout_updates_bytes_opt_(n)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_result_buffer_(n)
#define _Deref_out_
#define _Deref_out_opt_
#define _Ret_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Ret_z_
#define _Ret_writes_(n)
#define _Ret_writes_bytes_(n)
#define _Result_nullonfailure_
#define _Result_zeroonfailure_
#define _Success_(expr)
#define _Check_return_
#define _Must_inspect_result_
#define _Use_decl_annotations_
#define _Reserved_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Field_size_(n)
#define _Field_size_opt_(n)
#define _Field_size_bytes_(n)
#define _Field_size_bytes_opt_(n)
#define _Field_range_(lo, hi)
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Post_
#define _Pre_
#define _Pre_notnull_
#define _Pre_maybenull_
#define _Post_invalid_
#define _When_(expr, annotation)
#define _Always_(annotation)
#define _Printf_format_string_
#define _Analysis_assume_(expr)
#define _Notnull_
#define _Maybenull_
#define _Const_
#define _Acquires_lock_(lock)
#define _Releases_lock_(lock)
#define _Requires_lock_held_(lock)
#endif

#endif /* TCPTABLE_WIN32_SAL_H */
