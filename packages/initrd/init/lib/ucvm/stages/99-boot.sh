# shellcheck shell=dash
# 99-boot (runtime.md §3): last bookkeeping, optional debug shell, then
# switch_root into the OS. Never returns.

stage_run() {
	local p init
	# 1. leftover helpers (cvmfs2 and ucvm-pin stay)
	if [ -f "$UCVM_RUN/helpers" ]; then
		while read -r p; do
			ucvm_is_uint "$p" && kill "$p" 2>/dev/null
		done <"$UCVM_RUN/helpers"
	fi
	rm -f "$UCVM_RW/aux/panic-count"
	cp "$UCVM_LOG/boot.log" "$UCVM_RW/ulogs/boot.log" 2>/dev/null
	[ -f "$UCVM_LOG/bootstrap.log" ] && cp "$UCVM_LOG/bootstrap.log" "$UCVM_RW/ulogs/" 2>/dev/null
	# 2. cvmdebug: an explicit operator shell; leaving it continues the boot
	if ucvm_debug; then
		ucvm_info "debug shell before switch_root; exit to continue"
		ucvm_rescue_shell '(ucvm-debug) ' "cvmdebug"
	fi
	# 4. the OS init must resolve inside the new root
	init="$(ucvm_resolve_in "$UCVM_NEWROOT" /sbin/init)" || init=''
	if [ -z "$init" ] || [ ! -f "$UCVM_NEWROOT$init" ] || [ ! -x "$UCVM_NEWROOT$init" ]; then
		ucvm_panic "/sbin/init not found in the OS"
		return 1
	fi
	# 3. leave /dev mounted (/dev/fuse is in use by cvmfs2)
	ucvm_tool umount "$UCVM_DEV/pts" 2>/dev/null
	ucvm_tool umount "$UCVM_SYS" 2>/dev/null
	mkdir -p "$UCVM_NEWROOT/dev"
	[ -c "$UCVM_NEWROOT/dev/console" ] || ucvm_tool mknod -m 600 "$UCVM_NEWROOT/dev/console" c 5 1
	[ -c "$UCVM_NEWROOT/dev/null" ] || ucvm_tool mknod -m 666 "$UCVM_NEWROOT/dev/null" c 1 3
	ucvm_ok "switch_root /sbin/init"
	# the copy on scratch holds every console line, this one included (§8.2)
	cp "$UCVM_LOG/boot.log" "$UCVM_RW/ulogs/boot.log" 2>/dev/null
	sync
	# /proc last: ucvm_panic needs it and remounts it if missing
	ucvm_tool umount "$UCVM_PROC" 2>/dev/null
	if [ "$UCVM_PID1" = 1 ]; then
		# ash's exec does not return; a failing switch_root ends PID 1.
		exec switch_root -c /dev/console "$UCVM_NEWROOT" /sbin/init "$@"
	fi
	# tests: the shim records the hand-over and the shell ends with its status
	ucvm_tool switch_root -c /dev/console "$UCVM_NEWROOT" /sbin/init "$@"
	exit "$?"
}
