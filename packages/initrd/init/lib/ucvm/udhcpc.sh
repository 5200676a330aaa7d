#!/bin/sh
# shellcheck shell=dash
# udhcpc event script (runtime.md §3 03-network item 4). It configures
# nothing: on a lease it writes /run/ucvm/net/<if>.lease as data (`key=value`
# lines, values reduced to address/name characters); 03-network applies it.
# udhcpc passes the lease in the environment: interface ip subnet router dns
# domain serverid mtu staticroutes.

ucvm_lease_clean() {
	printf '%s' "$1" | tr -c 'A-Za-z0-9.:/_ -' '_' | cut -c1-1024
}

ucvm_lease_main() {
	local dir="${UCVM_RUN:-/run/ucvm}/net" ifname
	ifname="$(ucvm_lease_clean "${interface:-}")"
	case "$ifname" in '' | *[!A-Za-z0-9._-]*) exit 0 ;; esac
	case "${1:-}" in
	bound | renew)
		mkdir -p "$dir"
		{
			echo "ip=$(ucvm_lease_clean "${ip:-}")"
			echo "mask=$(ucvm_lease_clean "${subnet:-}")"
			echo "router=$(ucvm_lease_clean "${router:-}")"
			echo "dns=$(ucvm_lease_clean "${dns:-}")"
			echo "domain=$(ucvm_lease_clean "${domain:-}")"
			echo "serverid=$(ucvm_lease_clean "${serverid:-}")"
			echo "mtu=$(ucvm_lease_clean "${mtu:-}")"
			echo "staticroutes=$(ucvm_lease_clean "${staticroutes:-}")"
		} >"$dir/$ifname.lease.tmp" && mv "$dir/$ifname.lease.tmp" "$dir/$ifname.lease"
		;;
	esac
	exit 0
}

ucvm_lease_main "$@"
