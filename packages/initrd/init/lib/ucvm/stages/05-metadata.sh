# shellcheck shell=dash
# 05-metadata (runtime.md §3): find the user data. Sources in the order of the
# §3 05 table (restricted/reordered by ucvm_metadata); the first present one
# wins, even with empty user data. Device sources are read through read-only
# probe mounts; network sources over plain HTTP/1.0 with busybox `nc` (the
# initrd ships no curl; busybox wget cannot PUT, cannot stop redirects and
# its -T segfaults, image-recipes §12). Every response is data: it is only
# copied to files, never evaluated (§7 item 1).

STAGE_META_IDS='configdrive nocloud opennebula vsphere azure gce openstack ec2 cloudstack'
STAGE_META_MAX=16777216 # §3 05 item 4: --max-filesize
STAGE_META_AZURE_TAG=E6DA6616-8EC4-48E0-BE93-58CE6ACE3CFB.tag

# stage_meta_log TEXT — trace line in log/context.log (URLs, status, sizes;
# never content, §1.4 item 6).
stage_meta_log() {
	printf '%s 05-metadata: %s\n' "$(ucvm_uptime)" "$1" >>"$UCVM_LOG/context.log" 2>/dev/null
	return 0
}

# stage_meta_left — whole seconds left before the stage deadline (meta_deadline, centiseconds).
stage_meta_left() {
	local left=$((meta_deadline - $(ucvm_now_cs)))
	[ "$left" -gt 0 ] || { echo 0; return 0; }
	echo $((left / 100))
}

# stage_meta_sleep SECONDS — back-off that never passes the deadline.
stage_meta_sleep() {
	[ "$(stage_meta_left)" -gt "$1" ] || return 1
	sleep "$1"
}

# stage_meta_ids — the source ids to try (ucvm_metadata, §2): `auto` = all,
# `none` = nothing, else the listed ids in the given order. Unknown ids make
# the value invalid: the default applies (exit 1, the caller says so).
stage_meta_ids() {
	local v id out=''
	v="$(ucvm_param ucvm_metadata)" || v=auto
	case "$v" in
	auto) echo "$STAGE_META_IDS"; return 0 ;;
	none) echo ''; return 0 ;;
	esac
	# an empty entry makes the value invalid too (as 00-setup's check says)
	case ",$v," in *,,*) echo "$STAGE_META_IDS"; return 1 ;; esac
	for id in $(printf '%s\n' "$v" | tr ',' ' '); do
		case " $STAGE_META_IDS " in
		*" $id "*) case " $out " in *" $id "*) ;; *) out="$out $id" ;; esac ;;
		*)
			echo "$STAGE_META_IDS"
			return 1
			;;
		esac
	done
	echo "${out# }"
}

# stage_meta_name ID — the `context/source` name of a source id.
stage_meta_name() {
	case "$1" in
	configdrive) echo ConfigDrive ;;
	nocloud) echo NoCloud ;;
	opennebula) echo OpenNebula ;;
	vsphere) echo vSphere ;;
	azure) echo Azure ;;
	gce) echo GCE ;;
	openstack) echo OpenStack ;;
	ec2) echo EC2 ;;
	cloudstack) echo CloudStack ;;
	esac
}

# ---------------------------------------------------------------------------
# Device sources (table rows 1–5)
# ---------------------------------------------------------------------------

# stage_meta_classify — `id name type` for every file system presenting a
# device source, natural order; root files are looked at once per device.
stage_meta_classify() {
	local name type label mnt="$UCVM_RUN/meta-mnt" found
	ucvm_fs_devs | while read -r name type label; do
		case "$type:$label" in
		iso9660:config-2 | vfat:config-2) echo "configdrive $name $type"; continue ;;
		iso9660:cidata | vfat:cidata) echo "nocloud $name $type"; continue ;;
		iso9660:* | udf:*) ;;
		*) continue ;;
		esac
		ucvm_probe_mount "$name" "$type" "$mnt" || { stage_meta_log "mount /dev/$name ($type) failed"; continue; }
		found=''
		if [ "$type" = iso9660 ]; then
			[ -f "$mnt/context.sh" ] && found="opennebula $name $type"
			[ -f "$mnt/user-data.txt" ] && found="${found:+$found
}vsphere $name $type"
		elif [ -f "$mnt/$STAGE_META_AZURE_TAG" ]; then
			found="azure $name $type"
		fi
		ucvm_probe_umount "$mnt"
		[ -z "$found" ] || printf '%s\n' "$found"
	done
}

