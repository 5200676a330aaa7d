# shellcheck shell=dash
# 15-rebase (runtime.md §3 15-rebase, §5.3): after a fresh or forced mount
# whose root hash differs from the recorded snapshot, resolve overlay
# conflicts in persistent/ (ucvm-rebase), merge the account files
# (ucvm-merge-accounts), remount the repository pinned to the new hash, and
# record the snapshot. 14-cvmfs leaves the record to this stage.

# stage_rebase_recorded — line 1 of aux/cvmfs_snapshot when it is a hash.
stage_rebase_recorded() {
	local h
	h="$(sed -n 1p "$UCVM_RW/aux/cvmfs_snapshot" 2>/dev/null)"
	printf '%s\n' "$h" | grep -Eq '^[0-9a-f]{40,64}$' && printf '%s\n' "$h"
}

# stage_rebase_record HASH TAG — §5.3: write the snapshot atomically, then
# delete the force file.
stage_rebase_record() {
	local aux="$UCVM_RW/aux"
	printf '%s\n%s\n' "$1" "$2" >"$aux/cvmfs_snapshot.tmp" &&
		mv "$aux/cvmfs_snapshot.tmp" "$aux/cvmfs_snapshot" &&
		rm -f "$aux/cvmfs_force_tag"
}

# stage_rebase_walk LOWER LOG — item 1; progress lines become info lines;
# sets `counts` (local of the caller). Exit 1 when the walk failed.
stage_rebase_walk() {
	local out="$UCVM_RUN/rebase.out" line
	: >"$out"
	{
		sh "$UCVM_LIBDIR/bin/ucvm-rebase" "$1" "$UCVM_RW/persistent" "$2" 2>>"$UCVM_LOG/rebase.log"
		echo "exit $?"
	} | while IFS= read -r line; do
		case "$line" in
		"progress "*) ucvm_info "${line#progress } entries checked" ;;
		*) printf '%s\n' "$line" >>"$out" ;;
		esac
	done
	counts="$(sed -n 's/^counts //p' "$out")"
	grep -qx 'exit 0' "$out" && [ -n "$counts" ]
}

# stage_rebase_remount HASH — item 3 (fix: pinned): the configuration gets
# CVMFS_ROOT_HASH, the client is mounted again (maps are read at mount).
stage_rebase_remount() {
	local conf="$UCVM_PREFIX/etc/cvmfs/config.d/$repo.conf" tmo
	[ -f "$conf" ] || return 1
	{ grep -v '^CVMFS_ROOT_HASH=' "$conf"; printf 'CVMFS_ROOT_HASH=%s\n' "$(ucvm_squote "$1")"; } \
		>"$conf.tmp" && mv "$conf.tmp" "$conf" || return 1
	cp "$conf" "$UCVM_LOG/cvmfs.conf"
	ucvm_logrun cvmfs.log ucvm_tool umount "$UCVM_RO" || return 1
	tmo="$(ucvm_param_uint ucvm_cvmfs_timeout 30 3600 300)"
	ucvm_logrun cvmfs.log ucvm_tool_limit "$tmo" cvmfs2 -o "allow_other,config=$conf,cvmfs_suid" \
		"$repo" "$UCVM_RO" || return 1
	# a new client process: tell it the nameserver too (14 item 4)
	if command -v stage_cvmfs_nameserver >/dev/null 2>&1; then stage_cvmfs_nameserver; fi
	return 0
}

stage_run() {
	local mode="${UCVM_CVMFS_MODE:-}" hash="${UCVM_CVMFS_HASH:-}" tag="${UCVM_CVMFS_TAG:-}"
	local repo="${UCVM_REPO:-}" old ts log lower counts='' note=''
	ucvm_stage_log rebase.log
	case "$mode" in
	fresh | forced) ;;
	*)
		ucvm_skip "snapshot ${mode:-unknown}"
		return 0
		;;
	esac
	if [ -z "$hash" ]; then
		ucvm_skip "root hash unknown, no snapshot recorded"
		return 0
	fi
	old="$(stage_rebase_recorded)" || old=''
	if [ "$old" = "$hash" ] || [ -z "$(ls -A "$UCVM_RW/persistent" 2>/dev/null)" ]; then
		if ! stage_rebase_record "$hash" "$tag"; then
			ucvm_warn "cannot record snapshot $hash (next boot is fresh again)"
		elif [ "$old" = "$hash" ]; then
			ucvm_skip "snapshot $hash unchanged"
		else
			ucvm_skip "upper layer empty; snapshot $hash recorded"
		fi
		return 0
	fi

	ts="$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
	log="$UCVM_RW/aux/rebase-$ts.log"
	lower="$UCVM_RO${UCVM_OS_PATH:+/$UCVM_OS_PATH}"
	ucvm_info "snapshot ${old:-(none)} -> $hash"
	if ! stage_rebase_walk "$lower" "$log"; then
		ucvm_panic "conflict resolution failed: $(tail -n 1 "$UCVM_LOG/rebase.log" 2>/dev/null)"
		return 1
	fi
	printf 'Rebased to %s\n' "$hash" >>"$log"
	if ! sh "$UCVM_LIBDIR/bin/ucvm-merge-accounts" "$lower/etc" "$UCVM_RW/persistent/etc" \
		"$UCVM_RW/aux" "$ts" 2>>"$UCVM_LOG/rebase.log"; then
		note="account merge failed, account files unchanged (aux/account_merge-$ts.log)"
	fi
	if ! stage_rebase_remount "$hash"; then
		ucvm_panic "cannot remount $repo at $hash"
		return 1
	fi
	if ! stage_rebase_record "$hash" "$tag"; then
		note="${note:+$note; }cannot record snapshot $hash"
	fi
	if [ -n "$note" ]; then
		ucvm_warn "rebased to $hash ($counts); $note"
	else
		ucvm_ok "rebased to $hash ($counts)"
	fi
}
