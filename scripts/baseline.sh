#!/usr/bin/env bash
# The benchmark's topology for N tasks (scripts/bench.py), built the fastest shell way, to
# compare ecsnet's `up`/`down` with: one `ip -batch` that creates every namespace, then one
# `ip -n NS -batch FILE` per namespace (as many in parallel as there are CPUs) and one
# `nft -f` per router/instance namespace. Nothing is created or changed in the root namespace:
# every veth is created inside a lab namespace with its peer born in another one.
#
#   sudo scripts/baseline.sh N                # gen + up, time it, down, time it
#   sudo scripts/baseline.sh N gen DIR        # write the batch files (not timed by bench.py)
#   sudo scripts/baseline.sh N up DIR         # build from DIR
#   sudo scripts/baseline.sh N down [DIR]     # delete the namespaces (the kernel frees them later)
#
# Built, as ecsnet builds it (namespaces ecsbl.N.*): M = max(1, N/25) instances; tasks 2k
# (awsvpc) and 2k+1 (bridge) on instance k % M.
#   vpc router      ip_forward, proxy_arp (no proxy_delay); per ENI a veth `eniK` (peer `eth0` in the owner) with
#                   the subnet gateway /32, a /32 route and a permanent neighbour to the ENI;
#                   a rule per subnet, blackholes; one nft table: a security-group chain per ENI
#   instance        eth0 (ENI) address, default route, gateway neighbour; docker0 and
#                   ecs-bridge; ip_forward, route_localnet; one nft table: DNAT of each
#                   container's dynamic host port (prerouting and output), masquerade, metadata
#   awsvpc task     eth0 (ENI) address, default route, gateway neighbour; ecs-eth0 on the
#                   instance's ecs-bridge, 169.254.172.N/22 with the connected /22 removed and
#                   /32 routes to 169.254.172.1 and 169.254.170.2
#   bridge task     eth0 on the instance's docker0, 172.17.0.N/16, default via 172.17.0.1
# Not built (ecsnet does these too, so the baseline is, if anything, favoured): processes
# (pause holders, the responder agent), per-namespace sysctls other than the routers', MACs
# chosen for every link end.
set -euo pipefail

N=${1:?usage: baseline.sh N [gen DIR|up DIR|down [DIR]]}
ACTION=${2:-all}
DIR=${3:-}
[[ $N =~ ^[0-9]+$ && $N -ge 2 ]] || { echo "baseline: N must be a number >= 2" >&2; exit 2; }
P="ecsbl.$N"
M=$(( N / 25 )); (( M >= 1 )) || M=1
NSUB=4

