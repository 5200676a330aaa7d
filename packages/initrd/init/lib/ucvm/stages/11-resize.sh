# shellcheck shell=dash
# 11-resize (runtime.md §3 11-resize, §4, §6.7): the one-shot grow request
# aux/resize of the OS tooling. The scratch partition grows into the free
# region directly after it, then its ext4 file system. A failed request is
# kept as aux/resize.failed with the tool output (fix: it was deleted).

# stage_resize_plan SECTORS512 LSS PTTYPE START512 SIZE512 NEXT512 — the new
# size in logical sectors, 1 MiB aligned end; MBR ends at 2^32 sectors, GPT
# keeps its backup area; NEXT512 = start of the next partition (0: none).
# Prints nothing when there is less than 1 MiB to gain.
stage_resize_plan() {
	awk -v total="$1" -v lss="$2" -v pt="$3" -v start="$4" -v size="$5" -v next_="$6" 'BEGIN {
		mib = 1048576 / lss; total = total * 512 / lss; start = start * 512 / lss
		size = size * 512 / lss; next_ = next_ * 512 / lss
		if (pt == "dos") { hi = total; if (hi > 4294967296) hi = 4294967296 }
		else if (pt == "gpt") hi = total - 1 - 16384 / lss
		else exit
		if (next_ > start && next_ < hi) hi = next_
		end = int(hi / mib) * mib
		if (end - start - size >= mib) printf "%.0f\n", end - start
	}'
}

# stage_resize_next DISK START512 — start of the first partition of DISK
# after START512 (sysfs), 0 when none.
stage_resize_next() {
	local p dir s best=0
	for p in "$UCVM_SYS/class/block"/*; do
		[ -e "$p/partition" ] || continue
		dir="$(readlink -f "$p")"
		[ "$(basename "$(dirname "$dir")")" = "$1" ] || continue
		s="$(ucvm_read_file "$dir/start" 0)"
		ucvm_is_uint "$s" || continue
		if [ "$s" -gt "$2" ] && { [ "$best" = 0 ] || [ "$s" -lt "$best" ]; }; then best="$s"; fi
	done
	echo "$best"
}

# stage_resize_grow NAME — with scratch unmounted: partition, then file
# system; sets the caller's local resize_result. Exit 0 grown (result: the
# new size), 1 nothing to grow, 2 failed (result: the reason).
stage_resize_grow() {
	local name="$1" disk num dir lss total start size next pt new rc
	disk="$(ucvm_dev disk "$name")" num="$(ucvm_dev num "$name")"
	dir="$(ucvm_sysfs_blockdir "$name")" || { resize_result="no sysfs entry for $name"; return 2; }
	if [ "$(ucvm_dev kind "$name")" != part ]; then
		resize_result="$name is not a partition"
		return 2
	fi
	pt="$(ucvm_dev pttype "$disk")"
	lss="$(ucvm_read_file "$UCVM_SYS/block/$disk/queue/logical_block_size" 512)"
	total="$(ucvm_read_file "$UCVM_SYS/block/$disk/size" 0)"
	start="$(ucvm_read_file "$dir/start" 0)" size="$(ucvm_read_file "$dir/size" 0)"
	if [ "$pt" = gpt ]; then
		# fix: a grown disk keeps its backup header in the middle until moved
		ucvm_logrun resize.log ucvm_tool sfdisk --relocate gpt-bak-std "$UCVM_DEV/$disk" ||
			{ resize_result="cannot relocate the GPT backup header"; return 2; }
	fi
	next="$(stage_resize_next "$disk" "$start")"
	new="$(stage_resize_plan "$total" "$lss" "$pt" "$start" "$size" "$next")"
	[ -n "$new" ] || return 1
	printf '%s,%s\n' "$((start * 512 / lss))" "$new" |
		ucvm_logrun resize.log ucvm_tool sfdisk --no-reread --no-tell-kernel -q -N "$num" "$UCVM_DEV/$disk" ||
		{ resize_result="sfdisk failed"; return 2; }
	ucvm_logrun resize.log ucvm_tool partx -u --nr "$num" "$UCVM_DEV/$disk" ||
		{ resize_result="partx -u failed"; return 2; }
	ucvm_logrun resize.log ucvm_tool e2fsck -f -p "$UCVM_DEV/$name"
	rc=$?
	[ "$rc" -lt 4 ] || { resize_result="e2fsck exit $rc"; return 2; }
	ucvm_logrun resize.log ucvm_tool resize2fs "$UCVM_DEV/$name" ||
		{ resize_result="resize2fs failed"; return 2; }
	resize_result="$((new * lss / 1048576)) MiB"
}

stage_run() {
	local flag="$UCVM_RW/aux/resize" name="${UCVM_SCRATCH_DEV:-}" rc mark resize_result=""
	ucvm_stage_log resize.log
	if [ ! -e "$flag" ]; then
		ucvm_skip "no resize requested"
		return 0
	fi
	mark=$(($(wc -l <"$UCVM_LOG/resize.log") + 1))
	if ucvm_logrun resize.log ucvm_tool umount "$UCVM_RW"; then
		ucvm_state UCVM_SCRATCH_RW 0
		stage_resize_grow "$name"
		rc=$?
		ucvm_logrun resize.log ucvm_tool mount -t ext4 "$UCVM_DEV/$name" "$UCVM_RW" ||
			{ ucvm_panic "cannot remount scratch /dev/$name"; return 1; }
		ucvm_state UCVM_SCRATCH_RW 1
	else
		rc=2 resize_result="scratch did not unmount"
	fi
	case "$rc" in
	0)
		rm -f "$flag"
		ucvm_ok "grown to $resize_result"
		;;
	1)
		rm -f "$flag"
		ucvm_ok "nothing to grow"
		;;
	*)
		# item 2: keep the request and what the tools said
		{
			mv "$flag" "$flag.failed" &&
				{ printf '# %s\n' "$resize_result"; tail -n "+$mark" "$UCVM_LOG/resize.log"; } >>"$flag.failed"
		} 2>/dev/null || ucvm_info "cannot write aux/resize.failed"
		ucvm_info "$resize_result"
		ucvm_warn "resize failed (aux/resize.failed)"
		;;
	esac
	return 0
}
