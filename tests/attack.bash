# tests/attack.bash: the hostile-guest world of tests/attack.bats (also
# loaded by tests/antispoof.bats), on top of helpers.bash.  Frames are
# crafted by tests/attack.py (scapy) in the guest namespaces.
#
#   attack_observer       the observer, on the bridge (not a vif)
#   attack_world          observer + guests 1 (guarded attacker), 2 (guarded
#                         victim), 3 (unguarded: the control), online
#   attack_ctx S V [O]    attack.py's context: sender S, victim V, frames to O
#                         (an observer name "out" or a guest number)
#   attack_expect KIND... every kind sent by guest 1 (and ATTACK_SENDERS)
#                         must be dropped or delivered as attack.py (or
#                         ATTACK_VERDICT) says, every kind sent by guest 3
#                         delivered
#
# Addresses: guest N is 00:16:3e:0N:00:01, 10.0.0.N, fd00::N, and the
# EUI-64 link-local address of its MAC; the observer ("out", a host on the
# bridge that is not a vif) 00:16:3e:ee:ee:ee, 10.0.0.100, fd00::100.

PY=/usr/bin/python3 # Debian's, where python3-scapy is
ATTACK_PY="$BATS_TEST_DIRNAME/attack.py"
OUT_MAC=00:16:3e:ee:ee:ee

attack_setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v nft >/dev/null 2>&1 || skip "needs nft"
	"$PY" -c 'import scapy' 2>/dev/null || skip "needs python3-scapy"
	export XEN_HOTPLUG_CONF="$W_DIR/xen-hotplug.conf"
	: >"$XEN_HOTPLUG_CONF"
	unset XEN_HOTPLUG_ANTISPOOF
	OUT="${W}-out"
	ATTACK_SENDERS=()
	ATTACK_VERDICT=()
}

attack_observer() {
	ip netns add "$OUT"
	ip -n "$OUT" link set lo up
	ip -n "$DOM0" link add out0 type veth peer name eth0 netns "$OUT"
	ip -n "$DOM0" link set out0 master xenbr0 up
	ip -n "$OUT" link set eth0 address "$OUT_MAC" up
	ip -n "$OUT" addr add 10.0.0.100/24 dev eth0
	ip -n "$OUT" -6 addr add fd00::100/64 dev eth0 nodad
}

in_out() { ip netns exec "$OUT" "$@"; }

# guest_online D [guest_create options]: a vif of the world, online.
guest_online() {
	local d=$1
	shift
	guest_create "$d" 0 "$@"
	run run_vif vif-bridge "$d" 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path "$d" 0)/hotplug-status")" = connected ]
}

# attack_world [IP]: IP is guest 1's `ip` key (default "10.0.0.1 fd00::1").
attack_world() {
	attack_observer
	guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64 ip="${1:-10.0.0.1 fd00::1}"
	guest_online 2 ip4=10.0.0.2/24 ip6=fd00::2/64 ip="10.0.0.2 fd00::2"
	guest_online 3 ip4=10.0.0.3/24 ip6=fd00::3/64
	# frames to a guest's link-local address are dropped while it is
	# tentative (DAD, about 1 s after the link came up)
	local d
	for d in 1 2 3; do
		wait_for 5000 _no_tentative "$d"
	done
}

_no_tentative() { [ -z "$(in_guest "$1" ip -6 addr show tentative)" ]; }

_mac_of() { printf '00:16:3e:%02x:00:01' "$1"; }

attack_ctx() {
	local s=$1 v=$2 o=${3:-out} base=$((($1 - 1) * 512)) omac o4 o6
	if [ "$o" = out ]; then
		omac=$OUT_MAC o4=10.0.0.100 o6=fd00::100
	elif [ "$o" = all ]; then
		omac=33:33:00:00:00:01 o4=10.0.0.255 o6=ff02::1
	else
		omac=$(_mac_of "$o") o4=10.0.0.$o o6=fd00::$o
	fi
	echo "me_mac=$(_mac_of "$s"),me4=10.0.0.$s,me6=fd00::$s,v_mac=$(_mac_of "$v"),v4=10.0.0.$v,v6=fd00::$v,o_mac=$omac,o4=$o4,o6=$o6,base=$base"
}

# attack_send S V O KIND...: guest S sends the kinds, victim V, to O.
attack_send() {
	local s=$1 v=$2 o=$3
	shift 3
	in_guest "$s" "$PY" "$ATTACK_PY" send "$(attack_ctx "$s" "$v" "$o")" "$@"
}

