# shellcheck shell=dash
# 03-network (runtime.md §3): OpenNebula static setup from the context CD's
# context.sh, read as data through `ucvm-userdata opennebula` ([UD §3.2],
# never sourced); when it configures no interface, DHCP on every candidate
# interface in parallel; the primary (lowest ifindex with a lease) gets the
# default routes and /etc/resolv.conf.

STAGE_NET_OPTS='-O subnet -O router -O dns -O domain -O mtu -O staticroutes'
STAGE_NET_ONE_MAX=25165824 # context.sh ≤ 24 MiB ([UD §13]; one byte more lets the parser say so)

# stage_net_candidates — interfaces other than lo with type 1 and a device.
stage_net_candidates() {
	local d
	for d in "$UCVM_SYS/class/net"/*; do
		[ -e "$d" ] || continue
		[ "${d##*/}" = lo ] && continue
		[ "$(ucvm_read_file "$d/type")" = 1 ] || continue
		[ -e "$d/device" ] || continue
		echo "${d##*/}"
	done | ucvm_natural_sort
}

# stage_net_prefix MASK — dotted netmask → prefix length (empty if invalid).
stage_net_prefix() {
	echo "$1" | awk -F. 'NF == 4 {
		n = 0; z = 0
		for (i = 1; i <= 4; i++) {
			if ($i !~ /^[0-9]+$/ || $i > 255) exit
			for (b = 128; b >= 1; b /= 2) {
				if (int($i / b) % 2) { if (z) exit; n++ } else z = 1
			}
		}
		print n }'
}

stage_net_ipv4() {
	echo "$1" | awk -F. 'NF == 4 { for (i = 1; i <= 4; i++) if ($i !~ /^[0-9]+$/ || $i > 255) exit 1; ok = 1 } END { exit !ok }'
}

# stage_net_dhcp LIMIT IF… — run the DHCP phase (item 2).
stage_net_dhcp() {
	local limit="$1" pids='' ifname start first='' now alive p n prog
	shift
	start="$(ucvm_now_cs)"
	prog="$(ucvm_tool_resolve udhcpc)" || return 0
	for ifname in "$@"; do
		rm -f "$UCVM_RUN/net/$ifname.lease"
		# shellcheck disable=SC2086 # option words
		"$prog" -f -q -n -t 10 -T 2 -i "$ifname" -s "$UCVM_LIBDIR/udhcpc.sh" $STAGE_NET_OPTS \
			>>"$UCVM_LOG/udhcpc.log" 2>&1 &
		pids="$pids $!"
	done
	while :; do
		now="$(ucvm_now_cs)"
		alive=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
		n=0
		for ifname in "$@"; do [ -f "$UCVM_RUN/net/$ifname.lease" ] && n=$((n + 1)); done
		[ "$n" -gt 0 ] && [ -z "$first" ] && first="$now"
		[ "$alive" = 0 ] && break
		[ "$n" = "$#" ] && break
		[ -n "$first" ] && [ $((now - first)) -ge 500 ] && break
		[ $((now - start)) -ge $((limit * 100)) ] && break
		sleep 0.25
	done
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	return 0
}

# stage_net_ip ARGS… — `ip` with its command in network.log.
stage_net_ip() {
	ucvm_logrun network.log ucvm_tool ip "$@"
}

