#!/bin/bash
# world.sh: the files of the Xen VM of `make check-xen`, from Debian's
# packages (apt-get download + dpkg-deb -x, never installed on the host).
#
#   world.sh OUT
#
# writes OUT/xen (the hypervisor, gunzipped), OUT/vmlinux (dom0's and the
# guests' kernel, unpacked from Debian's vmlinuz), OUT/dom0.cpio (dom0's root: the packages and modules
# marked dom0 in ./packages and ./modules, our package installed and
# activated (install_ours): /etc/xen/scripts/<tool> links to it, Debian's
# scripts beside them as <tool>.upstream; dom0/, suites/, the guests'
# kernel and initramfs in /boot) and OUT/guest.cpio (a guest's root:
# busybox, xen-netfront, guest/init).
#
# The packages are kept in XEN_VM_CACHE (default
# /var/cache/xen-hotplug-ng/vm): debs/ the .deb files, x/<deb>/ each one
# unpacked.  A package is downloaded again only when apt's candidate
# version changes; versions no longer wanted are removed.  Environment:
# HP_BUILD (default build/), HP_DEB (our package, default
# $HP_BUILD/deb/xen-hotplug-ng_*.deb: make deb), XEN_VM_KERNEL_PKG
# (linux-image-amd64: a metapackage, resolved to its kernel),
# XEN_VM_XEN_PKG (xen-hypervisor-4.17-amd64), XEN_VM_EXTRAS (the extra
# roots to make, names of run.sh's VM_EXTRA: OUT/<name>.cpio).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
OUT=$(realpath -m "${1:?usage: world.sh OUT}")
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
HP_DEB=${HP_DEB:-$(ls "$HP_BUILD"/deb/xen-hotplug-ng_*.deb 2>/dev/null | head -n 1)}
CACHE=${XEN_VM_CACHE:-/var/cache/xen-hotplug-ng/vm}
KERNEL_PKG=${XEN_VM_KERNEL_PKG:-linux-image-amd64}
XEN_PKG=${XEN_VM_XEN_PKG:-xen-hypervisor-4.17-amd64}
# What the packages bring and the VM does without (or whose libraries it
# lacks: ss, xentop, tc's ATM module, pygrub's file systems, iconv).
TRIM="usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/share/bug
	usr/share/bash-completion etc/init.d usr/lib/xen-4.17/boot usr/lib/xen-4.17/lib
	usr/lib/x86_64-linux-gnu/gconv usr/lib/x86_64-linux-gnu/tc bin/ss usr/lib/xen-4.17/bin/xentop"

say() { echo "world.sh: $*"; }
die() { echo "world.sh: $*" >&2; exit 1; }

# The entries of a list file (packages, modules) for one root.
list() { awk -v w="$2" '!/^[ \t]*(#|$)/ && ($1 == w || $1 == "both") { print $2 }' "$here/$1"; }

# ---------------------------------------------------------------- the cache
declare -A DEB # package -> .deb file name (apt's candidate version)

# apt-get with a retry after `apt-get update`: the lists may be older than
# the mirror (a version gone from it).
apt_try() {
	"$@" 2>"$OUT/apt.err" && return 0
	say "retrying after apt-get update: $(tail -n 1 "$OUT/apt.err")"
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
	"$@" 2>"$OUT/apt.err" || die "$* failed: $(tail -n 3 "$OUT/apt.err")"
}

