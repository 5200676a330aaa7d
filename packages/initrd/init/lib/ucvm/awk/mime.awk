# mime.awk — userdata.md §4.3 items 1–5 and 7 (leaf count) over one input after §4.2. NUL bytes
# are already mapped to \001 (offsets stay exact). Output, in the order of the TypeScript
# decoder: `PLAIN` (the whole input is part 0), or events `W CODE PART LINE` and
# `L N START LENGTH ENC` (leaf N = bytes [START, START+LENGTH) of the input; ENC id|b64|qp|bad).

# Content of line j inside a range ending at byte pe: the terminator (LF or CRLF) is removed
# when it lies inside the range; a line cut by the range end keeps all its bytes.
function content(j, pe,   l) {
	l = L[j]
	if (off[j] + length(l) < pe && haslf[j]) { sub(/\r$/, "", l); return l }
	return substr(l, 1, pe - off[j])
}

function lower_trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return tolower(s)
}

# §4.3 item 1 on the lines from j0 within [.., pe): fills H[] (first occurrence wins) and
# returns the line index where the body starts (BODYSTART = its offset), or 0 for none.
function headers(j0, pe,   j, c, cur, val) {
	split("", H)
	cur = ""
	for (j = j0; j <= NL && off[j] < pe; j++) {
		c = content(j, pe)
		if (c == "" && cur != "") {
			if (!(cur in H)) H[cur] = val
			BODYSTART = off[j] + length(L[j]) + 1
			if (BODYSTART > pe) BODYSTART = pe
			return j + 1
		}
		if (match(c, /^[!-9;-~]+:/)) {
			if (cur != "" && !(cur in H)) H[cur] = val
			cur = tolower(substr(c, 1, RLENGTH - 1))
			val = substr(c, RLENGTH + 1)
		} else if (cur != "" && c ~ /^[ \t]/) val = val c
		else return 0
	}
	if (cur == "") return 0
	if (!(cur in H)) H[cur] = val
	BODYSTART = pe
	return j
}

# §4.3 items 2–3: the boundary when H declares multipart/* with a non-empty boundary, else "".
function boundary(   v, semi, type, rest, eq, name, pv, i, c, n, nsemi) {
	if (!("content-type" in H)) return ""
	v = H["content-type"]
	semi = index(v, ";")
	type = lower_trim(semi ? substr(v, 1, semi - 1) : v)
	if (substr(type, 1, 10) != "multipart/") return ""
	split("", P)
	rest = semi ? substr(v, semi + 1) : ""
	while (semi) {
		eq = index(rest, "=")
		nsemi = index(rest, ";")
		if (!eq || (nsemi && nsemi < eq)) {
			semi = nsemi
			rest = substr(rest, nsemi + 1)
			continue
		}
		name = lower_trim(substr(rest, 1, eq - 1))
		rest = substr(rest, eq + 1)
		sub(/^[ \t]+/, "", rest)
		pv = ""
		if (substr(rest, 1, 1) == "\"") {
			n = length(rest)
			for (i = 2; i <= n; i++) {
				c = substr(rest, i, 1)
				if (c == "\"") break
				if (c == "\\" && i < n) c = substr(rest, ++i, 1)
				pv = pv c
			}
			rest = substr(rest, i + 1)
			semi = index(rest, ";")
			rest = substr(rest, semi + 1)
		} else {
			semi = index(rest, ";")
			pv = semi ? substr(rest, 1, semi - 1) : rest
			sub(/^[ \t]+/, "", pv)
			sub(/[ \t]+$/, "", pv)
			rest = substr(rest, semi + 1)
		}
		if (!(name in P)) P[name] = pv
	}
	return ("boundary" in P) ? P["boundary"] : ""
}

