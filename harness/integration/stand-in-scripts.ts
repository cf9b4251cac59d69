/**
 * The shell scripts inside the image stand-ins (stand-ins.ts): entrypoints that behave like the real
 * images' ones, and the `apk`/`dnf` stand-ins. Written for this project (POSIX sh, busybox ash in
 * the Alpine-like stand-ins); they follow what the real scripts do, as described in
 * docs/image-stand-ins.md, not their text.
 */

/**
 * docker:*-cli's `docker-entrypoint.sh`: a first argument that is an option or a docker subcommand
 * runs `docker`; DOCKER_HOST defaults to the local socket, else `tcp://docker:2376` with TLS
 * (client certificates under $DOCKER_TLS_CERTDIR/client, or DOCKER_TLS_VERIFY set) or
 * `tcp://docker:2375` without.
 */
export const DOCKER_ENTRYPOINT = `#!/bin/sh
# Stand-in for docker:*-cli's docker-entrypoint.sh (catalog integration harness; no image can be pulled here).
set -eu

if [ "$#" -gt 0 ] && [ "\${1#-}" != "$1" ]; then
	set -- docker "$@"
fi
if [ "$#" -gt 0 ] && docker help "$1" > /dev/null 2>&1; then
	set -- docker "$@"
fi

tls_client_certs() {
	[ -n "\${DOCKER_TLS_CERTDIR:-}" ] &&
		[ -s "$DOCKER_TLS_CERTDIR/client/ca.pem" ] &&
		[ -s "$DOCKER_TLS_CERTDIR/client/cert.pem" ] &&
		[ -s "$DOCKER_TLS_CERTDIR/client/key.pem" ]
}

if [ -z "\${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ]; then
	export DOCKER_HOST=unix:///var/run/docker.sock
fi
if [ -z "\${DOCKER_HOST:-}" ]; then
	if tls_client_certs || [ -n "\${DOCKER_TLS_VERIFY:-}" ]; then
		export DOCKER_HOST=tcp://docker:2376
	else
		export DOCKER_HOST=tcp://docker:2375
	fi
fi
case $DOCKER_HOST in
	tcp:*)
		if [ -z "\${DOCKER_TLS_VERIFY:-}" ] && [ -z "\${DOCKER_CERT_PATH:-}" ] && tls_client_certs; then
			export DOCKER_TLS_VERIFY=1
			export DOCKER_CERT_PATH="$DOCKER_TLS_CERTDIR/client"
		fi
		;;
esac

if [ "$#" -eq 0 ]; then set -- sh; fi
exec "$@"
`;

/** docker:*-cli's `modprobe`: asks the kernel about the module, then the real modprobe (busybox's here). */
export const MODPROBE = `#!/bin/sh
# Stand-in for docker:*-cli's modprobe wrapper: show what the kernel already has, then try the real one.
for module; do
	case $module in
		-*) ;;
		*)
			ip link show "$module" 2> /dev/null || true
			lsmod 2> /dev/null | grep "$module" || true
			;;
	esac
done
PATH=/usr/sbin:/usr/bin:/sbin:/bin exec modprobe "$@"
`;

/**
 * How docker:*-dind's entrypoint chooses between nf_tables and legacy iptables for dockerd (one tab
 * in: it sits in an `if`): legacy where the kernel already has legacy rules or nf_tables does not
 * work, as the real entrypoint decides. The buildkit stand-in's dockerd chooses the same way.
 */
const IPTABLES_CHOICE = `	legacy=
	if [ -n "\${DOCKER_IPTABLES_LEGACY+x}" ]; then
		legacy=$DOCKER_IPTABLES_LEGACY
	elif (
		for f in /proc/net/ip_tables_names /proc/net/ip6_tables_names /proc/net/arp_tables_names; do
			if [ -n "$(cat "$f" 2> /dev/null)" ]; then exit 0; fi
		done
		exit 1
	); then
		# The kernel already has legacy rules: mixing both makes a mess.
		legacy=1
	elif ! iptables -nL > /dev/null 2>&1; then
		modprobe nf_tables > /dev/null 2>&1 || :
		if ! iptables -nL > /dev/null 2>&1 && /usr/local/sbin/.iptables-legacy/iptables -nL > /dev/null 2>&1; then
			legacy=1
		fi
	fi
	if [ -n "$legacy" ]; then
		export PATH="/usr/local/sbin/.iptables-legacy:$PATH"
	fi
	iptables --version
`;