# stage_net_apply IF PRIMARY — address, MTU, routes (items 2–3).
stage_net_apply() {
	local ifname="$1" primary="$2" lease="$UCVM_RUN/net/$1.lease" ip mask prefix routers mtu sr r metric=0 dst gw
	ip="$(ucvm_conf_get "$lease" ip)"
	mask="$(ucvm_conf_get "$lease" mask)"
	stage_net_ipv4 "$ip" || return 1
	prefix="$(stage_net_prefix "$mask")"
	[ -n "$prefix" ] || prefix=32
	# 12-kexec re-runs this stage after a failed kexec -e: addresses survive link down
	stage_net_ip -4 addr flush dev "$ifname" || true
	stage_net_ip addr add "$ip/$prefix" dev "$ifname" || return 1
	mtu="$(ucvm_param_uint ucvm_mtu 576 9000 '')"
	if [ -z "$mtu" ]; then
		mtu="$(ucvm_conf_get "$lease" mtu)"
		ucvm_is_uint "$mtu" 576 9000 || mtu=''
	fi
	[ -z "$mtu" ] || stage_net_ip link set dev "$ifname" mtu "$(ucvm_decimal "$mtu")"
	# classless static routes: `dest/prefix gw` pairs
	sr="$(ucvm_conf_get "$lease" staticroutes)"
	# shellcheck disable=SC2086 # lease values hold only [A-Za-z0-9.:/_ -]: no glob characters
	set -- $sr
	while [ "$#" -ge 2 ]; do
		dst="$1" gw="$2"
		shift 2
		stage_net_ipv4 "$gw" || continue
		stage_net_ip route add "$dst" via "$gw" dev "$ifname" || true
	done
	[ "$primary" = 1 ] || return 0
	routers="$(ucvm_conf_get "$lease" router)"
	for r in $routers; do
		stage_net_ipv4 "$r" || continue
		# netmask 255.255.255.255 (GCE): the router is reachable only via a host route
		[ "$prefix" = 32 ] && stage_net_ip route add "$r" dev "$ifname"
		stage_net_ip route add default via "$r" dev "$ifname" metric "$metric" || true
		metric=$((metric + 1))
	done
	stage_net_resolv "$lease"
	echo "$ip/$prefix"
}

# stage_net_resolv LEASE — /etc/resolv.conf of the primary interface.
stage_net_resolv() {
	local d n=0 domain
	mkdir -p "$UCVM_PREFIX/etc"
	{
		domain="$(ucvm_conf_get "$1" domain)"
		for d in $domain; do
			echo "search $domain"
			break
		done
		for d in $(ucvm_conf_get "$1" dns); do
			stage_net_ipv4 "$d" || continue
			n=$((n + 1))
			[ "$n" -le 3 ] && echo "nameserver $d"
		done
	} >"$UCVM_PREFIX/etc/resolv.conf"
}

# ---------------------------------------------------------------------------
# OpenNebula static setup (item 1)
# ---------------------------------------------------------------------------

# stage_net_one_find — the first iso9660 file system (natural order,
# read-only probe mounts) with a root context.sh: the file is copied to
# $UCVM_RUN/opennebula/ and parsed there as data into `vars` ([UD §3.2]).
# Sets one_dev (a local of the caller); false when none or not parsed.
stage_net_one_find() {
	local one="$UCVM_RUN/opennebula" mnt="$UCVM_RUN/net-mnt" name
	for name in $(ucvm_fs_devs | awk '$2 == "iso9660" { print $1 }'); do
		ucvm_probe_mount "$name" iso9660 "$mnt" || continue
		if [ -f "$mnt/context.sh" ]; then
			rm -rf "$one"
			mkdir -p "$one" && chmod 0700 "$one" &&
				head -c "$((STAGE_NET_ONE_MAX + 1))" "$mnt/context.sh" >"$one/context.sh" && one_dev="$name"
		fi
		ucvm_probe_umount "$mnt"
		[ -z "$one_dev" ] || break
	done
	[ -n "$one_dev" ] || return 1
	sh "$UCVM_LIBDIR/bin/ucvm-userdata" opennebula "$one/context.sh" --out "$one" 2>>"$UCVM_LOG/network.log" || return 1
	# codes and line numbers only, never content (§1.4 item 6)
	[ ! -s "$one/warnings" ] || printf 'context.sh warnings: %s\n' "$(tr '\n' ' ' <"$one/warnings")" >>"$UCVM_LOG/network.log"
	return 0
}