# stage_meta_copy FILE OUT LIMIT — at most LIMIT+1 bytes (the parser reports
# oversize input, [UD §13]); a missing FILE gives empty OUT.
stage_meta_copy() {
	if [ -f "$1" ]; then
		head -c "$(($3 + 1))" "$1" >"$2"
	else
		: >"$2"
	fi
}

# stage_meta_device ID NAME TYPE OUT — read the user data of a device source.
stage_meta_device() {
	local id="$1" name="$2" type="$3" out="$4" mnt="$UCVM_RUN/meta-mnt" one="$UCVM_RUN/opennebula" rc=0 size
	ucvm_probe_mount "$name" "$type" "$mnt" || { stage_meta_log "mount /dev/$name ($type) failed"; return 1; }
	case "$id" in
	configdrive) stage_meta_copy "$mnt/openstack/latest/user_data" "$out" "$STAGE_META_MAX" ;;
	nocloud) stage_meta_copy "$mnt/user-data" "$out" "$STAGE_META_MAX" ;;
	vsphere) stage_meta_copy "$mnt/user-data.txt" "$out" "$STAGE_META_MAX" ;;
	opennebula)
		# [UD §3.2]: parsed as data by ucvm-userdata, never sourced
		mkdir -p "$one" && chmod 0700 "$one" &&
			stage_meta_copy "$mnt/context.sh" "$one/context.sh" 25165824 &&
			sh "$UCVM_LIBDIR/bin/ucvm-userdata" opennebula "$one/context.sh" --out "$one" 2>>"$UCVM_LOG/context.log" &&
			cp "$one/user-data" "$out" || rc=1
		[ ! -s "$one/warnings" ] || stage_meta_log "context.sh warnings: $(awk '{ printf "%s%s", (NR > 1 ? "," : ""), $1 }' "$one/warnings")"
		;;
	azure)
		if [ -f "$mnt/CustomData.bin" ]; then
			stage_meta_copy "$mnt/CustomData.bin" "$out.bin" "$STAGE_META_MAX"
			sh "$UCVM_LIBDIR/bin/ucvm-userdata" azure "$out.bin" >"$out" 2>>"$UCVM_LOG/context.log" || rc=1
			rm -f "$out.bin"
		elif [ -f "$mnt/ovf-env.xml" ]; then
			stage_meta_ovf "$mnt/ovf-env.xml" "$out" || rc=1
		else
			: >"$out"
		fi
		;;
	esac
	ucvm_probe_umount "$mnt"
	# the provisioning device image for the OS agent (13-context item 1)
	if [ "$id" = azure ] && [ "$rc" = 0 ]; then
		size="$(ucvm_read_file "$(ucvm_sysfs_blockdir "$name")/size")"
		if ucvm_is_uint "$size" && [ "$size" -le 131072 ]; then
			head -c 67108864 "$UCVM_DEV/$name" >"$UCVM_RUN/context/azure.iso" 2>/dev/null || rm -f "$UCVM_RUN/context/azure.iso"
		fi
	fi
	return "$rc"
}

