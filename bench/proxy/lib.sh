# Shared by the proxy benchmarks (sourced): the binary, a scratch folder cleaned on exit, free
# ports, readiness waits, the routing config every run uses, and the request body.
# VSR_BENCH_BIN: another build of vllm-sr (e.g. build/pgo/src/cli/vllm-sr, see scripts/build-pgo).
BIN="${VSR_BENCH_BIN:-$PWD/build/release/src/cli/vllm-sr}"
[[ -x "$BIN" ]] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: bash scripts/setup" >&2; exit 1; }
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/vsr-proxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null ||
              echo $((20000 + RANDOM % 20000)); }
wait_http() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listening on $1" >&2; exit 1
}

# write_config FILE DATA_PORT SIM_PORT [GLOBAL_YAML]: three simulated models, keyword/context/
# language decisions; GLOBAL_YAML (a `global:` block) is appended as given.
write_config() {
  cat >"$1" <<YAML
version: v0.3
listeners: [{name: bench, address: 127.0.0.1, port: $2, timeout: 60s}]
providers:
  defaults: {default_model: general}
  models:
    - {name: general, provider_model_id: sim-general, backend_refs: [{name: sim, endpoint: "127.0.0.1:$3"}]}
    - {name: coder, provider_model_id: sim-coder, backend_refs: [{name: sim, endpoint: "127.0.0.1:$3"}]}
    - {name: thinker, provider_model_id: sim-thinker, backend_refs: [{name: sim, endpoint: "127.0.0.1:$3"}]}
routing:
  modelCards: [{name: general}, {name: coder}, {name: thinker}]
  signals:
    keywords:
      - {name: code, operator: OR, keywords: [python, segfault, compile, stack trace, function]}
      - {name: math, operator: OR, keywords: [integral, derivative, prove, equation]}
    context:
      - {name: long_context, min_tokens: "4K"}
    language:
      - {name: en}
  decisions:
    - name: code
      priority: 20
      rules: {operator: AND, conditions: [{type: keyword, name: code}]}
      modelRefs: [{model: coder, use_reasoning: false}]
    - name: math
      priority: 10
      rules: {operator: OR, conditions: [{type: keyword, name: math}, {type: context, name: long_context}]}
      modelRefs: [{model: thinker, use_reasoning: false}]
    - name: english_general
      priority: 5
      rules: {operator: AND, conditions: [{type: language, name: en}]}
      modelRefs: [{model: general, use_reasoning: false}]
${4:-}
YAML
}

PROMPT="My python function segfaults when I compile it with the new flags; here is the stack trace, what is wrong?"
body() {  # $1 model, $2 stream
  printf '{"model":"%s","stream":%s,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}]}' "$1" "$2" "$PROMPT"
}
# wrk_json URL CONNECTIONS BODY THREADS DURATION: one JSON line of results.
wrk_json() {
  VSR_BENCH_BODY="$3" wrk -t"$4" -c"$2" -d"${5}s" --latency -s bench/proxy/wrk_report.lua "$1" | tail -1
}
machine_json() {
  local cpu
  cpu=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')
  printf '{"cpus": %s, "cpu": "%s"}' "$(nproc)" "$cpu"
}

# run_nginx: starts nginx (a daemon) on the config the caller wrote to $WORK/nginx.conf.
run_nginx() {
  local nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [[ -x "$nginx" ]] || { echo "nginx missing: bash scripts/setup" >&2; exit 1; }
  "$nginx" -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx-start.log"
}

# start_collector PORT: a stand-in OTLP/HTTP collector on PORT, nginx answering POST /v1/traces
# with 200, its access log in $WORK/collector.log (one line a batch) and its pid in
# $WORK/nginx.pid.
start_collector() {
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
daemon on;
events { worker_connections 1024; }
http {
  access_log $WORK/collector.log;
  client_body_temp_path $WORK/nginx-body;
  client_max_body_size 64m;
  server {
    listen 127.0.0.1:$1;
    location = /v1/traces { return 200 "{}"; }
  }
}
NGINX
  run_nginx
}

# start_nginx_proxy PORT SIM_PORT: nginx as a plain reverse proxy on PORT to the simulator on
# SIM_PORT (2 workers, keep-alive upstream, no buffering, an access log as the router keeps);
# its config and pid under $WORK, its workers' pids in NGINX_WORKERS.
start_nginx_proxy() {
  local NGINX_PORT=$1 SIM_PORT=$2
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
daemon on;
events { worker_connections 8192; }
http {
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK/nginx-body;
  proxy_temp_path $WORK/nginx-proxy;
  fastcgi_temp_path $WORK/nginx-fastcgi;
  uwsgi_temp_path $WORK/nginx-uwsgi;
  scgi_temp_path $WORK/nginx-scgi;
  upstream sim { server 127.0.0.1:$SIM_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
  run_nginx
  wait_http "$NGINX_PORT"
  NGINX_WORKERS=""
  for _ in $(seq 1 100); do  # the daemon writes its pid file, then forks its workers
    [[ -s "$WORK/nginx.pid" ]] && NGINX_WORKERS=$(pgrep -P "$(cat "$WORK/nginx.pid")" | tr "\n" " " || true)
    [[ -n "$NGINX_WORKERS" ]] && return 0
    sleep 0.1
  done
  echo "nginx started no workers (see $WORK/nginx-error.log)" >&2; exit 1
}