# stage_net_one_var NAME — value of a context.sh variable; exit 1 when unset.
stage_net_one_var() {
	awk -F '\t' -v n="$1" '$1 == n { print substr($0, length(n) + 2); f = 1; exit } END { exit !f }' \
		"$UCVM_RUN/opennebula/vars" 2>/dev/null
}

# stage_net_words VALUE — the blank- or comma-separated words of VALUE, one a
# line (data is never field-split by the shell: no globbing).
stage_net_words() {
	printf '%s\n' "$1" | tr ',\t' '  ' | awk '{ for (i = 1; i <= NF; i++) print $i }'
}

# stage_net_mac VALUE — VALUE as a lower-case MAC address; false if it is none.
stage_net_mac() {
	local m
	m="$(printf '%s\n' "$1" | tr 'A-F' 'a-f')"
	case "$m" in
	[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) echo "$m" ;;
	*) return 1 ;;
	esac
}

# stage_net_mac_ip MAC — OpenNebula's legacy address: the last four bytes of
# a validated MAC as a dotted quad.
stage_net_mac_ip() {
	local a b c d
	[ -n "$1" ] || return 1
	printf '%s\n' "$1" | awk -F: '{ print $3, $4, $5, $6 }' | {
		read -r a b c d
		echo "$((0x$a)).$((0x$b)).$((0x$c)).$((0x$d))"
	}
}

# stage_net_ipv6 VALUE — VALUE looks like an IPv6 address (hex digits, `:`, `.`).
stage_net_ipv6() {
	case "$1" in
	*[!0-9A-Fa-f:.]* | '' | ??????????????????????????????????????????????*) return 1 ;; # ≤ 45 characters
	*:*) return 0 ;;
	esac
	return 1
}

# stage_net_first_host IP PREFIX — network address + 1 (legacy OpenNebula
# gateway); nothing for prefixes over 30.
stage_net_first_host() {
	[ "$2" -le 30 ] || return 1
	echo "$1" | awk -F. -v p="$2" '{
		n = (($1 * 256 + $2) * 256 + $3) * 256 + $4; for (s = 1; p < 32; p++) s *= 2; n = int(n / s) * s + 1
		printf "%d.%d.%d.%d\n", int(n / 16777216) % 256, int(n / 65536) % 256, int(n / 256) % 256, n % 256 }'
}

# stage_net_one_if N IF — configure IF from the ETH<N>_* variables: address
# (else the legacy one from the MAC), mask, MTU, IPv6 address. Appends
# `N:IF:ip/prefix` to one_ifs (a local of the caller); false if skipped.
stage_net_one_if() {
	local n="$1" ifname="$2" ip mask prefix mtu v6 plen
	ip="$(stage_net_one_var "ETH${n}_IP")" || ip="$(stage_net_mac_ip "$(stage_net_mac "$(stage_net_one_var "ETH${n}_MAC")")")"
	mask="$(stage_net_one_var "ETH${n}_MASK")" || mask=255.255.255.0
	prefix=''
	stage_net_ipv4 "$mask" && prefix="$(stage_net_prefix "$mask")"
	if ! stage_net_ipv4 "$ip" || [ -z "$prefix" ]; then
		ucvm_info "OpenNebula ETH$n: invalid address or mask, $ifname skipped"
		return 1
	fi
	stage_net_ip -4 addr flush dev "$ifname" || true # a re-run (12-kexec) finds the old address
	stage_net_ip addr add "$ip/$prefix" dev "$ifname" || { ucvm_info "OpenNebula ETH$n: address not set on $ifname"; return 1; }
	mtu="$(ucvm_param_uint ucvm_mtu 576 9000 '')"
	if [ -z "$mtu" ]; then
		mtu="$(stage_net_one_var "ETH${n}_MTU")"
		ucvm_is_uint "$mtu" 576 9000 || mtu=''
	fi
	[ -z "$mtu" ] || stage_net_ip link set dev "$ifname" mtu "$(ucvm_decimal "$mtu")" || true
	v6="$(stage_net_one_var "ETH${n}_IP6")" || v6="$(stage_net_one_var "ETH${n}_IPV6")" || v6=''
	if [ -n "$v6" ]; then
		plen="$(stage_net_one_var "ETH${n}_IP6_PREFIX_LENGTH")" || plen=64
		if stage_net_ipv6 "$v6" && ucvm_is_uint "$plen" 1 128; then
			stage_net_ip -6 addr add "$v6/$(ucvm_decimal "$plen")" dev "$ifname" || true
		else
			ucvm_info "OpenNebula ETH$n: invalid IPv6 address, not added"
		fi
	fi
	one_ifs="$one_ifs $n:$ifname:$ip/$prefix"
}