/**
 * docker:*-dind's `dockerd-entrypoint.sh`: without arguments (or with options only) it starts
 * `dockerd` on the local socket and on TCP: with DOCKER_TLS_CERTDIR set, it creates a CA, a server
 * certificate (SANs: the container's addresses, hostname, `docker`, `localhost`, DOCKER_TLS_SAN)
 * and a client certificate under $DOCKER_TLS_CERTDIR/{ca,server,client} and listens on 2376 with
 * --tlsverify; without it, plain TCP on 2375. Extra arguments (`--registry-mirror=…`,
 * `--insecure-registry=…`) are passed on to dockerd. dockerd runs under docker-init, through the
 * `dind` wrapper, with legacy iptables where the kernel has legacy rules or nf_tables fails.
 */
export const DOCKERD_ENTRYPOINT = `#!/bin/sh
# Stand-in for docker:*-dind's dockerd-entrypoint.sh (catalog integration harness; no image can be pulled here).
set -eu

tls_key() {
	[ -s "$1" ] || openssl genrsa -out "$1" 4096
}

tls_san() {
	{
		ip addr show 2> /dev/null | awk '$1 == "inet" || $1 == "inet6" { sub(/\\/.*$/, "", $2); print "IP:" $2 }'
		{
			cat /etc/hostname 2> /dev/null || true
			echo docker
			echo localhost
			hostname -f 2> /dev/null || true
			hostname -s 2> /dev/null || true
		} | sed '/^$/d; s/^/DNS:/'
		if [ -n "\${DOCKER_TLS_SAN:-}" ]; then echo "$DOCKER_TLS_SAN"; fi
	} | sort -u | paste -s -d , -
}

tls_certs() {
	dir=$1
	# Certificates managed by the user (server/ but no CA key): only verify them.
	if [ -s "$dir/server/ca.pem" ] && [ -s "$dir/server/cert.pem" ] && [ -s "$dir/server/key.pem" ] && [ ! -s "$dir/ca/key.pem" ]; then
		openssl verify -CAfile "$dir/server/ca.pem" "$dir/server/cert.pem"
		return 0
	fi
	days=825
	if [ -s "$dir/ca/key.pem" ] || [ ! -s "$dir/ca/cert.pem" ]; then
		mkdir -p "$dir/ca"
		tls_key "$dir/ca/key.pem"
		openssl req -new -x509 -key "$dir/ca/key.pem" -out "$dir/ca/cert.pem" -days "$days" \\
			-subj '/CN=docker:dind CA' -addext keyUsage=critical,digitalSignature,keyCertSign
	fi
	if [ -s "$dir/ca/key.pem" ]; then
		mkdir -p "$dir/server"
		tls_key "$dir/server/key.pem"
		openssl req -new -key "$dir/server/key.pem" -out "$dir/server/csr.pem" -subj '/CN=docker:dind server'
		printf '[ x509_exts ]\\nextendedKeyUsage = serverAuth\\nsubjectAltName = %s\\n' "$(tls_san)" > "$dir/server/openssl.cnf"
		openssl x509 -req -in "$dir/server/csr.pem" -CA "$dir/ca/cert.pem" -CAkey "$dir/ca/key.pem" -CAcreateserial \\
			-out "$dir/server/cert.pem" -days "$days" -extfile "$dir/server/openssl.cnf" -extensions x509_exts
		cp "$dir/ca/cert.pem" "$dir/server/ca.pem"
		openssl verify -CAfile "$dir/server/ca.pem" "$dir/server/cert.pem"

		mkdir -p "$dir/client"
		tls_key "$dir/client/key.pem"
		# Shared with job containers that may run as any user.
		chmod 0644 "$dir/client/key.pem"
		openssl req -new -key "$dir/client/key.pem" -out "$dir/client/csr.pem" -subj '/CN=docker:dind client'
		printf '[ x509_exts ]\\nextendedKeyUsage = clientAuth\\n' > "$dir/client/openssl.cnf"
		openssl x509 -req -in "$dir/client/csr.pem" -CA "$dir/ca/cert.pem" -CAkey "$dir/ca/key.pem" -CAcreateserial \\
			-out "$dir/client/cert.pem" -days "$days" -extfile "$dir/client/openssl.cnf" -extensions x509_exts
		cp "$dir/ca/cert.pem" "$dir/client/ca.pem"
		openssl verify -CAfile "$dir/client/ca.pem" "$dir/client/cert.pem"
	fi
}

if [ "$#" -eq 0 ] || [ "\${1#-}" != "$1" ]; then
	socket=unix:///var/run/docker.sock
	case "\${DOCKER_HOST:-}" in unix://*) socket=$DOCKER_HOST ;; esac
	if [ -n "\${DOCKER_TLS_CERTDIR:-}" ]; then
		tls_certs "$DOCKER_TLS_CERTDIR"
		set -- dockerd --host="$socket" --host=tcp://0.0.0.0:2376 --tlsverify \\
			--tlscacert "$DOCKER_TLS_CERTDIR/server/ca.pem" \\
			--tlscert "$DOCKER_TLS_CERTDIR/server/cert.pem" \\
			--tlskey "$DOCKER_TLS_CERTDIR/server/key.pem" \\
			"$@"
	else
		set -- dockerd --host="$socket" --host=tcp://0.0.0.0:2375 "$@"
	fi
fi

if [ "$1" = dockerd ]; then
	# A pidfile left by an unclean stop keeps dockerd from starting.
	find /run /var/run -iname 'docker*.pid' -delete 2> /dev/null || :
	# docker-init reaps the shims' zombies (dockerd is not meant to be pid 1).
	set -- docker-init -- "$@"

${IPTABLES_CHOICE}
	if [ "$(id -u)" != 0 ]; then
		echo >&2 "error: this stand-in has no rootless dockerd (rootlesskit): run it as root (--privileged)"
		exit 1
	fi
	set -- /usr/local/bin/dind "$@"
else
	# Anything else runs as in the cli image, with DOCKER_HOST set up.
	set -- docker-entrypoint.sh "$@"
fi

exec "$@"
`;

