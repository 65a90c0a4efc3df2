# common.sh — helpers shared by the packaging tests (sourced; expects $root, the repository).

apt_cache=${MAELSTROM_TEST_CACHE:-/var/cache/maelstrom-tests}/apt
hello_image=maelstrom/hello-http:1

step() { echo "==> $*"; }
pass() { echo "  ok: $*"; }
fail() { echo "FAIL: $*"; exit 1; }

# time_step <label> <command...>: runs the command (its stdout passes through) and prints how long it took.
time_step() {
  local label=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  echo "  [$label: $((SECONDS - start)) s]" >&2
  return "$rc"
}

# newest_deb <dir> <glob>: the package named in <dir>/debs.txt (the package-build fixture's list), else the newest
# file matching glob in dir or one level below (build-deb.sh's packages/).
newest_deb() {
  local f="" l
  if [ -r "$1/debs.txt" ]; then
    while IFS= read -r l; do
      # shellcheck disable=SC2053
      [[ "$(basename "$l")" == $2 ]] && [ -r "$l" ] && f=$l
    done <"$1/debs.txt"
  fi
  [ -n "$f" ] ||
    f=$(find "$1" -maxdepth 2 -name "$2" -printf '%T@ %p\n' 2>/dev/null | sort -rn | head -n 1 | cut -d' ' -f2-)
  [ -n "$f" ] || fail "no $2 in $1 (packaging/build-deb.sh makes it)"
  echo "$f"
}

# free_port [exclude...]: a TCP port nothing listens on.
free_port() {
  local used p
  used=$(ss -Htln | awk '{ n = split($4, a, ":"); print a[n] }')
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    grep -qx "$p" <<<"$used" && continue
    case " $* " in *" $p "*) continue ;; esac
    echo "$p"
    return 0
  done
  fail "no free port"
}

# The example project's image, built as packaging/quickstart.sh builds it (static binary FROM scratch).
ensure_hello_image() {
  if docker image inspect "$hello_image" >/dev/null 2>&1; then
    return 0
  fi
  step "building $hello_image (tests/fixtures/hello-http)"
  local bin
  bin=$(mktemp -d)/hello-http
  g++ -std=c++20 -O2 -static -pthread -o "$bin" "$root/tests/fixtures/hello-http/main.cpp"
  "$root/tests/fixtures/hello-http/build-image.sh" "$bin" "$hello_image"
  rm -rf "$(dirname "$bin")"
}

# Containers maelstromd made (label maelstrom=true), by full id; a test removes the ones it added.
managed_containers() { docker ps -aq --no-trunc --filter label=maelstrom=true | sort; }
new_running_managed_containers() {
  comm -13 <(echo "$1") <(docker ps -q --no-trunc --filter label=maelstrom=true | sort) | tr '\n' ' '
}
remove_new_managed_containers() {
  local c
  for c in $(comm -13 <(echo "$1") <(managed_containers)); do docker rm -f "$c" >/dev/null 2>&1 || true; done
}

# wait_health <private port> <liveness command>: the daemon's health check within 30 s, or fail.
wait_health() {
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$1/_mael_health_check" >/dev/null 2>&1; then
      pass "health check on 127.0.0.1:$1"
      return 0
    fi
    bash -c "$2" >/dev/null 2>&1 || fail "maelstromd exited before answering its health check"
    sleep 0.1
  done
  fail "maelstromd did not answer its health check within 30 s"
}

# request_hello <public port> <label>: http://hello.localhost:<port>/ must answer 200.
request_hello() {
  local out
  out=$(curl -sS -o /dev/null --max-time 120 -H "Host: hello.localhost" -w '%{http_code} in %{time_total} s' \
    "http://127.0.0.1:$1/") || fail "$2 request to hello.localhost:$1 failed"
  echo "  curl http://hello.localhost:$1/ ($2): $out"
  case "$out" in 200\ *) ;; *) fail "$2 request: expected 200, got $out" ;; esac
}

# The engine's socket on this host ($DOCKER_HOST when it is a unix:// address); containers get it at the default
# path /var/run/docker.sock.
host_socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
case "$host_socket" in
  unix://*) host_socket=${host_socket#unix://} ;;
  *) fail "the packaging tests need a unix:// Docker engine (DOCKER_HOST=$DOCKER_HOST)" ;;
esac
