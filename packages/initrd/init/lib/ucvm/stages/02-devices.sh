# shellcheck shell=dash
# 02-devices (runtime.md §3): read-only discovery of disks, partitions, the
# boot medium, config drives and an existing scratch file system. Writes only
# the table $UCVM_RUN/devices (one `key=value …` line per device).

# stage_devices_list — /sys/block names in natural order.
stage_devices_list() {
	local f
	for f in "$UCVM_SYS/block"/*; do
		[ -e "$f" ] && echo "${f##*/}"
	done | ucvm_natural_sort
}

# stage_devices_settle LIMIT — poll every 250 ms until the list is unchanged
# for 1 s, at most LIMIT seconds (item 1).
stage_devices_settle() {
	local deadline stable prev cur
	deadline=$(($(ucvm_now_cs) + $1 * 100))
	prev="$(stage_devices_list)"
	stable="$(ucvm_now_cs)"
	while [ "$(ucvm_now_cs)" -lt "$deadline" ]; do
		[ $(($(ucvm_now_cs) - stable)) -ge 100 ] && return 0
		sleep 0.25
		cur="$(stage_devices_list)"
		if [ "$cur" != "$prev" ]; then
			prev="$cur"
			stable="$(ucvm_now_cs)"
		fi
	done
	return 0
}

# stage_devices_skip_disk NAME — excluded whole disks (item 2, 00 item 3).
stage_devices_skip_disk() {
	case "$1" in
	fd* | sr* | mmcblk*boot* | loop* | ram* | zram*) return 0 ;;
	esac
	return 1
}

# stage_devices_node NAME SYSDIR — create a missing /dev node from `dev`.
stage_devices_node() {
	local majmin
	[ -e "$UCVM_DEV/$1" ] && return 0
	majmin="$(ucvm_read_file "$2/dev")"
	case "$majmin" in
	[0-9]*:[0-9]*) ucvm_tool mknod "$UCVM_DEV/$1" b "${majmin%%:*}" "${majmin#*:}" 2>/dev/null ;;
	esac
	return 0
}

# stage_devices_classblock — /sys/class/block names in natural order.
stage_devices_classblock() {
	local f
	for f in "$UCVM_SYS/class/block"/*; do
		[ -e "$f" ] && echo "${f##*/}"
	done | ucvm_natural_sort
}

# stage_devices_table — all whole disks, each followed by its partitions.
stage_devices_table() {
	local d p dir pdir num
	for d in $(stage_devices_list); do
		dir="$UCVM_SYS/block/$d"
		[ -e "$dir/device" ] || continue
		stage_devices_skip_disk "$d" && continue
		stage_devices_node "$d" "$dir"
		ucvm_devline "$d" disk "$d" 0 "$dir"
		# Partitions: sysfs children with a `partition` file; the parent and
		# number come from sysfs, never from the name (item 2).
		for p in $(stage_devices_classblock); do
			pdir="$(readlink -f "$UCVM_SYS/class/block/$p")"
			[ -r "$pdir/partition" ] || continue
			[ "$(basename "$(dirname "$pdir")")" = "$d" ] || continue
			num="$(ucvm_read_file "$pdir/partition")"
			ucvm_is_uint "$num" || continue
			stage_devices_node "$p" "$pdir"
			ucvm_devline "$p" part "$d" "$num" "$pdir"
		done
	done
}

# stage_devices_probe NAME TYPE — read-only probe mount (5 s limit); prints
# `boot`, `context.sh`, `user-data.txt`, `azure` for what the root holds.
stage_devices_probe() {
	local mnt="$UCVM_RUN/probe"
	mkdir -p "$mnt"
	ucvm_tool_limit 5 mount -t "$2" -o ro,nodev,nosuid,noexec "$UCVM_DEV/$1" "$mnt" 2>/dev/null || return 0
	[ -e "$mnt/.ucernvm_boot_loader" ] && echo boot
	[ -f "$mnt/context.sh" ] && echo context.sh
	[ -f "$mnt/user-data.txt" ] && echo user-data.txt
	[ -f "$mnt/E6DA6616-8EC4-48E0-BE93-58CE6ACE3CFB.tag" ] && echo azure
	ucvm_tool_limit 5 umount "$mnt" 2>/dev/null
	return 0
}

