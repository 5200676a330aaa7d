# shellcheck shell=dash
# 06-extracontext (runtime.md §3 06, userdata.md §9): collect the extra user
# data chunks and the pickup archive from every readable file system, then
# parse user data and extra chunks once with ucvm-userdata ([UD §12]).

STAGE_EXTRA_TYPES='ext2 ext3 ext4 xfs btrfs vfat iso9660 udf'
STAGE_EXTRA_MAX=16777216  # all chunks together (item 1)
STAGE_PICKUP_MAX=67108864 # pickup.tar.gz (item 1)

# stage_extra_collect WORK — probe-mount each file system (natural order);
# chunks become WORK/chunk.<n>; sets extra_devs and pickup_dev (locals of the caller).
stage_extra_collect() {
	local work="$1" mnt="$UCVM_RUN/extra-mnt" name type n=0 total=0 size
	for name in $(ucvm_fs_devs | awk -v t=" $STAGE_EXTRA_TYPES " 'index(t, " " $2 " ") { print $1 ":" $2 }'); do
		type="${name#*:}" name="${name%%:*}"
		ucvm_probe_mount "$name" "$type" "$mnt" || continue
		if [ -f "$mnt/cernvm/extra-user-data" ]; then
			size="$(wc -c <"$mnt/cernvm/extra-user-data" | tr -d ' ')"
			if [ $((total + size)) -le "$STAGE_EXTRA_MAX" ]; then
				n=$((n + 1))
				head -c "$size" "$mnt/cernvm/extra-user-data" >"$work/chunk.$n"
				total=$((total + size))
				extra_devs="${extra_devs:+$extra_devs,}$name"
			else
				ucvm_info "extra user data on /dev/$name ignored: over $STAGE_EXTRA_MAX bytes in all"
			fi
		fi
		if [ -f "$mnt/cernvm/pickup.tar.gz" ]; then
			size="$(wc -c <"$mnt/cernvm/pickup.tar.gz" | tr -d ' ')"
			if [ "$size" -gt "$STAGE_PICKUP_MAX" ]; then
				ucvm_info "pickup.tar.gz on /dev/$name ignored: over $STAGE_PICKUP_MAX bytes"
			else
				[ -z "$pickup_dev" ] || ucvm_info "pickup.tar.gz on /dev/$pickup_dev replaced by the one on /dev/$name"
				head -c "$size" "$mnt/cernvm/pickup.tar.gz" >"$work/pickup.tar.gz"
				pickup_dev="$name"
			fi
		fi
		ucvm_probe_umount "$mnt"
	done
}

# stage_extra_parse USER CHUNKDIR OUT — item 2: one parse of the user data
# (if any) and the chunks in order; parser warnings become info lines (code
# and location only, never content). Sets parse_keys and parse_warnings.
stage_extra_parse() {
	local user="$1" work="$2" out="$3" i=1 line
	set --
	[ -f "$user" ] && set -- --user "$user"
	while [ -f "$work/chunk.$i" ]; do
		set -- "$@" --extra "$work/chunk.$i"
		i=$((i + 1))
	done
	if ! sh "$UCVM_LIBDIR/bin/ucvm-userdata" parse "$@" --out "$out" 2>>"$UCVM_LOG/context.log"; then
		ucvm_info "user data not parsed (ucvm-userdata failed)"
		return 1
	fi
	parse_warnings=0
	while IFS= read -r line; do
		parse_warnings=$((parse_warnings + 1))
		[ "$parse_warnings" -le 20 ] && ucvm_info "user data warning $line"
	done <"$out/warnings"
	# distinct keys of the effective map (user and extra, [UD §7])
	parse_keys="$(cat "$out/ucontext" "$out/extra-ucontext" 2>/dev/null |
		sed -n 's/^_UCONTEXT_\([A-Z0-9_]*\)=.*/\1/p' | LC_ALL=C sort -u | wc -l | tr -d ' ')"
	for line in "$out/ucontext" "$out/extra-ucontext" "$out/ucontext.json" "$out/warnings" "$out/extra-user-data"; do
		[ ! -f "$line" ] || chmod 0600 "$line"
	done
}

stage_run() {
	local work="$UCVM_RUN/extra" ctx="$UCVM_RUN/context" extra_devs='' pickup_dev='' parse_keys=0 parse_warnings=0
	if [ "${UCVM_FIRST_BOOT:-1}" != 1 ]; then
		ucvm_skip "not a first boot"
		return 0
	fi
	ucvm_stage_log context.log
	rm -rf "$work"
	mkdir -p "$work" "$ctx" && chmod 0700 "$ctx"
	stage_extra_collect "$work"
	if [ -n "$pickup_dev" ]; then
		cp "$work/pickup.tar.gz" "$ctx/pickup.tar.gz" && chmod 0600 "$ctx/pickup.tar.gz"
	fi
	stage_extra_parse "$ctx/user-data" "$work" "$ctx" || true
	rm -rf "$work"
	ucvm_ok "extra=${extra_devs:-none} pickup=${pickup_dev:-none} keys=$parse_keys warnings=$parse_warnings"
}
