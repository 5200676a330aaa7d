# emit.awk — the outputs of userdata.md §11.1, §11.3 and §11.4. Variables: out (directory),
# ub, eb (blocks), gw (glideinwms 0/1). Operands `f=1 FILE f=2 FILE f=3 FILE f=4 FILE`: user
# keys, extra keys (`key\001value` lines), user warnings, extra warnings (`CODE part line`, the
# limit of §13 already applied).

function sorted(m, o,   n, k, i, j, t) {
	n = 0
	for (k in m) o[++n] = k
	for (i = 2; i <= n; i++) {
		t = o[i]
		for (j = i - 1; j >= 1 && o[j] > t; j--) o[j + 1] = o[j]
		o[j + 1] = t
	}
	return n
}

# §11.1 item 2: `'` + value with each `'` as `'\''` + `'`
function shq(s,   r, i) {
	r = ""
	while (i = index(s, "\047")) { r = r substr(s, 1, i - 1) "\047\\\047\047"; s = substr(s, i + 1) }
	return "\047" r s "\047"
}

# §11.3: values hold no control byte but TAB (§5.2), so only `"`, `\` and TAB need escapes.
function jq(s,   r, c) {
	r = ""
	while (match(s, /[\\"\t]/)) {
		c = substr(s, RSTART, 1)
		r = r substr(s, 1, RSTART - 1) (c == "\t" ? "\\t" : "\\" c)
		s = substr(s, RSTART + 1)
	}
	return "\"" r s "\""
}

function ucontext(m, file,   o, n, i) {
	printf "# ucvm-context 1\n" > file
	n = sorted(m, o)
	for (i = 1; i <= n; i++) printf "_UCONTEXT_%s=%s\n", toupper(o[i]), shq(m[o[i]]) > file
	close(file)
}

function jkeys(m,   o, n, i, r) {
	n = sorted(m, o)
	r = "{"
	for (i = 1; i <= n; i++) r = r (i > 1 ? "," : "") jq(o[i]) ":" jq(m[o[i]])
	return r "}"
}

f <= 2 {
	k = substr($0, 1, index($0, "\001") - 1)
	v = substr($0, length(k) + 2)
	if (f == 1) U[k] = v; else X[k] = v
	E[k] = v
	next
}
{
	w[++nw] = "{\"code\":\"" $1 "\",\"input\":\"" (f == 3 ? "user" : "extra") "\",\"part\":" $2 ",\"line\":" $3 "}"
	t[nw] = $1 " " (f == 3 ? "user" : "extra") " " $2 " " $3
}

END {
	ucontext(U, out "/ucontext")
	ucontext(X, out "/extra-ucontext")
	printf "" > (out "/warnings")
	for (i = 1; i <= nw; i++) print t[i] > (out "/warnings")
	j = "{\"format\":\"ucvm-userdata\",\"version\":1,\"user\":{\"blocks\":" ub ",\"glideinwms\":" (gw ? "true" : "false") ",\"keys\":" jkeys(U) "},\"extra\":{\"blocks\":" eb ",\"keys\":" jkeys(X) "},\"effective\":" jkeys(E) ",\"warnings\":["
	for (i = 1; i <= nw; i++) j = j (i > 1 ? "," : "") w[i]
	print j "]}" > (out "/ucontext.json")
}