/**
 * The `dind` wrapper (moby's hack/dind, which the dind image runs dockerd through): mounts securityfs
 * and a /tmp of its own when missing, and on cgroup v2 moves itself into a child cgroup and enables
 * the controllers, so that dockerd can create nested cgroups.
 */
export const DIND_WRAPPER = `#!/bin/sh
# Stand-in for moby's hack/dind wrapper (catalog integration harness).
set -e
container=docker
export container

if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
	mount -t securityfs none /sys/kernel/security || echo >&2 'could not mount /sys/kernel/security: AppArmor confinement may not work'
fi
if ! mountpoint -q /tmp; then
	mount -t tmpfs none /tmp
fi
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	# cgroup v2: leave the root cgroup to dockerd's children.
	mkdir -p /sys/fs/cgroup/init
	xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2> /dev/null || :
	sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control || :
fi
if [ "$#" -gt 0 ]; then exec "$@"; fi
`;

/** registry:3's `/entrypoint.sh`: a config file argument means `registry serve <file>`. */
export const REGISTRY_ENTRYPOINT = `#!/bin/sh
# Stand-in for registry:3's entrypoint.sh (catalog integration harness).
set -e
case "$1" in
	*.yaml | *.yml) set -- registry serve "$@" ;;
	serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
`;

