# shellcheck shell=dash
# Shared helpers of the µCernVM init (runtime.md §1). Sourced by /init and by
# tests; function and constant definitions only, nothing runs on sourcing.

# ---------------------------------------------------------------------------
# Environment paths (§1.3 item 4)
# ---------------------------------------------------------------------------

# Overrides of the environment paths are honoured only when the shell is not
# PID 1: the kernel turns unknown `name=value` command-line words into
# environment variables of init, so as PID 1 every inherited UCVM_* is dropped.
ucvm_env_init() {
	local name
	if [ "$$" = 1 ]; then
		for name in $(env | sed -n 's/^\(UCVM_[A-Za-z0-9_]*\)=.*/\1/p'); do
			unset "$name"
		done
		UCVM_PROC=/proc UCVM_SYS=/sys UCVM_DEV=/dev UCVM_RUN=/run/ucvm
		UCVM_PREFIX='' UCVM_NEWROOT=/root UCVM_RW=/root.rw UCVM_RO=/root.ro
		UCVM_SHIMS='' UCVM_PID1=1
	else
		# Test mode: fixture trees and shims stand in for the machine.
		UCVM_PROC="${UCVM_PROC:-/proc}" UCVM_SYS="${UCVM_SYS:-/sys}"
		UCVM_DEV="${UCVM_DEV:-/dev}" UCVM_RUN="${UCVM_RUN:-/run/ucvm}"
		UCVM_PREFIX="${UCVM_PREFIX:-}" UCVM_NEWROOT="${UCVM_NEWROOT:-/root}"
		UCVM_RW="${UCVM_RW:-/root.rw}" UCVM_RO="${UCVM_RO:-/root.ro}"
		UCVM_SHIMS="${UCVM_SHIMS:-}" UCVM_PID1=0
	fi
	UCVM_LIBDIR="$UCVM_PREFIX/lib/ucvm"
	UCVM_LOG="$UCVM_RUN/log"
	UCVM_STAGE="${UCVM_STAGE:-init}"
}

# ---------------------------------------------------------------------------
# External tools
# ---------------------------------------------------------------------------

# Absolute paths for util-linux/e2fsprogs & co: busybox ash runs its own
# applet of the same name first (image-recipes §8.2), so bare names would pick
# busybox's ext2-only mke2fs.
ucvm_tool_path() {
	case "$1" in
	blkid | sfdisk | partx | wipefs | e2fsck | mke2fs | tune2fs | resize2fs | kexec)
		echo "/sbin/$1" ;;
	cvmfs2 | curl | getfattr) echo "/usr/bin/$1" ;;
	nc.openbsd) echo "/bin/$1" ;;
	*) echo "$1" ;; # busybox applet
	esac
}

# ucvm_tool NAME ARGS… — run an external tool that touches the machine
# (mount, modprobe, sfdisk, udhcpc, reboot, …). Outside PID 1 only a shim in
# $UCVM_SHIMS is ever run (tests record argv there); a missing shim fails.
ucvm_tool() {
	local name="$1"
	shift
	if [ "$UCVM_PID1" != 1 ]; then
		if [ -n "$UCVM_SHIMS" ] && [ -x "$UCVM_SHIMS/$name" ]; then
			"$UCVM_SHIMS/$name" "$@"
			return
		fi
		echo "ucvm_tool: no shim for $name outside PID 1" >&2
		return 127
	fi
	"$(ucvm_tool_path "$name")" "$@"
}

# ucvm_tool_resolve NAME — the program ucvm_tool would run (for background
# jobs, so that $! is the tool itself); exit 127 outside PID 1 without a shim.
ucvm_tool_resolve() {
	if [ "$UCVM_PID1" != 1 ]; then
		if [ -n "$UCVM_SHIMS" ] && [ -x "$UCVM_SHIMS/$1" ]; then
			echo "$UCVM_SHIMS/$1"
			return 0
		fi
		echo "ucvm_tool: no shim for $1 outside PID 1" >&2
		return 127
	fi
	ucvm_tool_path "$1"
}

# ucvm_tool_limit SECONDS NAME ARGS… — ucvm_tool with a hard time limit.
ucvm_tool_limit() {
	local secs="$1" name="$2" path
	shift 2
	if [ "$UCVM_PID1" != 1 ]; then
		if [ -n "$UCVM_SHIMS" ] && [ -x "$UCVM_SHIMS/$name" ]; then
			timeout "$secs" "$UCVM_SHIMS/$name" "$@"
			return
		fi
		echo "ucvm_tool: no shim for $name outside PID 1" >&2
		return 127
	fi
	path="$(ucvm_tool_path "$name")"
	timeout "$secs" "$path" "$@"
}