# stage_meta_ovf XML OUT — the CustomData element of ovf-env.xml, always
# base64 (§3 05 table row 5); anything that is not strict base64 fails.
stage_meta_ovf() {
	local b64
	b64="$(head -c "$STAGE_META_MAX" "$1" | tr -d '\r\n' | sed -n 's/.*<\([A-Za-z0-9]*:\)\{0,1\}CustomData[^>]*>\([^<]*\)<\/\([A-Za-z0-9]*:\)\{0,1\}CustomData>.*/\2/p' | tr -d ' \t')"
	if [ -z "$b64" ]; then
		: >"$2"
		return 0
	fi
	printf '%s\n' "$b64" | grep -Eq '^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$' || return 1
	printf '%s' "$b64" | base64 -d >"$2" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Network sources (table rows 6–9)
# ---------------------------------------------------------------------------

# stage_meta_addr — ucvm_meta_addr as host:port (default 169.254.169.254:80).
stage_meta_addr() {
	local v host port
	v="$(ucvm_param ucvm_meta_addr)" || { echo 169.254.169.254:80; return 0; }
	host="${v%%:*}" port=80
	[ "$host" = "$v" ] || port="${v#*:}"
	if stage_meta_ipv4 "$host" && ucvm_is_uint "$port" 1 65535; then
		echo "$host:$(ucvm_decimal "$port")"
	else
		echo 169.254.169.254:80
		return 1
	fi
}

stage_meta_ipv4() {
	echo "$1" | awk -F. 'NF == 4 { for (i = 1; i <= 4; i++) if ($i !~ /^[0-9]+$/ || $i > 255) exit 1; ok = 1 } END { exit !ok }'
}

# stage_meta_probe HOST:PORT… — one parallel, non-busy 2 s TCP connect probe
# (item 3); prints the addresses that answered, in the given order.
stage_meta_probe() {
	local nc hp i=0 pids=''
	nc="$(ucvm_tool_resolve nc)" || return 0
	for hp in "$@"; do
		i=$((i + 1))
		rm -f "$meta_work/probe.$i"
		# `-e true` closes right after the connect: the probe sends nothing
		(timeout 3 "$nc" -w 2 "${hp%:*}" "${hp##*:}" -e true >/dev/null 2>&1 && : >"$meta_work/probe.$i") &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # pids are numbers
	wait $pids 2>/dev/null
	i=0
	for hp in "$@"; do
		i=$((i + 1))
		if [ -f "$meta_work/probe.$i" ]; then
			stage_meta_log "probe $hp answered"
			echo "$hp"
		else
			stage_meta_log "probe $hp: no answer"
		fi
	done
}

# stage_meta_http METHOD HOST:PORT PATH OUT [HEADER…] — one HTTP/1.0 request
# (a 1.0 client never gets a chunked answer); prints the status code (`000`
# when there was no complete answer). OUT = body, OUT.head = headers. Limits:
# connect 2 s, 10 s in all (never past the stage deadline), body 16 MiB, no
# redirects, no proxy (item 4).
stage_meta_http() {
	local method="$1" hp="$2" path="$3" out="$4" nc lim hlen status clen size h writer
	shift 4
	lim="$(stage_meta_left)"
	[ "$lim" -le 10 ] || lim=10
	if [ "$lim" -lt 1 ] || ! nc="$(ucvm_tool_resolve nc)"; then
		echo 000
		return 0
	fi
	# The request goes through a FIFO whose writer stays open until the
	# answer is complete: on a half-closed connection (nc's stdin at EOF)
	# some servers drop the answer (Node's http server does).
	rm -f "$out.fifo"
	mkfifo "$out.fifo" || { echo 000; return 0; }
	{
		printf '%s %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ucvm\r\nAccept: */*\r\nConnection: close\r\n' \
			"$method" "$path" "${hp%:80}"
		for h in "$@"; do printf '%s\r\n' "$h"; done
		[ "$method" = PUT ] && printf 'Content-Length: 0\r\n'
		printf '\r\n'
		exec sleep "$lim"
	} >"$out.fifo" &
	writer=$!
	timeout "$lim" "$nc" -w 2 "${hp%:*}" "${hp##*:}" <"$out.fifo" 2>/dev/null |
		head -c "$((STAGE_META_MAX + 65536))" >"$out.raw"
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	rm -f "$out.fifo"
	# header length in bytes, up to and including the empty line
	hlen="$(LC_ALL=C awk 'NR > 100 { exit } { n += length($0) + 1; if ($0 == "\r" || $0 == "") { print n; exit } }' "$out.raw")"
	status=000
	if [ -n "$hlen" ]; then
		head -c "$hlen" "$out.raw" | tr -d '\r' >"$out.head"
		tail -c "+$((hlen + 1))" "$out.raw" >"$out"
		status="$(head -n 1 "$out.head" | sed -n 's/^HTTP\/1\.[01] \([0-9][0-9][0-9]\)\( .*\)\{0,1\}$/\1/p')"
		size="$(wc -c <"$out")"
		size=$((size + 0))
		clen="$(stage_meta_header "$out" content-length)"
		if [ -z "$status" ]; then
			status=000
		elif [ "$size" -gt "$STAGE_META_MAX" ]; then
			stage_meta_log "$method http://$hp$path: body over $STAGE_META_MAX bytes"
			status=000
		elif [ -n "$clen" ] && [ "$clen" != "$size" ]; then
			stage_meta_log "$method http://$hp$path: $size of $clen bytes received"
			status=000
		fi
	fi
	rm -f "$out.raw"
	[ "$status" = 000 ] && : >"$out"
	stage_meta_log "$method http://$hp$path status=$status bytes=$(wc -c <"$out" | tr -d ' ')"
	echo "$status"
}

# stage_meta_header OUT NAME — value of response header NAME (any case).
stage_meta_header() {
	awk -v n="$2" 'NR > 1 { e = index($0, ":"); if (e && tolower(substr($0, 1, e - 1)) == n) { v = substr($0, e + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); print v; exit } }' "$1.head" 2>/dev/null
}

# stage_meta_present HOST:PORT PATH [HEADER…] — 2 attempts 1 s apart; true
# on 200 (for GCE also the Metadata-Flavor answer header, checked by the caller).
stage_meta_present() {
	local hp="$1" path="$2" n=1
	shift 2
	while :; do
		[ "$(stage_meta_http GET "$hp" "$path" "$meta_work/presence" "$@")" = 200 ] && return 0
		[ "$n" -lt 2 ] || return 1
		n=$((n + 1))
		stage_meta_sleep 1 || return 1
	done
}

# stage_meta_userdata HOST:PORT PATH OUT [HEADER…] — 3 attempts (1 s, 2 s
# back-off); 200 → data, 404 → empty, else retry; false when never fetched.
stage_meta_userdata() {
	local hp="$1" path="$2" out="$3" n=1 st
	shift 3
	while :; do
		st="$(stage_meta_http GET "$hp" "$path" "$out" "$@")"
		case "$st" in
		200) return 0 ;;
		404) : >"$out"; return 0 ;;
		esac
		[ "$n" -lt 3 ] || return 1
		stage_meta_sleep "$n" || return 1
		n=$((n + 1))
	done
}