/** node's `docker-entrypoint.sh`: an option or a file that is not a command runs node. */
export const NODE_ENTRYPOINT = `#!/bin/sh
# Stand-in for node's docker-entrypoint.sh (catalog integration harness).
set -e
if [ "$#" -eq 0 ] || [ "\${1#-}" != "$1" ] || { [ -f "$1" ] && ! command -v -- "$1" > /dev/null 2>&1; }; then
	set -- node "$@"
fi
exec "$@"
`;

export interface OfflinePackageManager {
  /** `apk` or `dnf`. */
  readonly command: string;
  /** The image it stands in for, for the messages. */
  readonly image: string;
  /** Packages this stand-in can install: name → the Debian package whose tarball (/usr/share/stand-in-packages/<deb>.tar) is extracted into /. */
  readonly staged: Readonly<Record<string, string>>;
  /** Packages already in the image: installing them succeeds without doing anything. */
  readonly installed: readonly string[];
}

/**
 * An `apk`/`dnf` stand-in: says what it is; `add`/`install` succeeds for packages already in the
 * image and for the few staged in it (extracted from /usr/share/stand-in-packages/<name>.tar), and
 * fails with a clear message for anything else, since no Alpine or Fedora repository can be reached.
 */
export function offlinePackageManager(pm: OfflinePackageManager): string {
  const staged = Object.keys(pm.staged);
  const verbs = pm.command === 'apk' ? 'add' : 'install';
  return `#!/bin/sh
# STAND-IN for ${pm.command} in the catalog integration harness's stand-in for ${pm.image}: that
# image is built from Debian packages because no image can be pulled here, and no ${pm.command === 'apk' ? 'Alpine' : 'Fedora'}
# repository can be reached. It installs only packages staged in the image
# (/usr/share/stand-in-packages) or already present, and fails for anything else.
set -u
me=${pm.command}
staged_dir=/usr/share/stand-in-packages
installed=' ${pm.installed.join(' ')} '
say() { printf '%s (stand-in): %s\\n' "$me" "$*" >&2; }
if [ "$#" -eq 0 ]; then
	say "this is a stand-in for ${pm.command} in a Debian-built stand-in for ${pm.image}; it can only '${verbs}' these packages: ${[...staged, ...pm.installed].join(' ')}"
	exit 1
fi
verb=
packages=
for arg; do
	case $arg in
		-*) ;;
		*)
			if [ -z "$verb" ]; then verb=$arg; else packages="$packages $arg"; fi
			;;
	esac
done
case $verb in
	${verbs}${pm.command === 'dnf' ? ' | reinstall' : ''}) ;;
	${pm.command === 'apk' ? '--print-arch | info | update | --version' : 'clean | makecache | --version'})
		say "'$verb' does nothing here: no ${pm.command === 'apk' ? 'Alpine' : 'Fedora'} repository can be reached"
		exit 0
		;;
	*)
		say "'$verb' is not supported: this is a stand-in (see /usr/share/stand-in-packages/README)"
		exit 1
		;;
esac
status=0
for package in $packages; do
	case $installed in
		*" $package "*)
			say "$package is already installed"
			continue
			;;
	esac
	case $package in
${staged.map((name) => `		${name}) deb=${pm.staged[name]} ;;`).join('\n')}
		*) deb= ;;
	esac
	if [ -n "$deb" ] && [ -f "$staged_dir/$deb.tar" ]; then
		tar -x -f "$staged_dir/$deb.tar" -C / || status=1
		say "installed $package from the stand-in's staged packages"
	else
		say "cannot install $package: no ${pm.command === 'apk' ? 'Alpine' : 'Fedora'} repository can be reached from this stand-in for ${pm.image}; it can only install: ${staged.join(' ') || '(nothing)'}"
		status=1
	fi
done
exit "$status"
`;
}

export interface BinfmtEntry {
  /** tonistiigi/binfmt's architecture name: arm64, ppc64le, … */
  readonly arch: string;
  /** The interpreter's name: qemu-aarch64, … (registered under that name, as /usr/bin/<name>). */
  readonly binary: string;
  readonly magic: string;
  readonly mask: string;
  readonly offset: string;
}

