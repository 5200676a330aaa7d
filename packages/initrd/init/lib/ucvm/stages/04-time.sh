# shellcheck shell=dash
# 04-time (runtime.md §3): never earlier than the build, then one SNTP
# query per server (5 s each, 10 s in total). The RTC is not written.

stage_time_host() {
	case "$1" in '' | *[!A-Za-z0-9.:-]*) return 1 ;; esac
	return 0
}

stage_run() {
	local epoch now servers s deadline
	epoch="$(ucvm_conf_get "$UCVM_PREFIX/etc/ucvm/build.conf" build_epoch)" || epoch=''
	if ucvm_is_uint "$epoch" && now="$(date +%s)" && ucvm_is_uint "$now" && [ "$now" -lt "$epoch" ]; then
		ucvm_logrun network.log ucvm_tool date -u -s "@$(ucvm_decimal "$epoch")" >/dev/null &&
			ucvm_info "clock set to the build time ($epoch)"
	fi
	if [ "${UCVM_NET_UP:-0}" != 1 ]; then
		ucvm_skip "no network"
		return 0
	fi
	servers="$(ucvm_param ucvm_ntp)" || servers=pool.ntp.org
	if [ "$servers" = off ]; then
		ucvm_skip "ntp off"
		return 0
	fi
	# Debian's busybox is built without the ntpd applet (runtime.md §1.2 item 3
	# names it): without one the clock stays at the build time set above.
	if [ "$UCVM_PID1" = 1 ] && ! command -v ntpd >/dev/null 2>&1; then
		ucvm_skip "this busybox has no ntpd applet"
		return 0
	fi
	deadline=$(($(ucvm_now_cs) + 1000))
	for s in $(echo "$servers" | tr ',' ' '); do
		stage_time_host "$s" || { ucvm_info "invalid time server ignored"; continue; }
		[ "$(ucvm_now_cs)" -lt "$deadline" ] || break
		if ucvm_logrun network.log ucvm_tool_limit 5 ntpd -q -n -p "$s"; then
			ucvm_ok "$s"
			return 0
		fi
	done
	ucvm_warn "no time server answered"
}
