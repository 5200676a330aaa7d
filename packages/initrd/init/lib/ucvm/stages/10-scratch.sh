# shellcheck shell=dash
# 10-scratch (runtime.md §3, §4): choose, create, check and mount the
# scratch ext4 file system `UROOT` on /root.rw. Only the chosen device is
# written, after re-verification (§7 item 3).

STAGE_SCRATCH_MIN_MIB=750
STAGE_SCRATCH_SPLIT_MIB=20480
STAGE_SCRATCH_GPT_LINUX=0FC63DAF-8483-4772-8E79-3D69D8477DE4
STAGE_SCRATCH_TWO_TIB=2199023255552

# stage_scratch_candidates WANT USE_BOOTHD BOOTDISK — prints `want NAME`,
# `disk NAME`, `part NAME` for the rules 1–3 (first match of each), using the
# device table. Eligible: not read-only, removable, the boot medium, a config
# drive, with holders or mounted partitions, or below 750 MiB.
stage_scratch_candidates() {
	awk -v want="$1" -v boothd="$2" -v bootdisk="$3" -v min="$STAGE_SCRATCH_MIN_MIB" '
	function excluded(t) {
		t = tolower(t); sub(/^0x0*/, "0x", t)
		return t == "0x5" || t == "0xf" || t == "0x85" || t == "0x82" || t == "0x8e" || t == "0xfd" ||
			t == "0xef" || t == "0xee" ||
			t == "21686148-6449-6e6f-744e-656564454649" || t == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" ||
			t == "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f" || t == "e6d6d379-f507-44c2-a23c-238f2a3df928" ||
			t == "a19d880f-05fc-4d3b-a006-743f0f84911e"
	}
	{
		delete f
		for (i = 1; i <= NF; i++) { e = index($i, "="); f[substr($i, 1, e - 1)] = substr($i, e + 1) }
		n = f["name"]; N++; name[N] = n
		for (k in f) v[n, k] = f[k]
		if (f["kind"] == "part") {
			d = f["disk"]; parts[d]++
			if (f["mounted"] == 1 || f["holders"] == 1) busy[d] = 1
			if (f["config"] == 1) cfg[d] = 1
			if (f["boot"] == 1) boot[d] = 1
		}
	}
	function eligible(n,   d) {
		d = v[n, "disk"]
		if (v[n, "ro"] != 0 || v[n, "removable"] != 0 || v[n, "boot"] == 1 || v[n, "config"] == 1) return 0
		if (v[n, "holders"] == 1 || v[n, "mounted"] == 1) return 0
		if (v[n, "kind"] == "disk" && (busy[n] || cfg[n] || boot[n])) return 0
		return v[n, "sectors"] * 512 >= min * 1048576
	}
	END {
		for (j = 1; j <= N; j++) {
			n = name[j]
			if (n == want) {
				if (!eligible(n)) print "notwant " n
				else if (v[n, "kind"] == "disk" && (v[n, "pttype"] != "" || parts[n])) print "tablewant " n
				else print "want " n
			}
			if (!gotdisk && boothd != 1 && v[n, "kind"] == "disk" && n != bootdisk && !parts[n] &&
				v[n, "sig"] == 0 && v[n, "type"] == "" && v[n, "pttype"] == "" && eligible(n)) {
				print "disk " n; gotdisk = 1
			}
			if (!gotpart && v[n, "kind"] == "part" && v[n, "sig"] == 0 && v[n, "type"] == "" &&
				!excluded(v[n, "parttype"]) && eligible(n)) {
				print "part " n; gotpart = 1
			}
		}
	}' "$UCVM_RUN/devices"
}

# stage_scratch_layout_disk SECTORS512 LSS RESIZE — 10.1: prints `label
# dos|gpt`, then `<num> <start> <size>` per partition in logical sectors.
stage_scratch_layout_disk() {
	local bytes=$(($1 * 512)) lss="$2" resize="$3" total mib end start size p1
	total=$((bytes / lss))
	mib=$((1048576 / lss))
	if [ "$bytes" -le "$STAGE_SCRATCH_TWO_TIB" ]; then
		echo "label dos"
		end="$total"
	else
		echo "label gpt"
		end=$((total - 1 - 16384 / lss)) # backup entry array + header
	fi
	start="$mib"
	size=$(((end - start) / mib * mib))
	p1=$((STAGE_SCRATCH_SPLIT_MIB * mib))
	if [ "$resize" = 0 ] && [ "$bytes" -gt $(((STAGE_SCRATCH_SPLIT_MIB + 2) * 1048576)) ] && [ "$size" -gt "$p1" ]; then
		echo "1 $start $p1"
		echo "2 $((start + p1)) $(((end - start - p1) / mib * mib))"
	else
		echo "1 $start $size"
	fi
}

