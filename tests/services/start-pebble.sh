#!/usr/bin/env bash
# start-pebble.sh — Let's Encrypt's test ACME server for the TLS tests, all on loopback (Debian's pebble 2.4.0):
#   pebble                ACME directory https://127.0.0.1:14000/dir, management https://127.0.0.1:15000 (ports below);
#                         validates HTTP-01 on port 5002 of the address DNS gives (tlsPort 5001: unused)
#   pebble-challtestsrv   DNS on 127.0.0.1:8053 answering 127.0.0.1 for every name (no AAAA), its management API on
#                         127.0.0.1:8055; its own HTTP-01, HTTPS-01 and TLS-ALPN-01 servers are off, so whoever
#                         validates HTTP-01 in a test binds 127.0.0.1:5002 itself (RESOURCE_LOCK pebble)
# Idempotent: a pebble that already answers with our CA is left alone; concurrent runs are serialised by a lock.
# Prints one line on success; on failure exits 1 with the logs' last lines.
# Pebble's own HTTPS certificate comes from a throwaway CA made here with openssl (once); clients trust
# $dir/ca.pem, $dir being MAELSTROM_PEBBLE_DIR (default /var/tmp/maelstrom-pebble). Config, logs and pid files
# live there too. Pebble's knobs (environment):
#   PEBBLE_VA_NOSLEEP=1       no random 0-15 s sleep before each validation (issuance in about a second)
#   PEBBLE_WFE_NONCEREJECT=5  5% of valid nonces are rejected as badNonce (pebble's default, stated here): the
#                             clients' badNonce retry runs in every test
#   PEBBLE_AUTHZREUSE=0       every order gets fresh authorizations (pebble's default reuses half of the valid
#                             ones at random, which would make "the challenge was answered" tests flaky)
# Certificates are valid for certificateValidityPeriod seconds (config file; pebble 2.4.0 has no environment
# variable for it). The issuing intermediate and root change at every pebble start (fetch them from
# https://127.0.0.1:15000/roots/0 and /intermediates/0).
# A second pebble (e.g. one issuing short-lived certificates for a renewal test) comes from the same script with
# other settings; it shares the DNS server and port 5002 (and thereby RESOURCE_LOCK pebble):
#   MAELSTROM_PEBBLE_DIR              its directory (CA, config, logs, pid files)   default /var/tmp/maelstrom-pebble
#   MAELSTROM_PEBBLE_PORT             ACME port                                     default 14000
#   MAELSTROM_PEBBLE_MANAGEMENT_PORT  management port                               default 15000
#   MAELSTROM_PEBBLE_VALIDITY         certificate validity in seconds               default 157766400 (5 years)
# Stop one with: kill "$(cat "$MAELSTROM_PEBBLE_DIR/pebble.pid")".
set -uo pipefail

dir=${MAELSTROM_PEBBLE_DIR:-/var/tmp/maelstrom-pebble}
validity=${MAELSTROM_PEBBLE_VALIDITY:-157766400}
acme=127.0.0.1:${MAELSTROM_PEBBLE_PORT:-14000}
management=127.0.0.1:${MAELSTROM_PEBBLE_MANAGEMENT_PORT:-15000}
directory=https://$acme/dir

die() { echo "start-pebble.sh: $*" >&2; exit 1; }

mkdir -p "$dir" || die "cannot create $dir (set MAELSTROM_PEBBLE_DIR to a writable directory)"
ca=$dir/ca.pem

ours() { [ -s "$ca" ] && curl -s --max-time 3 --cacert "$ca" "$directory" 2>/dev/null | grep -q '"newNonce"'; }
answers() { [ "$(curl -sk -o /dev/null --max-time 3 -w '%{http_code}' "https://$acme/dir" 2>/dev/null)" != 000 ]; }
dns_answers() { curl -s -o /dev/null --max-time 3 "http://127.0.0.1:8055/" 2>/dev/null; }

if ours && dns_answers; then
  echo "start-pebble.sh: pebble answers at $directory (CA $ca)"
  exit 0
fi

# One start at a time (tests run in parallel); the daemons must not inherit the lock (9>&- below).
exec 9>"$dir/start.lock"
flock -w 60 9 || die "another start-pebble.sh still holds $dir/start.lock after 60 s"
if ours && dns_answers; then
  echo "start-pebble.sh: pebble answers at $directory (CA $ca)"
  exit 0
fi
! ours && answers && die "something other than our pebble answers at $acme (not trusted by $ca)"
command -v pebble >/dev/null || die "pebble is not installed (packaging/deps.sh installs pebble)"
command -v pebble-challtestsrv >/dev/null || die "pebble-challtestsrv is not installed (Debian package pebble)"
command -v openssl >/dev/null || die "openssl is not installed (packaging/deps.sh installs openssl)"

# Pebble's HTTPS certificate: a CA (ca.pem, what clients trust) and a leaf for 127.0.0.1 and localhost.
if [ ! -s "$ca" ] || [ ! -s "$dir/cert.pem" ] || [ ! -s "$dir/key.pem" ]; then
  (
    set -e
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=maelstrom test pebble CA" \
      -keyout ca-key.pem -out ca.pem.new
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout key.pem -out cert.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >cert.ext
    openssl x509 -req -in cert.csr -CA ca.pem.new -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile cert.ext \
      -out cert.pem
    rm -f cert.csr cert.ext ca.srl ca.pem.srl
    mv ca.pem.new ca.pem
  ) >"$dir/openssl.log" 2>&1 || { tail -n 20 "$dir/openssl.log" >&2; die "openssl could not make pebble's certificate"; }
fi

cat >"$dir/pebble-config.json" <<JSON
{
  "pebble": {
    "listenAddress": "$acme",
    "managementListenAddress": "$management",
    "certificate": "$dir/cert.pem",
    "privateKey": "$dir/key.pem",
    "httpPort": 5002,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false,
    "certificateValidityPeriod": $validity
  }
}
JSON

if ! dns_answers; then
  echo "--- $(date -u +%FT%TZ) start-pebble.sh: starting pebble-challtestsrv (DNS 127.0.0.1:8053)" >>"$dir/challtestsrv.log"
  setsid nohup pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 127.0.0.1:8053 -http01 "" \
    -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 >>"$dir/challtestsrv.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/challtestsrv.pid"
fi

# Either may be up already (the other one died, or this is a second pebble sharing the DNS server).
if ! ours; then
  echo "--- $(date -u +%FT%TZ) start-pebble.sh: starting pebble on $acme" >>"$dir/pebble.log"
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=5 PEBBLE_AUTHZREUSE=0 \
    setsid nohup pebble -config "$dir/pebble-config.json" -dnsserver 127.0.0.1:8053 >>"$dir/pebble.log" 2>&1 \
    </dev/null 9>&- &
  echo $! >"$dir/pebble.pid"
fi
for _ in $(seq 1 80); do
  if ours && dns_answers; then
    echo "start-pebble.sh: pebble answers at $directory (pid $(cat "$dir/pebble.pid"), CA $ca, logs in $dir)"
    exit 0
  fi
  kill -0 "$(cat "$dir/pebble.pid")" 2>/dev/null || break
  sleep 0.25
done
echo "start-pebble.sh: pebble did not come up at $acme; last lines of $dir/pebble.log and challtestsrv.log:" >&2
tail -n 20 "$dir/pebble.log" "$dir/challtestsrv.log" >&2
exit 1
