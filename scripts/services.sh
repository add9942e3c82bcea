#!/usr/bin/env bash
# Start or stop private PostgreSQL, RabbitMQ and Redis servers for the tests.
#
#   eval "$(bash scripts/services.sh start DIR)"   # prints export lines
#   bash scripts/services.sh stop DIR
#
# Each server runs as a child of this script's caller, on a free loopback
# port, with all its files under DIR (a fresh directory the caller made and
# removes). Nothing is shared with a system-wide installation or with
# another run: PostgreSQL gets its own cluster (initdb), RabbitMQ its own
# node name, Erlang port mapper port, distribution port, data directory and
# cookie, Redis its own port and directory. As root, PostgreSQL (which
# refuses to run as root) runs as the 'postgres' user.
#
# start prints, for eval:
#   TECHCORP_TEST_PG     a libpq connection string
#   TECHCORP_TEST_AMQP   amqp://user:password@127.0.0.1:port/vhost
#   TECHCORP_TEST_REDIS  redis://127.0.0.1:port
# and writes them to DIR/env too. A server that does not come up in time
# makes start fail with its log on stderr (and stops the others).
#
#   bash scripts/services.sh restart DIR rabbitmq|redis|postgres
# stops one server and starts it again on the same port and data (the
# fault tests use it).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
RABBIT_BIN=${RABBIT_BIN:-/usr/lib/rabbitmq/bin}
WAIT_S=${TECHCORP_SERVICES_WAIT:-90}

die() {
  echo "services: $*" >&2
  exit 1
}

# A port nobody listens on now (bind to port 0 and read what the kernel
# chose). Another program may take it before our server does; start then
# fails loudly rather than talking to the wrong server.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# Wait until something accepts TCP connections on 127.0.0.1:$1.
wait_port() {
  local port=$1 what=$2 pidfile=$3 log=$4
  local deadline=$((SECONDS + WAIT_S))
  while [ $SECONDS -lt $deadline ]; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "services: $what exited before it listened; its log:" >&2
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "services: $what did not listen on port $port within ${WAIT_S}s; its log:" >&2
  tail -n 40 "$log" >&2 || true
  return 1
}

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---- PostgreSQL -----------------------------------------------------------

pg_start() {
  local dir=$1 port=$2
  local d="$dir/pg"
  if [ ! -d "$d/data" ]; then
    mkdir -p "$d/data" "$d/sock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$d"
    as_pg_user "$PG_BIN/initdb" -D "$d/data" -U techcorp --auth=trust \
      -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1 ||
      { cat "$d/initdb.log" >&2; die "initdb failed"; }
  fi
  # Durability is not what these tests measure: fsync off saves minutes.
  as_pg_user "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t "$WAIT_S" \
    -o "-p $port -k $d/sock -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=200 -c shared_buffers=64MB" start >"$d/pg_ctl.log" 2>&1 ||
    { cat "$d/pg_ctl.log" "$d/server.log" >&2 2>/dev/null; die "PostgreSQL did not start"; }
  echo "$port" >"$d/port"
  if [ ! -f "$d/created" ]; then
    "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U techcorp -d postgres \
      -c "CREATE DATABASE techcorp" >/dev/null || die "createdb failed"
    touch "$d/created"
  fi
}