# stage_scratch_layout_free SECTORS512 LSS PTTYPE RESIZE PART… — 10.3: the
# largest free region of a partitioned disk; PART = `num:start512:size512:type`.
# Prints `<num> <start> <size>` lines (logical sectors) or nothing.
stage_scratch_layout_free() {
	local sectors="$1" lss="$2" pttype="$3" resize="$4"
	shift 4
	printf '%s\n' "$@" | awk -v sectors="$sectors" -v lss="$lss" -v pt="$pttype" -v resize="$resize" \
		-v min="$STAGE_SCRATCH_MIN_MIB" -v splitmib="$STAGE_SCRATCH_SPLIT_MIB" '
	function up(x) { return int((x + mib - 1) / mib) * mib }
	function down(x) { return int(x / mib) * mib }
	NF && $0 != "" {
		split($0, a, ":"); n++
		num[n] = a[1]; st[n] = a[2] * 512 / lss; sz[n] = a[3] * 512 / lss; used[a[1]] = 1
		t = tolower(a[4]); sub(/^0x0*/, "0x", t)
		if (t == "0x5" || t == "0xf" || t == "0x85") ext = 1
	}
	END {
		mib = 1048576 / lss; total = sectors * 512 / lss
		if (pt == "dos") {
			if (ext) exit
			lo = mib; hi = total; if (hi > 4294967296) hi = 4294967296; maxnum = 4
		} else if (pt == "gpt") {
			lo = mib; hi = total - 1 - 16384 / lss; maxnum = 128
		} else exit
		# sort partitions by start
		for (i = 2; i <= n; i++) for (j = i; j > 1 && st[j] < st[j - 1]; j--) {
			x = st[j]; st[j] = st[j - 1]; st[j - 1] = x; x = sz[j]; sz[j] = sz[j - 1]; sz[j - 1] = x
		}
		best = 0; cur = lo
		for (i = 1; i <= n + 1; i++) {
			e = (i <= n) ? st[i] : hi
			if (e > hi) e = hi
			s = up(cur); size = down(e) - s
			if (size > best) { best = size; bs = s }
			if (i <= n && st[i] + sz[i] > cur) cur = st[i] + sz[i]
		}
		if (best < min * mib) exit
		for (k = 1; k <= maxnum && used[k]; k++) {}
		if (k > maxnum) exit
		p1 = splitmib * mib
		if (resize == 0 && best > p1) {
			print k " " bs " " p1
			for (k2 = k + 1; k2 <= maxnum && used[k2]; k2++) {}
			if (k2 <= maxnum) print k2 " " bs + p1 " " down(best - p1)
		} else print k " " bs " " best
	}'
}

# stage_scratch_reverify NAME — 10.2: blkid and sysfs unchanged since 02.
stage_scratch_reverify() {
	local name="$1" kind disk num dir now was
	kind="$(ucvm_dev kind "$name")" disk="$(ucvm_dev disk "$name")" num="$(ucvm_dev num "$name")"
	dir="$(ucvm_sysfs_blockdir "$name")" || return 1
	now="$(ucvm_devline "$name" "$kind" "$disk" "$num" "$dir") parts=$(stage_scratch_parts "$disk" | wc -l)"
	was="$(awk -v n="name=$name" '$1 == n' "$UCVM_RUN/devices" | sed 's/ boot=.*//') parts=$(ucvm_devs_where "f[\"kind\"] == \"part\" && f[\"disk\"] == \"$disk\"" | wc -l)"
	[ "$now" = "$was" ]
}

