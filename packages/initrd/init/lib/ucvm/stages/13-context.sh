# shellcheck shell=dash
# 13-context (runtime.md §3, §4): persist the context found in this boot on
# scratch, or restore the persisted one; from here ucvm_ctx reads scratch
# context/ (UCVM_CTX_DIR). Context stages that did not run (05, 06, 08 are
# optional in a build) leave nothing in /run/ucvm/context: that is source
# `(none)`, and a later boot looks again (item 2): 05's search and 06's parse
# step run here once more and their result is persisted. 08-cluster is left
# out of the build (INIT.md), so there is no pairing step to repeat.

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

# stage_context_retry CTX — item 2 on a later boot whose persisted source is
# `(none)`: 05's search, then 06's parse step on its user data and the
# persisted extra user data, writing into /run/ucvm/context as on a first
# boot. Both stage files define stage_run too, so they are sourced in a
# subshell. False when 05 is not in this build.
stage_context_retry() {
	local ctx="$1" run="$UCVM_RUN/context" work="$UCVM_RUN/extra" meta_result='' parse_keys=0 parse_warnings=0
	[ -f "$UCVM_LIBDIR/stages/05-metadata.sh" ] || { ucvm_info "05-metadata not in this build: no retry"; return 1; }
	ucvm_info "no context found on an earlier boot: looking again"
	(
		# shellcheck source=lib/ucvm/stages/05-metadata.sh
		. "$UCVM_LIBDIR/stages/05-metadata.sh"
		stage_meta_search
		ucvm_info "$meta_result"
		[ -f "$UCVM_LIBDIR/stages/06-extracontext.sh" ] || exit 0
		# shellcheck source=lib/ucvm/stages/06-extracontext.sh
		. "$UCVM_LIBDIR/stages/06-extracontext.sh"
		rm -rf "$work"
		mkdir -p "$work" || exit 1
		# the joined chunks of the context boot are one chunk again ([UD §9] item 2)
		[ ! -f "$ctx/extra-user-data" ] || cp "$ctx/extra-user-data" "$work/chunk.1" || exit 1
		stage_extra_parse "$run/user-data" "$work" "$run" || true
		rm -rf "$work"
	)
}

stage_run() {
	local ctx="$UCVM_RW/context" run="$UCVM_RUN/context" src persisted retried=0
	ucvm_stage_log context.log
	{ mkdir -p "$ctx" && chmod 0700 "$ctx"; } || { ucvm_panic "cannot write $ctx"; return 1; }
	persisted="$(stage_context_source "$ctx/source")"
	[ -f "$ctx/source" ] || persisted='(none)'
	if [ "${UCVM_FIRST_BOOT:-1}" != 1 ] && [ "$persisted" = '(none)' ]; then
		# a later context boot (item 2); `use_boothd`/`resize_rootfs` found now
		# cannot change the scratch already in use
		stage_context_retry "$ctx" && retried=1
	fi
	if [ "${UCVM_FIRST_BOOT:-1}" = 1 ] || [ "$retried" = 1 ]; then
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
