# shellcheck shell=bash
# Sourced by scripts/services and scripts/chaos: a Redis Cluster (3 masters, 3 replicas) and a 3-node RabbitMQ
# cluster on loopback, every node a process of its own (own port, data directory and node name), without systemd.
# Nothing here touches the single Redis and RabbitMQ of scripts/services on the default ports.

# Retry "${@:2}" until it succeeds or $1 seconds have passed.
cluster_wait() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# --- Redis Cluster ------------------------------------------------------------------------------------------------
REDIS_CLUSTER_NODES=6

redis_cluster_ports() { seq "$1" $(($1 + REDIS_CLUSTER_NODES - 1)); }

# The connection string of the product: the three first nodes are enough, the client discovers the rest and follows
# every failover (StackExchange.Redis reads CLUSTER NODES).
redis_cluster_endpoints() { echo "127.0.0.1:$1,127.0.0.1:$(($1 + 1)),127.0.0.1:$(($1 + 2))"; }

# redis_cluster_node DIR PORT [redis-server options...]: starts one node unless it answers already. As in
# scripts/services: AOF with fsync every second. A node that misses 3 s of pings is failed over.
redis_cluster_node() {
  local dir=$1/$2 port=$2; shift 2
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
  mkdir -p "$dir" && chown redis:redis "$dir"
  runuser -u redis -- redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 3000 \
    --cluster-replica-validity-factor 0 --appendonly yes --appendfsync everysec --save "" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" >/dev/null
  cluster_wait 30 bash -c "redis-cli -p $port ping | grep -q PONG"
}

