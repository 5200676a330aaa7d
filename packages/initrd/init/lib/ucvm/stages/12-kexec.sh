# shellcheck shell=dash
# 12-kexec (runtime.md §3 12-kexec, §6.8, §7 item 5): bootloader self-update
# from the update pack in scratch kexec/ (`apply` written by `ucvm build`,
# apps/cli/src/build/update-pack.ts). `apply` is data, never sourced; kexec
# only after both sha256 sums match. Never panics: on any failure the boot
# goes on normally and writable (fix).

# stage_kexec_parse FILE — §6.8 reader: LF or CRLF, blank and `#` lines
# ignored, key = bytes before the first `=`, value = the rest (untrimmed),
# unknown keys ignored. Prints `key=value` lines of the known keys; on a
# refusal prints the reason and exits 1 (values are never echoed).
stage_kexec_parse() {
	tr '\000' '\001' <"$1" | LC_ALL=C awk '
	function bad(r) { if (reason == "") reason = r }
	{
		line = $0; sub(/\r$/, "", line)
		if (line ~ /^[ \t]*$/ || substr(line, 1, 1) == "#") next
		eq = index(line, "=")
		if (eq < 2) { bad("malformed line " NR); next }
		k = substr(line, 1, eq - 1); v = substr(line, eq + 1)
		if (k ~ /^(version|kernel|initrd|kernel_sha256|initrd_sha256)$/ && (k in val)) bad("duplicate " k)
		if (k ~ /^(version|kernel|initrd|kernel_sha256|initrd_sha256|cmdline)$/) val[k] = v
	}
	END {
		n = split("version kernel initrd kernel_sha256 initrd_sha256", req, " ")
		for (i = 1; i <= n; i++) if (!(req[i] in val)) bad("missing " req[i])
		if (reason == "") {
			# the version goes into the kexec command line: one word, no quotes
			if (val["version"] !~ /^[A-Za-z0-9._+~:-]+$/) bad("bad version")
			for (i = 2; i <= 3; i++) {
				f = val[req[i]]
				if (f !~ /^[A-Za-z0-9._+-]+$/ || f == "." || f == "..") bad("bad " req[i] " name")
			}
			for (i = 4; i <= 5; i++) if (val[req[i]] !~ /^[0-9a-f]+$/ || length(val[req[i]]) != 64) bad("bad " req[i])
			if (index(val["cmdline"], "\001")) bad("bad cmdline")
		}
		if (reason != "") { print reason; exit 1 }
		for (i = 1; i <= n; i++) print req[i] "=" val[req[i]]
		print "cmdline=" val["cmdline"]
	}'
}

# stage_kexec_cmdline CMDLINE VERSION — CMDLINE without `ucvm_kexeced=` words
# (kernel word rules: double quotes group), plus ` ucvm_kexeced=VERSION`.
stage_kexec_cmdline() {
	printf '%s' "$1" | awk -v ver="$2" 'BEGIN { RS = "\001" }
	{
		s = $0; len = length(s); i = 1; out = ""
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
			if (tok !~ /^"?ucvm_kexeced=/) out = out (out == "" ? "" : " ") tok
		}
	}
	END { printf "%s%sucvm_kexeced=%s\n", out, (out == "" ? "" : " "), ver }'
}

# stage_kexec_sha FILE — lower-case hex sha256 of FILE.
stage_kexec_sha() {
	local sum rest
	sum="$(sha256sum "$1" 2>/dev/null)" || return 1
	IFS=' ' read -r sum rest <<EOF
$sum
EOF
	printf '%s\n' "$sum"
}

# stage_kexec_version_file — compat: the running version in aux/.
stage_kexec_version_file() {
	ucvm_version >"$UCVM_RW/aux/ucernvm-version" 2>/dev/null ||
		ucvm_info "cannot write aux/ucernvm-version"
}

# stage_kexec_reject REASON — warn, the boot goes on.
stage_kexec_reject() {
	printf 'rejected: %s\n' "$1" >>"$UCVM_LOG/kexec.log"
	stage_kexec_version_file
	ucvm_warn "update pack rejected: $1"
}