# §4.3 item 4 over lines j0.. within [.., pe): appends parts to PJ/PS/PE (line, start, end) and
# sets FIRST/LAST, DELIMS and CLOSED.
function split_body(j0, pe, b,   dopen, dclose, j, c, ps, pj, e) {
	dopen = "--" b
	dclose = dopen "--"
	DELIMS = 0
	CLOSED = 0
	FIRST = NP + 1
	ps = -1
	for (j = j0; j <= NL && off[j] < pe; j++) {
		c = content(j, pe)
		sub(/[ \t]+$/, "", c)
		if (c != dopen && c != dclose) continue
		DELIMS++
		if (ps >= 0) {
			e = off[j]
			if (e > ps) {
				e--
				if (e > ps && L[j - 1] ~ /\r$/) e--
			}
			NP++; PJ[NP] = pj; PS[NP] = ps; PE[NP] = e
		}
		if (c == dclose) { CLOSED = 1; LAST = NP; return }
		pj = j + 1
		ps = off[j] + length(L[j]) + 1
		if (ps > pe) ps = pe
	}
	if (ps >= 0) { NP++; PJ[NP] = pj; PS[NP] = ps; PE[NP] = pe }
	LAST = NP
}

# §4.3 items 5–7 for part k at nesting level lvl.
function part(k, lvl,   j, ps, pe, body, bs, b, enc, first, last, i) {
	j = PJ[k]; ps = PS[k]; pe = PE[k]
	split("", H)
	bs = ps
	body = j
	if (ps < pe && (L[j] == "" || L[j] == "\r") && haslf[j] && off[j] + length(L[j]) < pe) {
		body = j + 1
		bs = off[j] + length(L[j]) + 1
	} else if (ps < pe) {
		i = headers(j, pe)
		if (i) { body = i; bs = BODYSTART } else split("", H)
	}
	b = boundary()
	if (b != "") {
		if (lvl + 1 > 3) { print "W W_MIME_LIMIT 0 0"; return }
		split_body(body, pe, b)
		if (!DELIMS) { print "W W_MIME 0 0"; return }
		if (!CLOSED) print "W W_MIME_UNTERMINATED 0 0"
		first = FIRST; last = LAST
		for (i = first; i <= last && !STOP; i++) part(i, lvl + 1)
		return
	}
	if (++LEAVES > 64) { print "W W_MIME_LIMIT 0 0"; STOP = 1; return }
	enc = "id"
	if ("content-transfer-encoding" in H) {
		enc = lower_trim(H["content-transfer-encoding"])
		if (enc == "7bit" || enc == "8bit" || enc == "binary") enc = "id"
		else if (enc == "base64") enc = "b64"
		else if (enc == "quoted-printable") enc = "qp"
		else enc = "bad"
	}
	print "L " LEAVES " " bs " " (pe - bs) " " enc
}

# Only the header block is read before deciding; a plain input is not read further.
{
	NL++
	L[NL] = $0
	off[NL] = pos
	haslf[NL] = 1
	pos += length($0) + 1
	if (NL == 1 && substr($0, 1, 3) == "\357\273\277") { L[1] = substr($0, 4); off[1] = 3 }
	if (!decided) {
		c = L[NL]
		sub(/\r$/, "", c)
		if (c == "" && NL > 1) decided = 1
		else if (!(c ~ /^[!-9;-~]+:/ || (NL > 1 && c ~ /^[ \t]/))) { print "PLAIN"; done = 1; exit }
	}
}

END {
	if (done) exit
	if (NL == 0) { print "PLAIN"; exit }
	if (pos > size) { haslf[NL] = 0; pos = size }
	j = headers(1, pos)
	if (!j || boundary() == "") { print "PLAIN"; exit }
	split_body(j, pos, boundary())
	if (!DELIMS) { print "W W_MIME 0 0"; print "PLAIN"; exit }
	if (!CLOSED) print "W W_MIME_UNTERMINATED 0 0"
	first = FIRST; last = LAST
	for (i = first; i <= last && !STOP; i++) part(i, 1)
}
