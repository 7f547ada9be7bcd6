#!/bin/sh
# The service's own login, for docker-compose.yml: the official postgres image runs this once,
# when it first initialises the database volume, as POSTGRES_USER (who owns the schema and runs
# the migrations). The service logs in as alliance_ledger_login, which holds nothing of its own
# (NOINHERIT) but may SET ROLE alliance_ledger_service, the service's rights; a RESET ROLE
# reaches no more. For a volume initialised before this script existed, run it once by hand:
#   docker compose exec database sh /docker-entrypoint-initdb.d/10-service-login.sh
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set password="$ALLIANCE_LEDGER_SERVICE_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE alliance_ledger_service NOLOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alliance_ledger_service') \gexec
SELECT 'CREATE ROLE alliance_ledger_login LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alliance_ledger_login') \gexec
SELECT format('ALTER ROLE alliance_ledger_login PASSWORD %L', :'password') \gexec
GRANT alliance_ledger_service TO alliance_ledger_login;
SQL
