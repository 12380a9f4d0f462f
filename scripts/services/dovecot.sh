#!/usr/bin/env bash
# A throwaway Dovecot IMAP server on loopback for the `imap` tests.
#
#   scripts/services/dovecot.sh start DIR   installs dovecot-imapd if missing, writes DIR/dovecot.conf,
#                                           starts Dovecot and prints `export LOONBODE_TEST_IMAP_URL=...`
#   scripts/services/dovecot.sh stop DIR    stops the Dovecot started with DIR
#
# Everything (config, sockets, state, log, mail) lives in DIR; Dovecot runs as the current
# user, listens on 127.0.0.1 only and allows plain-text logins there (no TLS on loopback).
# Users: `loonbode`/`loonbode` from a passwd-file, and any `test-*` user with the same
# password, so each test can own a fresh, empty mailbox.
# Port: LOONBODE_TEST_IMAP_PORT, else 14300 when free, else any free port.
set -euo pipefail

usage() {
    echo "gebruik: $0 start|stop DIR" >&2
    exit 2
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

ensure_dovecot() {
    if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
        return
    fi
    echo "dovecot ontbreekt: dovecot-imapd wordt geïnstalleerd" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >&2
}

dovecot_bin() {
    command -v dovecot 2>/dev/null || echo /usr/sbin/dovecot
}

port_is_free() {
    python3 - "$1" <<'EOF'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
EOF
}

pick_port() {
    if [ -n "${LOONBODE_TEST_IMAP_PORT:-}" ]; then
        echo "$LOONBODE_TEST_IMAP_PORT"
    elif port_is_free 14300; then
        echo 14300
    else
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    fi
}

# Dovecot 2.3.? renamed nothing we use except the clear-text switch: 2.4 has auth_allow_cleartext.
cleartext_setting() {
    local version major minor
    version=$("$(dovecot_bin)" --version | cut -d' ' -f1)
    major=${version%%.*}
    minor=${version#*.}
    minor=${minor%%.*}
    if [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 4 ]; }; then
        echo "auth_allow_cleartext = yes"
    else
        echo "disable_plaintext_auth = no"
    fi
}

# The current user, except for root: Dovecot refuses to run login processes or to touch
# mail as root, so there the login processes use the package's dovenull and the mail its
# dovecot account (else nobody).
unprivileged_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
    elif getent passwd "$1" >/dev/null; then
        echo "$1"
    else
        echo nobody
    fi
}

write_config() {
    local dir=$1 port=$2 user group login_user mail_user uid gid
    user=$(id -un)
    group=$(id -gn)
    login_user=$(unprivileged_user dovenull)
    mail_user=$(unprivileged_user dovecot)
    uid=$(id -u "$mail_user")
    gid=$(id -g "$mail_user")
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    if [ "$mail_user" != "$user" ]; then
        chown "$uid:$gid" "$dir/mail"
        if ! runuser -u "$mail_user" -- test -w "$dir/mail"; then
            echo "gebruiker $mail_user kan $dir/mail niet beschrijven: kies een map buiten een afgeschermde map" >&2
            exit 1
        fi
    fi
    printf 'loonbode:{PLAIN}loonbode\n' > "$dir/passwd"
    cat > "$dir/dovecot.conf" <<EOF
# Written by scripts/services/dovecot.sh for the tests; not for production.
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
$(cleartext_setting)
auth_mechanisms = plain login
default_internal_user = $user
default_internal_group = $group
default_login_user = $login_user
first_valid_uid = $uid
last_valid_uid = 0
first_valid_gid = $gid
mail_location = maildir:~/Maildir
mail_privileged_group =
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
passdb {
  driver = static
  args = password=loonbode
  username_filter = test-*
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
service pop3-login {
  chroot =
}
service submission-login {
  chroot =
}
service imap-urlauth-login {
  chroot =
}
service director {
  chroot =
}
EOF
}

wait_for_port() {
    local port=$1 tries=0
    until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
            "$port" 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -ge 100 ]; then
            echo "Dovecot antwoordt niet op poort $port; zie het logbestand" >&2
            return 1
        fi
        sleep 0.1
    done
}

start() {
    local dir port
    mkdir -p "$1"
    dir=$(cd "$1" && pwd)
    ensure_dovecot
    if [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; then
        echo "Dovecot draait al voor $dir" >&2
        port=$(sed -n 's/^    port = \([0-9]*\)$/\1/p' "$dir/dovecot.conf" | head -n1)
    else
        port=$(pick_port)
        write_config "$dir" "$port"
        "$(dovecot_bin)" -c "$dir/dovecot.conf"
        if ! wait_for_port "$port"; then
            tail -n 20 "$dir/dovecot.log" >&2 || true
            exit 1
        fi
    fi
    echo "export LOONBODE_TEST_IMAP_URL=imap://loonbode:loonbode@127.0.0.1:$port/INBOX"
}

stop() {
    local dir pid tries=0
    [ -d "$1" ] || return 0
    dir=$(cd "$1" && pwd)
    [ -f "$dir/dovecot.conf" ] || return 0
    pid=$(cat "$dir/run/master.pid" 2>/dev/null || true)
    "$(dovecot_bin)" -c "$dir/dovecot.conf" stop 2>/dev/null || true
    # Wait for the master to be gone, so a following start can take the same port.
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 100 ]; do
        tries=$((tries + 1))
        sleep 0.1
    done
}

[ $# -eq 2 ] || usage
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
