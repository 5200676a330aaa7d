# shellcheck shell=dash
# 00-setup (runtime.md §3): directories, pseudo file systems, kernel command
# line (§2), banner (§1.4 item 4). The floppy driver is never loaded (item 3).

# stage_setup_mounted DIR — DIR is a mount point (per mountinfo).
stage_setup_mounted() {
	[ -r "$UCVM_PROC/self/mountinfo" ] || return 1
	awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' "$UCVM_PROC/self/mountinfo"
}

# stage_setup_mount TYPE OPTIONS DIR — mount unless already mounted.
stage_setup_mount() {
	stage_setup_mounted "$3" && return 0
	ucvm_tool mount -t "$1" -o "$2" "$1" "$3"
}

stage_run() {
	local d bad notes=''
	for d in "$UCVM_DEV" "$UCVM_PROC" "$UCVM_SYS" "$UCVM_PREFIX/tmp" "$UCVM_RUN"; do
		mkdir -p "$d" || { ucvm_panic "cannot create $d"; return 1; }
	done
	for d in "$UCVM_RUN" "$UCVM_LOG" "$UCVM_RUN/state" "$UCVM_RUN/context" "$UCVM_RUN/net"; do
		{ mkdir -p "$d" && chmod 0700 "$d"; } || { ucvm_panic "cannot create $d"; return 1; }
	done
	chmod 1777 "$UCVM_PREFIX/tmp" 2>/dev/null
	# the banner comes first (§1.4 item 4); it needs only /version
	ucvm_state UCVM_VERSION "$(ucvm_version)"
	ucvm_emit "Welcome to micro-CernVM"
	ucvm_emit "ucvm $UCVM_VERSION"

	stage_setup_mount proc nodev,noexec,nosuid "$UCVM_PROC" || { ucvm_panic "cannot mount proc"; return 1; }
	stage_setup_mount sysfs nodev,noexec,nosuid "$UCVM_SYS" || { ucvm_panic "cannot mount sysfs"; return 1; }
	stage_setup_mount devtmpfs mode=0755 "$UCVM_DEV" || { ucvm_panic "cannot mount devtmpfs"; return 1; }
	mkdir -p "$UCVM_DEV/pts"
	stage_setup_mount devpts gid=5,mode=0620 "$UCVM_DEV/pts" || { ucvm_panic "cannot mount devpts"; return 1; }
	# PID 1 started without fds 0-2 (no /dev/console node in the archive).
	if [ "$UCVM_PID1" = 1 ] && ! { : >&1; } 2>/dev/null && [ -c /dev/console ]; then
		exec </dev/console >/dev/console 2>&1
	fi
	mkdir -p "$UCVM_PREFIX/etc"
	ln -sfn /proc/mounts "$UCVM_PREFIX/etc/mtab"

	ucvm_cmdline_parse "$(cat "$UCVM_PROC/cmdline" 2>/dev/null)" "$UCVM_RUN/cmdline" ||
		{ ucvm_panic "cannot parse the kernel command line"; return 1; }

	if ucvm_debug && [ "$UCVM_PID1" = 1 ]; then
		# cvmdebug: an `ash -x` trace of the rest of the boot (§2).
		exec 2>>"$UCVM_LOG/trace.log"
		set -x
	fi
	bad="$(ucvm_params_invalid)"
	if [ -n "$bad" ]; then
		ucvm_info "invalid kernel parameters ignored: $bad"
		notes="invalid parameters: $bad"
	fi
	if ucvm_flag cvmssh; then
		ucvm_info "cvmssh is not supported; ignored"
		notes="${notes:+$notes; }cvmssh not supported"
	fi
	if [ -n "$notes" ]; then
		ucvm_warn "version $UCVM_VERSION; $notes"
	else
		ucvm_ok "version $UCVM_VERSION"
	fi
}
