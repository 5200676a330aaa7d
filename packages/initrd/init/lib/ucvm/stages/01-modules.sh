# shellcheck shell=dash
# 01-modules (runtime.md §3): drivers, then the file systems the boot needs.

# Item 1, then the bus, disk and entropy drivers that the list's modules
# depend on without a modules.dep edge (image-recipes §7.3: virtio devices
# appear only with virtio_pci; sd_mod/sr_mod for SCSI/ATA disks and CD-ROMs).
STAGE_MODULES_HW='i40evf iavf ixgbevf igbvf e100 e1000 e1000e pcnet32 8139cp 8139too
ena gve virtio_net virtio_blk virtio_scsi nvme ahci hv_netvsc hv_storvsc vmxnet3 xen-netfront
xen-blkfront virtio_pci virtio_mmio sd_mod sr_mod ata_piix virtio-rng'
# busybox modprobe ignores softdeps: ext4/jbd2 need crc32c loaded beforehand;
# crc32c-intel fails without SSE4.2, which is fine (image-recipes §7.3, §10.11).
STAGE_MODULES_PRE='crc32c_generic crc32c-intel libcrc32c'
# isofs is the module of iso9660; vfat mounts need nls_ascii (default
# iocharset) and nls_cp437 (default codepage).
STAGE_MODULES_FS='overlay fuse ext4 isofs iso9660 vfat nls_ascii nls_cp437 udf'

# stage_modules_has FS — FS is listed in /proc/filesystems.
stage_modules_has() {
	awk -v fs="$1" '$NF == fs { found = 1 } END { exit !found }' "$UCVM_PROC/filesystems" 2>/dev/null
}

# stage_modules_load NAME… — modprobe each; absent modules are normal.
stage_modules_load() {
	local m
	for m in "$@"; do
		ucvm_logrun modules.log ucvm_tool modprobe -q -b "$m" || true
	done
}

# stage_modules_etc — names from /etc/modules (one per line, `#` comments).
stage_modules_etc() {
	local line
	[ -r "$UCVM_PREFIX/etc/modules" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line="${line%%#*}"
		for line in $line; do
			case "$line" in
			*[!A-Za-z0-9_-]*) echo "# ignored /etc/modules entry" >>"$UCVM_LOG/modules.log" ;;
			*) echo "$line" ;;
			esac
		done
	done <"$UCVM_PREFIX/etc/modules"
}

stage_run() {
	local fs mp missing='' optional=''
	ucvm_stage_log modules.log
	# The kernel's request_module() (e.g. for crypto-crc32c) goes to busybox.
	for mp in "$UCVM_PREFIX/sbin/modprobe" "$UCVM_PREFIX/bin/modprobe"; do
		{ [ -x "$mp" ] && [ -w "$UCVM_PROC/sys/kernel/modprobe" ]; } || continue
		echo "${mp#"$UCVM_PREFIX"}" >"$UCVM_PROC/sys/kernel/modprobe" 2>/dev/null
		break
	done
	# shellcheck disable=SC2086 # word lists of module names, split on purpose
	stage_modules_load $STAGE_MODULES_HW
	# shellcheck disable=SC2046 # names validated by stage_modules_etc
	stage_modules_load $(stage_modules_etc)
	# shellcheck disable=SC2086 # word lists of module names, split on purpose
	stage_modules_load $STAGE_MODULES_PRE $STAGE_MODULES_FS
	for fs in overlay fuse ext4; do
		stage_modules_has "$fs" || missing="$missing $fs"
	done
	if [ -n "$missing" ]; then
		ucvm_panic "kernel lacks${missing}"
		return 1
	fi
	for fs in iso9660 vfat udf; do
		stage_modules_has "$fs" || optional="$optional $fs"
	done
	if [ -n "$optional" ]; then
		ucvm_warn "unavailable:${optional} (some metadata sources disabled)"
	else
		ucvm_ok
	fi
}
