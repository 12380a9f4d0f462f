#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on loopback, in a folder of its own.
#
#   postgres.sh start DIR   installs Debian's `postgresql` package when no server binaries
#                           are found, creates a cluster in DIR, starts it on 127.0.0.1 and
#                           prints `export LOONBODE_TEST_POSTGRES_URL=...` (nothing else on
#                           stdout, so the caller can eval it)
#   postgres.sh stop DIR    stops that server (quietly does nothing when it is not running)
#
# The port is LOONBODE_TEST_PG_PORT when set, else the first free one from 15432 up.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres`
# system user (created when missing) and every server command runs through runuser.
set -euo pipefail
# runuser and useradd live in sbin, which a non-login shell's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2
log() { echo "postgres.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Runs a server command as the cluster's owner: ourselves, or `postgres` when we are root.
# From inside DIR, because postgres may not be allowed into the caller's working folder.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

# The folder holding initdb and pg_ctl: PATH first (following symlinks to the real folder,
# where psql is too), then Debian's versioned folders, newest first.
find_bindir() {
    local pg_ctl candidate
    pg_ctl=$(command -v pg_ctl || true)
    [ -z "$pg_ctl" ] || pg_ctl=$(readlink -f "$pg_ctl")
    for candidate in ${pg_ctl:+"$(dirname "$pg_ctl")"} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

install_postgresql() {
    log "no PostgreSQL server found; installing Debian's postgresql package"
    # Debian's package would also create and start a `main` cluster on port 5432; the tests
    # bring their own, so ask postgresql-common not to.
    as_root mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.d/loonbode-tests.conf >/dev/null
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# The first port from $1 up that nothing on loopback answers on.
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
        [ "$port" -lt $(($1 + 100)) ] || { log "no free port from $1 up"; return 1; }
    done
    echo "$port"
}

start() {
    local bindir port
    bindir=$(find_bindir) || { install_postgresql >&2; bindir=$(find_bindir); }

    # A folder the cluster's owner may use; as root that is the postgres system user.
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
        id -u postgres >/dev/null 2>&1 ||
            useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /usr/sbin/nologin postgres
        chown postgres: "$dir"
        chmod 0700 "$dir"
        runuser -u postgres -- test -w "$dir" ||
            { log "user postgres cannot write to $dir (is a parent folder closed to others?)"; return 1; }
    fi

    # A new cluster: UTF-8 whatever the machine's locale, trust for local and loopback
    # connections (it listens on nothing else), no fsync at creation.
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" --pgdata="$dir/data" --username=postgres --encoding=UTF8 --locale=C \
            --auth-local=trust --auth-host=trust --no-sync >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; return 1; }
    fi

    # Loopback only, the socket in DIR, and no durability: the data is thrown away anyway,
    # and without fsync the database-per-test fixture is several times faster.
    if [ -n "${LOONBODE_TEST_PG_PORT:-}" ]; then port=$LOONBODE_TEST_PG_PORT; else port=$(free_port 15432); fi
    as_owner "$bindir/pg_ctl" start --wait --timeout=60 --pgdata="$dir/data" --log="$dir/server.log" \
        --options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null ||
        { tail -n 20 "$dir/server.log" >&2; return 1; }

    # The role the tests use (kept when DIR is reused): not a superuser, but allowed to
    # create the database each test gets.
    local psql="$bindir/psql"
    [ -x "$psql" ] || psql=psql
    "$psql" --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --host=127.0.0.1 --port="$port" --username=postgres \
        --dbname=postgres >/dev/null <<'SQL'
SELECT 'CREATE ROLE loonbode LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'loonbode')
\gexec
SELECT 'CREATE DATABASE loonbode OWNER loonbode' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'loonbode')
\gexec
-- DROP DATABASE ... WITH (FORCE) at the end of a test must be able to end every session on
-- that test's database, also one the server started for itself there.
GRANT pg_signal_backend TO loonbode;
SQL

    log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir/data"
    echo "export LOONBODE_TEST_POSTGRES_URL=postgresql+psycopg://loonbode@127.0.0.1:$port/loonbode"
}

stop() {
    local bindir
    [ -f "$dir/data/postmaster.pid" ] || return 0
    bindir=$(find_bindir)
    dir=$(cd "$dir" && pwd)
    as_owner "$bindir/pg_ctl" stop --wait --mode=fast --pgdata="$dir/data" >/dev/null
}

case "$action" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