# ---------------------------------------------------------------------------
# Small readers
# ---------------------------------------------------------------------------

# ucvm_uptime — seconds since boot with two decimals ("0.00" if unknown).
ucvm_uptime() {
	local up rest
	if [ -r "$UCVM_PROC/uptime" ] && IFS=' ' read -r up rest <"$UCVM_PROC/uptime"; then
		echo "$up"
	else
		echo 0.00
	fi
}

# ucvm_now_cs — uptime in centiseconds, the clock of every deadline.
ucvm_now_cs() {
	local up s f
	up="$(ucvm_uptime)"
	s="${up%%.*}"
	f="${up#*.}"
	[ "$f" = "$up" ] && f=00
	f="${f}00"
	f="${f%"${f#??}"}"
	case "$s$f" in *[!0-9]* | '') echo 0; return ;; esac
	echo $((s * 100 + ${f#0}))
}

# ucvm_conf_get FILE KEY — value of the last `KEY=` line of a key=value data
# file (build.conf, leases); never sourced. Exit 1 when absent.
ucvm_conf_get() {
	local file="$1" key="$2" line value found=1
	[ -r "$file" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		line="${line%"$(printf '\r')"}"
		case "$line" in
		"$key="*) value="${line#*=}" found=0 ;;
		esac
	done <"$file"
	[ "$found" = 0 ] && printf '%s\n' "$value"
	return "$found"
}

# ucvm_version — strong version: /version, else build.conf `version=`.
ucvm_version() {
	local v=''
	if [ -r "$UCVM_PREFIX/version" ]; then
		IFS= read -r v <"$UCVM_PREFIX/version" || true
	fi
	[ -n "$v" ] || v="$(ucvm_conf_get "$UCVM_PREFIX/etc/ucvm/build.conf" version)" || v=''
	printf '%s\n' "${v:-unknown}"
}

# ucvm_decimal DIGITS — without leading zeros (shell arithmetic would read
# them as octal).
ucvm_decimal() {
	local d="$1"
	while [ "${#d}" -gt 1 ] && [ "${d#0}" != "$d" ]; do d="${d#0}"; done
	echo "$d"
}

# ucvm_is_uint VALUE [MIN MAX] — decimal of at most 9 digits within bounds.
ucvm_is_uint() {
	local d
	case "$1" in '' | *[!0-9]*) return 1 ;; esac
	[ "${#1}" -le 9 ] || return 1
	d="$(ucvm_decimal "$1")"
	[ -z "${2:-}" ] || [ "$d" -ge "$2" ] || return 1
	[ -z "${3:-}" ] || [ "$d" -le "$3" ] || return 1
}

# ---------------------------------------------------------------------------
# Cross-stage state (§1.3 item 3)
# ---------------------------------------------------------------------------

# ucvm_state NAME VALUE — set UCVM_NAME (no eval: `read` assigns by name) and
# mirror it to $UCVM_RUN/state/NAME for the rescue shell and tests.
ucvm_state() {
	local name="$1" value="$2"
	case "$name" in
	UCVM_[A-Z0-9_]*) ;;
	*) echo "ucvm_state: bad name $name" >&2; return 2 ;;
	esac
	case "$name" in *[!A-Z0-9_]*) echo "ucvm_state: bad name $name" >&2; return 2 ;; esac
	case "$value" in *'
'*) echo "ucvm_state: newline in $name" >&2; return 2 ;; esac
	IFS= read -r "${name?}" <<EOF || true
$value
EOF
	if [ -d "$UCVM_RUN/state" ]; then
		printf '%s\n' "$value" >"$UCVM_RUN/state/$name"
	fi
}

# ---------------------------------------------------------------------------
# User data (§1.3 item 5)
# ---------------------------------------------------------------------------

# ucvm_ctx KEY — effective user-data value ([UD §11.2] reader, never sourced):
# /run/ucvm/context/ until 13-context, then scratch context/ (UCVM_CTX_DIR).
# Exit 1 when the key is absent. Reader warnings go to log/context.log.
ucvm_ctx() {
	local dir="${UCVM_CTX_DIR:-$UCVM_RUN/context}" key="$1"
	if [ -f "$dir/ucontext" ] && [ -f "$dir/extra-ucontext" ]; then
		set -- --file "$dir/ucontext" --file "$dir/extra-ucontext"
	elif [ -f "$dir/ucontext" ]; then
		set -- --file "$dir/ucontext"
	elif [ -f "$dir/extra-ucontext" ]; then
		set -- --file "$dir/extra-ucontext"
	else
		return 1
	fi
	sh "$UCVM_LIBDIR/bin/ucvm-userdata" get "$@" "$key" 2>>"$UCVM_LOG/context.log"
}

