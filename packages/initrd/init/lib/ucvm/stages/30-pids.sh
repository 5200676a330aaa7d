# shellcheck shell=dash
# 30-pids (runtime.md §3, §6.4): /.cvmfs_pids lists the initrd's cvmfs2
# processes so the OS leaves them alone.

stage_pids_list() {
	local d exe want="$UCVM_PREFIX/usr/bin/cvmfs2"
	for d in "$UCVM_PROC"/[0-9]*; do
		exe="$(readlink "$d/exe" 2>/dev/null)" || continue
		[ "$exe" = "$want" ] && echo "${d##*/}"
	done | sort -n
}

stage_run() {
	local out="$UCVM_NEWROOT/.cvmfs_pids" n
	if ! { stage_pids_list >"$out.tmp" && chmod 0644 "$out.tmp" && mv "$out.tmp" "$out"; }; then
		ucvm_panic "cannot write /.cvmfs_pids"
		return 1
	fi
	n="$(wc -l <"$out" | tr -d ' ')"
	if [ "$n" = 0 ]; then
		ucvm_panic "no cvmfs2 process is running"
		return 1
	fi
	ucvm_ok "$n processes"
}
