#!/bin/sh
# shellcheck shell=dash
# /run/initramfs/shutdown VERB (runtime.md §3 80-shutdown-prep item 2): run by
# systemd after it pivoted into /run/initramfs with the old root at /oldroot.
# Needs only what 80-shutdown-prep copied next to it (busybox, nc.openbsd and
# its libraries, kexec). It never stops early; errors are `warn` lines.
# systemd-shutdown execs it as PID 1; elsewhere (tests) UCVM_SD_ROOT prefixes
# /oldroot, /proc and /dev and UCVM_SD_SHIMS holds the machine-touching tools.

set -u
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
SD_ROOT='' SD_SHIMS=''
if [ "$$" != 1 ]; then
	SD_ROOT="${UCVM_SD_ROOT:-}" SD_SHIMS="${UCVM_SD_SHIMS:-}"
fi
SD_OLD="$SD_ROOT/oldroot"
SD_VERB="${1:-reboot}"

sd_line() {
	printf '[ucvm] shutdown: %s\n' "$1"
	if [ -w "$SD_ROOT/dev/kmsg" ] && [ -c "$SD_ROOT/dev/kmsg" ]; then
		printf '<6>ucvm: shutdown: %s\n' "$1" >"$SD_ROOT/dev/kmsg" 2>/dev/null
	fi
	return 0
}

# sd_path NAME — a machine-touching tool (a shim in test mode).
sd_path() {
	if [ -n "$SD_SHIMS" ]; then echo "$SD_SHIMS/$1"; else echo "$1"; fi
}
sd_tool() {
	local p
	p="$(sd_path "$1")"
	shift
	"$p" "$@"
}
# sd_limit SECS NAME ARGS… — the tool with a time limit.
sd_limit() {
	local secs="$1" p
	p="$(sd_path "$2")"
	shift 2
	timeout "$secs" "$p" "$@"
}

# sd_mounts — mount points below the old root except mnt/.rw and mnt/.ro
# (and anything under them), deepest first, later mounts first at equal depth.
sd_mounts() {
	awk -v old="$SD_OLD" '
	function unescape(s,   out, i, c) {
		out = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\" && substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
				c = sprintf("%c", (substr(s, i + 1, 1) * 64) + (substr(s, i + 2, 1) * 8) + substr(s, i + 3, 1))
				i += 3
			}
			out = out c
		}
		return out
	}
	{
		m = unescape($5)
		if (index(m, old "/") != 1) next
		r = substr(m, length(old) + 1)
		if (r == "/mnt/.rw" || r == "/mnt/.ro" || index(r, "/mnt/.rw/") == 1 || index(r, "/mnt/.ro/") == 1) next
		n = split(r, parts, "/")
		printf "%06d %06d %s\n", 999999 - n, 999999 - NR, m
	}' "$SD_ROOT/proc/self/mountinfo" 2>/dev/null | LC_ALL=C sort | cut -d ' ' -f 3-
}

# (a) unmount, lazily when busy
sd_unmount() {
	local m
	sd_mounts | while IFS= read -r m; do
		if ! sd_limit 10 umount "$m" 2>/dev/null; then
			if sd_limit 10 umount -l "$m" 2>/dev/null; then
				sd_line "info $m busy, detached lazily"
			else
				sd_line "warn cannot unmount $m"
			fi
		fi
	done
}

# (b) each CernVM-FS client stops writing to its cache
sd_cvmfs_readonly() {
	local s answer
	for s in "$SD_OLD"/mnt/.rw/cache/*/cvmfs_io.*; do
		[ -S "$s" ] || continue
		answer="$(printf 'tear down to read-only\n' | sd_limit 10 nc.openbsd -N -U "$s" 2>/dev/null)"
		case "$answer" in
		OK*) sd_line "info ${s##*/cvmfs_io.} read-only" ;;
		*) sd_line "warn ${s##*/cvmfs_io.}: no answer to tear down to read-only" ;;
		esac
	done
}

# (c) sync, remount read-only; emergency remount via sysrq as the fallback
sd_readonly() {
	sync
	if ! sd_limit 10 mount -o remount,ro "$SD_OLD" 2>/dev/null; then
		sd_line "warn cannot remount / read-only"
	fi
	if sd_limit 10 mount -o remount,ro "$SD_OLD/mnt/.rw" 2>/dev/null; then
		return 0
	fi
	sd_line "warn cannot remount scratch read-only; emergency remount (sysrq s u)"
	sync
	echo s >"$SD_ROOT/proc/sysrq-trigger" 2>/dev/null
	echo u >"$SD_ROOT/proc/sysrq-trigger" 2>/dev/null
	sleep 2
	return 1
}

# (d) the final step; unknown verbs reboot
sd_final() {
	case "$SD_VERB" in
	poweroff | halt) sd_tool "$SD_VERB" -f ;;
	kexec)
		sd_tool kexec -e
		sd_line "warn kexec -e failed; reboot"
		sd_tool reboot -f
		;;
	*) sd_tool reboot -f ;;
	esac
}

case "$SD_VERB" in
reboot | poweroff | halt | kexec) ;;
*) sd_line "warn unknown verb $SD_VERB; reboot" ;;
esac
sd_unmount
sd_cvmfs_readonly
if sd_readonly; then
	sd_line "ok scratch read-only; $SD_VERB"
else
	sd_line "warn scratch emergency read-only; $SD_VERB"
fi
sd_final