# ucvm_squote VALUE — VALUE single-quoted for a file parsed by /bin/sh, `'`
# written as `'\''` (§5.2, §7 item 2). Callers validate first.
ucvm_squote() {
	local v="$1" out=''
	while :; do
		case "$v" in
		*"'"*)
			out="$out${v%%"'"*}'\\''"
			v="${v#*"'"}"
			;;
		*) break ;;
		esac
	done
	printf "'%s%s'" "$out" "$v"
}

# ucvm_param_checked PARAM KEY — kernel parameter PARAM validated (and
# normalised) as the user-data key KEY of the same type [UD §6.2], through
# the reader; exit 1 when absent, 2 when invalid (the default applies).
ucvm_param_checked() {
	local v tmp="$UCVM_RUN/.param-check"
	v="$(ucvm_param "$1")" || return 1
	printf '_UCONTEXT_X=%s\n' "$(ucvm_squote "$v")" | sed "s/^_UCONTEXT_X=/_UCONTEXT_$(echo "$2" | tr '[:lower:]' '[:upper:]')=/" >"$tmp"
	sh "$UCVM_LIBDIR/bin/ucvm-userdata" get --file "$tmp" "$2" 2>/dev/null || { rm -f "$tmp"; return 2; }
	rm -f "$tmp"
}

# ---------------------------------------------------------------------------
# Kernel command line (§2)
# ---------------------------------------------------------------------------

# ucvm_cmdline_parse CMDLINE OUT — kernel rules (lib/cmdline.c next_arg):
# blanks separate words, double quotes group; a leading quote of the word and
# of the value is removed with the word's closing quote; a lone `--` ends the
# init's parameters. OUT gets one `name` or `name=value` line per parameter,
# the last occurrence winning, sorted by name: data, never evaluated.
ucvm_cmdline_parse() {
	printf '%s' "$1" | awk '
	BEGIN { RS = "\001"; n = 0 }
	{
		s = $0; len = length(s); i = 1
		while (1) {
			while (i <= len && substr(s, i, 1) ~ /[ \t\n]/) i++
			if (i > len) break
			inq = 0; tok = ""
			while (i <= len) {
				c = substr(s, i, 1)
				if (!inq && c ~ /[ \t\n]/) break
				if (c == "\"") inq = !inq
				tok = tok c; i++
			}
			if (tok == "--") break
			if (substr(tok, 1, 1) == "\"") {
				tok = substr(tok, 2)
				if (substr(tok, length(tok), 1) == "\"") tok = substr(tok, 1, length(tok) - 1)
			}
			eq = index(tok, "=")
			if (eq) {
				name = substr(tok, 1, eq - 1); val = substr(tok, eq + 1)
				if (substr(val, 1, 1) == "\"") {
					val = substr(val, 2)
					if (substr(val, length(val), 1) == "\"") val = substr(val, 1, length(val) - 1)
				}
				line = name "=" val
			} else { name = tok; line = tok }
			if (name == "") continue
			if (!(name in seen)) { seen[name] = 1; order[++n] = name }
			last[name] = line
		}
	}
	END {
		# insertion sort by name bytes (n is small)
		for (a = 2; a <= n; a++) {
			v = order[a]
			for (b = a - 1; b >= 1 && order[b] > v; b--) order[b + 1] = order[b]
			order[b + 1] = v
		}
		for (a = 1; a <= n; a++) print last[order[a]]
	}' >"$2"
}

# ucvm_param NAME — value of a kernel parameter (empty for a flag); exit 1
# when the parameter is absent.
ucvm_param() {
	local line
	[ -r "$UCVM_RUN/cmdline" ] || return 1
	while IFS= read -r line; do
		case "$line" in
		"$1")
			echo ''
			return 0
			;;
		"$1="*)
			printf '%s\n' "${line#*=}"
			return 0
			;;
		esac
	done <"$UCVM_RUN/cmdline"
	return 1
}

# ucvm_flag NAME — true when NAME is given (as a flag or with any value).
ucvm_flag() {
	ucvm_param "$1" >/dev/null
}

# ucvm_param_uint NAME MIN MAX DEFAULT — bounded integer; invalid → DEFAULT.
ucvm_param_uint() {
	local v
	if v="$(ucvm_param "$1")" && ucvm_is_uint "$v" "$2" "$3"; then
		ucvm_decimal "$v"
	else
		echo "$4"
	fi
}

# ucvm_param_enum NAME DEFAULT WORD… — one of the listed words; invalid → DEFAULT.
ucvm_param_enum() {
	local name="$1" def="$2" v w
	shift 2
	if v="$(ucvm_param "$name")"; then
		for w in "$@"; do
			if [ "$v" = "$w" ]; then
				echo "$v"
				return 0
			fi
		done
	fi
	echo "$def"
}