redis_cluster_ok() {
  local port
  for port in $(redis_cluster_ports "$1"); do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

# redis_cluster_up DIR FIRST_PORT: six nodes on FIRST_PORT.., joined into 3 masters with one replica each (created
# once: a node that restarts finds the cluster in its nodes.conf).
redis_cluster_up() {
  local dir=$1 first=$2 port nodes=()
  mkdir -p "$dir"
  for port in $(redis_cluster_ports "$first"); do
    redis_cluster_node "$dir" "$port" || { echo "Redis Cluster node :$port did not start (see $dir/$port/redis.log)" >&2; return 1; }
    nodes+=("127.0.0.1:$port")
  done
  redis_cluster_ok "$first" && return 0
  if [[ $(redis-cli -p "$first" cluster info | tr -d '\r' | awk -F: '$1 == "cluster_known_nodes" { print $2 }') == 1 ]]; then
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
      { cat "$dir/create.log" >&2; return 1; }
  fi
  cluster_wait 30 redis_cluster_ok "$first" || { echo "Redis Cluster on :$first.. is not ok (see $dir/create.log)" >&2; return 1; }
}

# The nodes that are masters right now (ports), and the port of the replica of a master.
redis_cluster_masters() {
  local port
  for port in $(redis_cluster_ports "$1"); do
    redis-cli -p "$port" role 2>/dev/null | head -n 1 | grep -qx master && echo "$port"
  done
}
redis_cluster_replica_of() {
  local id
  id=$(redis-cli -p "$2" cluster myid | tr -d '\r')
  redis-cli -p "$2" cluster nodes | awk -v id="$id" '$4 == id && $3 ~ /slave/ { split($2, a, "[:@]"); print a[2]; exit }'
}

# Every master's data gone at once (FLUSHALL is per node on a cluster).
redis_cluster_flushall() {
  local port
  for port in $(redis_cluster_masters "$1"); do redis-cli -p "$port" flushall >/dev/null; done
}

# --- RabbitMQ cluster ---------------------------------------------------------------------------------------------
RABBIT_CLUSTER_NODES=3

# rabbit_node_env PREFIX N FIRST_PORT DIR: the environment of node N (1-based): node name PREFIX-N@host, AMQP port
# FIRST_PORT+N-1, the distribution port 20000 above it, data and logs under DIR/PREFIX-N. The Debian wrappers would
# switch users and drop these variables, so the real scripts are called as the rabbitmq user. Busy-waiting schedulers
# are off: three idle nodes must not eat the two cores of this machine.
rabbit_node_env() {
  local name=$1-$2 port=$(($3 + $2 - 1)) dir=$4/$1-$2
  printf '%s\n' HOME=/var/lib/rabbitmq "RABBITMQ_NODENAME=$name@$(hostname -s)" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    "RABBITMQ_NODE_PORT=$port" "RABBITMQ_DIST_PORT=$((port + 20000))" "RABBITMQ_MNESIA_BASE=$dir/mnesia" \
    "RABBITMQ_LOG_BASE=$dir/log" "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" "RABBITMQ_PID_FILE=$dir/pid" \
    "RABBITMQ_CONFIG_FILE=$dir/none" "RABBITMQ_ADVANCED_CONFIG_FILE=$dir/none.config" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+sbwt none +sbwtdcpu none +sbwtdio none"
}
rabbit_node_name() { echo "$1-$2@$(hostname -s)"; }

# rabbit_node PREFIX N FIRST_PORT DIR TOOL ARGS...: runs rabbitmq-server, rabbitmqctl or rabbitmq-queues for node N.
rabbit_node() {
  local prefix=$1 n=$2 first=$3 dir=$4 tool=$5; shift 5
  local env; mapfile -t env < <(rabbit_node_env "$prefix" "$n" "$first" "$dir")
  if [[ $tool == rabbitmq-server ]]; then
    runuser -u rabbitmq -- env "${env[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
  else
    runuser -u rabbitmq -- env "${env[@]}" "/usr/lib/rabbitmq/bin/$tool" -n "$(rabbit_node_name "$prefix" "$n")" "$@"
  fi
}

# rabbit_node_start PREFIX N FIRST_PORT DIR: starts node N unless it answers, and waits until it has booted.
rabbit_node_start() {
  local dir=$4/$1-$2
  rabbit_node "$@" rabbitmqctl -q await_startup --timeout 2 >/dev/null 2>&1 && return 0
  mkdir -p "$dir" && chown rabbitmq:rabbitmq "$dir"
  [[ -f $dir/enabled_plugins ]] || { echo "[]." >"$dir/enabled_plugins" && chown rabbitmq:rabbitmq "$dir/enabled_plugins"; }
  rabbit_node "$@" rabbitmq-server -detached
  # await_startup fails at once while the node is not yet registered with epmd: retry it.
  cluster_wait 90 rabbit_node "$@" rabbitmqctl -q await_startup --timeout 5 ||
    { echo "RabbitMQ node $(rabbit_node_name "$1" "$2") did not start (see $dir/log)" >&2; return 1; }
}

# rabbit_cluster_up PREFIX FIRST_PORT DIR: three nodes, 2 and 3 joined to 1 (once; a restarted node rejoins by itself).
rabbit_cluster_up() {
  local prefix=$1 first=$2 dir=$3 n first_node
  first_node=$(rabbit_node_name "$prefix" 1)
  for n in $(seq 1 $RABBIT_CLUSTER_NODES); do rabbit_node_start "$prefix" "$n" "$first" "$dir" || return 1; done
  for n in $(seq 2 $RABBIT_CLUSTER_NODES); do
    rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q cluster_status --formatter json |
      grep -q "\"$(rabbit_node_name "$prefix" "$n")\"" && continue
    {
      rabbit_node "$prefix" "$n" "$first" "$dir" rabbitmqctl -q stop_app &&
        rabbit_node "$prefix" "$n" "$first" "$dir" rabbitmqctl -q reset &&
        rabbit_node "$prefix" "$n" "$first" "$dir" rabbitmqctl -q join_cluster "$first_node" &&
        rabbit_node "$prefix" "$n" "$first" "$dir" rabbitmqctl -q start_app
    } >>"$dir/join.log" 2>&1 || { tail -n 20 "$dir/join.log" >&2; return 1; }
  done
}

# rabbit_cluster_uri FIRST_PORT VHOST: the product's connection string, one AMQP URI whose authority lists every node
# (the client tries them in turn).
rabbit_cluster_uri() {
  local hosts n
  hosts=$(for n in $(seq 0 $((RABBIT_CLUSTER_NODES - 1))); do printf '127.0.0.1:%s,' $(($1 + n)); done)
  echo "amqp://chat:chat@${hosts%,}/$2"
}

# rabbit_cluster_user PREFIX FIRST_PORT DIR VHOST...: the chat user and its vhosts (cluster-wide once created).
rabbit_cluster_user() {
  local prefix=$1 first=$2 dir=$3 vhost; shift 3
  rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q list_users --no-table-headers | awk '{ print $1 }' | grep -qx chat || {
    rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q add_user chat chat &&
      rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q set_user_tags chat administrator
  }
  for vhost; do
    rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q list_vhosts --no-table-headers | grep -qx "$vhost" ||
      rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q add_vhost "$vhost"
    rabbit_node "$prefix" 1 "$first" "$dir" rabbitmqctl -q set_permissions -p "$vhost" chat '.*' '.*' '.*'
  done
}
