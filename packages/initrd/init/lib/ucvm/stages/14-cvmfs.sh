# shellcheck shell=dash
# 14-cvmfs (runtime.md §3, §5): resolve the CernVM-FS settings, write the
# repository configuration, optionally wait for a proxy, mount the OS
# repository on /root.ro and check the OS path.

STAGE_CVMFS_PAC_HEAD='http://grid-wpad/wpad.dat;http://wpad/wpad.dat;'
STAGE_CVMFS_PAC_CERN='http://cernvm-wpad.cern.ch/wpad.dat'
STAGE_CVMFS_PAC_FNAL='http://cernvm-wpad.fnal.gov/wpad.dat'

# stage_cvmfs_pick CTXKEY PARAM DEFAULT — user data, else the kernel
# parameter (validated as CTXKEY's type), else DEFAULT (§2 precedence).
stage_cvmfs_pick() {
	ucvm_ctx "$1" && return 0
	if [ -n "$2" ] && ucvm_param_checked "$2" "$1"; then return 0; fi
	printf '%s\n' "$3"
}

# stage_cvmfs_urls HOSTS REPO — §5.1: split on `,` and `;`, trim, drop
# empties; host[:port] → http://host/cvmfs/REPO; `…://…` kept; joined by `;`.
stage_cvmfs_urls() {
	printf '%s\n' "$1" | awk -v repo="$2" '{
		n = split($0, a, /[,;]/); out = ""
		for (i = 1; i <= n; i++) {
			e = a[i]; sub(/^[ \t]+/, "", e); sub(/[ \t]+$/, "", e)
			if (e == "") continue
			u = index(e, "://") ? e : "http://" e "/cvmfs/" repo
			out = out (out == "" ? "" : ";") u
		}
		print out }'
}

# stage_cvmfs_pac_default — compat WPAD list, CERN and FNAL in random order.
stage_cvmfs_pac_default() {
	local r
	r="$(od -An -N1 -tu1 "$UCVM_DEV/urandom" 2>/dev/null | tr -d ' ')"
	if ucvm_is_uint "$r" && [ $((r % 2)) = 1 ]; then
		echo "$STAGE_CVMFS_PAC_HEAD$STAGE_CVMFS_PAC_FNAL;$STAGE_CVMFS_PAC_CERN"
	else
		echo "$STAGE_CVMFS_PAC_HEAD$STAGE_CVMFS_PAC_CERN;$STAGE_CVMFS_PAC_FNAL"
	fi
}

# stage_cvmfs_resolve — §5.1; sets repo ospath proxy pac server_url tag
# (locals of the caller).
stage_cvmfs_resolve() {
	local cdn hosts v
	repo="$(stage_cvmfs_pick cvmfs_branch cvmfs_repos cernvm-devel.cern.ch)"
	ospath="$(stage_cvmfs_pick cernvm_path cernvm_path '')"
	while [ "${ospath#/}" != "$ospath" ]; do ospath="${ospath#/}"; done
	while [ "${ospath%/}" != "$ospath" ]; do ospath="${ospath%/}"; done
	proxy="$(stage_cvmfs_pick cvmfs_http_proxy cvmfs_proxy 'auto;DIRECT')"
	pac="$(ucvm_ctx cvmfs_pac_urls)" || pac="$(stage_cvmfs_pac_default)"
	cdn="$(ucvm_param_checked cvmfs_cdn cvmfs_cdn)" || cdn=NONE
	if ucvm_ctx cvmfs_http_proxy >/dev/null || ucvm_ctx cvmfs_server >/dev/null; then cdn=NONE; fi
	v="$(ucvm_ctx cvmfs_cdn)" && cdn="$v"
	case "$cdn" in
	[Nn][Oo][Nn][Ee]) hosts="$(stage_cvmfs_pick cvmfs_server cvmfs_server hepvm.cern.ch)" ;;
	*) hosts="$cdn" ;;
	esac
	if ! server_url="$(ucvm_param cvmfs_url)" || [ -z "$server_url" ]; then
		server_url="$(stage_cvmfs_urls "$hosts" "$repo")"
	fi
	tag="$(stage_cvmfs_pick cvmfs_tag cvmfs_repository_tag '')"
}

# stage_cvmfs_is_tag VALUE — TAG syntax [UD §6.2].
stage_cvmfs_is_tag() {
	printf '%s\n' "$1" | grep -Eq '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
}