# stage_net_one_apply IF… — every candidate whose MAC an ETH<n>_MAC names
# (any case) is configured, in the order of n (fix: not only eth0).
stage_net_one_apply() {
	local n mac ifname cand
	# shellcheck disable=SC2013 # the indices are digit runs
	for n in $(awk -F '\t' '$1 ~ /^ETH[0-9]+_MAC$/ { v = substr($1, 4); print substr(v, 1, length(v) - 4) }' \
		"$UCVM_RUN/opennebula/vars" | sort -n -u); do
		mac="$(stage_net_mac "$(stage_net_one_var "ETH${n}_MAC")")" || { ucvm_info "OpenNebula ETH$n: invalid MAC"; continue; }
		ifname=''
		for cand in "$@"; do
			case " $one_ifs " in *":$cand:"*) continue ;; esac
			[ "$(stage_net_mac "$(ucvm_read_file "$UCVM_SYS/class/net/$cand/address")")" = "$mac" ] && { ifname="$cand"; break; }
		done
		[ -n "$ifname" ] || continue
		stage_net_one_if "$n" "$ifname" || true
	done
}

# stage_net_one_route — the default route: the ETH<n>_GATEWAY of the
# interface GATEWAY_IFACE names, else of the first interface having one,
# else ETH0's network address + 1 (legacy). Sets one_primary to the
# interface carrying it (else the first configured one) and one_addr.
stage_net_one_route() {
	local gi w n gw='' gwif=''
	gi="$(stage_net_one_var GATEWAY_IFACE | awk '{ print toupper($0) }')"
	for w in $one_ifs; do
		n="${w%%:*}"
		[ "ETH$n" = "$gi" ] || continue
		gw="$(stage_net_one_var "ETH${n}_GATEWAY")" && stage_net_ipv4 "$gw" && gwif="$w"
	done
	if [ -z "$gwif" ]; then
		for w in $one_ifs; do
			n="${w%%:*}"
			gw="$(stage_net_one_var "ETH${n}_GATEWAY")" && stage_net_ipv4 "$gw" && { gwif="$w"; break; }
		done
	fi
	if [ -z "$gwif" ]; then
		for w in $one_ifs; do
			[ "${w%%:*}" = 0 ] || continue
			n="${w##*:}"
			gw="$(stage_net_first_host "${n%/*}" "${n#*/}")" && gwif="$w"
		done
	fi
	w="${one_ifs# }"
	w="${gwif:-${w%% *}}"
	one_primary="${w#*:}"
	one_primary="${one_primary%%:*}"
	one_addr="${w##*:}"
	[ -n "$gwif" ] || { ucvm_info "OpenNebula: no gateway"; return 0; }
	# a /32 address reaches its gateway only through a host route
	[ "${one_addr#*/}" = 32 ] && stage_net_ip route add "$gw" dev "$one_primary"
	stage_net_ip route add default via "$gw" dev "$one_primary" || ucvm_info "OpenNebula: default route via $gw not set"
	return 0
}

# stage_net_domain NAME — NAME is a DNS name (labels of letters, digits, `-`).
stage_net_domain() {
	printf '%s\n' "$1" | grep -Eqx '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?' &&
		[ "${#1}" -le 253 ]
}