/**
 * tonistiigi/binfmt's `binfmt` command: `--install <arch,…|all>` registers /usr/bin/qemu-<arch>
 * with binfmt_misc (flags CF: the kernel opens the interpreter at registration, so it keeps working
 * after the container is gone), `--uninstall <arch,…>` removes entries, and it always ends by
 * printing the status as JSON (`supported` platforms, registered `emulators`). It mounts binfmt_misc
 * when needed (privileged). Errors are logged, the exit code stays 0, as the real one does.
 * Interpreted by the busybox hidden in /usr/libexec/binfmt-stand-in (the real image has no shell).
 */
export function binfmtScript(entries: readonly BinfmtEntry[], busybox: string): string {
  const table = entries.map((e) => `${e.arch} ${e.binary} ${e.offset} ${e.magic} ${e.mask}`).join('\n');
  return `#!${busybox} sh
# Stand-in for tonistiigi/binfmt's binfmt command (catalog integration harness; no image can be pulled
# here): registers the QEMU user-mode interpreters of Debian's qemu-user-static shipped in this image.
bb=${busybox}
mount_point=/proc/sys/fs/binfmt_misc
install=
uninstall=
while [ "$#" -gt 0 ]; do
	case $1 in
		--install | -install) install=$2; shift 2 ;;
		--install=* | -install=*) install=\${1#*=}; shift ;;
		--uninstall | -uninstall) uninstall=$2; shift 2 ;;
		--uninstall=* | -uninstall=*) uninstall=\${1#*=}; shift ;;
		--mount | -mount) mount_point=$2; shift 2 ;;
		--version | -version) echo "binfmt/stand-in qemu/$(/usr/bin/qemu-aarch64 --version | $bb head -n 1)" >&2; exit 0 ;;
		*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done
table='${table}'
log() { echo "$*" >&2; }
# linux/arm64 -> arm64; names as tonistiigi/binfmt takes them.
arch_of() {
	a=\${1#*/}
	a=\${a%%/*}
	case $a in aarch64) a=arm64 ;; x86_64) a=amd64 ;; ppc64el) a=ppc64le ;; loongarch64) a=loong64 ;; esac
	echo "$a"
}
if [ ! -e "$mount_point/status" ]; then
	$bb mount -t binfmt_misc binfmt_misc "$mount_point" || { log "error: cannot mount binfmt_misc filesystem at $mount_point"; exit 0; }
	mounted=1
fi
for name in $(echo "$uninstall" | $bb tr ',' ' '); do
	a=$(arch_of "$name")
	binary=$(echo "$table" | $bb awk -v a="$a" '$1 == a { print $2 }')
	target=$mount_point/\${binary:-$name}
	if [ -e "$target" ]; then
		echo -1 > "$target" && log "uninstalling: $name OK"
	else
		log "uninstalling: $name not found"
	fi
done
if [ "$install" = all ]; then install=$(echo "$table" | $bb awk '{ print $1 }' | $bb tr '\\n' ','); fi
for name in $(echo "$install" | $bb tr ',' ' '); do
	a=$(arch_of "$name")
	line=$(echo "$table" | $bb awk -v a="$a" '$1 == a')
	if [ -z "$line" ]; then log "installing: $name unsupported architecture: $name"; continue; fi
	set -- $line
	if [ -e "$mount_point/$2" ]; then
		log "installing: $name $2 already registered"
		continue
	fi
	if printf ':%s:M:%s:%s:%s:%s:%s' "$2" "$3" "$4" "$5" "/usr/bin/$2" "CF\${QEMU_PRESERVE_ARGV0:+P}" > "$mount_point/register" 2> /dev/null; then
		log "installing: $name OK"
	else
		log "installing: $name cannot register /usr/bin/$2 to $mount_point/register"
	fi
done
emulators=
for f in "$mount_point"/*; do
	n=\${f##*/}
	case $n in register | status) continue ;; esac
	if [ "$($bb head -n 1 "$f")" = enabled ]; then emulators="$emulators \\"$n\\","; fi
done
supported='"linux/amd64", "linux/386",'
for binary in $(echo "$table" | $bb awk '{ print $2 }'); do
	if [ -e "$mount_point/$binary" ]; then
		a=$(echo "$table" | $bb awk -v b="$binary" '$2 == b { print $1 }')
		case $a in amd64 | 386) ;; arm) supported="$supported \\"linux/arm/v7\\", \\"linux/arm/v6\\"," ;; *) supported="$supported \\"linux/$a\\"," ;; esac
	fi
done
printf '{\\n  "supported": [%s],\\n  "emulators": [%s]\\n}\\n' "\${supported%,}" "\${emulators%,}"
if [ -n "\${mounted:-}" ]; then $bb umount "$mount_point" 2> /dev/null || :; fi
exit 0
`;
}

