# scan.awk — userdata.md §4.4 (normalisation), §5 (blocks, entry lines), §6.1, §7.1–7.2 over the
# text units of one input (BOM already removed). Operands: `part=N FILE` pairs in document order; NUL bytes are
# already mapped to \001 (both fail §5.2 check 1 alike). Needs values.awk.
# Output: `W CODE PART LINE` per warning, then `B BLOCKS`, then `K key\001value` per key in
# insertion order.

function finish_unit() {
	if (begin_line) print "W W_UNTERMINATED " upart " " begin_line
	begin_line = 0
	lineno = 0
}

# WS trimming by scanning from both ends (no regex over a long line)
function trim(s,   i, j, c) {
	i = 1
	j = length(s)
	while (i <= j && ((c = substr(s, i, 1)) == " " || c == "\t")) i++
	while (j >= i && ((c = substr(s, j, 1)) == " " || c == "\t")) j--
	return substr(s, i, j - i + 1)
}

# One §4.4 line of the current unit.
function scan_line(line,   m, t, eq, key, value, stored) {
	lineno++
	m = trim(line)
	m = length(m) <= 15 ? tolower(m) : ""
	if (!begin_line) {
		if (m == "[ucernvm-begin]") { begin_line = lineno; blocks++ }
		else if (m == "[ucernvm-end]") print "W W_STRAY_END " upart " " lineno
		return
	}
	if (m == "[ucernvm-begin]") { print "W W_NESTED_BEGIN " upart " " lineno; return }
	if (m == "[ucernvm-end]") { begin_line = 0; return }
	# §5.2 checks in order; the first failing one is the line's only warning.
	if (line !~ /^[\t -~]*$/) {
		if (line ~ /[\001-\010\012-\037\177]/) { print "W W_CONTROL_CHAR " upart " " lineno; return }
		if (bad_bytes(line)) { print "W W_BAD_UTF8 " upart " " lineno; return }
	}
	t = trim(line)
	if (t == "" || substr(t, 1, 1) == "#") return
	eq = index(t, "=")
	if (!eq) { print "W W_NO_EQUALS " upart " " lineno; return }
	key = trim(substr(t, 1, eq - 1))
	# lower-case ASCII only: non-ASCII keys fail the pattern either way
	key = tolower(key)
	if (key !~ /^[a-z][a-z0-9_]*$/ || length(key) > 64) { print "W W_BAD_KEY " upart " " lineno; return }
	value = trim(substr(t, eq + 1))
	# §6.1 item 1: one pair of equal outer quotes
	if (length(value) >= 2 && value ~ /^["']/ && substr(value, length(value)) == substr(value, 1, 1))
		value = substr(value, 2, length(value) - 2)
	stored = check(key, value)
	if (!OK) { print "W " (TOOLONG ? "W_VALUE_TOO_LONG" : "W_INVALID_VALUE") " " upart " " lineno; return }
	# §7.1–7.2: the last valid occurrence wins; at most 256 distinct keys
	if (key in map) { map[key] = stored; print "W W_DUPLICATE " upart " " lineno; return }
	if (nkeys >= 256) { print "W W_TOO_MANY_KEYS " upart " " lineno; return }
	map[key] = stored
	order[++nkeys] = key
}

FNR == 1 {
	if (started) finish_unit()
	started = 1
	upart = part
}

{
	# §4.4: CRLF → LF, then every other CR → LF (awk already split at LF)
	rec = $0
	sub(/\r$/, "", rec)
	n = split(rec, pieces, "\r")
	if (n == 0) scan_line("")
	for (i = 1; i <= n; i++) scan_line(pieces[i])
}

END {
	if (started) finish_unit()
	print "B " (blocks + 0)
	for (i = 1; i <= nkeys; i++) printf "K %s\001%s\n", order[i], map[order[i]]
}