# Source ids of the §3 05 table in their order (05-metadata's STAGE_META_IDS
# is the same list; a test keeps them equal).
UCVM_META_IDS='configdrive nocloud opennebula vsphere azure gce openstack ec2 cloudstack'

# ucvm_params_invalid — names of given parameters whose value is invalid (§2:
# ignored, default applies, 00-setup warns). Only parameters with a closed
# syntax are checked here; host lists are checked by their stage.
ucvm_params_invalid() {
	local bad='' v
	ucvm__chk() { # NAME KIND ARGS…: append NAME to $bad unless valid
		local n="$1" kind="$2"
		shift 2
		v="$(ucvm_param "$n")" || return 0
		case "$kind" in
		uint) ucvm_is_uint "$v" "$1" "$2" && return 0 ;;
		enum)
			local w
			for w in "$@"; do [ "$v" = "$w" ] && return 0; done
			;;
		dev)
			case "$v" in /dev/*/* | /dev/ | /dev/. | /dev/..) ;; /dev/?*) return 0 ;; esac
			;;
		metaids) # auto | none | ids of the §3 05 table, comma-separated
			case "$v" in auto | none) return 0 ;; '' | *[!a-z0-9,]*) v='' ;; esac
			[ -n "$v" ] && printf '%s\n' "$v" | awk -F, -v ids=" $UCVM_META_IDS " '{
				for (i = 1; i <= NF; i++) if (!index(ids, " " $i " ")) exit 1
				ok = 1 } END { exit !ok }' && return 0
			;;
		ipport) # <ipv4>[:<port>]
			printf '%s\n' "$v" | awk -F: 'NF <= 2 && split($1, q, ".") == 4 {
				for (i = 1; i <= 4; i++) if (q[i] !~ /^[0-9]+$/ || q[i] > 255) exit 1
				if (NF == 2 && ($2 !~ /^[0-9]+$/ || $2 < 1 || $2 > 65535)) exit 1
				ok = 1 } END { exit !ok }' && return 0
			;;
		esac
		bad="$bad $n"
	}
	ucvm__chk ucvm_panic enum shell reboot poweroff
	ucvm__chk ucvm_panic_delay uint 0 3600
	ucvm__chk ucvm_meta_timeout uint 5 600
	ucvm__chk ucvm_metadata metaids
	ucvm__chk ucvm_meta_addr ipport
	ucvm__chk ucvm_net enum auto off
	ucvm__chk ucvm_dhcp_timeout uint 5 300
	ucvm__chk ucvm_mtu uint 576 9000
	ucvm__chk ucvm_scratch dev
	ucvm__chk ucvm_fsck enum preen repair
	ucvm__chk ucvm_cvmfs_timeout uint 30 3600
	ucvm__chk ucvm_devwait uint 0 120
	ucvm__chk ucvm_color enum auto on off
	unset -f ucvm__chk
	# parameters sharing a user-data type (§5.1)
	for v in cvmfs_repos:cvmfs_branch cvmfs_server:cvmfs_server cvmfs_cdn:cvmfs_cdn \
		cvmfs_proxy:cvmfs_http_proxy cvmfs_repository_tag:cvmfs_tag cernvm_path:cernvm_path; do
		ucvm_param_checked "${v%%:*}" "${v#*:}" >/dev/null
		[ "$?" = 2 ] && bad="$bad ${v%%:*}"
	done
	echo "${bad# }"
}

# ---------------------------------------------------------------------------
# Console and logs (§1.4)
# ---------------------------------------------------------------------------

# ucvm_emit LINE [PRIO] — console (stdout of PID 1 is /dev/console), boot.log
# with the uptime prefix, /dev/kmsg as `<PRIO>ucvm: …` when writable.
ucvm_emit() {
	local line="$1" prio="${2:-6}"
	printf '%s\n' "$line"
	if [ -d "$UCVM_LOG" ]; then
		printf '%s %s\n' "$(ucvm_uptime)" "$line" >>"$UCVM_LOG/boot.log" 2>/dev/null
	fi
	if [ -w "$UCVM_DEV/kmsg" ] && [ -c "$UCVM_DEV/kmsg" ]; then
		printf '<%s>ucvm: %s\n' "$prio" "${line#\[ucvm\] }" >"$UCVM_DEV/kmsg" 2>/dev/null
	fi
	return 0
}

# ucvm_color_on — colour only with ucvm_color=on, or auto on a virtual terminal.
ucvm_color_on() {
	local mode active
	mode="$(ucvm_param_enum ucvm_color auto auto on off)"
	case "$mode" in
	on) return 0 ;;
	off) return 1 ;;
	esac
	[ -r "$UCVM_SYS/class/tty/console/active" ] || return 1
	active="$(cat "$UCVM_SYS/class/tty/console/active" 2>/dev/null)"
	case "${active##* }" in tty[0-9]*) return 0 ;; esac
	return 1
}

# ucvm_line WORD TEXT — `[ucvm] <stage>: <word> <text>`; colour (if any)
# wraps the word on the console only, never in logs.
ucvm_line() {
	local word="$1" text="$2" plain shown code
	plain="[ucvm] $UCVM_STAGE: $word${text:+ $text}"
	printf '%s %s\n' "$(ucvm_uptime)" "$plain" >>"$UCVM_LOG/boot.log" 2>/dev/null
	if [ -w "$UCVM_DEV/kmsg" ] && [ -c "$UCVM_DEV/kmsg" ]; then
		printf '<6>ucvm: %s\n' "$UCVM_STAGE: $word${text:+ $text}" >"$UCVM_DEV/kmsg" 2>/dev/null
	fi
	shown="$plain"
	if [ "$word" != info ] && ucvm_color_on; then
		case "$word" in ok) code=32 ;; skip) code=36 ;; *) code=33 ;; esac
		shown="[ucvm] $UCVM_STAGE: $(printf '\033[%sm%s\033[0m' "$code" "$word")${text:+ $text}"
	fi
	printf '%s\n' "$shown"
}

ucvm_info() { ucvm_line info "$1"; }

# Result helpers (§1.3 item 2): exactly one per stage.
ucvm_ok() {
	UCVM_RESULT=ok
	ucvm_line ok "${1:-}"
}
ucvm_skip() {
	UCVM_RESULT=skip
	ucvm_line skip "${1:-}"
}
ucvm_warn() {
	UCVM_RESULT=warn
	ucvm_line warn "${1:-}"
}

# ucvm_debug — cvmdebug given: tool output also goes to the console.
ucvm_debug() { ucvm_flag cvmdebug; }

# ucvm_logrun LOGNAME CMD… — run a shell function or command with its output
# appended to $UCVM_LOG/LOGNAME (and the console with cvmdebug); keeps $?.
ucvm_logrun() {
	local log="$UCVM_LOG/$1" rc
	shift
	printf '# %s: %s\n' "$(ucvm_uptime)" "$*" >>"$log" 2>/dev/null
	if ucvm_debug; then
		{ "$@" 2>&1; echo "rc=$?" >"$UCVM_RUN/.rc"; } | tee -a "$log"
		rc="$(cat "$UCVM_RUN/.rc" 2>/dev/null)"
		rc="${rc#rc=}"
		return "${rc:-1}"
	fi
	"$@" >>"$log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || printf '# exit %s\n' "$rc" >>"$log" 2>/dev/null
	return "$rc"
}

# ---------------------------------------------------------------------------
# Bounded waits
# ---------------------------------------------------------------------------

# ucvm_wait_for SECONDS STEP CMD… — poll CMD every STEP seconds until it
# succeeds (exit 0) or SECONDS have passed (exit 1).
ucvm_wait_for() {
	local limit="$1" step="$2" deadline
	shift 2
	deadline=$(($(ucvm_now_cs) + limit * 100))
	while :; do
		"$@" && return 0
		[ "$(ucvm_now_cs)" -lt "$deadline" ] || return 1
		sleep "$step"
	done
}

# ---------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------

# ucvm_natural_sort — sort stdin lines in natural order (§3 02-devices item 7:
# digit runs compare numerically, other runs bytewise).
ucvm_natural_sort() {
	awk '{
		k = ""; s = $0
		while (match(s, /[0-9]+/)) {
			d = substr(s, RSTART, RLENGTH); sub(/^0+/, "", d)
			k = k substr(s, 1, RSTART - 1) "\002" sprintf("%04d", length(d)) d
			s = substr(s, RSTART + RLENGTH)
		}
		print k s "\001" $0
	}' | LC_ALL=C sort | awk -F '\001' '{ print $2 }'
}

# ucvm_dev FIELD NAME — one field of the device table line of NAME (02).
ucvm_dev() {
	[ -r "$UCVM_RUN/devices" ] || return 1
	awk -v n="$2" -v f="$1" '
	{ for (i = 1; i <= NF; i++) { e = index($i, "="); v[substr($i, 1, e - 1)] = substr($i, e + 1) }
	  if (v["name"] == n) { print v[f]; found = 1; exit } }
	END { exit !found }' "$UCVM_RUN/devices"
}

# ucvm_devs_where AWK-CONDITION — names of table devices, in table order,
# whose fields (as awk variables f["key"]) satisfy the condition.
ucvm_devs_where() {
	[ -r "$UCVM_RUN/devices" ] || return 0
	awk "{ delete f; for (i = 1; i <= NF; i++) { e = index(\$i, \"=\"); f[substr(\$i, 1, e - 1)] = substr(\$i, e + 1) }
	  if ($1) print f[\"name\"] }" "$UCVM_RUN/devices"
}

# ucvm_sysfs_blockdir NAME — sysfs directory of a disk or partition.
ucvm_sysfs_blockdir() {
	if [ -d "$UCVM_SYS/block/$1" ]; then
		echo "$UCVM_SYS/block/$1"
	elif [ -e "$UCVM_SYS/class/block/$1" ]; then
		readlink -f "$UCVM_SYS/class/block/$1"
	else
		return 1
	fi
}

# ucvm_dev_mounted NAME — a file system of /dev/NAME is mounted.
ucvm_dev_mounted() {
	awk -v d="/dev/$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 2) == d) found = 1; break } }
		END { exit !found }' "$UCVM_PROC/self/mountinfo" 2>/dev/null
}

# ucvm_dev_blkid NAME — ` type=… label=… uuid=… pttype=… parttype=… sig=0|1`
# from `blkid -p -o export` (exit 2 = no signature, 8 = ambivalent = signature).
ucvm_dev_blkid() {
	local out rc
	out="$(ucvm_tool_limit 10 blkid -p -o export "$UCVM_DEV/$1" 2>/dev/null)"
	rc=$?
	printf '%s\n' "$out" | awk -v rc="$rc" '
	function clean(v) { gsub(/[^A-Za-z0-9._:\/+-]/, "_", v); return v }
	{ e = index($0, "="); if (e) v[substr($0, 1, e - 1)] = substr($0, e + 1) }
	END {
		sig = (rc == 0 && (v["TYPE"] != "" || v["PTTYPE"] != "")) || (rc != 0 && rc != 2)
		printf " type=%s label=%s uuid=%s pttype=%s parttype=%s sig=%d", clean(v["TYPE"]), \
			clean(v["LABEL"]), clean(v["UUID"]), clean(v["PTTYPE"]), \
			clean(tolower(v["PART_ENTRY_TYPE"])), sig
	}'
}

# ucvm_dev_holders DIR — 1 if DIR/holders has entries.
ucvm_dev_holders() {
	[ -n "$(ls "$1/holders" 2>/dev/null)" ] && echo 1 || echo 0
}

# ucvm_devline NAME KIND DISK NUM SYSDIR — one device table line (02 item 3),
# also used by 10-scratch to re-verify a target before writing (10.2).
ucvm_devline() {
	local name="$1" kind="$2" disk="$3" num="$4" dir="$5" size lss ro rem mnt
	size="$(ucvm_read_file "$dir/size" 0)"
	lss="$(ucvm_read_file "$UCVM_SYS/block/$disk/queue/logical_block_size" 512)"
	ro="$(ucvm_read_file "$dir/ro" 0)"
	rem="$(ucvm_read_file "$UCVM_SYS/block/$disk/removable" 0)"
	ucvm_is_uint "$size" || size=0
	ucvm_is_uint "$lss" || lss=512
	mnt=0
	ucvm_dev_mounted "$name" && mnt=1
	printf 'name=%s kind=%s disk=%s num=%s sectors=%s lss=%s ro=%s removable=%s holders=%s mounted=%s start=%s' \
		"$name" "$kind" "$disk" "$num" "$size" "$lss" "$ro" "$rem" "$(ucvm_dev_holders "$dir")" "$mnt" \
		"$(ucvm_read_file "$dir/start" 0)"
	ucvm_dev_blkid "$name"
	echo
}

# ucvm_fs_devs — `name type label` (label lower-cased, `-` when none) of every
# file system the context stages read (03 OpenNebula, 05, 06): the table's
# devices with a type, plus the optical drives 02 leaves out of the table
# (§3 02 item 2: read for metadata only); natural order.
ucvm_fs_devs() {
	local d
	{
		[ -r "$UCVM_RUN/devices" ] && awk '{ delete f; for (i = 1; i <= NF; i++) { e = index($i, "="); f[substr($i, 1, e - 1)] = substr($i, e + 1) }
			if (f["type"] != "") print f["name"], f["type"], (f["label"] == "" ? "-" : tolower(f["label"])) }' "$UCVM_RUN/devices"
		for d in "$UCVM_SYS/block"/sr*; do
			[ -e "$d/device" ] || continue
			ucvm_dev_blkid "${d##*/}" | awk -v n="${d##*/}" '{ delete f; for (i = 1; i <= NF; i++) { e = index($i, "="); f[substr($i, 1, e - 1)] = substr($i, e + 1) }
				if (f["type"] != "") print n, f["type"], (f["label"] == "" ? "-" : tolower(f["label"])) }'
		done
	} | ucvm_natural_sort
}

