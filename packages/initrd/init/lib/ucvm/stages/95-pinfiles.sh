# shellcheck shell=dash
# 95-pinfiles (runtime.md §3 95-pinfiles, §6.2): pin the files listed in the
# OS's /.ucernvm_pinfiles in the CernVM-FS cache, in the background
# (ucvm-pin: resolution here, then a detached sender on the control socket).

stage_run() {
	local root="$UCVM_NEWROOT" list cache out line n=0 rc=0
	list="$root/.ucernvm_pinfiles"
	if [ ! -f "$list" ] || [ -L "$list" ]; then
		ucvm_skip "no /.ucernvm_pinfiles"
		return 0
	fi
	ucvm_stage_log pin.log
	# after 20-union the scratch is at /root/mnt/.rw; the sender works from
	# its cache/ and reaches /root/run/initramfs (80) relative to it
	cache="$root/mnt/.rw/cache"
	out="$UCVM_RUN/pin.out"
	sh "$UCVM_LIBDIR/bin/ucvm-pin" --root "$root" --prefix "/${UCVM_OS_PATH:-}" --list "$list" \
		--cache "$cache" --socket "$UCVM_REPO/cvmfs_io.$UCVM_REPO" --tools ../../../run/initramfs \
		>"$out" 2>>"$UCVM_LOG/pin.log" || rc=$?
	while IFS= read -r line; do
		case "$line" in
		"count "*) n="${line#count }" ;;
		"ignored "*)
			line="${line#ignored }"
			ucvm_info "pin list line ${line%% *} ignored: ${line#* }"
			;;
		esac
	done <"$out"
	if [ "$rc" != 0 ]; then
		ucvm_warn "pin list not read (exit $rc, see log/pin.log)"
		return 0
	fi
	ucvm_ok "pinning $n files in background"
}