resolve_kernel() {
	local k
	k=$(apt-cache depends --important "$KERNEL_PKG" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	echo "${k:-$KERNEL_PKG}"
}

fetch() {
	local uris line f p need=()
	# from an empty directory: apt prints nothing for a file already there
	mkdir -p "$OUT/apt"
	uris=$(cd "$OUT/apt" && apt_try apt-get download --print-uris "$@")
	while read -r line; do
		f=$(awk '{ print $2 }' <<<"$line")
		[ -n "$f" ] || continue
		p=${f%%_*}
		DEB[$p]=$f
		[ -s "$CACHE/debs/$f" ] || need+=("$p")
	done <<<"$uris"
	for p in "$@"; do
		[ -n "${DEB[$p]:-}" ] || die "apt knows no package '$p' (apt-get update?)"
	done
	if [ ${#need[@]} -gt 0 ]; then
		say "downloading ${need[*]}"
		(cd "$CACHE/debs" && apt_try apt-get download -q "${need[@]}") >/dev/null
	fi
	for p in "$@"; do
		f=${DEB[$p]}
		[ -s "$CACHE/debs/$f" ] || die "apt-get download $p gave no $f"
		[ -d "$CACHE/x/${f%.deb}" ] && continue
		rm -rf "$CACHE/x/${f%.deb}.tmp"
		dpkg-deb -x "$CACHE/debs/$f" "$CACHE/x/${f%.deb}.tmp" || die "dpkg-deb -x $f failed"
		mv "$CACHE/x/${f%.deb}.tmp" "$CACHE/x/${f%.deb}"
	done
}

# Removes the versions no longer wanted.
prune() {
	local f keep
	keep=" ${DEB[*]} "
	for f in "$CACHE"/debs/*.deb; do
		[ -e "$f" ] || continue
		[[ $keep == *" ${f##*/} "* ]] || rm -f "$f"
	done
	for f in "$CACHE"/x/*; do
		[ -e "$f" ] || continue
		[[ $keep == *" ${f##*/}.deb "* ]] || rm -rf "$f"
	done
}

pkgdir() { echo "$CACHE/x/${DEB[$1]%.deb}"; }

# ---------------------------------------------------------------- roots
unpack() { # ROOT PACKAGE...
	local root=$1 p dirs=()
	shift
	for p in "$@"; do
		dirs+=("$(pkgdir "$p")/.")
	done
	# never through a symbolic link already there (absolute: the host's)
	cp -a --remove-destination "${dirs[@]}" "$root/"
	for p in $TRIM; do
		rm -rf "${root:?}/$p"
	done
}

# busybox's applets, where no package put a program of that name.
# (Links to /bin/busybox: never write through one on the host.)
busybox_links() {
	local root=$1 a n links=()
	for a in $("$root/bin/busybox" --list-full); do
		n=${a##*/}
		[ -e "$root/bin/$n" ] || [ -e "$root/sbin/$n" ] || [ -e "$root/usr/bin/$n" ] ||
			[ -e "$root/usr/sbin/$n" ] || [ -L "$root/$a" ] || links+=("$root/$a")
	done
	# one process, not one ln per applet
	perl -e 'for (@ARGV) { symlink("/bin/busybox", $_) or die "symlink $_: $!\n" }' "${links[@]}"
}

# Every ELF file's libraries must be in the root (ld.so's default paths),
# or in the roots named after it (an extra root on top of dom0's).
check_libs() {
	local root=$1 f r missing
	missing=$(
		{
			for r in "$@"; do
				for f in "$r"/lib/x86_64-linux-gnu/* "$r"/usr/lib/x86_64-linux-gnu/* "$r"/lib64/*; do
					[ -e "$f" ] && echo "have ${f##*/}"
				done
			done
			find "$root" -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
				{ xargs -0 readelf -d 2>/dev/null || true; } |
				awk '/^File: / { f = $2 } /\(NEEDED\)/ { l = $NF; gsub(/[][]/, "", l); print "need", l, f }'
		} | awk -v r="$root" '$1 == "have" { have[$2] = 1; next }
			!($2 in have) { f = $3; sub(r, "", f); print "  " $2 " (needed by " f ")" }' | sort -u
	)
	[ -z "$missing" ] || die "libraries missing in $root (add their package to $here/packages):"$'\n'"$missing"
}

# Modules by name or glob, with their dependencies, and a modules.dep and
# modules.alias in depmod's format for busybox's modprobe.
declare -A MODPATH BUILTIN # module name (with _) -> path under the kernel's module dir
modinfo() { # FILE...: lines "path key=value" (readelf names the files only when there are several)
	readelf -p .modinfo "$@" "$1" 2>/dev/null |
		awk '/^File: / { f = $2 } /^ *\[ *[0-9a-f]+\]  / { sub(/^ *\[ *[0-9a-f]+\]  /, ""); print f, $0 }'
}
modules() {
	local root=$1 where=$2 kmods=$3 kver=$4 e f n d queue=() batch
	local dir=$root/lib/modules/$kver
	declare -A want=()
	for e in $(list modules "$where"); do
		if [[ $e == */* ]]; then
			for f in "$kmods"/kernel/$e; do
				[ -e "$f" ] || die "no module matches '$e'"
				n=${f##*/}
				n=${n%.ko}
				queue+=("${n//-/_}")
			done
		else
			queue+=("${e//-/_}")
		fi
	done
	: >"$OUT/modinfo"
	while [ ${#queue[@]} -gt 0 ]; do
		batch=()
		for n in "${queue[@]}"; do
			[ -z "${want[$n]:-}" ] || continue
			if [ -z "${MODPATH[$n]:-}" ]; then
				[ -n "${BUILTIN[$n]:-}" ] || die "no module '$n' in $KERNEL (modules list)"
				continue
			fi
			want[$n]=1
			batch+=("$kmods/${MODPATH[$n]}")
		done
		[ ${#batch[@]} -gt 0 ] || break
		modinfo "${batch[@]}" | sort -u >>"$OUT/modinfo"
		queue=()
		for d in $(modinfo "${batch[@]}" | sed -n 's/^[^ ]* depends=//p' | tr ,- ' _'); do
			queue+=("$d")
		done
	done
	mkdir -p "$dir"
	batch=()
	for n in "${!want[@]}"; do
		batch+=("${MODPATH[$n]}")
	done
	(cd "$kmods" && cp --parents "${batch[@]}" "$dir/")
	sed -n 's/^[^ ]*\/\([^/ ]*\)\.ko alias=\(.*\)/alias \2 \1/p' "$OUT/modinfo" |
		awk '{ n = $3; gsub(/-/, "_", n); print $1, $2, n }' >"$dir/modules.alias"
	# modules.dep: each module's dependencies, every one before (to the
	# right of) those it needs: modprobe loads them right to left.
	awk -v kmods="$kmods/" '
		{ p = $1; sub(kmods, "", p); n = p; sub(/.*\//, "", n); sub(/\.ko$/, "", n); gsub(/-/, "_", n)
		  path[n] = p }
		$2 ~ /^depends=/ { d = $2; sub(/^depends=/, "", d); gsub(/-/, "_", d); deps[n] = d }
		function visit(m,   i, k, a) {
			if (m in seen) return
			seen[m] = 1
			k = split(deps[m], a, ",")
			for (i = 1; i <= k; i++) if (a[i] != "") visit(a[i])
			order[++len] = m
		}
		END {
			for (n in path) {
				delete seen; len = 0
				visit(n)
				line = path[n] ":"
				for (i = len - 1; i >= 1; i--) line = line " " path[order[i]]
				print line
			}
		}' "$OUT/modinfo" >"$dir/modules.dep"
	cp "$kmods/modules.builtin" "$kmods/modules.order" "$dir/"
}

# Our tools as a host gets them: the package (make deb) unpacked into the
# root, then its own xen-hotplug-activate run on that root, which has no
# dpkg database: Debian's scripts renamed to <tool>.upstream, our links in
# their place.  (tests/package.sh checks the package's install with dpkg.)
install_ours() { # ROOT
	local root=$1 t
	dpkg-deb -x "$HP_DEB" "$root" || die "dpkg-deb -x $HP_DEB failed"
	"$root/usr/sbin/xen-hotplug-activate" --root "$root" -q on || die "xen-hotplug-activate on failed"
	for t in vif-bridge vif-route vif-nat vif-openvswitch; do
		[ -f "$root/etc/xen/scripts/$t.upstream" ] || die "xen-utils-common has no $t"
	done
}

mkcpio() { # ROOT FILE
	mkdir -p "$1/dev"
	[ -c "$1/dev/console" ] || mknod -m 600 "$1/dev/console" c 5 1
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# ---------------------------------------------------------------- the other callers
# What the suites of libvirt, the driver domain and migration need beyond
# dom0's root (issue 21), kept apart from the rest.

# dom0's helpers: xt-stopcopy.so (a PV guest's `xl migrate` in one
# stop-and-copy pass, see dom0/xt-stopcopy.c), the migration suites'
# xt-migrate.sh and the driver domain's init.
callers_dom0() {
	local root=$1
	cc -shared -fPIC -O2 -Wall -Werror -o "$root/xt/xt-stopcopy.so" "$here/dom0/xt-stopcopy.c" -ldl ||
		die "cannot build xt-stopcopy.so (gcc, libxen-dev: ./install.sh --deps)"
	install -m 0755 "$here/ddom/init" "$root/xt/ddom-init"
	cp "$here/dom0/xt-migrate.sh" "$root/xt/"
}

# What an extra root does without: libvirt's drivers other than libxl's
# and the network's (libvirtd loads the drivers it finds), its helpers
# and other daemons, and the libraries only they need.
declare -A EXTRA_TRIM=([libvirt]="usr/lib/x86_64-linux-gnu/libvirt/storage-backend
	usr/lib/x86_64-linux-gnu/libvirt/storage-file usr/lib/x86_64-linux-gnu/libvirt/lock-driver
	usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_interface.so
	usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so
	usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nwfilter.so
	usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_secret.so
	usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_storage.so
	usr/lib/libvirt usr/sbin/virtlockd usr/sbin/virtlogd usr/bin/virt-admin usr/bin/virt-pki-query-dn
	usr/bin/virt-pki-validate usr/bin/virt-host-validate usr/bin/virt-xml-validate
	usr/bin/virt-ssh-helper usr/share/augeas usr/share/polkit-1")

# An extra root filesystem for a kind of VM (run.sh's VM_EXTRA): the
# packages marked NAME in ./packages, whose libraries are in it or in
# dom0's root, as OUT/NAME.cpio (loaded after dom0.cpio).
extra_root() {
	local name=$1 xroot=$OUT/$1-root pkgs p
	mapfile -t pkgs < <(list packages "$name")
	[ ${#pkgs[@]} -gt 0 ] || die "no package marked '$name' in $here/packages"
	rm -rf "$xroot"
	mkdir -p "$xroot"
	unpack "$xroot" "${pkgs[@]}"
	for p in ${EXTRA_TRIM[$name]:-}; do
		rm -rf "${xroot:?}/$p"
	done
	check_libs "$xroot" "$root"
	mkcpio "$xroot" "$OUT/$name.cpio"
	say "$name.cpio $(($(stat -c %s "$OUT/$name.cpio") >> 20)) MiB"
}

# ---------------------------------------------------------------- main
[ -f "$HP_DEB" ] || die "no $HP_BUILD/deb/xen-hotplug-ng_*.deb: run make deb"
command -v cpio >/dev/null || die "cpio missing (./install.sh --deps)"
mkdir -p "$OUT" "$CACHE/debs" "$CACHE/x"
exec 9>"$CACHE/lock"
flock 9

KERNEL=$(resolve_kernel)
mapfile -t DOM0_PKGS < <(list packages dom0)
mapfile -t GUEST_PKGS < <(list packages guest)
# the extra roots' packages too, made or not: the cache keeps them
mapfile -t EXTRA_PKGS < <(awk '!/^[ \t]*(#|$)/ && $1 != "dom0" && $1 != "guest" && $1 != "both" { print $2 }' "$here/packages")
fetch "$KERNEL" "$XEN_PKG" $(printf '%s\n' "${DOM0_PKGS[@]}" "${GUEST_PKGS[@]}" ${EXTRA_PKGS[@]+"${EXTRA_PKGS[@]}"} | sort -u)
prune

kdir=$(pkgdir "$KERNEL")
kver=$(ls "$kdir/lib/modules")
kmods=$kdir/lib/modules/$kver
while read -r f; do
	n=${f##*/}
	n=${n%.ko}
	MODPATH[${n//-/_}]=${f#"$kmods/"}
done < <(find "$kmods/kernel" -name '*.ko')
while read -r f; do
	n=${f##*/}
	n=${n%.ko}
	BUILTIN[${n//-/_}]=1
done <"$kmods/modules.builtin"

# The kernel as a plain ELF file (Xen's and libxl's loaders take one): it
# spares dom0's boot and every guest's creation an xz decompression,
# which takes seconds under emulation.
python3 - "$kdir/boot/vmlinuz-$kver" "$OUT/vmlinux" <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("world.sh: no xz payload in " + sys.argv[1])
elf = lzma.LZMADecompressor().decompress(data[at:])
if elf[:4] != b"\x7fELF":
    sys.exit("world.sh: the payload of " + sys.argv[1] + " is no ELF file")
open(sys.argv[2], "wb").write(elf)
EOF
gunzip -c "$(pkgdir "$XEN_PKG")"/boot/xen-4.*-amd64.gz >"$OUT/xen"

# the guest
groot=$OUT/guest-root
rm -rf "$groot"
mkdir -p "$groot"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run}
unpack "$groot" "${GUEST_PKGS[@]}"
busybox_links "$groot"
modules "$groot" guest "$kmods" "$kver"
install -m 0755 "$here/guest/init" "$groot/init"
rm -f "$groot/sbin/poweroff"
printf '#!/bin/sh\n# the kernel runs this on xl shutdown (orderly_poweroff)\nexec /bin/busybox poweroff -f\n' >"$groot/sbin/poweroff"
chmod 0755 "$groot/sbin/poweroff"
mkcpio "$groot" "$OUT/guest.cpio"

# dom0
root=$OUT/dom0-root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,boot,root,var/lib/xen,var/log/xen/console,var/lock}
ln -s ../run "$root/var/run"
unpack "$root" "${DOM0_PKGS[@]}"
busybox_links "$root"
modules "$root" dom0 "$kmods" "$kver"
install_ours "$root"
check_libs "$root"
install -m 0755 "$here/dom0/init" "$root/init"
mkdir -p "$root/xt/suites"
cp "$here/dom0/xt.sh" "$root/xt/"
cp "$here"/suites/*.sh "$root/xt/suites/"
callers_dom0 "$root"
cp "$OUT/vmlinux" "$OUT/guest.cpio" "$root/boot/"
echo "dom0" >"$root/etc/hostname"
mkcpio "$root" "$OUT/dom0.cpio"
for x in ${XEN_VM_EXTRAS:-}; do
	extra_root "$x"
done

say "kernel $kver, $(basename "$(pkgdir "$XEN_PKG")"), dom0.cpio $(($(stat -c %s "$OUT/dom0.cpio") >> 20)) MiB, guest.cpio $(($(stat -c %s "$OUT/guest.cpio") >> 10)) KiB"
