# shellcheck shell=dash
# 97-hotfixes (runtime.md §3, §6.3, §6.5, §6.6): small fixes to the OS
# tree, kernel modules and extra user data for the OS, then the bootstrap
# hook of the repository layer (the only OS code run in the initrd, §7 item 4).

STAGE_HOOK_LIMIT=120

# stage_hotfix_modules — post the running kernel's modules if the OS lacks them.
stage_hotfix_modules() {
	local kver
	kver="$(uname -r)"
	[ -d "$UCVM_NEWROOT/lib/modules/$kver" ] && return 0
	[ -d "$UCVM_PREFIX/lib/modules/$kver" ] || return 0
	mkdir -p "$UCVM_NEWROOT/lib/modules" &&
		cp -a "$UCVM_PREFIX/lib/modules/$kver" "$UCVM_NEWROOT/lib/modules/" &&
		ucvm_info "kernel modules $kver posted to /lib/modules"
}

# stage_hotfix_keys — effective user-data keys (lower case), one per line.
stage_hotfix_keys() {
	local dir="${UCVM_CTX_DIR:-}" tmp="$UCVM_RUN/hook-ctx"
	[ -n "$dir" ] || return 0
	mkdir -p "$tmp"
	set --
	[ -f "$dir/ucontext" ] && set -- "$@" --file "$dir/ucontext"
	[ -f "$dir/extra-ucontext" ] && set -- "$@" --file "$dir/extra-ucontext"
	[ "$#" -gt 0 ] || return 0
	sh "$UCVM_LIBDIR/bin/ucvm-userdata" read "$@" --out "$tmp" 2>/dev/null || return 0
	sed -n 's/^_UCONTEXT_\([A-Z0-9_]*\)=.*/\1/p' "$tmp/read.ucontext" | tr '[:upper:]' '[:lower:]'
	rm -rf "$tmp"
}

# stage_hotfix_hook FILE — run the hook `/bin/sh FILE /root` with the §6.3
# environment in its own process group, at most 120 s; sets hook_rc (a
# local of stage_run) to its exit status, `timeout` when killed.
stage_hotfix_hook() {
	local file="$1" rcf="$UCVM_RUN/bootstrap.rc" pid deadline k v
	rm -f "$rcf"
	set -- PATH="$UCVM_LIBDIR/hook-bin:/bin:/sbin:/usr/bin:/usr/sbin" \
		UCVM_ROOT="$UCVM_NEWROOT" UCVM_SCRATCH="$UCVM_NEWROOT/mnt/.rw" UCVM_REPO="${UCVM_REPO:-}" \
		UCVM_OS_PATH="${UCVM_OS_PATH:-}" UCVM_VERSION="${UCVM_VERSION:-}" UCVM_FIRST_BOOT="${UCVM_FIRST_BOOT:-0}"
	for k in $(stage_hotfix_keys); do
		[ "$k" = cernvm_inject ] && continue
		v="$(ucvm_ctx "$k")" || continue
		set -- "$@" "_UCONTEXT_$(echo "$k" | tr '[:lower:]' '[:upper:]')=$v"
	done
	# The command string is constant; paths and values are arguments.
	# shellcheck disable=SC2016 # expanded by the child shell, as arguments
	setsid sh -c 'rcf="$1"; log="$2"; shift 2
		{ env -i "$@" </dev/null; echo "$?" >"$rcf"; } 2>&1 | tee -a "$log"' \
		_ "$rcf" "$UCVM_LOG/bootstrap.log" "$@" /bin/sh "$file" "$UCVM_NEWROOT" &
	pid=$!
	deadline=$(($(ucvm_now_cs) + STAGE_HOOK_LIMIT * 100))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(ucvm_now_cs)" -ge "$deadline" ]; then
			kill -KILL -- "-$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			hook_rc=timeout
			return 0
		fi
		sleep 0.5
	done
	wait "$pid" 2>/dev/null
	hook_rc="$(ucvm_read_file "$rcf" 1)"
	ucvm_is_uint "$hook_rc" || hook_rc=1
}

stage_run() {
	local root="$UCVM_NEWROOT" name file rc='' ran='' path hook_rc=
	ucvm_stage_log bootstrap.log
	mkdir -p "$root/tmp" "$root/cvmfs" && chmod 1777 "$root/tmp"
	if [ -f "$root/usr/bin/sudo" ] && [ ! -u "$root/usr/bin/sudo" ]; then
		chmod 04555 "$root/usr/bin/sudo"
	fi
	stage_hotfix_modules || ucvm_info "cannot post kernel modules"
	if [ "${UCVM_CONTEXT_BOOT:-0}" = 1 ] && [ -f "${UCVM_CTX_DIR:-/nonexistent}/extra-user-data" ]; then
		if ! { mkdir -p "$root/cernvm" &&
			cp "$UCVM_CTX_DIR/extra-user-data" "$root/cernvm/extra-user-data" &&
			chmod 0600 "$root/cernvm/extra-user-data"; }; then
			ucvm_info "cannot place extra user data"
		fi
	fi
	# Bootstrap hook: repository layer only, never the union's upper copy.
	path="$root/mnt/.ro${UCVM_OS_PATH:+/$UCVM_OS_PATH}"
	for name in .cernvm_bootstrap .ucernvm_bootstrap; do
		file="$path/$name"
		[ -f "$file" ] || continue
		if [ -e "$root/$name" ] && ! cmp -s "$file" "$root/$name"; then
			ucvm_info "upper-layer /$name differs from the repository; ignored"
		fi
		stage_hotfix_hook "$file"
		rc="$hook_rc"
		ran="$name"
		ucvm_info "bootstrap $name exit $rc"
		break
	done
	if [ -n "$ran" ] && [ "$rc" != 0 ]; then
		ucvm_warn "bootstrap $ran failed ($rc)"
	else
		ucvm_ok
	fi
}