gen() {
  local d=$1 i k t s sub off ip gw mac eni inst tns cns ifx
  rm -rf "$d"; mkdir -p "$d/ns"
  # Per-subnet next host offset (AWS reserves .0-.3), subnet s = 10.40.(64*s).0/18.
  local -a next=(4 4 4 4)
  alloc() {  # $1 = subnet; sets ip
    off=${next[$1]}; next[$1]=$(( off + 1 ))
    ip="10.40.$(( 64 * $1 + off / 256 )).$(( off % 256 ))"
  }
  local -a inst_ip inst_sub
  local sga=""   # members of sg/a: awsvpc tasks of group a, odd instances
  {
    echo "netns add $P.vpc"
    for (( i = 0; i < M; i++ )); do echo "netns add $P.i.$i"; done
    for (( t = 0; t < N; t++ )); do
      if (( t % 2 == 0 )); then echo "netns add $P.t.$t"; else echo "netns add $P.c.$t"; fi
    done
  } > "$d/netns.add"
  sed 's/^netns add /netns del /' "$d/netns.add" > "$d/netns.del"

  local vpc="$d/ns/$P.vpc" vnft="$d/vpc.nft" jumps="" chains=""
  {
    echo "link set lo up"
    echo "route add blackhole default"
    echo "route add blackhole 10.40.0.0/16"
    echo "rule add to 10.40.0.0/16 lookup main pref 100"
    for (( s = 0; s < NSUB; s++ )); do echo "rule add from 10.40.$(( 64 * s )).0/18 lookup 100 pref $(( 200 + s ))"; done
  } > "$vpc"
  eni=0
  new_eni() {  # $1 owner namespace, $2 subnet, $3 security group rule; sets ip, gw
    eni=$(( eni + 1 ))
    alloc "$2"
    gw="10.40.$(( 64 * $2 )).1"
    mac=$(printf '0e:00:00:00:%02x:%02x' $(( eni / 256 )) $(( eni % 256 )))
    ifx="eni$eni"
    {
      echo "link add $ifx address $(printf '06:00:00:00:%02x:%02x' $(( eni / 256 )) $(( eni % 256 ))) type veth peer name eth0 address $mac netns $1"
      echo "ntable change name arp_cache dev $ifx proxy_delay 0"
      echo "link set $ifx up"
      echo "address add $gw/32 dev $ifx"
      echo "route add $ip/32 dev $ifx"
      echo "neigh add $ip lladdr $mac dev $ifx nud permanent"
    } >> "$vpc"
    jumps+="  oifname \"$ifx\" jump in-$ifx"$'\n'
    chains+=" chain in-$ifx {"$'\n'"  $3 accept"$'\n'"  drop"$'\n'" }"$'\n'
  }
  eth0_conf() {  # owner-side ENI configuration, appended to $1
    {
      echo "address add $ip/18 dev eth0"
      echo "link set eth0 up"
      echo "neigh add $gw lladdr $(printf '06:00:00:00:%02x:%02x' $(( eni / 256 )) $(( eni % 256 ))) dev eth0 nud permanent"
      echo "route add default via $gw dev eth0"
    } >> "$1"
  }
  for (( i = 0; i < M; i++ )); do
    inst="$d/ns/$P.i.$i"
    if (( i % 2 )); then
      new_eni "$P.i.$i" $(( i % NSUB )) "ip saddr 10.40.0.0/16 tcp dport 32768-60999"
    else
      new_eni "$P.i.$i" $(( i % NSUB )) "ip saddr @sg_a tcp dport 32768-60999"
    fi
    inst_ip[$i]=$ip; inst_sub[$i]=$(( i % NSUB ))
    (( i % 2 )) && sga+="$ip, "
    { echo "link set lo up"; } > "$inst"
    eth0_conf "$inst"
    {
      echo "link add docker0 type bridge"
      echo "link add ecs-bridge type bridge"
      echo "address add 172.17.0.1/16 dev docker0"
      echo "address add 169.254.172.1/22 dev ecs-bridge"
      echo "link set docker0 up"
      echo "link set ecs-bridge up"
    } >> "$inst"
  done
  local -a njobs pre out
  for (( t = 0; t < N; t++ )); do
    k=$(( t / 2 )); i=$(( k % M )); inst="$d/ns/$P.i.$i"
    j=$(( k / M ))   # the task's slot on its instance
    if (( t % 2 == 0 )); then
      tns="$d/ns/$P.t.$t"
      if (( j % 2 == 0 )); then
        new_eni "$P.t.$t" $(( k % NSUB )) "ip saddr @sg_a tcp dport 80"; sga+="$ip, "
      else
        new_eni "$P.t.$t" $(( k % NSUB )) "ip saddr 10.40.0.0/16 tcp dport 80"
      fi
      echo "link set lo up" > "$tns"
      eth0_conf "$tns"
      {
        echo "link add va$t type veth peer name ecs-eth0 netns $P.t.$t"
        echo "link set va$t master ecs-bridge up"
      } >> "$inst"
      {
        echo "address add 169.254.172.$(( 2 + j ))/22 dev ecs-eth0"
        echo "link set ecs-eth0 up"
        echo "route del 169.254.172.0/22 dev ecs-eth0"
        echo "route add 169.254.172.1/32 dev ecs-eth0"
        echo "route add 169.254.170.2/32 via 169.254.172.1 dev ecs-eth0"
      } >> "$tns"
    else
      cns="$d/ns/$P.c.$t"
      ip="172.17.$(( (2 + j) / 256 )).$(( (2 + j) % 256 ))"
      {
        echo "link add vb$t type veth peer name eth0 netns $P.c.$t"
        echo "link set vb$t master docker0 up"
      } >> "$inst"
      {
        echo "link set lo up"
        echo "address add $ip/16 dev eth0"
        echo "link set eth0 up"
        echo "route add default via 172.17.0.1 dev eth0"
      } > "$cns"
      pre[$i]+="  fib daddr type local tcp dport $(( 32768 + j )) dnat ip to $ip:80"$'\n'
      out[$i]+="  fib daddr type local ip daddr != 127.0.0.0/8 tcp dport $(( 32768 + j )) dnat ip to $ip:80"$'\n'
    fi
  done
  {
    echo "table inet bl {"
    if [[ -n $sga ]]; then echo " set sg_a { type ipv4_addr; elements = { ${sga%, } }; }"; else echo " set sg_a { type ipv4_addr; }"; fi
    echo " chain forward {"
    echo "  type filter hook forward priority filter; policy accept;"
    echo "  ct state established,related accept"
    echo "  ct state invalid drop"
    printf '%s' "$jumps"
    echo " }"
    printf '%s' "$chains"
    echo "}"
  } > "$vnft"
  for (( i = 0; i < M; i++ )); do
    {
      echo "table inet bl {"
      echo " chain prerouting {"
      echo "  type nat hook prerouting priority dstnat; policy accept;"
      echo "  ip daddr 169.254.170.2 tcp dport 80 dnat ip to 127.0.0.1:51679"
      printf '%s' "${pre[$i]:-}"
      echo " }"
      echo " chain output {"
      echo "  type nat hook output priority -100; policy accept;"
      echo "  ip daddr 169.254.170.2 tcp dport 80 redirect to :51679"
      printf '%s' "${out[$i]:-}"
      echo " }"
      echo " chain postrouting {"
      echo "  type nat hook postrouting priority srcnat; policy accept;"
      echo "  ip saddr 172.17.0.0/16 oifname != \"docker0\" masquerade"
      echo "  ip saddr 172.17.0.0/16 oifname \"docker0\" ct status dnat masquerade"
      echo " }"
      echo "}"
    } > "$d/i.$i.nft"
  done
  # Job lists for xargs: instances after the router (their eth0 is born there), then every
  # task namespace (their links are born in the router and the instances).
  for (( i = 0; i < M; i++ )); do echo "-n $P.i.$i -batch $d/ns/$P.i.$i"; done > "$d/jobs.instances"
  for (( t = 0; t < N; t++ )); do
    if (( t % 2 == 0 )); then echo "-n $P.t.$t -batch $d/ns/$P.t.$t"; else echo "-n $P.c.$t -batch $d/ns/$P.c.$t"; fi
  done > "$d/jobs.tasks"
  for (( i = 0; i < M; i++ )); do echo "$P.i.$i $d/i.$i.nft"; done > "$d/jobs.nft"
}