# stage_kexec_down — non-loopback interfaces down before kexec -e (item 4).
stage_kexec_down() {
	local d
	for d in "$UCVM_SYS"/class/net/*; do
		[ -e "$d" ] || continue
		[ "${d##*/}" = lo ] && continue
		ucvm_logrun kexec.log ucvm_tool ip link set dev "${d##*/}" down
	done
}

# stage_kexec_recover — kexec -e returned (or scratch would not unmount):
# scratch read-write again, 03-network redone (its lines go to kexec.log).
stage_kexec_recover() {
	local dev="$UCVM_DEV/${UCVM_SCRATCH_DEV:-}"
	if [ "${UCVM_SCRATCH_RW:-0}" != 1 ]; then
		if ucvm_logrun kexec.log ucvm_tool mount -t ext4 "$dev" "$UCVM_RW"; then
			ucvm_state UCVM_SCRATCH_RW 1
		else
			ucvm_info "cannot remount scratch $dev"
		fi
	fi
	if [ -f "$UCVM_LIBDIR/stages/03-network.sh" ]; then
		# a subshell: sourcing 03 must not replace this stage's stage_run
		(
			# shellcheck source=lib/ucvm/stages/03-network.sh
			. "$UCVM_LIBDIR/stages/03-network.sh"
			ucvm_stage_begin "$UCVM_LIBDIR/stages/03-network.sh"
			stage_run
		) >>"$UCVM_LOG/kexec.log" 2>&1
	fi
}

stage_run() {
	local dir="$UCVM_RW/kexec" parsed reason version kernel initrd cmdline running f want got
	ucvm_stage_log kexec.log
	if [ ! -f "$dir/apply" ]; then
		stage_kexec_version_file
		ucvm_skip "no update pending"
		return 0
	fi
	parsed="$UCVM_RUN/kexec.apply"
	if ! stage_kexec_parse "$dir/apply" >"$parsed"; then
		reason="$(cat "$parsed")"
		rm -f "$parsed"
		stage_kexec_reject "$reason"
		return 0
	fi
	version="$(ucvm_conf_get "$parsed" version)"
	kernel="$(ucvm_conf_get "$parsed" kernel)"
	initrd="$(ucvm_conf_get "$parsed" initrd)"
	cmdline="$(ucvm_conf_get "$parsed" cmdline)"
	running="$(ucvm_version)"
	# item 2: nothing to do for the running version
	if [ "$version" = "$running" ]; then
		rm -f "$parsed"
		stage_kexec_version_file
		ucvm_skip "no update pending (running $running)"
		return 0
	fi
	# item 2: loop guard
	if ucvm_flag ucvm_kexeced; then
		rm -f "$parsed"
		stage_kexec_version_file
		ucvm_warn "update pack $version not applied: already kexec'ed, running $running"
		return 0
	fi
	# item 3: both sums before anything is loaded
	for f in kernel initrd; do
		[ "$f" = kernel ] && got="$dir/$kernel" || got="$dir/$initrd"
		[ -f "$got" ] || { rm -f "$parsed"; stage_kexec_reject "$f file missing"; return 0; }
		want="$(ucvm_conf_get "$parsed" "${f}_sha256")"
		got="$(stage_kexec_sha "$got")" || got=''
		[ "$got" = "$want" ] || { rm -f "$parsed"; stage_kexec_reject "$f sha256 mismatch"; return 0; }
	done
	rm -f "$parsed"
	[ -n "$cmdline" ] || cmdline="$(cat "$UCVM_PROC/cmdline" 2>/dev/null)"
	cmdline="$(stage_kexec_cmdline "$cmdline" "$version")"
	if ! ucvm_logrun kexec.log ucvm_tool_limit 60 kexec -l "$dir/$kernel" \
		"--initrd=$dir/$initrd" "--command-line=$cmdline"; then
		stage_kexec_reject "kexec -l failed (log/kexec.log)"
		return 0
	fi
	# item 4: only after a successful load
	ucvm_info "kexec into $version"
	sync
	stage_kexec_down
	if ucvm_logrun kexec.log ucvm_tool umount "$UCVM_RW"; then
		ucvm_state UCVM_SCRATCH_RW 0
		ucvm_logrun kexec.log ucvm_tool kexec -e
		reason="kexec -e returned"
	else
		reason="scratch did not unmount"
	fi
	stage_kexec_recover
	stage_kexec_version_file
	ucvm_warn "update to $version not applied: $reason; booting $running"
}
