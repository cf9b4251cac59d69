BEGIN { FS = "\t"; plen = length(prefix) + 1 }
substr($1, 1, plen) == prefix "/" {
  rest = substr($1, plen + 1); i = rest; sub(/\/.*/, "", i); f = substr(rest, length(i) + 2)
  if (i + 1 > n) n = i + 1
  if (f == "digest") d[i] = $2
  else if (f == "mediaType") m[i] = $2
  else if (f == "platform/os") o[i] = $2
  else if (f == "platform/architecture") a[i] = $2
  else if (f == "platform/variant") v[i] = $2
  else if (f == "annotations/vnd.docker.reference.type" || f == "annotations/com.docker.reference.type") t[i] = $2
  else if (f == "annotations/vnd.docker.reference.digest" || f == "annotations/com.docker.reference.digest") s[i] = $2
}
END {
  for (i = 0; i < n; i++) {
    k = "image"
    if (t[i] == "attestation-manifest" || o[i] == "unknown" || a[i] == "unknown") k = "attestation"
    else if (o[i] == "" || a[i] == "") k = "other"
    p = (o[i] == "" ? "unknown" : o[i]) "/" (a[i] == "" ? "unknown" : a[i]) (v[i] == "" ? "" : "/" v[i])
    print d[i] "\t" (m[i] == "" ? "-" : m[i]) "\t" p "\t" k "\t" (s[i] == "" ? "-" : s[i])
  }
}
