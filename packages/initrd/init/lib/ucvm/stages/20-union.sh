# shellcheck shell=dash
# 20-union (runtime.md §3, §6.1): overlayfs of the OS path (lower) and
# scratch persistent/ (upper) on /root; then scratch and repository move
# below it to /mnt/.rw and /mnt/.ro.

stage_run() {
	local lower="$UCVM_RO" rw="$UCVM_NEWROOT/mnt/.rw" ro="$UCVM_NEWROOT/mnt/.ro"
	# cernvm_path characters are restricted [UD §6.2 OSPATH]: no escaping needed.
	[ -z "${UCVM_OS_PATH:-}" ] || lower="$UCVM_RO/$UCVM_OS_PATH"
	# tool lines go to union.log: boot.log holds console lines only (§8.2)
	ucvm_stage_log union.log
	mkdir -p "$UCVM_NEWROOT"
	ucvm_logrun union.log ucvm_tool mount -t overlay overlay -o \
		"lowerdir=$lower,upperdir=$UCVM_RW/persistent,workdir=$UCVM_RW/work,index=off,redirect_dir=off,metacopy=off" \
		"$UCVM_NEWROOT" || { ucvm_panic "cannot mount the overlay on $UCVM_NEWROOT"; return 1; }
	chmod 0755 "$UCVM_NEWROOT"
	mkdir -p "$rw" "$ro" || { ucvm_panic "cannot create /mnt/.rw and /mnt/.ro in the union"; return 1; }
	ucvm_logrun union.log ucvm_tool mount --move "$UCVM_RW" "$rw" || { ucvm_panic "cannot move scratch to /mnt/.rw"; return 1; }
	ucvm_state UCVM_RW "$rw"
	ucvm_state UCVM_CTX_DIR "$rw/context"
	ucvm_logrun union.log ucvm_tool mount --move "$UCVM_RO" "$ro" || { ucvm_panic "cannot move the repository to /mnt/.ro"; return 1; }
	ucvm_state UCVM_RO "$ro"
	ucvm_ok "overlay lower=/${UCVM_OS_PATH:-}"
}