/** Where the buildkit stand-in's dockerd listens: buildctl (stand-in) bridges to its `/grpc` endpoint. */
export const BUILDKIT_DOCKERD_SOCKET = '/run/buildkit/dockerd.sock';

/**
 * moby/buildkit's `buildkitd`, as buildx's docker-container driver runs it (the image's entrypoint,
 * its flags as the command, the state volume at /var/lib/buildkit, `--config
 * /etc/buildkit/buildkitd.toml` when the builder has one): a STAND-IN that starts dockerd 26.1
 * (its managed containerd, the containerd image store) with its data under the state volume
 * (overlay cannot be mounted on the container's own overlay root), whose embedded BuildKit then
 * serves the builds through buildctl's `dial-stdio` (below). The buildkitd.toml registry settings
 * become dockerd's: `ca` → certs.d CAs, `keypair` → certs.d client certificates, `http`/`insecure`
 * → insecure-registries, `mirrors` of docker.io → registry-mirrors; what dockerd has no setting
 * for (mirrors of other registries, every other section) is named on stderr as not honoured.
 * `--allow-insecure-entitlement` becomes dockerd's builder entitlements; other flags are named
 * as not honoured.
 */
export function buildkitdScript(version: string): string {
  return `#!/bin/sh
# STAND-IN for moby/buildkit's buildkitd (catalog integration harness): the image cannot be pulled
# here and buildkitd is packaged neither in Debian nor in npm. It runs dockerd 26.1, whose embedded
# BuildKit serves the builds (buildctl dial-stdio bridges to it), with buildkitd.toml's registry
# settings translated into dockerd's.
set -eu
say() { echo "buildkitd (stand-in): $*" >&2; }
state=/var/lib/buildkit
config=/etc/buildkit/buildkitd.toml
debug=false
network_host=false
security_insecure=false
while [ "$#" -gt 0 ]; do
	case $1 in
		--version)
			echo "buildkitd github.com/moby/buildkit ${version} stand-in"
			exit 0
			;;
		--config) config=$2; shift ;;
		--config=*) config=\${1#--config=} ;;
		--root) state=$2; shift ;;
		--root=*) state=\${1#--root=} ;;
		--debug) debug=true ;;
		--allow-insecure-entitlement | --allow-insecure-entitlement=*)
			if [ "$1" = --allow-insecure-entitlement ]; then entitlement=$2; shift; else entitlement=\${1#*=}; fi
			case $entitlement in
				network.host) network_host=true ;;
				security.insecure) security_insecure=true ;;
				*) say "entitlement $entitlement is not honoured" ;;
			esac
			;;
		*) say "flag $1 is not honoured (dockerd's BuildKit runs with its own settings)" ;;
	esac
	shift
done

mkdir -p "$state/docker" /etc/docker/certs.d /run/buildkit
mirrors=
insecure=
if [ -s "$config" ]; then
	say "registry settings of $config:"
	# One line per setting: <kind> <registry> <value> [<keypair number>].
	awk '
		function trim(s) { sub(/^[ \\t]+/, "", s); sub(/[ \\t]+$/, "", s); return s }
		function registry(s) { sub(/^\\[+registry\\.("|)/, "", s); sub(/("|)(\\.keypair|)\\]+$/, "", s); return s }
		{ line = trim($0) }
		line == "" || line ~ /^#/ { next }
		line ~ /^\\[\\[registry\\..*\\.keypair\\]\\]$/ { reg = registry(line); section = "keypair"; pair++; next }
		line ~ /^\\[registry\\..*\\]$/ { reg = registry(line); section = "registry"; next }
		line == "[registry]" { section = "none"; next }
		line ~ /^\\[/ { section = "other"; print "ignored - " line; next }
		{
			key = line; sub(/[ \\t]*=.*$/, "", key); gsub(/"/, "", key)
			value = line; sub(/^[^=]*=[ \\t]*/, "", value); gsub(/[][" \\t]/, "", value)
			if (section == "registry" && (key == "ca" || key == "mirrors")) {
				n = split(value, items, ",")
				for (i = 1; i <= n; i++) if (items[i] != "") print key " " reg " " items[i]
			} else if (section == "registry" && (key == "http" || key == "insecure")) print key " " reg " " value
			else if (section == "keypair" && (key == "cert" || key == "key")) print key " " reg " " value " " pair
			else if (section == "other") next
			else print "ignored - " line
		}
	' "$config" > /run/buildkit/registry-settings
	n=0
	while read -r kind reg value pair; do
		case $kind in
			ca)
				n=$((n + 1))
				mkdir -p "/etc/docker/certs.d/$reg"
				cp "$value" "/etc/docker/certs.d/$reg/buildkitd-ca-$n.crt"
				say "  $reg: CA $value -> /etc/docker/certs.d/$reg/"
				;;
			cert | key)
				mkdir -p "/etc/docker/certs.d/$reg"
				# dockerd's certs.d: <name>.cert with <name>.key.
				cp "$value" "/etc/docker/certs.d/$reg/buildkitd-client-$pair.$kind"
				say "  $reg: client $kind $value -> /etc/docker/certs.d/$reg/"
				;;
			http | insecure)
				if [ "$value" = true ]; then
					insecure="$insecure $reg"
					say "  $reg: $kind = true -> insecure-registries (dockerd tries HTTPS without verification, then HTTP)"
				fi
				;;
			mirrors)
				if [ "$reg" = docker.io ]; then
					mirrors="$mirrors $value"
				else
					say "  $reg: mirror $value NOT honoured (dockerd has mirrors for docker.io only)"
				fi
				;;
			ignored) say "  NOT honoured: $value $pair" ;;
		esac
	done < /run/buildkit/registry-settings
fi
json_list() {
	first=true
	printf '['
	for item; do
		if [ "$first" = true ]; then first=false; else printf ','; fi
		printf '"%s"' "$item"
	done
	printf ']'
}
mirror_urls=
for mirror in $mirrors; do
	scheme=https
	if grep -qx "http $mirror true" /run/buildkit/registry-settings 2> /dev/null; then scheme=http; fi
	mirror_urls="$mirror_urls $scheme://$mirror"
	say "  docker.io: mirror $scheme://$mirror -> registry-mirrors"
done
cat > /etc/docker/daemon.json <<JSON
{
  "features": { "containerd-snapshotter": true },
  "data-root": "$state/docker",
  "hosts": ["unix://${BUILDKIT_DOCKERD_SOCKET}"],
  "debug": $debug,
  "registry-mirrors": $(json_list $mirror_urls),
  "insecure-registries": $(json_list $insecure),
  "builder": { "entitlements": { "network-host": $network_host, "security-insecure": $security_insecure } }
}
JSON
find /run /var/run -iname 'docker*.pid' -delete 2> /dev/null || :
set -- dockerd
${IPTABLES_CHOICE}
exec /usr/local/bin/dind "$@"
`;
}