# stage_net_one_resolv — /etc/resolv.conf: DNS, then each configured
# ETH<n>_DNS (deduplicated, ≤ 3); search list SEARCH_DOMAIN, ETH<n>_SEARCH_DOMAIN.
stage_net_one_resolv() {
	local w dns=DNS search=SEARCH_DOMAIN v d list
	for w in $one_ifs; do
		dns="$dns ETH${w%%:*}_DNS" search="$search ETH${w%%:*}_SEARCH_DOMAIN"
	done
	mkdir -p "$UCVM_PREFIX/etc"
	{
		list="$(for v in $search; do stage_net_words "$(stage_net_one_var "$v")"; done | awk '!seen[$0]++' |
			while IFS= read -r d; do stage_net_domain "$d" && echo "$d"; done | head -n 6 | tr '\n' ' ')"
		[ -z "$list" ] || echo "search ${list% }"
		for v in $dns; do stage_net_words "$(stage_net_one_var "$v")"; done | awk '!seen[$0]++' |
			while IFS= read -r d; do
				{ stage_net_ipv4 "$d" || stage_net_ipv6 "$d"; } && echo "nameserver $d"
			done | head -n 3
	} >"$UCVM_PREFIX/etc/resolv.conf"
}

stage_run() {
	local limit cands ifname idx best='' bestidx='' addr one_dev='' one_ifs='' one_primary='' one_addr=''
	if [ "$(ucvm_param_enum ucvm_net auto auto off)" = off ]; then
		ucvm_state UCVM_NET_UP 0
		ucvm_skip "ucvm_net=off"
		return 0
	fi
	ucvm_stage_log udhcpc.log
	limit="$(ucvm_param_uint ucvm_dhcp_timeout 5 300 30)"
	cands="$(stage_net_candidates)"
	stage_net_ip link set dev lo up || true
	for ifname in $cands; do
		stage_net_ip link set dev "$ifname" up || true
	done
	if stage_net_one_find; then
		# shellcheck disable=SC2086 # interface names have no blanks
		stage_net_one_apply $cands
		if [ -n "$one_ifs" ]; then
			# one configured interface skips DHCP (item 1)
			stage_net_one_route
			stage_net_one_resolv
			ucvm_state UCVM_NET_UP 1
			ucvm_state UCVM_NET_IF "$one_primary"
			ucvm_ok "static (OpenNebula) $one_primary $one_addr"
			return 0
		fi
		ucvm_info "OpenNebula context on /dev/$one_dev configures no interface: DHCP"
	elif [ -n "$one_dev" ]; then
		ucvm_info "OpenNebula context on /dev/$one_dev not parsed: DHCP"
	fi
	if [ -n "$cands" ]; then
		# shellcheck disable=SC2086 # interface names have no blanks
		stage_net_dhcp "$limit" $cands
	fi
	for ifname in $cands; do
		[ -f "$UCVM_RUN/net/$ifname.lease" ] || continue
		idx="$(ucvm_read_file "$UCVM_SYS/class/net/$ifname/ifindex" 999999)"
		ucvm_is_uint "$idx" || idx=999999
		if [ -z "$best" ] || [ "$idx" -lt "$bestidx" ]; then
			best="$ifname" bestidx="$idx"
		fi
	done
	if [ -z "$best" ]; then
		ucvm_state UCVM_NET_UP 0
		ucvm_warn "no network"
		return 0
	fi
	for ifname in $cands; do
		{ [ -f "$UCVM_RUN/net/$ifname.lease" ] && [ "$ifname" != "$best" ]; } || continue
		stage_net_apply "$ifname" 0 >/dev/null || ucvm_info "lease of $ifname not applied"
	done
	if ! addr="$(stage_net_apply "$best" 1)"; then
		ucvm_state UCVM_NET_UP 0
		ucvm_warn "no network (lease of $best not usable)"
		return 0
	fi
	ucvm_state UCVM_NET_UP 1
	ucvm_state UCVM_NET_IF "$best"
	ucvm_ok "dhcp $best $addr"
}