# stage_scratch_parts DISK — `num:start:size:type` of DISK's partitions (sysfs).
stage_scratch_parts() {
	local p dir
	for p in "$UCVM_SYS/class/block"/*; do
		[ -e "$p/partition" ] || continue
		dir="$(readlink -f "$p")"
		[ "$(basename "$(dirname "$dir")")" = "$1" ] || continue
		printf '%s:%s:%s:%s\n' "$(ucvm_read_file "$dir/partition")" "$(ucvm_read_file "$dir/start" 0)" \
			"$(ucvm_read_file "$dir/size" 0)" "$(ucvm_dev parttype "${p##*/}")"
	done
}

# stage_scratch_partname DISK NUM — sysfs name of partition NUM of DISK.
stage_scratch_partname() {
	local p dir
	for p in "$UCVM_SYS/class/block"/*; do
		[ -r "$p/partition" ] || continue
		[ "$(ucvm_read_file "$p/partition")" = "$2" ] || continue
		dir="$(readlink -f "$p")"
		[ "$(basename "$(dirname "$dir")")" = "$1" ] || continue
		echo "${p##*/}"
		return 0
	done
	return 1
}

# stage_scratch_reread DISK NUM — 10.2: re-read the table, wait ≤ 10 s for
# the partition; prints its name.
stage_scratch_reread() {
	ucvm_logrun partition.log ucvm_tool blockdev --rereadpt "$UCVM_DEV/$1" ||
		ucvm_logrun partition.log ucvm_tool partx -a "$UCVM_DEV/$1" || true
	ucvm_wait_for 10 0.25 stage_scratch_partname "$1" "$2" >/dev/null || return 1
	stage_scratch_partname "$1" "$2"
}

# stage_scratch_gpt_fix DISK LSS SECTORS512 — 10.3: move a GPT backup header
# that is not on the last LBA (grown image).
stage_scratch_gpt_fix() {
	local backup last
	last=$(($3 * 512 / $2 - 1))
	backup="$(dd if="$UCVM_DEV/$1" bs="$2" skip=1 count=1 2>/dev/null | od -An -tu8 -j32 -N8 | tr -d ' ')"
	[ "$backup" = "$last" ] && return 0
	ucvm_info "GPT backup header at LBA ${backup:-?}, moving it to $last"
	ucvm_logrun partition.log ucvm_tool sfdisk --relocate gpt-bak-std "$UCVM_DEV/$1"
}

# stage_scratch_sfdisk DISK [-N NUM] < script — write partitions.
stage_scratch_sfdisk() {
	local disk="$1"
	shift
	ucvm_logrun partition.log ucvm_tool sfdisk --no-reread --no-tell-kernel -q "$@" "$UCVM_DEV/$disk"
}

# stage_scratch_format NAME WIPE — 10.4; WIPE=1: a partition made in this
# boot (stale signature) or the operator's ucvm_scratch choice (10 rule 1).
stage_scratch_format() {
	local name="$1" sig
	sig="$(ucvm_dev_blkid "$name")"
	case "$sig" in *sig=1*)
		[ "$2" = 1 ] || return 1
		ucvm_info "clearing a stale signature on /dev/$name"
		ucvm_logrun partition.log ucvm_tool wipefs -a "$UCVM_DEV/$name" || return 1
		;;
	esac
	# libuuid stalls while the CRNG is not ready (image-recipes §8.3)
	timeout 10 head -c1 "$UCVM_DEV/random" >/dev/null 2>&1
	ucvm_logrun partition.log ucvm_tool mke2fs -t ext4 -L UROOT \
		-E lazy_itable_init=1,lazy_journal_init=1 "$UCVM_DEV/$name" </dev/null || return 1
	ucvm_logrun partition.log ucvm_tool tune2fs -c0 -i0 "$UCVM_DEV/$name"
}

