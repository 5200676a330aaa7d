# shellcheck shell=dash
# 96-save-logs (runtime.md §3, §8.2): keep the previous boot's logs in
# ulogs/previous/, copy this boot's logs and the device table to ulogs/.

stage_run() {
	local ulogs="$UCVM_RW/ulogs" f failed=0
	mkdir -p "$ulogs" || { ucvm_warn "cannot create ulogs/"; return 0; }
	{ rm -rf "$ulogs/previous" && mkdir -p "$ulogs/previous"; } || failed=1
	for f in "$ulogs"/*; do
		[ -f "$f" ] || continue
		mv "$f" "$ulogs/previous/" || failed=1
	done
	for f in "$UCVM_LOG"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$ulogs/" || failed=1
	done
	if [ -f "$UCVM_RUN/devices" ]; then
		cp "$UCVM_RUN/devices" "$ulogs/devices.txt" || failed=1
	fi
	sync
	if [ "$failed" = 1 ]; then
		ucvm_warn "some logs could not be saved"
	else
		ucvm_ok
	fi
}
