/**
 * The database base images (issue 12: `berth db create`), built from Debian 12's packages on
 * Berth's debian image: PostgreSQL 15, MariaDB 10.11, Redis 7.0. Each image has one entrypoint,
 * `berth-db-init`, which prepares the data directory (the volume, DATABASE_DATA_DIR), makes
 * the database on first start, then runs the command it is given (the server, as an argument
 * array from @berth/core's databaseContainerSpec) as the engine's own unprivileged user through
 * `setpriv`. It starts as root only to chown the volume: the engine keeps CHOWN, SETUID and
 * SETGID for that (packages/engine/src/container/hardening.ts), and no-new-privileges does not
 * stop a process from dropping privileges. Pure: Dockerfile text out.
 */
import type { BaseImages } from '@berth/core';

/** Where the volume is mounted in a database container (also in @berth/core's spec). */
const DATA = '/var/lib/berth-db';

/**
 * Checks each value the script uses against a charset before anything runs. The names and
 * password come from berthd (generated, never a person's string), but the script never trusts
 * that: with these charsets nothing it writes into SQL or a config file can be more than a word.
 */
const PRELUDE = `#!/bin/sh
# Berth's database entrypoint (packages/engine/src/builder/database-image-recipes.ts).
set -eu
fail() { echo "berth-db-init: $*" >&2; exit 64; }
word() { case "$2" in ''|*[!$3]*) fail "$1 must be set and contain only $3";; esac; }
as_service() { setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- "$@"; }
data=${DATA}
mkdir -p "$data"
[ "$#" -gt 0 ] || fail 'no server command given'
`;

/**
 * PostgreSQL: initdb into a scratch directory, create the app's database with the server
 * listening on its socket only, then rename it into place, so a start killed half-way leaves no
 * half-made data directory that a later start would take as made. That server's socket is in a
 * directory of its own, so the health check (pg_isready on /run/postgresql) never takes it for
 * the real server and reports ready while the database is still being made. Local (socket) connections
 * inside the container are trusted: only `berth db shell` (an exec in the container) uses them.
 */
const POSTGRES_INIT = `${PRELUDE}SERVICE_USER=postgres
word BERTH_DB_USER "\${BERTH_DB_USER:-}" a-z0-9_
word BERTH_DB_NAME "\${BERTH_DB_NAME:-}" a-z0-9_
word BERTH_DB_PASSWORD "\${BERTH_DB_PASSWORD:-}" A-Za-z0-9
mkdir -p /run/postgresql /run/berth-db-init
chown postgres:postgres "$data" /run/postgresql /run/berth-db-init
if [ ! -s "$data/pgdata/PG_VERSION" ]; then
  init="$data/pgdata.init"
  rm -rf "$init"
  mkdir -m 700 "$init"
  chown postgres:postgres "$init"
  pwfile=$(mktemp)
  printf '%s\\n' "$BERTH_DB_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_service initdb -D "$init" -U "$BERTH_DB_USER" --pwfile="$pwfile" -E UTF8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\\n' >> "$init/pg_hba.conf"
  as_service pg_ctl -D "$init" -o "-c listen_addresses= -c unix_socket_directories=/run/berth-db-init" -w start >/dev/null
  as_service createdb -h /run/berth-db-init -U "$BERTH_DB_USER" "$BERTH_DB_NAME"
  as_service pg_ctl -D "$init" -m fast -w stop >/dev/null
  mv "$init" "$data/pgdata"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
`;

/**
 * MariaDB: the same scratch-then-rename. The SQL is written with values checked to [a-z0-9_]
 * and [A-Za-z0-9] above, so they cannot leave their quotes; root logs in by socket only.
 */