/**
 * The bridge between buildctl's stdin/stdout (stand-in) and the BuildKit control API of the
 * stand-in's dockerd: `POST /grpc` with `Upgrade: h2c` on dockerd's socket (how buildx's docker
 * driver reaches that BuildKit), the `101 Switching Protocols` head dropped, then bytes both ways.
 * `probe` only checks that dockerd answers the upgrade, waiting for it up to a bound (dockerd takes
 * seconds to start; buildx retries `buildctl debug workers` for about 14 s in all). Perl, from
 * perl-base: in every Debian root.
 */
export const GRPC_BRIDGE = `#!/usr/bin/perl
# STAND-IN helper of buildctl (catalog integration harness): bridges to dockerd's embedded BuildKit.
use strict;
use warnings;
use IO::Socket::UNIX;
use IO::Select;

my ($mode, $path, $wait) = @ARGV;
$wait = 0 unless defined $wait;

sub upgrade {
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) or return (undef, "cannot connect to $path: $!");
	print $s "POST /grpc HTTP/1.1\\r\\nHost: docker\\r\\nConnection: Upgrade\\r\\nUpgrade: h2c\\r\\nContent-Length: 0\\r\\n\\r\\n";
	my $head = '';
	while (index($head, "\\r\\n\\r\\n") < 0) {
		my $n = sysread($s, my $buf, 4096);
		return (undef, "dockerd closed the connection before answering /grpc") unless $n;
		$head .= $buf;
	}
	my $at = index($head, "\\r\\n\\r\\n");
	my $status = (split /\\r\\n/, substr($head, 0, $at))[0];
	return (undef, "dockerd answered /grpc with '$status', not 101") unless $status =~ m{^HTTP/1\\.[01] 101};
	return ($s, substr($head, $at + 4));
}

my $deadline = time + $wait;
my ($s, $rest);
while (1) {
	($s, $rest) = upgrade();
	last if $s || time >= $deadline;
	sleep 1;
}
die "buildctl (stand-in): $rest\\n" unless $s;
if ($mode eq 'probe') {
	print "dockerd's BuildKit answers on $path (/grpc)\\n";
	exit 0;
}

binmode STDIN;
binmode STDOUT;
sub put {
	my ($fh, $data) = @_;
	my $off = 0;
	while ($off < length $data) {
		my $w = syswrite($fh, $data, length($data) - $off, $off);
		die "buildctl (stand-in): write: $!\\n" unless defined $w;
		$off += $w;
	}
}
put(\\*STDOUT, $rest) if length $rest;
my $select = IO::Select->new(\\*STDIN, $s);
while (my @ready = $select->can_read) {
	for my $fh (@ready) {
		my $n = sysread($fh, my $buf, 65536);
		if (fileno($fh) == fileno($s)) {
			exit 0 unless $n;
			put(\\*STDOUT, $buf);
		} elsif (!$n) {
			# buildx closed its side: tell dockerd, and keep reading its answers.
			$select->remove(\\*STDIN);
			shutdown($s, 1);
		} else {
			put($s, $buf);
		}
	}
}
`;

/** moby/buildkit's `buildctl`: a STAND-IN with the two commands buildx's docker-container driver runs in the container. */
export const BUILDCTL_SCRIPT = `#!/bin/sh
# STAND-IN for moby/buildkit's buildctl (catalog integration harness): only the two commands buildx's
# docker-container driver runs in the container, against the stand-in buildkitd's dockerd.
set -eu
bridge=/usr/libexec/buildkit-stand-in/grpc-bridge
case "$*" in
	'debug workers') exec perl "$bridge" probe ${BUILDKIT_DOCKERD_SOCKET} 60 ;;
	dial-stdio) exec perl "$bridge" dial ${BUILDKIT_DOCKERD_SOCKET} ;;
	*)
		echo "buildctl $*: this buildctl is a STAND-IN (catalog integration harness) with only 'debug workers' and 'dial-stdio'" >&2
		exit 1
		;;
esac
`;