pg_stop() {
  local d="$1/pg"
  [ -f "$d/data/postmaster.pid" ] || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# ---- RabbitMQ -------------------------------------------------------------

rabbit_env() {
  local d="$1/rabbitmq"
  export HOME="$d/home"
  export RABBITMQ_NODENAME="tc$(cat "$d/id")@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$(cat "$d/port")"
  export RABBITMQ_DIST_PORT="$(cat "$d/dist_port")"
  export ERL_EPMD_PORT="$(cat "$d/epmd_port")"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$d/mnesia"
  export RABBITMQ_LOG_BASE="$d/log"
  export RABBITMQ_PID_FILE="$d/rabbit.pid"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf"
  export RABBITMQ_LOGS="$d/log/rabbit.log"
}

rabbit_start() {
  local dir=$1 port=$2
  local d="$dir/rabbitmq"
  if [ ! -d "$d" ]; then
    mkdir -p "$d/home" "$d/mnesia" "$d/log"
    echo "$$$RANDOM" >"$d/id"
    echo "$port" >"$d/port"
    free_port >"$d/dist_port"
    free_port >"$d/epmd_port"
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/home/.erlang.cookie"
    chmod 400 "$d/home/.erlang.cookie"
    echo "[]." >"$d/enabled_plugins"
    : >"$d/rabbitmq-env.conf"
    echo "[]." >"$d/advanced.config"
    cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp.default = $port
loopback_users = none
default_user = techcorp
default_pass = techcorp
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.relative = 0.2
CONF
  fi
  (
    rabbit_env "$dir"
    cd "$d"
    # Our own port mapper, in the foreground so that we hold its pid (the
    # one Erlang starts by itself daemonizes out of reach).
    setsid epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 </dev/null \
      >"$d/log/epmd.log" 2>&1 &
    echo $! >"$d/epmd.pid"
    for _ in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$ERL_EPMD_PORT") 2>/dev/null && break
      sleep 0.1
    done
    setsid "$RABBIT_BIN/rabbitmq-server" >"$d/log/startup.log" 2>&1 </dev/null &
    echo $! >"$d/wrapper.pid"
  )
  wait_port "$port" RabbitMQ "$d/wrapper.pid" "$d/log/startup.log" ||
    die "RabbitMQ did not start"
  # The port opens before the node has finished booting its apps.
  (rabbit_env "$dir" && "$RABBIT_BIN/rabbitmqctl" -q await_startup -t "$WAIT_S" \
    >>"$d/log/startup.log" 2>&1) || { tail -n 40 "$d/log/startup.log" >&2; die "RabbitMQ did not finish booting"; }
}

rabbit_stop() {
  local d="$1/rabbitmq"
  [ -f "$d/wrapper.pid" ] || return 0
  (rabbit_env "$1" && timeout 60 "$RABBIT_BIN/rabbitmqctl" -q shutdown >/dev/null 2>&1) || true
  # Whatever is left of what we started: the script, beam and our epmd all
  # run in the session setsid made.
  local pgid
  pgid=$(cat "$d/wrapper.pid")
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 -- "-$pgid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  rm -f "$d/wrapper.pid"
  if [ -f "$d/epmd.pid" ]; then
    kill -TERM "$(cat "$d/epmd.pid")" 2>/dev/null || true
    rm -f "$d/epmd.pid"
  fi
}

# ---- Redis ----------------------------------------------------------------

redis_start() {
  local dir=$1 port=$2
  local d="$dir/redis"
  mkdir -p "$d"
  echo "$port" >"$d/port"
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$d" \
    --save "" --appendonly no --daemonize no --logfile "$d/redis.log" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$d/redis.pid"
  wait_port "$port" Redis "$d/redis.pid" "$d/redis.log" || die "Redis did not start"
}

redis_stop() {
  local d="$1/redis"
  [ -f "$d/redis.pid" ] || return 0
  local pid
  pid=$(cat "$d/redis.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$d/redis.pid"
}

# ---- commands -------------------------------------------------------------

write_env() {
  local dir=$1
  local pg amqp redis
  pg="host=127.0.0.1 port=$(cat "$dir/pg/port") user=techcorp dbname=techcorp"
  amqp="amqp://techcorp:techcorp@127.0.0.1:$(cat "$dir/rabbitmq/port")/"
  redis="redis://127.0.0.1:$(cat "$dir/redis/port")"
  {
    echo "export TECHCORP_TEST_PG='$pg'"
    echo "export TECHCORP_TEST_AMQP='$amqp'"
    echo "export TECHCORP_TEST_REDIS='$redis'"
    echo "export TECHCORP_TEST_SERVICES='$dir'"
  } >"$dir/env"
  cat "$dir/env"
}

stop_all() {
  local dir=$1
  redis_stop "$dir"
  rabbit_stop "$dir"
  pg_stop "$dir"
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: services.sh start|stop DIR | restart DIR NAME"
case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chmod 755 "$dir"
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL binaries not found (install postgresql)"
    [ -x "$RABBIT_BIN/rabbitmq-server" ] || die "rabbitmq-server not found"
    command -v redis-server >/dev/null || die "redis-server not found"
    trap 'stop_all "$dir"' ERR
    redis_start "$dir" "$(free_port)" >&2
    pg_start "$dir" "$(free_port)" >&2
    rabbit_start "$dir" "$(free_port)" >&2
    trap - ERR
    write_env "$dir"
    ;;
  stop)
    stop_all "$dir"
    ;;
  restart)
    what=${3:-}
    case "$what" in
      redis) redis_stop "$dir"; redis_start "$dir" "$(cat "$dir/redis/port")" >&2 ;;
      rabbitmq) rabbit_stop "$dir"; rabbit_start "$dir" "$(cat "$dir/rabbitmq/port")" >&2 ;;
      postgres) pg_stop "$dir"; pg_start "$dir" "$(cat "$dir/pg/port")" >&2 ;;
      *) die "restart what? redis, rabbitmq or postgres" ;;
    esac
    ;;
  *) die "unknown command $cmd" ;;
esac
