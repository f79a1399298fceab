#!/usr/bin/env bash
# A consistent copy of the site's database while it runs, into $BACKUP_DIR (default
# var/backups), keeping the last $BACKUP_KEEP (default 14):
#   PostgreSQL: pg_dump's custom format (restore with pg_restore --clean -d "$DATABASE_URL");
#   SQLite: its online backup API (`.backup`), safe while the site and workers write.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BACKUP_DIR:-var/backups}
keep=${BACKUP_KEEP:-14}
url=${DATABASE_URL:-sqlite:///var/db.sqlite3}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [[ $url == sqlite:///* && ! -f ${url#sqlite:///} ]]; then
  echo "backup.sh: no database at ${url#sqlite:///}" >&2
  exit 1
fi
mkdir -p "$dir"
umask 077
case "$url" in
  postgres://* | postgresql://*)
    pg_dump --format=custom --no-owner --file="$dir/oncall-$stamp.dump" "$url"
    pattern='oncall-*.dump'
    ;;
  sqlite:///*)
    db=${url#sqlite:///}
    sqlite3 "$db" ".backup '$dir/oncall-$stamp.sqlite3'"
    sqlite3 "$dir/oncall-$stamp.sqlite3" "PRAGMA integrity_check;" | grep -qx ok
    pattern='oncall-*.sqlite3'
    ;;
  *)
    echo "backup.sh: no backup for DATABASE_URL=${url%%:*}://..." >&2
    exit 1
    ;;
esac
# The newest $keep copies stay.
find "$dir" -maxdepth 1 -name "$pattern" -type f | sort -r | tail -n "+$((keep + 1))" \
  | xargs -r rm --
echo "backup: $dir/oncall-$stamp ($(du -h "$dir"/oncall-"$stamp".* | cut -f1))"