# stage_devices_mark RAW OUT — copy the table adding boot=0|1 config=0|1
# scratch=0|1 (items 4–6); sets boot_dev and scratch_dev (locals of stage_run).
stage_devices_mark() {
	local raw="$1" out="$2" line name type label boot config found want uroots='' others=''
	want="$(ucvm_param ucvm_scratch)" || want=''
	want="${want#/dev/}"
	: >"$out.tmp"
	while IFS= read -r line; do
		name="${line#name=}"
		name="${name%% *}"
		type="$(printf '%s\n' "$line" | sed -n 's/.* type=\([^ ]*\).*/\1/p')"
		label="$(printf '%s\n' "$line" | sed -n 's/.* label=\([^ ]*\).*/\1/p' | tr '[:upper:]' '[:lower:]')"
		boot=0 config=0
		case "$label" in config-2 | cidata) config=1 ;; esac
		case "$type" in
		vfat | iso9660 | udf)
			found="$(stage_devices_probe "$name" "$type")"
			case "$type:$found" in
			udf:*) ;;
			*boot*)
				if [ -z "$boot_dev" ]; then
					boot=1 boot_dev="$name"
				else
					ucvm_info "another boot loader file system on /dev/$name (ignored)"
				fi
				;;
			esac
			case "$type:$found" in
			iso9660:*context.sh* | iso9660:*user-data.txt* | udf:*azure*) config=1 ;;
			esac
			;;
		ext2 | ext3 | ext4)
			[ "$label" = uroot ] && uroots="$uroots $name"
			;;
		esac
		printf '%s boot=%s config=%s\n' "$line" "$boot" "$config" >>"$out.tmp"
	done <"$raw"
	# Scratch: ucvm_scratch if it is a UROOT ext file system, else the first.
	for name in $uroots; do
		[ "$name" = "$want" ] && scratch_dev="$name"
	done
	if [ -z "$scratch_dev" ]; then
		for name in $uroots; do
			scratch_dev="$name"
			break
		done
	fi
	for name in $uroots; do
		[ "$name" = "$scratch_dev" ] || others="$others /dev/$name"
	done
	awk -v s="$scratch_dev" '{ n = $1; sub(/^name=/, "", n); print $0 " scratch=" (n == s ? 1 : 0) }' \
		"$out.tmp" >"$out"
	rm -f "$out.tmp"
	[ -z "$others" ] || ucvm_info "other UROOT file systems ignored:$others"
}

stage_run() {
	local limit n disk='' boot_dev='' scratch_dev=''
	limit="$(ucvm_param_uint ucvm_devwait 0 120 10)"
	stage_devices_settle "$limit"
	stage_devices_table >"$UCVM_RUN/devices.raw"
	stage_devices_mark "$UCVM_RUN/devices.raw" "$UCVM_RUN/devices"
	rm -f "$UCVM_RUN/devices.raw"
	n="$(ucvm_devs_where 'f["kind"] == "disk"' | wc -l)"
	[ -n "$boot_dev" ] && disk="$(ucvm_dev disk "$boot_dev")"
	ucvm_state UCVM_BOOT_DEV "$boot_dev"
	ucvm_state UCVM_BOOT_DISK "$disk"
	ucvm_state UCVM_SCRATCH_DEV "$scratch_dev"
	if [ -n "$scratch_dev" ]; then
		ucvm_state UCVM_FIRST_BOOT 0
		ucvm_ok "$n disks; boot ${boot_dev:-none}; scratch /dev/$scratch_dev"
	else
		ucvm_state UCVM_FIRST_BOOT 1
		ucvm_ok "$n disks; boot ${boot_dev:-none}; first boot"
	fi
}