up() {
  local d=$1 cpus
  cpus=$(nproc)
  ip -batch "$d/netns.add"
  ip netns exec "$P.vpc" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv4/conf/all/proxy_arp && exec nft -f "$1"' sh "$d/vpc.nft"
  ip -n "$P.vpc" -batch "$d/ns/$P.vpc"
  xargs -P "$cpus" -L 1 ip < "$d/jobs.instances"
  # shellcheck disable=SC2016
  xargs -P "$cpus" -L 1 sh -c 'exec ip netns exec "$0" sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec nft -f $1"' < "$d/jobs.nft" &
  local nftpid=$!
  xargs -P "$cpus" -L 1 ip < "$d/jobs.tasks"
  wait "$nftpid"
}

down() {
  local d=${1:-} tmp
  if [[ -n $d && -f $d/netns.del ]]; then
    ip -force -batch "$d/netns.del" 2>/dev/null || true
  else
    tmp=$(mktemp)
    { ls /run/netns 2>/dev/null | grep -F "$P." | sed 's/^/netns del /' || true; } > "$tmp"
    ip -force -batch "$tmp" 2>/dev/null || true
    rm -f "$tmp"
  fi
  # Whatever is left (a partial up) by name.
  local left
  left=$(ls /run/netns 2>/dev/null | grep -F "$P." || true)
  for ns in $left; do ip netns del "$ns" 2>/dev/null || true; done
  ! ls /run/netns 2>/dev/null | grep -qF "$P."
}

case $ACTION in
  gen) gen "${DIR:?gen needs DIR}" ;;
  up) up "${DIR:?up needs DIR}" ;;
  down) down "$DIR" ;;
  all)
    [[ $EUID -eq 0 ]] || { echo "baseline: needs root" >&2; exit 3; }
    DIR=$(mktemp -d /tmp/ecsbl.XXXXXX)
    trap 'down "$DIR"; rm -rf "$DIR"' EXIT
    trap 'exit 130' INT TERM
    gen "$DIR"
    t0=$(date +%s%N); up "$DIR"; t1=$(date +%s%N)
    down "$DIR"; t2=$(date +%s%N)
    echo "baseline N=$N ($M instances): up $(( (t1 - t0) / 1000000 )) ms, down $(( (t2 - t1) / 1000000 )) ms"
    ;;
  *) echo "usage: baseline.sh N [gen DIR|up DIR|down [DIR]]" >&2; exit 2 ;;
esac
