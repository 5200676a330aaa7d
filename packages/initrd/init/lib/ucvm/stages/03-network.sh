# shellcheck shell=dash
# 03-network (runtime.md §3): DHCP on every candidate interface in
# parallel; the primary (lowest ifindex with a lease) gets the default routes
# and /etc/resolv.conf. (OpenNebula static setup, item 1, is part of the
# context stages and lands here with them.)

STAGE_NET_OPTS='-O subnet -O router -O dns -O domain -O mtu -O staticroutes'

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

stage_run() {
	local limit cands ifname idx best='' bestidx='' addr
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
