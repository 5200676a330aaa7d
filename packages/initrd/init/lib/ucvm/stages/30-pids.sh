# shellcheck shell=dash
# 30-pids (runtime.md §3, §6.4): /.cvmfs_pids lists the initrd's cvmfs2
# processes so the OS leaves them alone.

# stage_pids_list — PIDs whose /proc/<pid>/exe is the initrd's cvmfs2 (§3).
# A client that is a script (the test stand-in) runs as the initrd's shell
# with /usr/bin/cvmfs2 as its first argument: exe is busybox, so argv[1]
# decides (INIT.md). No other process can look like that.
stage_pids_list() {
	local d exe want="$UCVM_PREFIX/usr/bin/cvmfs2" arg1
	for d in "$UCVM_PROC"/[0-9]*; do
		exe="$(readlink "$d/exe" 2>/dev/null)" || continue
		if [ "$exe" = "$want" ]; then
			echo "${d##*/}"
			continue
		fi
		case "$exe" in
		"$UCVM_PREFIX/bin/busybox" | "$UCVM_PREFIX/sbin/busybox")
			arg1="$(tr '\000' '\n' <"$d/cmdline" 2>/dev/null | sed -n 2p)"
			[ "$arg1" = /usr/bin/cvmfs2 ] && echo "${d##*/}"
			;;
		esac
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