const MARIADB_INIT = `${PRELUDE}SERVICE_USER=mysql
word BERTH_DB_USER "\${BERTH_DB_USER:-}" a-z0-9_
word BERTH_DB_NAME "\${BERTH_DB_NAME:-}" a-z0-9_
word BERTH_DB_PASSWORD "\${BERTH_DB_PASSWORD:-}" A-Za-z0-9
mkdir -p /run/mysqld
chown mysql:mysql "$data" /run/mysqld
if [ ! -d "$data/mysql/mysql" ]; then
  init="$data/mysql.init"
  rm -rf "$init"
  mkdir -m 700 "$init"
  chown mysql:mysql "$init"
  as_service mariadb-install-db --datadir="$init" --auth-root-authentication-method=socket --skip-test-db >/dev/null
  sock=/run/mysqld/init.sock
  as_service mariadbd --datadir="$init" --skip-networking --socket="$sock" &
  pid=$!
  tries=0
  until mariadb-admin --socket="$sock" -u root ping >/dev/null 2>&1; do
    tries=$((tries + 1)); [ "$tries" -lt 120 ] || fail 'MariaDB did not start to be initialised'
    sleep 0.5
  done
  mariadb --socket="$sock" -u root <<SQL
CREATE DATABASE \\\`$BERTH_DB_NAME\\\`;
CREATE USER '$BERTH_DB_USER'@'%' IDENTIFIED BY '$BERTH_DB_PASSWORD';
GRANT ALL PRIVILEGES ON \\\`$BERTH_DB_NAME\\\`.* TO '$BERTH_DB_USER'@'%';
SQL
  mariadb-admin --socket="$sock" -u root shutdown
  wait "$pid" || true
  mv "$init" "$data/mysql"
fi
exec setpriv --reuid=mysql --regid=mysql --init-groups -- "$@"
`;

/**
 * Redis: the password goes into a file outside the volume (so a volume backup never carries it),
 * read by the server as its first config file; REDISCLI_AUTH is also what redis-cli reads, so
 * `berth db shell` and the health check log in with no password on a command line.
 */
const REDIS_INIT = `${PRELUDE}SERVICE_USER=redis
word REDISCLI_AUTH "\${REDISCLI_AUTH:-}" A-Za-z0-9
mkdir -p /run/redis
chown redis:redis "$data" /run/redis
chmod 700 /run/redis
(umask 077; printf 'requirepass %s\\n' "$REDISCLI_AUTH" > /run/redis/berth-auth.conf)
chown redis:redis /run/redis/berth-auth.conf
exec setpriv --reuid=redis --regid=redis --init-groups -- "$@"
`;

export type DatabaseImageKind = 'postgres' | 'mariadb' | 'redis';

const INIT_SCRIPTS: Record<DatabaseImageKind, string> = {
  postgres: POSTGRES_INIT,
  mariadb: MARIADB_INIT,
  redis: REDIS_INIT,
};

/** The Debian packages of each (the tools the health checks and `db shell` use come with them). */
export const DATABASE_PACKAGES: Record<DatabaseImageKind, string[]> = {
  postgres: ['postgresql-15'],
  mariadb: ['mariadb-server', 'mariadb-client'],
  redis: ['redis-server', 'redis-tools'],
};

/** The script, for the unit test that runs it through `sh -n`. */
export const databaseInitScript = (kind: DatabaseImageKind): string => INIT_SCRIPTS[kind];

export function databaseDockerfile(kind: DatabaseImageKind, images: BaseImages): string {
  // The script is base64 in the Dockerfile: no escaping of its quotes and $ in RUN lines.
  const script = Buffer.from(INIT_SCRIPTS[kind]).toString('base64');
  return [
    `FROM ${images.debian}`,
    ...(kind === 'postgres'
      ? [
          // Debian's package would make a cluster in /var/lib/postgresql; Berth's is on the volume.
          "RUN mkdir -p /etc/postgresql-common && printf 'create_main_cluster = false\\n' > /etc/postgresql-common/createcluster.conf",
          'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        ]
      : []),
    [
      'RUN apt-get update',
      `apt-get install -y --no-install-recommends ${DATABASE_PACKAGES[kind].join(' ')}`,
      'rm -rf /var/lib/apt/lists/*',
      // What the packages' own scripts made at install time: Berth's data lives on the volume.
      ...(kind === 'mariadb' ? ['rm -rf /var/lib/mysql/*'] : []),
      ...(kind === 'redis' ? ['rm -rf /var/lib/redis/*'] : []),
    ].join(' \\\n && '),
    [
      `RUN echo ${script} | base64 -d > /usr/local/bin/berth-db-init`,
      'chmod 755 /usr/local/bin/berth-db-init',
      `mkdir -p ${DATA}`,
    ].join(' \\\n && '),
    'ENTRYPOINT ["/usr/local/bin/berth-db-init"]',
    // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave (an app's
    // pool never does), so a stop would always end in SIGKILL; SIGINT is its fast, clean one.
    ...(kind === 'postgres' ? ['STOPSIGNAL SIGINT'] : []),
    '',
  ].join('\n');
}