# stage_meta_gce HOST:PORT OUT
stage_meta_gce() {
	local h='Metadata-Flavor: Google'
	stage_meta_present "$1" /computeMetadata/v1/instance/id "$h" || return 2
	[ "$(stage_meta_header "$meta_work/presence" metadata-flavor)" = Google ] || return 2
	stage_meta_userdata "$1" /computeMetadata/v1/instance/attributes/user-data "$2" "$h"
}

# stage_meta_openstack HOST:PORT OUT
stage_meta_openstack() {
	stage_meta_present "$1" /openstack/latest/meta_data.json || return 2
	stage_meta_userdata "$1" /openstack/latest/user_data "$2"
}

# stage_meta_ec2 HOST:PORT OUT — IMDSv2 token, else IMDSv1 (table row 8).
stage_meta_ec2() {
	local token=''
	if [ "$(stage_meta_http PUT "$1" /latest/api/token "$meta_work/token" 'X-aws-ec2-metadata-token-ttl-seconds: 300')" = 200 ]; then
		token="$(head -c 1024 "$meta_work/token" | tr -d '\r\n')"
		# a token goes into a header line: only token characters
		case "$token" in *[!A-Za-z0-9_=+/.-]*) token='' ;; esac
	fi
	rm -f "$meta_work/token" "$meta_work/token.head"
	if [ -n "$token" ]; then
		stage_meta_log "ec2: IMDSv2 token obtained"
		stage_meta_present "$1" /latest/meta-data/instance-id "X-aws-ec2-metadata-token: $token" || return 2
		stage_meta_userdata "$1" /latest/user-data "$2" "X-aws-ec2-metadata-token: $token"
	else
		stage_meta_log "ec2: no IMDSv2 token, IMDSv1"
		stage_meta_present "$1" /latest/meta-data/instance-id || return 2
		stage_meta_userdata "$1" /latest/user-data "$2"
	fi
}

# stage_meta_cloudstack OUT HOST:PORT… — the first answering host serving
# the instance id.
stage_meta_cloudstack() {
	local out="$1" hp
	shift
	for hp in "$@"; do
		stage_meta_present "$hp" /latest/meta-data/instance-id || continue
		stage_meta_userdata "$hp" /latest/user-data "$out"
		return
	done
	return 2
}

# ---------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------

