# shellcheck shell=dash
# 25-inject (runtime.md §3 25-inject, §7 item 4; userdata.md §8): the
# `cernvm_inject` archive and the pickup archive of a context boot are checked
# whole by ucvm-untar, then extracted by it with chroot into the OS root
# running a fresh copy of the initrd's busybox (absolute symlinks of the OS
# resolve inside it). Nothing from scratch is executed; a refused archive is
# not extracted at all. Never panics: the boot goes on.

STAGE_INJECT_PICKUP_MAX=67108864 # pickup.tar.gz compressed ≤ 64 MiB (§8.2)

# stage_inject_busybox — the initrd's static busybox.
stage_inject_busybox() {
	local bb
	for bb in "$UCVM_PREFIX/sbin/busybox" "$UCVM_PREFIX/bin/busybox"; do
		[ -x "$bb" ] && { echo "$bb"; return 0; }
	done
	return 1
}

# stage_inject_run ARCHIVE [OPTION…] — ucvm-untar extract into the OS root.
# stdout: entry count or refusal reason; exit as ucvm-untar (0, 1 refused,
# 2/3 I/O). The busybox copy lives on scratch below the OS root (`/mnt/.rw`
# there) and is written fresh from the initrd each time, then removed.
stage_inject_run() {
	local archive="$1" dir="$UCVM_RW/aux/.ucvm-untar" inroot bb rc out
	shift
	case "$UCVM_RW" in
	"$UCVM_NEWROOT"/?*) inroot="${UCVM_RW#"$UCVM_NEWROOT"}/aux/.ucvm-untar/busybox" ;;
	*) echo "scratch $UCVM_RW is not below the OS root $UCVM_NEWROOT" >&2; return 2 ;;
	esac
	bb="$(stage_inject_busybox)" || { echo "no busybox in the initrd" >&2; return 2; }
	rm -rf "$dir"
	{ mkdir -p "$dir" && chmod 0700 "$dir" && cp "$bb" "$dir/busybox"; } || { rm -rf "$dir"; return 2; }
	out="$(sh "$UCVM_LIBDIR/bin/ucvm-untar" extract "$@" --busybox "$inroot" "$archive" "$UCVM_NEWROOT" \
		2>>"$UCVM_LOG/inject.log")"
	rc=$?
	rm -rf "$dir"
	printf '%s\n' "$out"
	return "$rc"
}

# stage_inject_marker NAME TEXT — context/NAME (0600, temp file + rename).
stage_inject_marker() {
	local ctx="$UCVM_RW/context"
	printf '%s\n' "$2" >"$ctx/.$1.tmp" && chmod 0600 "$ctx/.$1.tmp" && mv "$ctx/.$1.tmp" "$ctx/$1"
}

stage_run() {
	local ctx="$UCVM_RW/context" tgz="$UCVM_RUN/inject.tar.gz" value='' inject=0 pickup=0
	local out rc total=0 warn=''
	ucvm_stage_log inject.log
	if value="$(ucvm_ctx cernvm_inject)" && [ -n "$value" ] &&
		[ ! -e "$ctx/injected" ] && [ ! -e "$ctx/inject-rejected" ]; then
		inject=1
	fi
	# a pickup archive found by this context boot (13-context persisted it)
	if [ "${UCVM_CONTEXT_BOOT:-0}" = 1 ] && [ -f "$UCVM_RUN/context/pickup.tar.gz" ] &&
		[ -f "$ctx/pickup.tar.gz" ]; then
		pickup=1
	fi
	if [ "$inject" = 0 ] && [ "$pickup" = 0 ]; then
		ucvm_skip "nothing to inject"
		return 0
	fi
	if [ "$inject" = 1 ]; then
		# item 1: decoded into /run/ucvm, nothing left in / (fix)
		if printf '%s' "$value" | base64 -d >"$tgz" 2>>"$UCVM_LOG/inject.log"; then
			out="$(stage_inject_run "$tgz")"
		else
			out=corrupt
			false
		fi
		rc=$?
		rm -f "$tgz"
		case "$rc" in
		0)
			total=$((total + out))
			stage_inject_marker injected "entries=$out" || warn="cannot write context/injected"
			;;
		1)
			stage_inject_marker inject-rejected "$out" || ucvm_info "cannot write context/inject-rejected"
			warn="cernvm_inject rejected: $out"
			;;
		*) warn="cernvm_inject not extracted (I/O error, retried next boot; log/inject.log)" ;;
		esac
	fi
	if [ "$pickup" = 1 ]; then
		# item 4: after cernvm_inject, so the pickup archive wins on conflicts (compat)
		out="$(stage_inject_run "$ctx/pickup.tar.gz" --max-compressed "$STAGE_INJECT_PICKUP_MAX")"
		rc=$?
		case "$rc" in
		0) total=$((total + out)) ;;
		1)
			[ -z "$warn" ] || ucvm_info "pickup archive rejected: $out"
			[ -n "$warn" ] || warn="pickup archive rejected: $out"
			;;
		*)
			[ -z "$warn" ] || ucvm_info "pickup archive not extracted (I/O error; log/inject.log)"
			[ -n "$warn" ] || warn="pickup archive not extracted (I/O error; log/inject.log)"
			;;
		esac
	fi
	sync
	if [ -n "$warn" ]; then
		[ "$total" = 0 ] || ucvm_info "injected $total entries"
		ucvm_warn "$warn"
		return 0
	fi
	ucvm_ok "injected $total entries"
}