# stage_cvmfs_snapshot — §5.3; sets mode (pinned|forced|fresh), root_hash
# and may replace tag (locals of the caller).
stage_cvmfs_snapshot() {
	local snap="$UCVM_RW/aux/cvmfs_snapshot" force="$UCVM_RW/aux/cvmfs_force_tag" h t
	mode=fresh root_hash=''
	if [ -f "$force" ]; then
		t="$(ucvm_read_file "$force")"
		t="${t%"$(printf '\r')"}"
		if stage_cvmfs_is_tag "$t"; then
			mode=forced tag="$t"
			return 0
		fi
		snap_note="aux/cvmfs_force_tag ignored (invalid tag)"
	fi
	[ -f "$snap" ] || return 0
	h="$(sed -n 1p "$snap")"
	t="$(sed -n 2p "$snap")"
	if printf '%s\n' "$h" | grep -Eq '^[0-9a-f]{40,64}$' && { [ -z "$t" ] || stage_cvmfs_is_tag "$t"; }; then
		mode=pinned root_hash="$h"
		[ -z "$t" ] || tag="$t"
	else
		snap_note="${snap_note:+$snap_note; }aux/cvmfs_snapshot ignored (invalid)"
	fi
}

# stage_cvmfs_keys — §3 14 item 2; prints the CVMFS_PUBLIC_KEY value (empty
# when the initrd keys suffice); exit 1: no key at all; 2: only scratch keys.
stage_cvmfs_keys() {
	local ik="$UCVM_PREFIX/etc/cvmfs/keys/$repo" sk="$UCVM_RW/aux/keys/$repo" f list='' extra='' rc=0 have=0
	for f in "$ik"/*.pub; do [ -f "$f" ] && have=1 && list="${list:+$list:}$f"; done
	for f in "$sk"/*.pub; do
		[ -f "$f" ] || continue
		[ -f "$ik/${f##*/}" ] || extra="${extra:+$extra:}$f"
	done
	if [ "$have" = 0 ]; then
		[ -n "$extra" ] || return 1
		rc=2
	fi
	# export the initrd keys for OS tooling (add or replace, never delete)
	if [ "$have" = 1 ]; then
		mkdir -p "$sk" && cp "$ik"/*.pub "$sk/" 2>/dev/null
	fi
	[ -z "$extra" ] || echo "${list:+$list:}$extra"
	return "$rc"
}

# stage_cvmfs_write_config FILE PUBLIC_KEY — §5.2; every value single-quoted.
stage_cvmfs_write_config() {
	local quota mb="${UCVM_SCRATCH_MB:-0}" rw="$UCVM_RW"
	ucvm_is_uint "$mb" || mb=0
	if [ "$mb" -gt 4000 ]; then quota=2000; else quota=$((mb / 2)); fi
	{
		stage_cvmfs_kv CVMFS_CACHE_BASE "$rw/cache"
		stage_cvmfs_kv CVMFS_RELOAD_SOCKETS "$rw/cache"
		stage_cvmfs_kv CVMFS_SHARED_CACHE no
		stage_cvmfs_kv CVMFS_NFILES 65536
		stage_cvmfs_kv CVMFS_QUOTA_LIMIT "$quota"
		stage_cvmfs_kv CVMFS_SERVER_URL "$server_url"
		stage_cvmfs_kv CVMFS_HTTP_PROXY "$proxy"
		stage_cvmfs_kv CVMFS_PAC_URLS "$pac"
		stage_cvmfs_kv CVMFS_KEYS_DIR "/etc/cvmfs/keys/$repo"
		[ -z "$2" ] || stage_cvmfs_kv CVMFS_PUBLIC_KEY "$2"
		stage_cvmfs_kv CVMFS_CHECK_PERMISSIONS yes
		stage_cvmfs_kv CVMFS_IGNORE_SIGNATURE no
		stage_cvmfs_kv CVMFS_AUTO_UPDATE no
		stage_cvmfs_kv CVMFS_NFS_SOURCE no
		stage_cvmfs_kv CVMFS_PROXY_RESET_AFTER 86400
		stage_cvmfs_kv CVMFS_MAX_RETRIES 0
		stage_cvmfs_kv CVMFS_TIMEOUT 5
		stage_cvmfs_kv CVMFS_TIMEOUT_DIRECT 5
		stage_cvmfs_kv CVMFS_MAX_IPADDR_PER_PROXY 2
		stage_cvmfs_kv CVMFS_BACKOFF_INIT 2
		stage_cvmfs_kv CVMFS_BACKOFF_MAX 12
		stage_cvmfs_kv CVMFS_USYSLOG "$rw/cache/usyslog"
		stage_cvmfs_kv CVMFS_UID_MAP "$rw/aux/uid_map"
		stage_cvmfs_kv CVMFS_GID_MAP "$rw/aux/gid_map"
		stage_cvmfs_kv CVMFS_USE_GEOAPI yes
		stage_cvmfs_kv CVMFS_HIDE_MAGIC_XATTRS yes
		stage_cvmfs_kv CVMFS_SYSTEMD_NOKILL yes
		[ -z "$tag" ] || stage_cvmfs_kv CVMFS_REPOSITORY_TAG "$tag"
		[ -z "$root_hash" ] || stage_cvmfs_kv CVMFS_ROOT_HASH "$root_hash"
	} >"$1.tmp" && mv "$1.tmp" "$1"
}

stage_cvmfs_kv() {
	printf '%s=%s\n' "$1" "$(ucvm_squote "$2")"
}

# stage_cvmfs_fetch PROXY URL LIMIT — one probe of §5.4; exit 0 on HTTP 200.
stage_cvmfs_fetch() {
	local code c="$3"
	[ "$c" -le 10 ] || c=10
	if [ "$1" = DIRECT ]; then
		code="$(ucvm_tool curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --connect-timeout "$c" --max-time "$3" "$2")"
	else
		code="$(ucvm_tool curl -s -o /dev/null -w '%{http_code}' --proxy "$1" --connect-timeout "$c" --max-time "$3" "$2")"
	fi
	[ "$code" = 200 ]
}

# stage_cvmfs_wait_proxy N DEADLINE — §5.4. `auto` entries are left to the
# client's PAC evaluation (not probed here); `DIRECT` is a direct candidate.
stage_cvmfs_wait_proxy() {
	local n="$1" limit="$2" start round=0 cands p urls url t0 info count
	cands="$(printf '%s\n' "$proxy" | awk -F '[;|]' '{ for (i = 1; i <= NF; i++) { p = $i; gsub(/[ \t]/, "", p)
		if (p == "") continue; if (toupper(p) == "DIRECT") print "DIRECT"; else if (p != "auto") print p } }')"
	[ -n "$cands" ] || return 0
	urls="$(printf '%s\n' "$server_url" | tr ';' '\n' | awk 'NF')"
	count="$(printf '%s\n' "$urls" | awk 'NF' | wc -l)"
	[ "$count" -gt 0 ] || return 0
	start="$(ucvm_now_cs)"
	info="$start"
	while :; do
		t0="$(ucvm_now_cs)"
		url="$(printf '%s\n' "$urls" | sed -n "$((round % count + 1))p")"
		for p in $cands; do
			stage_cvmfs_fetch "$p" "$url/.cvmfspublished" "$n" && return 0
		done
		round=$((round + 1))
		[ $(($(ucvm_now_cs) - start)) -lt $((limit * 100)) ] || return 1
		if [ $(($(ucvm_now_cs) - info)) -ge 6000 ]; then
			ucvm_info "waiting for a proxy ($(($(ucvm_now_cs) / 100 - start / 100)) s)"
			info="$(ucvm_now_cs)"
		fi
		while [ $(($(ucvm_now_cs) - t0)) -lt $((n * 100)) ]; do sleep 1; done
	done
}

# stage_cvmfs_root_hash — `user.root_hash` of the mount (3 attempts).
stage_cvmfs_root_hash() {
	local i h
	for i in 1 2 3; do
		h="$(ucvm_tool getfattr --only-values -n user.root_hash "$UCVM_RO" 2>/dev/null)"
		if printf '%s\n' "$h" | grep -Eq '^[0-9a-f]{40,64}$'; then
			echo "$h"
			return 0
		fi
		[ "$i" = 3 ] || sleep 1
	done
	return 1
}

# stage_cvmfs_nameserver — item 4: the initrd resolv.conf vanishes at
# switch_root, so tell the client the nameserver now. Transport: OpenBSD nc
# (busybox nc has no Unix sockets; INIT.md); -N ends the request at EOF.
# Not fatal (the OS can fix DNS later), but never silent: info line on failure.
stage_cvmfs_nameserver() {
	local ns answer sock="$UCVM_RW/cache/$repo/cvmfs_io.$repo"
	ns="$(awk '$1 == "nameserver" { print $2; exit }' "$UCVM_PREFIX/etc/resolv.conf" 2>/dev/null)"
	[ -n "$ns" ] || return 0
	if [ ! -S "$sock" ]; then
		ucvm_info "nameserver $ns not sent: no control socket $sock"
		return 0
	fi
	printf '# %s: nameserver set %s -> %s\n' "$(ucvm_uptime)" "$ns" "$sock" >>"$UCVM_LOG/cvmfs.log"
	answer="$(printf 'nameserver set %s\n' "$ns" |
		ucvm_tool_limit 10 nc.openbsd -N -U "$sock" 2>>"$UCVM_LOG/cvmfs.log")"
	printf '# answer: %s\n' "$answer" >>"$UCVM_LOG/cvmfs.log"
	case "$answer" in
	OK*) ;;
	*) ucvm_info "nameserver $ns not sent: no answer on the control socket (see log/cvmfs.log)" ;;
	esac
	return 0
}

stage_run() {
	local repo ospath proxy pac server_url tag mode root_hash conf pubkey keyrc n limit hash tmo
	local snap_note='' warn=''
	ucvm_stage_log cvmfs.log
	stage_cvmfs_resolve
	stage_cvmfs_snapshot
	warn="$snap_note"
	pubkey="$(stage_cvmfs_keys)"
	keyrc=$?
	case "$keyrc" in
	1) ucvm_panic "no public key for $repo"; return 1 ;;
	2) warn="${warn:+$warn; }keys for $repo only on scratch" ;;
	esac
	mkdir -p "$UCVM_PREFIX/etc/cvmfs/config.d" "$UCVM_RW/cache" "$UCVM_RW/aux"
	[ -e "$UCVM_RW/aux/uid_map" ] || : >"$UCVM_RW/aux/uid_map"
	[ -e "$UCVM_RW/aux/gid_map" ] || : >"$UCVM_RW/aux/gid_map"
	conf="$UCVM_PREFIX/etc/cvmfs/config.d/$repo.conf"
	stage_cvmfs_write_config "$conf" "$pubkey" || { ucvm_panic "cannot write $conf"; return 1; }
	cp "$conf" "$UCVM_LOG/cvmfs.conf"
	ucvm_info "repository $repo path /$ospath proxy $proxy servers $server_url tag ${tag:--}"
	ucvm_state UCVM_REPO "$repo"
	ucvm_state UCVM_OS_PATH "$ospath"

	n="$(ucvm_ctx cvmfs_wait_on_squid)" || n=0
	if [ "$n" -ge 1 ] 2>/dev/null && [ "$UCVM_PID1" = 1 ] && ! command -v curl >/dev/null 2>&1; then
		# The probe needs curl, which the default components leave out (size budget,
		# runtime.md §1.2): say so instead of waiting out the deadline on every boot.
		ucvm_info "cvmfs_wait_on_squid ignored: this initrd has no curl to probe proxies"
	elif [ "$n" -ge 1 ] 2>/dev/null; then
		limit="$(ucvm_ctx cvmfs_wait_on_squid_deadline)" || limit=600
		if ! stage_cvmfs_wait_proxy "$n" "$limit"; then
			warn="${warn:+$warn; }no proxy reachable"
		fi
	fi

	ulimit -n 65536 2>/dev/null || true
	mkdir -p "$UCVM_RO"
	tmo="$(ucvm_param_uint ucvm_cvmfs_timeout 30 3600 300)"
	if ! ucvm_logrun cvmfs.log ucvm_tool_limit "$tmo" cvmfs2 -o "allow_other,config=$conf,cvmfs_suid" "$repo" "$UCVM_RO"; then
		echo "--- cache/usyslog ---"
		tail -n 20 "$UCVM_RW/cache/usyslog" 2>/dev/null
		echo "--- $repo.conf ---"
		cat "$conf"
		ucvm_panic "cannot mount $repo"
		return 1
	fi
	stage_cvmfs_nameserver
	hash="$root_hash"
	if [ "$mode" != pinned ]; then
		# 15-rebase compares the hash with aux/cvmfs_snapshot and records it (§5.3).
		if ! hash="$(stage_cvmfs_root_hash)"; then
			hash=''
			warn="${warn:+$warn; }root hash unknown, no snapshot recorded"
		fi
	fi
	ucvm_state UCVM_CVMFS_MODE "$mode"
	ucvm_state UCVM_CVMFS_HASH "$hash"
	ucvm_state UCVM_CVMFS_TAG "$tag"
	if [ ! -d "$UCVM_RO/$ospath" ] || ! ls "$UCVM_RO/$ospath" >/dev/null 2>&1; then
		ucvm_panic "cernvm_path /$ospath not found in $repo"
		return 1
	fi
	if [ -n "$warn" ]; then
		ucvm_warn "$repo rev ${hash:--} tag ${tag:--} ($mode); $warn"
	else
		ucvm_ok "$repo rev ${hash:--} tag ${tag:--} ($mode)"
	fi
}