# stage_meta_cs_hosts — CloudStack hosts: 10.1.1.1, then the primary lease's
# serverid (port 80). UCVM_META_CS_HOST / UCVM_META_CS_PORT replace them in
# host tests (dropped as PID 1 by ucvm_env_init).
stage_meta_cs_hosts() {
	local sid lease
	echo "${UCVM_META_CS_HOST:-10.1.1.1:80}"
	lease="$UCVM_RUN/net/${UCVM_NET_IF:-}.lease"
	[ -n "${UCVM_NET_IF:-}" ] && [ -f "$lease" ] || return 0
	sid="$(ucvm_conf_get "$lease" serverid)" || return 0
	stage_meta_ipv4 "$sid" && echo "$sid:${UCVM_META_CS_PORT:-80}"
	return 0
}

# stage_meta_search — items 1–6: try the sources, write
# $UCVM_RUN/context/user-data and …/source; sets meta_result (a local of the
# caller) to `source=<name> bytes=<n>` or `source=(none)`. Never fails. Used
# by stage_run and by 13-context.
stage_meta_search() {
	local ids id limit meta_deadline meta_work="$UCVM_RUN/meta" ctx="$UCVM_RUN/context" \
		devs line dev type probed='' answered='' meta cs rc name bytes
	limit="$(ucvm_param_uint ucvm_meta_timeout 5 600 60)"
	meta_deadline=$(($(ucvm_now_cs) + limit * 100))
	mkdir -p "$meta_work" "$ctx" && chmod 0700 "$ctx"
	rm -f "$ctx/user-data" "$ctx/source"
	ids="$(stage_meta_ids)" || ucvm_info "ucvm_metadata: unknown source id (default auto applies)"
	meta="$(stage_meta_addr)" || ucvm_info "ucvm_meta_addr invalid (default applies)"
	stage_meta_log "sources: ${ids:-none}; limit $limit s"
	case " $ids " in
	*" configdrive "* | *" nocloud "* | *" opennebula "* | *" vsphere "* | *" azure "*)
		devs="$(stage_meta_classify)"
		;;
	*) devs='' ;;
	esac
	for id in $ids; do
		[ "$(stage_meta_left)" -gt 0 ] || { ucvm_info "metadata search stopped after $limit s"; break; }
		rc=2
		case "$id" in
		configdrive | nocloud | opennebula | vsphere | azure)
			line="$(printf '%s\n' "$devs" | awk -v id="$id" '$1 == id { print $2, $3; exit }')"
			[ -n "$line" ] || continue
			dev="${line% *}" type="${line#* }"
			stage_meta_log "$id: /dev/$dev ($type)"
			if stage_meta_device "$id" "$dev" "$type" "$meta_work/user-data"; then rc=0; else rc=1; fi
			;;
		gce | openstack | ec2 | cloudstack)
			[ "${UCVM_NET_UP:-1}" = 0 ] && continue
			if [ -z "$probed" ]; then
				probed=1
				cs="$(stage_meta_cs_hosts)"
				# shellcheck disable=SC2046 # host:port words
				answered="$(stage_meta_probe "$meta" $(printf '%s\n' "$cs" | grep -vxF "$meta"))"
			fi
			if [ "$id" = cloudstack ]; then
				# shellcheck disable=SC2046 # host:port words
				stage_meta_cloudstack "$meta_work/user-data" $(printf '%s\n' "$cs" | grep -xF "$answered")
				rc=$?
			else
				printf '%s\n' "$answered" | grep -qxF "$meta" || continue
				"stage_meta_$id" "$meta" "$meta_work/user-data"
				rc=$?
			fi
			;;
		esac
		name="$(stage_meta_name "$id")"
		case "$rc" in
		0)
			cp "$meta_work/user-data" "$ctx/.user-data.tmp" && chmod 0600 "$ctx/.user-data.tmp" &&
				mv "$ctx/.user-data.tmp" "$ctx/user-data"
			printf '%s\n' "$name" >"$ctx/source"
			bytes="$(wc -c <"$ctx/user-data" | tr -d ' ')"
			stage_meta_log "source $name, $bytes bytes"
			rm -rf "$meta_work"
			meta_result="source=$name bytes=$bytes"
			return 0
			;;
		1) ucvm_info "$name present but its user data could not be read" ;;
		esac
	done
	printf '(none)\n' >"$ctx/source"
	rm -rf "$meta_work"
	stage_meta_log "no source"
	meta_result="source=(none)"
}

stage_run() {
	local meta_result=''
	if [ "${UCVM_FIRST_BOOT:-1}" != 1 ]; then
		ucvm_skip "not a first boot"
		return 0
	fi
	ucvm_stage_log context.log
	stage_meta_search
	ucvm_ok "$meta_result"
}