# ucvm_probe_mount NAME TYPE DIR — read-only probe mount without journal
# replay (§7 item 3), 5 s limit; DIR is created.
ucvm_probe_mount() {
	local opts=ro,nodev,nosuid,noexec
	case "$2" in
	ext3 | ext4) opts="$opts,noload" ;;
	xfs) opts="$opts,norecovery" ;;
	btrfs) opts="$opts,rescue=nologreplay" ;;
	esac
	mkdir -p "$3" || return 1
	ucvm_tool_limit 5 mount -t "$2" -o "$opts" "$UCVM_DEV/$1" "$3" 2>/dev/null
}

# ucvm_probe_umount DIR — undo ucvm_probe_mount (5 s limit).
ucvm_probe_umount() {
	ucvm_tool_limit 5 umount "$1" 2>/dev/null
	return 0
}

# ucvm_read_file FILE [DEFAULT] — first line of a sysfs/proc file.
ucvm_read_file() {
	local v
	if [ -r "$1" ] && IFS= read -r v <"$1"; then
		printf '%s\n' "$v"
	else
		printf '%s\n' "${2:-}"
	fi
}

# ucvm_resolve_in ROOT PATH — PATH resolved inside ROOT as chroot would
# (absolute symlinks restart at ROOT, `..` stops at ROOT, ≤ 40 symlinks);
# prints the resolved absolute path (relative to ROOT). Exit 1 on a loop.
ucvm_resolve_in() {
	local root="$1" rest="$2" done='' comp t hops=0
	while [ -n "$rest" ]; do
		rest="${rest#/}"
		comp="${rest%%/*}"
		if [ "$comp" = "$rest" ]; then rest=''; else rest="${rest#*/}"; fi
		case "$comp" in
		'' | .) continue ;;
		..) done="${done%/*}"; continue ;;
		esac
		if [ -L "$root$done/$comp" ]; then
			hops=$((hops + 1))
			[ "$hops" -le 40 ] || return 1
			t="$(readlink "$root$done/$comp")"
			case "$t" in /*) done='' ;; esac
			rest="$t/$rest"
		else
			done="$done/$comp"
		fi
	done
	echo "${done:-/}"
}

# ---------------------------------------------------------------------------
# Failure policy (§1.5)
# ---------------------------------------------------------------------------

# ucvm_panic_action — shell | reboot | poweroff, before the loop guard.
ucvm_panic_action() {
	local def=reboot
	ucvm_flag cvmdebug && def=shell
	ucvm_flag ucvm.smoke && def=poweroff
	ucvm_param_enum ucvm_panic "$def" shell reboot poweroff
}

# ucvm_panic_delay — countdown seconds (§2: 0..3600, default 15; smoke: 0).
ucvm_panic_delay() {
	local def=15
	ucvm_flag ucvm.smoke && def=0
	ucvm_param_uint ucvm_panic_delay 0 3600 "$def"
}

# ucvm_panic_record REASON — with scratch mounted read-write: logs to
# ulogs/, ulogs/panic.txt, aux/panic-count += 1. Prints the new count.
ucvm_panic_record() {
	local reason="$1" count=0
	[ "${UCVM_SCRATCH_RW:-0}" = 1 ] || { echo 0; return 0; }
	mkdir -p "$UCVM_RW/ulogs" "$UCVM_RW/aux" 2>/dev/null
	cp -p "$UCVM_LOG"/* "$UCVM_RW/ulogs/" 2>/dev/null
	printf 'stage=%s\nreason=%s\nuptime=%s\n' "$UCVM_STAGE" "$reason" "$(ucvm_uptime)" \
		>"$UCVM_RW/ulogs/panic.txt" 2>/dev/null
	if [ -r "$UCVM_RW/aux/panic-count" ]; then
		IFS= read -r count <"$UCVM_RW/aux/panic-count" || true
		ucvm_is_uint "$count" || count=0
	fi
	count=$(($(ucvm_decimal "$count") + 1))
	printf '%s\n' "$count" >"$UCVM_RW/aux/panic-count" 2>/dev/null
	sync
	echo "$count"
}

# ucvm_halt reboot|poweroff — never returns as PID 1; in tests the shim
# returns and the shell exits with 70.
ucvm_halt() {
	sync
	ucvm_tool "$1" -f
	[ "$UCVM_PID1" = 1 ] || exit 70
	while :; do
		sleep 5
		ucvm_tool "$1" -f
	done
}

# ucvm_panic REASON — the only way to fail (§1.5). Returns 1 only when the
# operator resumes from the rescue shell (creates $UCVM_RUN/continue).
ucvm_panic() {
	local reason="$1" action delay count stagelog
	printf 'UCVM-PANIC: %s: %s\n' "$UCVM_STAGE" "$reason"
	if [ "$UCVM_PID1" = 1 ] && [ ! -r /proc/uptime ]; then
		mkdir -p /proc
		mount -t proc -o nodev,noexec,nosuid proc /proc 2>/dev/null
	fi
	if [ -w "$UCVM_DEV/kmsg" ] && [ -c "$UCVM_DEV/kmsg" ]; then
		printf '<2>ucvm: UCVM-PANIC: %s: %s\n' "$UCVM_STAGE" "$reason" >"$UCVM_DEV/kmsg" 2>/dev/null
	fi
	printf '%s UCVM-PANIC: %s: %s\n' "$(ucvm_uptime)" "$UCVM_STAGE" "$reason" \
		>>"$UCVM_LOG/boot.log" 2>/dev/null
	stagelog="${UCVM_STAGE_LOG:-boot.log}"
	if [ -r "$UCVM_LOG/$stagelog" ]; then
		echo "--- last lines of $stagelog ---"
		tail -n 20 "$UCVM_LOG/$stagelog"
	fi
	if [ -r "$UCVM_RUN/devices" ]; then
		echo "--- devices ---"
		cat "$UCVM_RUN/devices"
	fi
	count="$(ucvm_panic_record "$reason")"
	action="$(ucvm_panic_action)"
	local UCVM_STAGE=panic
	if [ "$action" = reboot ] && [ "$count" -ge 3 ]; then
		ucvm_info "panic $count in a row: poweroff instead of reboot"
		action=poweroff
	fi
	if [ "$action" = shell ]; then
		ucvm_info "rescue shell; create $UCVM_RUN/continue to resume the boot"
		ucvm_rescue_shell '(ucvm-rescue) ' "$reason"
		if [ -e "$UCVM_RUN/continue" ]; then
			rm -f "$UCVM_RUN/continue"
			UCVM_RESULT=resumed
			return 1
		fi
		action=reboot
		delay=0
	else
		delay="$(ucvm_panic_delay)"
	fi
	ucvm_info "$action in $delay s"
	sleep "$delay"
	ucvm_halt "$action"
}

# ucvm_rescue_shell PROMPT REASON — interactive shell on the console.
ucvm_rescue_shell() {
	if [ "$UCVM_PID1" = 1 ]; then
		PS1="$1" UCVM_PANIC_REASON="$2" setsid cttyhack /bin/sh -i \
			</dev/console >/dev/console 2>&1
	else
		# Outside PID 1 only the tests' recording shim runs, never a real shell
		# (called by path: the image has no `shell` command, runtime.md §1.2 item 3).
		if [ -n "$UCVM_SHIMS" ] && [ -x "$UCVM_SHIMS/shell" ]; then
			PS1="$1" UCVM_PANIC_REASON="$2" "$UCVM_SHIMS/shell"
		else
			echo "ucvm_rescue_shell: no shell shim outside PID 1" >&2
		fi
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Driver helpers (§1.3 items 1–2); the loop itself is in /init.
# ---------------------------------------------------------------------------

# ucvm_stage_begin FILE — name the stage after its file.
ucvm_stage_begin() {
	local base="${1##*/}"
	UCVM_STAGE="${base%.sh}"
	UCVM_STAGE_LOG=''
	UCVM_RESULT=''
}