_victim_of() { [ "$1" = 2 ] && echo 1 || echo 2; }

# The verdict for a guarded sender: attack.py's, or ATTACK_VERDICT's
# (KIND=pass|drop ...) for a test whose world differs.
_verdict() {
	local o
	for o in ${ATTACK_VERDICT[@]+"${ATTACK_VERDICT[@]}"}; do
		[ "${o%%=*}" = "$1" ] && { echo "${o#*=}"; return; }
	done
	"$PY" "$ATTACK_PY" list | awk -v k="$1" '$1 == k { print $2 }'
}

attack_expect() {
	local cap="$W_DIR/capture.$BATS_TEST_NUMBER" s k res want bad=0 line
	local -a senders=(1 ${ATTACK_SENDERS[@]+"${ATTACK_SENDERS[@]}"}) pids=()
	# the victim of guest 2's frames is guest 1
	: >"$cap"
	rm -f "$cap.ready"
	_ns_bg "$OUT" "$PY" "$ATTACK_PY" capture "$cap" >/dev/null
	wait_for 10000 test -e "$cap.ready"
	for s in "${senders[@]}" 3; do
		attack_send "$s" "$(_victim_of "$s")" out "$@" &
		pids+=($!)
	done
	for s in "${pids[@]}"; do
		wait "$s"
	done
	sleep 0.5
	for s in "${senders[@]}" 3; do
		while read -r k res; do
			want=$(_verdict "$k")
			[ "$s" = 3 ] && want=pass
			[ "$want" = pass ] && want=seen || want=unseen
			line="guest $s: $k: $res (want $want)"
			if [ "$res" != "$want" ]; then
				echo "FAIL $line"
				bad=1
			else
				echo "ok   $line"
			fi
		done < <("$PY" "$ATTACK_PY" seen "$cap" "$(attack_ctx "$s" "$(_victim_of "$s")")" "$@")
	done
	[ "$bad" = 0 ]
}

# Elements of our tables' sets and maps that belong to DEV (in dom0).  A
# guarded bridged vif with a MAC, one IPv4 and one IPv6 address has 19:
# guarded, macs, nd_macs, addrs4, addrs6 and nd_addrs6 for the address
# and for the link-local one of its MAC (8), its name in table bridge's
# guarded set, and its ten counters' map elements; with IPv4 only, 17.
elems_of() {
	in_dom0 nft -j list ruleset |
		jq --arg dev "$1" '[.nftables[] | (.set // .map) | select(. and .table == "xen_hotplug")
			| .elem // [] | .[] | tojson | select(contains("\"" + $dev + "\""))] | length'
}

# DEV's drop counters and its ingress chain in dom0: "COUNTERS CHAINS".
guard_objs_of() {
	in_dom0 nft -j list table netdev xen_hotplug 2>/dev/null |
		jq -r --arg dev "$1" '[([.nftables[] | .counter // empty | select(.name | startswith($dev + "/"))] | length),
			([.nftables[] | .chain // empty | select(.name == "in_" + $dev)] | length)] | "\(.[0]) \(.[1])"'
}

# DEV's drop counters in dom0, "REASON:PACKETS" for those not 0, sorted.
counters_of() {
	in_dom0 nft -j list counters table netdev xen_hotplug |
		jq -r --arg dev "$1" '[.nftables[] | .counter // empty | select(.name | startswith($dev + "/"))
			| select(.packets > 0) | "\(.name | ltrimstr($dev + "/")):\(.packets)"] | sort | join(" ")'
}

# The chains (with their rules, in order) and the sets of table FAMILY
# xen_hotplug in namespace NS, without handles or elements, sorted by
# name: what the layout is.
layout_of() {
	ip netns exec "$1" nft -j list table "$2" xen_hotplug | jq -S -c '.nftables as $n |
		([$n[] | .chain // empty | .name as $c |
		  {chain: $c, type, hook, prio, policy,
		   rules: [$n[] | .rule // empty | select(.chain == $c) | .expr]}] | sort_by(.chain)) +
		([$n[] | .set // empty | {set: .name, type, flags, comment}] | sort_by(.set))'
}

# neigh_mac NS ADDR DEV: the link-layer address NS's neighbour table has for ADDR.
neigh_mac() {
	ip -n "$1" -j -6 neigh show "$2" dev "$3" | jq -r '.[0].lladdr // ""'
}