# stage_scratch_create — rules 1–5 of a first boot. Sets scratch_name (the
# new, formatted partition) or returns 1 (nothing usable) / 2 with `reason`
# (both locals of stage_run).
stage_scratch_create() {
	local want boothd resize kind name disk lss sectors layout line num start size pt first='' created='' explicit=0
	want="$(ucvm_param ucvm_scratch)" || want=''
	want="${want#/dev/}"
	boothd="$(ucvm_ctx use_boothd)" || boothd=0
	resize="$(ucvm_ctx resize_rootfs)" || resize=1
	stage_scratch_candidates "$want" "$boothd" "${UCVM_BOOT_DISK:-}" >"$UCVM_RUN/scratch.candidates"
	kind='' name=''
	while read -r line name; do
		case "$line" in
		notwant) ucvm_info "ucvm_scratch=/dev/$name is not eligible" ;;
		tablewant) ucvm_info "ucvm_scratch=/dev/$name is a disk with a partition table (refused)" ;;
		want) kind=want; break ;;
		esac
	done <"$UCVM_RUN/scratch.candidates"
	if [ "$kind" != want ]; then
		name="$(sed -n 's/^disk //p' "$UCVM_RUN/scratch.candidates")"
		kind=disk
		if [ -z "$name" ]; then
			name="$(sed -n 's/^part //p' "$UCVM_RUN/scratch.candidates")"
			kind=part
		fi
		if [ -z "$name" ] && [ -n "${UCVM_BOOT_DISK:-}" ]; then
			name="$UCVM_BOOT_DISK"
			kind=boot
		fi
	else
		kind="$(ucvm_dev kind "$name")"
		explicit=1
		case "$(ucvm_dev sig "$name")" in 1)
			ucvm_info "ucvm_scratch=/dev/$name carries a signature; formatting it as requested" ;;
		esac
	fi
	[ -n "$name" ] || return 1
	rm -f "$UCVM_RUN/scratch.candidates"
	disk="$(ucvm_dev disk "$name")"
	lss="$(ucvm_dev lss "$disk")"
	sectors="$(ucvm_dev sectors "$disk")"
	stage_scratch_reverify "$name" || { reason="/dev/$name changed since device discovery"; return 2; }
	case "$kind" in
	part) ;;
	disk)
		layout="$(stage_scratch_layout_disk "$sectors" "$lss" "$resize")"
		pt="$(printf '%s\n' "$layout" | sed -n 's/^label //p')"
		{
			echo "label: $pt"
			echo "unit: sectors"
			printf '%s\n' "$layout" | while read -r num start size; do
				[ "$num" = label ] && continue
				if [ "$pt" = gpt ]; then
					echo "start=$start, size=$size, type=$STAGE_SCRATCH_GPT_LINUX"
				else
					echo "start=$start, size=$size, type=83"
				fi
			done
		} >"$UCVM_RUN/partition.script"
		stage_scratch_sfdisk "$disk" <"$UCVM_RUN/partition.script" || { reason="sfdisk on /dev/$disk failed"; return 2; }
		name="$(stage_scratch_reread "$disk" 1)" || { reason="partition 1 of /dev/$disk did not appear"; return 2; }
		created=1
		;;
	boot)
		pt="$(ucvm_dev pttype "$disk")"
		if [ "$pt" = gpt ]; then
			stage_scratch_gpt_fix "$disk" "$lss" "$sectors" || { reason="moving the GPT backup header of /dev/$disk failed"; return 2; }
		fi
		# shellcheck disable=SC2046 # one word per partition, no blanks in them
		layout="$(stage_scratch_layout_free "$sectors" "$lss" "$pt" "$resize" $(stage_scratch_parts "$disk"))"
		[ -n "$layout" ] || return 1
		while read -r num start size; do
			if [ "$pt" = gpt ]; then
				echo "start=$start, size=$size, type=$STAGE_SCRATCH_GPT_LINUX"
			else
				echo "start=$start, size=$size, type=83"
			fi | stage_scratch_sfdisk "$disk" -N "$num" || { reason="sfdisk on /dev/$disk failed"; return 2; }
			[ -n "$first" ] || first="$num"
		done <<EOF
$layout
EOF
		name="$(stage_scratch_reread "$disk" "$first")" || { reason="partition $first of /dev/$disk did not appear"; return 2; }
		created=1
		;;
	esac
	[ "$explicit" = 1 ] && created=1
	stage_scratch_format "$name" "${created:-0}" || { reason="formatting /dev/$name failed"; return 2; }
	scratch_name="$name"
}