# ucvm_stage_log NAME — the stage's tool log in $UCVM_LOG (tail shown on panic).
ucvm_stage_log() {
	UCVM_STAGE_LOG="$1"
	: >>"$UCVM_LOG/$1" 2>/dev/null
}

# ucvm_stage_end RC — enforce the result contract.
ucvm_stage_end() {
	local rc="$1"
	case "$UCVM_RESULT" in
	resumed)
		ucvm_warn "resumed after panic by operator"
		;;
	ok | skip | warn)
		if [ "$rc" != 0 ]; then
			ucvm_panic "stage ended with exit status $rc" || ucvm_warn "resumed after panic by operator"
		fi
		;;
	*)
		if [ "$rc" != 0 ]; then
			ucvm_panic "stage failed with exit status $rc" || ucvm_warn "resumed after panic by operator"
		else
			ucvm_panic "stage ended without a result" || ucvm_warn "resumed after panic by operator"
		fi
		;;
	esac
	UCVM_RESULT=''
}

# ucvm_smoke_done — `ucvm.smoke`: the initrd works (proc/sys/dev mounted,
# storage modules loaded); report the version and power off.
ucvm_smoke_done() {
	printf '[ucvm] init: ok %s\n' "$(ucvm_version)"
	ucvm_halt poweroff
}
