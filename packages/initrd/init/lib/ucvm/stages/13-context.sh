# shellcheck shell=dash
# 13-context (runtime.md §3, §4): persist the context found in this boot on
# scratch, or restore the persisted one; from here ucvm_ctx reads scratch
# context/ (UCVM_CTX_DIR). Context stages that did not run (05, 06, 08 are
# optional in a build) leave nothing in /run/ucvm/context: that is source
# `(none)`, and a later boot looks again.

STAGE_CONTEXT_FILES='user-data source ucontext extra-ucontext ucontext.json warnings extra-user-data
ami-contextualized pickup.tar.gz azure.iso'

# stage_context_source FILE — the source name (letters, digits, parentheses).
stage_context_source() {
	local s
	s="$(ucvm_read_file "$1")"
	case "$s" in '' | *[!A-Za-z0-9\(\)]*) s='(none)' ;; esac
	echo "$s"
}

# stage_context_persist FROM TO — temp file + rename, files 0600 (item 1).
stage_context_persist() {
	local from="$1" to="$2" f
	for f in $STAGE_CONTEXT_FILES; do
		[ -f "$from/$f" ] || continue
		cp "$from/$f" "$to/.$f.tmp" && chmod 0600 "$to/.$f.tmp" && mv "$to/.$f.tmp" "$to/$f" || return 1
	done
	if [ ! -f "$from/source" ]; then
		printf '(none)\n' >"$to/.source.tmp" && chmod 0600 "$to/.source.tmp" && mv "$to/.source.tmp" "$to/source" || return 1
	fi
	sync
}

stage_run() {
	local ctx="$UCVM_RW/context" run="$UCVM_RUN/context" src persisted
	ucvm_stage_log context.log
	{ mkdir -p "$ctx" && chmod 0700 "$ctx"; } || { ucvm_panic "cannot write $ctx"; return 1; }
	persisted="$(stage_context_source "$ctx/source")"
	[ -f "$ctx/source" ] || persisted='(none)'
	if [ "${UCVM_FIRST_BOOT:-1}" = 1 ] || { [ "$persisted" = '(none)' ] && [ -f "$run/source" ]; }; then
		# context boot: what 05/06/08 found in this boot becomes authoritative
		stage_context_persist "$run" "$ctx" || { ucvm_panic "cannot write the context to scratch"; return 1; }
		ucvm_state UCVM_CONTEXT_BOOT 1
		src="$(stage_context_source "$ctx/source")"
		ucvm_state UCVM_CTX_DIR "$ctx"
		ucvm_ok "source=$src (persisted)"
		return 0
	fi
	# later boot: persisted files are authoritative (user data frozen, compat)
	ucvm_state UCVM_CONTEXT_BOOT 0
	ucvm_state UCVM_CTX_DIR "$ctx"
	ucvm_ok "source=$persisted (restored)"
}
