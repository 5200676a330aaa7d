# values.awk — §5.2 checks 1–2 and §6.1–6.3 value rules of userdata.md, shared by
# the reader and the parser of ucvm-userdata (busybox awk, LC_ALL=C: length() counts bytes).
# check(key, value) sets OK (0/1) and TOOLONG (0/1) and returns the stored form.
BEGIN {
	for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
	split("resize_rootfs:BOOL use_boothd:BOOL cvmfs_http_proxy:PROXY cvmfs_pac_urls:URLLIST " \
		"cvmfs_server:HOSTLIST cvmfs_cdn:CDN cvmfs_branch:FQRN cvmfs_tag:TAG " \
		"cvmfs_wait_on_squid:UINT:0:300 cvmfs_wait_on_squid_deadline:UINT:10:3600 " \
		"cernvm_path:OSPATH cernvm_inject:BASE64 useglideinwms:BOOL cvm_cluster_pin:PIN " \
		"cvm_cluster_master:BOOL cvm_service_url:HTTPURL cvm_cluster_timeout:UINT:60:3600", kt, " ")
	for (i in kt) { split(kt[i], kp, ":"); type[kp[1]] = kp[2]; umin[kp[1]] = kp[3]; umax[kp[1]] = kp[4] }
	LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
	HOSTNAME = "^" LABEL "(\\." LABEL ")*$"
	OCT = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
	IPV4 = "^" OCT "\\." OCT "\\." OCT "\\." OCT "$"
	FQRN = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
	QUOTED = "^\047[^\047]*\047(\\\\\047\047[^\047]*\047)*$"
}
# §5.2 checks 1–2: control bytes (TAB allowed), RFC 3629 UTF-8.
function bad_bytes(s,   i, n, c, need, lo, hi) {
	if (s ~ /^[\t -~]*$/) return 0
	n = length(s); need = 0
	for (i = 1; i <= n; i++) {
		c = ord[substr(s, i, 1)]
		if (need) {
			if (c < lo || c > hi) return 1
			need--; lo = 128; hi = 191; continue
		}
		if (c < 32 && c != 9 || c == 127) return 1
		if (c < 128) continue
		lo = 128; hi = 191
		if (c >= 194 && c <= 223) need = 1
		else if (c == 224) { need = 2; lo = 160 }
		else if (c >= 225 && c <= 236 || c == 238 || c == 239) need = 2
		else if (c == 237) { need = 2; hi = 159 }
		else if (c == 240) { need = 3; lo = 144 }
		else if (c >= 241 && c <= 243) need = 3
		else if (c == 244) { need = 3; hi = 143 }
		else return 1
	}
	return need != 0
}
function is_port(p,   d) {
	if (p !~ /^[0-9][0-9]?[0-9]?[0-9]?[0-9]?$/) return 0
	d = p; sub(/^0+/, "", d)
	return d != "" && d + 0 <= 65535
}
function is_host(h,   cl, rest, colon) {
	if (substr(h, 1, 1) == "[") {
		cl = index(h, "]")
		if (!cl) return 0
		rest = substr(h, cl + 1)
		if (rest != "" && !(substr(rest, 1, 1) == ":" && is_port(substr(rest, 2)))) return 0
		return substr(h, 1, cl) ~ /^\[[0-9A-Fa-f:.]+\]$/
	}
	colon = index(h, ":")
	if (colon) {
		if (!is_port(substr(h, colon + 1))) return 0
		h = substr(h, 1, colon - 1)
	}
	return h ~ IPV4 || (length(h) <= 253 && h ~ HOSTNAME)
}
function is_url(v, seg,   rest, slash, n, i, s) {
	if (v ~ /^http:\/\//) rest = substr(v, 8)
	else if (v ~ /^https:\/\//) rest = substr(v, 9)
	else return 0
	slash = index(rest, "/")
	if (!slash) return is_host(rest)
	if (!is_host(substr(rest, 1, slash - 1))) return 0
	n = split(substr(rest, slash + 1), s, "/")
	for (i = 1; i <= n; i++) if (s[i] !~ seg) return 0
	return 1
}
function is_hostlist(v,   n, i, e, a, cnt) {
	n = split(v, a, /[,;]/); cnt = 0
	for (i = 1; i <= n; i++) {
		e = a[i]; sub(/^[ \t]+/, "", e); sub(/[ \t]+$/, "", e)
		if (e == "") continue
		if (++cnt > 32) return 0
		if (!is_host(e) && !is_url(e, "^[A-Za-z0-9._~%@+-]*$")) return 0
	}
	return cnt >= 1
}
function is_urllist(v,   n, i, a, cnt) {
	if (length(v) > 4096 || v !~ /^[]A-Za-z0-9._~:\057?#[@!$&()*+,;=%-]*$/) return 0
	n = split(v, a, ";"); cnt = 0
	for (i = 1; i <= n; i++) {
		if (a[i] == "") continue
		cnt++
		if (a[i] != "auto" && a[i] !~ /^(https?|file):\/\//) return 0
	}
	return cnt > 0
}
function is_ospath(v,   n, i, c) {
	if (v == "") return 1
	if (length(v) > 255 || v !~ /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/) return 0
	n = split(v, c, "/")
	for (i = 1; i <= n; i++) if (c[i] == "." || c[i] == "..") return 0
	return 1
}
# §6.1 item 3 and §6.2: sets OK and returns the stored form.
function check(k, v,   t, w) {
	OK = 0; TOOLONG = 0
	if (length(v) > (k == "cernvm_inject" ? 12582912 : 4096)) { TOOLONG = 1; return "" }
	t = type[k]
	if (t == "") { OK = 1; return v }
	if (t == "BOOL") {
		w = (v ~ /^[A-Za-z0-9][A-Za-z0-9]?[A-Za-z0-9]?[A-Za-z0-9]?[A-Za-z0-9]?$/) ? tolower(v) : ""
		if (w == "1" || w == "yes" || w == "on" || w == "true") { OK = 1; return "1" }
		if (w == "0" || w == "no" || w == "off" || w == "false") { OK = 1; return "0" }
		return ""
	}
	if (t == "UINT") {
		# no `v + 0` on the raw digits: busybox awk reads a leading 0 as octal
		w = v; sub(/^0+/, "", w); if (w == "") w = "0"
		if (v !~ /^[0-9][0-9]?[0-9]?[0-9]?[0-9]?[0-9]?$/ || w + 0 < umin[k] || w + 0 > umax[k]) return ""
		OK = 1; return w
	}
	if (t == "HOSTLIST") OK = is_hostlist(v)
	else if (t == "CDN") OK = tolower(v) == "none" || is_hostlist(v)
	else if (t == "PROXY") OK = length(v) >= 1 && length(v) <= 4096 && v ~ /^[]A-Za-z0-9._~:\057@%;|,=+[-]+$/
	else if (t == "URLLIST") OK = is_urllist(v)
	else if (t == "FQRN") OK = length(v) <= 253 && v ~ FQRN
	else if (t == "TAG") OK = v ~ /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/ && length(v) <= 128
	else if (t == "OSPATH") OK = is_ospath(v)
	else if (t == "PIN") OK = v ~ /^[A-Za-z0-9_-]+$/ && length(v) <= 64
	else if (t == "HTTPURL") OK = length(v) <= 2048 && is_url(v, "^[A-Za-z0-9._~%+-]*$")
	else if (t == "BASE64") OK = length(v) % 4 == 0 && v ~ /^[A-Za-z0-9+\057]+(=|==)?$/
	return v
}
