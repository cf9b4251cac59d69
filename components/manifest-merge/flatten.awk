function at_delim(ch) { return ch == "," || ch == "}" || ch == "]" || ch == " " || ch == "\t" || ch == "\r" || ch == "\n" }
function pointer(   p, k, lv) {
  p = ""
  for (lv = 1; lv <= depth; lv++) { k = key[lv] ""; gsub(/~/, "~0", k); gsub(/\//, "~1", k); p = p "/" k }
  return p
}
{ buf = buf $0 "\n" }
END {
  n = length(buf); i = 1; depth = 0; want_key = 0
  while (i <= n) {
    c = substr(buf, i, 1)
    if (c == "{") { depth++; kind[depth] = "o"; key[depth] = ""; want_key = 1; i++ }
    else if (c == "[") { depth++; kind[depth] = "a"; key[depth] = 0; want_key = 0; i++ }
    else if (c == "}" || c == "]") { depth--; want_key = 0; i++ }
    else if (c == ",") { if (kind[depth] == "a") key[depth]++; else want_key = 1; i++ }
    else if (c == ":") { want_key = 0; i++ }
    else if (c == "\"") {
      s = ""; j = i + 1
      while (j <= n) {
        d = substr(buf, j, 1)
        if (d == "\\") { e = substr(buf, j + 1, 1); if (e == "\"" || e == "\\" || e == "/") s = s e; else s = s "\\" e; j += 2 }
        else if (d == "\"") break
        else { s = s d; j++ }
      }
      i = j + 1
      if (depth > 0 && kind[depth] == "o" && want_key) { key[depth] = s; want_key = 0 }
      else print pointer() "\t" s
    }
    else if (c == " " || c == "\t" || c == "\r" || c == "\n") i++
    else { j = i; while (j <= n && !at_delim(substr(buf, j, 1))) j++; print pointer() "\t" substr(buf, i, j - i); i = j }
  }
}