# stage_scratch_fsck DEV — 10.5.
stage_scratch_fsck() {
	local rc
	ucvm_logrun fsck.log ucvm_tool e2fsck -p "$1"
	rc=$?
	[ "$rc" -ge 1 ] && [ "$rc" -le 3 ] && ucvm_info "e2fsck repaired $1 (exit $rc)"
	[ "$rc" -lt 4 ] && return 0
	[ "$(ucvm_param_enum ucvm_fsck preen preen repair)" = repair ] || return 1
	ucvm_info "e2fsck -p exit $rc; running e2fsck -y (ucvm_fsck=repair)"
	ucvm_logrun fsck.log ucvm_tool e2fsck -y "$1"
	[ "$?" -lt 4 ]
}

# stage_scratch_layout_dirs — 10.6 and 10.7 on the mounted scratch.
stage_scratch_layout_dirs() {
	local rw="$UCVM_RW" d i bb
	if [ ! -e "$rw/aux/layout" ] && [ -e "$rw/persistent/.wh..wh.aufs" ]; then
		echo "scratch was created by an AUFS-based bootloader (unsupported)"
		return 1
	fi
	for d in aux persistent work cache ulogs kexec; do
		mkdir -p "$rw/$d" || return 2
	done
	mkdir -p "$rw/context" && chmod 0700 "$rw/context" || return 2
	if [ "$(cat "$rw/aux/layout" 2>/dev/null)" != "$(printf 'ucvm-layout=2\nunion=overlay')" ]; then
		printf 'ucvm-layout=2\nunion=overlay\n' >"$rw/aux/layout.tmp" && mv "$rw/aux/layout.tmp" "$rw/aux/layout" || return 2
	fi
	if [ ! -e "$rw/aux/busybox" ]; then
		for bb in "$UCVM_PREFIX/sbin/busybox" "$UCVM_PREFIX/bin/busybox"; do
			[ -x "$bb" ] && { cp "$bb" "$rw/aux/busybox" || ucvm_info "cannot copy busybox to aux/"; } && break
		done
	fi
	if [ ! -d "$rw/aux/safety" ]; then
		if mkdir -p "$rw/aux/safety" && dd if=/dev/zero of="$rw/aux/safety/50m" bs=1048576 count=50 2>/dev/null; then
			i=1
			while [ "$i" -le 127 ]; do
				: >"$rw/aux/safety/inode_spacer$i" || break
				i=$((i + 1))
			done
		else
			ucvm_info "cannot create aux/safety spacers"
		fi
	fi
	return 0
}

stage_run() {
	local name dev out rc blocks bsize scratch_name='' reason=
	ucvm_stage_log partition.log
	if [ -n "${UCVM_SCRATCH_DEV:-}" ]; then
		name="$UCVM_SCRATCH_DEV"
	else
		stage_scratch_create
		rc=$?
		case "$rc" in
		0) name="$scratch_name" ;;
		1)
			cat "$UCVM_RUN/devices"
			ucvm_panic "no usable scratch storage"
			return 1
			;;
		*)
			ucvm_panic "creating scratch failed: $reason"
			return 1
			;;
		esac
	fi
	dev="$UCVM_DEV/$name"
	ucvm_stage_log fsck.log
	stage_scratch_fsck "$dev" || { ucvm_panic "scratch file system has errors"; return 1; }
	mkdir -p "$UCVM_RW"
	ucvm_logrun fsck.log ucvm_tool mount -t ext4 "$dev" "$UCVM_RW" || { ucvm_panic "cannot mount $dev"; return 1; }
	ucvm_state UCVM_SCRATCH_DEV "$name"
	ucvm_state UCVM_SCRATCH_RW 1
	out="$(stage_scratch_layout_dirs)"
	case "$?" in
	0) ;;
	1) ucvm_panic "$out"; return 1 ;;
	*) ucvm_panic "cannot write the scratch layout on $dev"; return 1 ;;
	esac
	read -r blocks bsize <<EOF
$(stat -f -c '%b %S' "$UCVM_RW" 2>/dev/null)
EOF
	if ! ucvm_is_uint "${blocks:-}" || ! ucvm_is_uint "${bsize:-}"; then
		blocks=0 bsize=0
	fi
	ucvm_state UCVM_SCRATCH_MB "$((blocks * bsize / 1048576))"
	if [ "${UCVM_FIRST_BOOT:-1}" = 1 ]; then
		ucvm_ok "/dev/$name created (${UCVM_SCRATCH_MB} MiB)"
	else
		ucvm_ok "/dev/$name mounted"
	fi
}
