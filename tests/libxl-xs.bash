# tests/libxl-xs.bash: xenstore as libxl 4.17 writes it for a guest and
# its vifs, as hp-xs-tx scripts (tests/xenstored/xs-tx.c: one
# transaction per `commit`).  Sourced by helpers.bash (guest_create) and
# usable in bulk: { libxl_domain_ops 7; libxl_nic_ops 7 0 ...; } | hp-xs-tx

# libxl_domain_ops DOMID [pv|hvm]: an hp-xs-tx script creating a domain's
# nodes as libxl does: libxl__domain_make's transaction (the parts a
# network backend meets: the domain directory readable by the guest, its
# name, its device directory, /libxl/<domid>), then libxl__build_post's
# domid.  The domain is not introduced to xenstored (no XS_INTRODUCE: its
# ring would be the shim's empty page).
libxl_domain_ops() {
	local d=$1 type=${2:-pv} dp="/local/domain/$1" lp="/libxl/$1"
	cat <<-EOF
		rm $dp
		mkdir $dp
		perms $dp n0 r$d
		rm $lp
		mkdir $lp
		perms $lp n0
		mkdir $lp/device
		perms $lp/device n0
		write $dp/name guest$d
		mkdir $dp/device
		perms $dp/device n0 r$d
		write $lp/type $type
		commit
		write $dp/domid $d
		commit
	EOF
}

# _hp_xs_esc VAR: VAR's value as hp-xs-tx reads it, in place: backslash,
# newline and other control characters escaped (no subshell: guest_create
# runs it for every value).
_hp_xs_esc() {
	local -n _v=$1
	[[ "$_v" == *[[:cntrl:]\\]* ]] || return 0
	local _o="" _c _i _x
	for ((_i = 0; _i < ${#_v}; _i++)); do
		_c=${_v:_i:1}
		case "$_c" in
		\\) _o+='\\' ;;
		[[:cntrl:]]) printf -v _x '\\x%02x' "'$_c"; _o+=$_x ;;
		*) _o+=$_c ;;
		esac
	done
	_v=$_o
}

# libxl_nic_ops DOMID DEVID [mac=] [bridge=xenbr0] [ip=] [mtu=] [vifname=]
#               [type=vif|vif_ioemu] [gatewaydev=] [script=]
# An hp-xs-tx script writing one vif in one transaction, as
# libxl__device_add_async + libxl__device_generic_add +
# libxl__set_xenstore_nic (libxl 4.17) do: the /libxl/<domid> copy, the
# frontend (owned by the guest, r0; its mtu owned by dom0, r<domid>), the
# backend (owned by dom0, r<domid>; new keys inherit that), keys in
# libxl's order.  mtu: the backend key only when given (libxl: when not
# 1500), the frontend's always (1500 by default).  script: an absolute
# path (default $XEN_SCRIPT_DIR/vif-bridge).  bridge= (empty): no bridge
# key (libxl always writes one; other toolstacks may not).
libxl_nic_ops() {
	local d=$1 n=$2
	shift 2
	local mac bridge=xenbr0 ip="" mtu="" vifname="" type=vif gatewaydev="" script=""
	local has_ip=0 has_mtu=0 has_vifname=0 has_gw=0 kv
	mac=$(printf '00:16:3e:%02x:%02x:01' $((d & 255)) $((n & 255)))
	for kv in "$@"; do
		case "$kv" in
		mac=*) mac=${kv#*=} ;;
		bridge=*) bridge=${kv#*=} ;;
		ip=*) ip=${kv#*=}; has_ip=1 ;;
		mtu=*) mtu=${kv#*=}; has_mtu=1 ;;
		vifname=*) vifname=${kv#*=}; has_vifname=1 ;;
		type=*) type=${kv#*=} ;;
		gatewaydev=*) gatewaydev=${kv#*=}; has_gw=1 ;;
		script=*) script=${kv#*=} ;;
		*) echo "libxl_nic_ops: unknown option $kv" >&2; return 2 ;;
		esac
	done
	[ -n "$script" ] || script="$XEN_SCRIPT_DIR/vif-bridge"
	local be fe lp fem=1500
	be="/local/domain/0/backend/vif/$d/$n" # be_path, fe_path (no subshell)
	fe="/local/domain/$d/device/vif/$n"
	lp="/libxl/$d/device/vif/$n"
	[ "$has_mtu" = 1 ] && fem=$mtu
	# the backend's keys (bents), in libxl's order
	local -a b=(frontend-id "$d" online 1 state 1 script "$script")
	[ "$has_vifname" = 1 ] && b+=(vifname "$vifname")
	b+=(mac "$mac")
	[ "$has_ip" = 1 ] && b+=(ip "$ip")
	[ "$has_gw" = 1 ] && b+=(gatewaydev "$gatewaydev")
	[ "$has_mtu" = 1 ] && b+=(mtu "$mtu")
	[ -n "$bridge" ] && b+=(bridge "$bridge")
	b+=(handle "$n" type "$type" hotplug-status "")
	local i v
	for ((i = 1; i < ${#b[@]}; i += 2)); do
		v=${b[i]}
		_hp_xs_esc v
		b[i]=$v
	done
	_hp_xs_esc mac
	_hp_xs_esc fem
	echo "rm $lp"
	echo "write $lp/frontend $fe"
	echo "write $lp/backend $be"
	echo "rm $fe"
	echo "mkdir $fe"
	echo "perms $fe n$d r0"
	echo "write $fe/backend $be"
	for kv in backend-id:0 state:1 "handle:$n" "mac:$mac" trusted:1; do
		echo "write $fe/${kv%%:*} ${kv#*:}"
		echo "perms $fe/${kv%%:*} n$d r0"
	done
	echo "write $fe/mtu $fem"
	echo "perms $fe/mtu n0 r$d"
	echo "rm $be"
	echo "mkdir $be"
	echo "perms $be n0 r$d"
	echo "write $be/frontend $fe"
	for ((i = 0; i < ${#b[@]}; i += 2)); do
		echo "write $be/${b[i]} ${b[i + 1]}"
	done
	for ((i = 0; i < ${#b[@]}; i += 2)); do
		echo "write $lp/${b[i]} ${b[i + 1]}"
	done
	echo commit
}
