# shellcheck shell=dash
# 80-shutdown-prep (runtime.md §3 80-shutdown-prep, §6.9): systemd's return
# to the initramfs. A tmpfs on /root/run gets /run/initramfs with a static
# busybox, OpenBSD nc with its libraries (control socket, item 2b), kexec and
# the `shutdown` script; systemd keeps an already mounted /run.

# Applets the shutdown script and the ucvm-pin sender (95) run.
STAGE_SD_APPLETS='sh awk cat cut grep mkdir mount mv poweroff halt reboot rm sed sleep sort sync timeout umount'

# stage_sd_first FILE… — the first existing regular file.
stage_sd_first() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# stage_sd_libs PROG — absolute paths (initrd view) of the shared libraries
# and loader of PROG, from the initrd's dynamic loader (`--list`); nothing
# for a static program or without a loader.
stage_sd_libs() {
	local ldso
	ldso="$(stage_sd_first "$UCVM_PREFIX"/lib64/ld-linux*.so.* "$UCVM_PREFIX"/lib/ld-linux*.so.* \
		"$UCVM_PREFIX"/lib/*/ld-linux*.so.*)" || return 0
	"$ldso" --list "$1" 2>/dev/null | awk '
		$2 == "=>" && substr($3, 1, 1) == "/" { print $3; next }
		substr($1, 1, 1) == "/" { print $1 }'
}

# stage_sd_copy SRC DEST — copy a file (symlinks followed), mode kept.
stage_sd_copy() {
	mkdir -p "${2%/*}" && cp -L "$1" "$2" && chmod "$(stat -L -c %a "$1")" "$2"
}

stage_run() {
	local run="$UCVM_NEWROOT/run" dir bb nc lib a missing=''
	ucvm_stage_log shutdown.log
	if [ ! -d "$run" ]; then
		ucvm_skip "no /run in the OS"
		return 0
	fi
	if ! ucvm_logrun shutdown.log ucvm_tool mount -t tmpfs -o mode=0755,nosuid,nodev,size=20% tmpfs "$run"; then
		ucvm_warn "cannot mount a tmpfs on /run; no shutdown environment"
		return 0
	fi
	dir="$run/initramfs"
	mkdir -p "$dir/bin" "$dir/sbin" "$dir/oldroot" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/run" || {
		ucvm_warn "cannot create $dir"
		return 0
	}
	if bb="$(stage_sd_first "$UCVM_PREFIX/sbin/busybox" "$UCVM_PREFIX/bin/busybox")" &&
		stage_sd_copy "$bb" "$dir/bin/busybox"; then
		for a in $STAGE_SD_APPLETS; do ln -sf busybox "$dir/bin/$a"; done
	else
		missing="$missing busybox"
	fi
	nc="$UCVM_PREFIX/bin/nc.openbsd"
	if [ -f "$nc" ] && stage_sd_copy "$nc" "$dir/bin/nc.openbsd"; then
		for lib in $(stage_sd_libs "$nc"); do
			stage_sd_copy "$UCVM_PREFIX$lib" "$dir$lib" || missing="$missing $lib"
		done
	else
		missing="$missing nc.openbsd"
	fi
	if [ -f "$UCVM_PREFIX/sbin/kexec" ]; then
		stage_sd_copy "$UCVM_PREFIX/sbin/kexec" "$dir/sbin/kexec" || missing="$missing kexec"
	fi
	if ! cp "$UCVM_LIBDIR/shutdown.sh" "$dir/shutdown" || ! chmod 0755 "$dir/shutdown"; then
		ucvm_warn "cannot install $dir/shutdown"
		return 0
	fi
	if [ -n "$missing" ]; then
		ucvm_warn "shutdown environment without:$missing"
	else
		ucvm_ok
	fi
}
