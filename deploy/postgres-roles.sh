#!/bin/sh
# Maillon's database roles and the ownership of its database. Idempotent: run by
# the PostgreSQL container on its first start, by .ci/run and by bench/rls.py.
#
#   maillon_owner     runs migrations and owns the tables; NOSUPERUSER, NOBYPASSRLS,
#                     so the forced row-level security applies to it as well
#   maillon_app       the runtime role of web and workers: owns nothing, NOBYPASSRLS
#   maillon_crossing  the cross-tenant reader (alias cross_tenant): BYPASSRLS but
#                     SELECT only, for the few named readers in hds_platform/crossing.py
#
# Environment: MAILLON_DB (default $POSTGRES_DB, else maillon); OWNER_DB_PASSWORD,
# APP_DB_PASSWORD, CROSSING_DB_PASSWORD (each unset or empty: no password, for a
# trust-authenticated local cluster); the usual PGHOST/PGPORT/PGUSER for psql.
set -eu
db=${MAILLON_DB:-${POSTGRES_DB:-maillon}}
psql -v ON_ERROR_STOP=1 -q --username "${PGUSER:-postgres}" --dbname "$db" \
  -v db="$db" \
  -v owner_pw="${OWNER_DB_PASSWORD:-}" \
  -v app_pw="${APP_DB_PASSWORD:-}" \
  -v crossing_pw="${CROSSING_DB_PASSWORD:-}" <<'SQL'
SELECT 'CREATE ROLE maillon_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maillon_owner') \gexec
SELECT 'CREATE ROLE maillon_app' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maillon_app') \gexec
SELECT 'CREATE ROLE maillon_crossing' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maillon_crossing') \gexec
ALTER ROLE maillon_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
ALTER ROLE maillon_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER ROLE maillon_crossing LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
SELECT format('ALTER ROLE maillon_owner PASSWORD %L', :'owner_pw') WHERE :'owner_pw' <> '' \gexec
SELECT format('ALTER ROLE maillon_app PASSWORD %L', :'app_pw') WHERE :'app_pw' <> '' \gexec
SELECT format('ALTER ROLE maillon_crossing PASSWORD %L', :'crossing_pw') WHERE :'crossing_pw' <> '' \gexec
SELECT format('ALTER DATABASE %I OWNER TO maillon_owner', :'db') \gexec
ALTER SCHEMA public OWNER TO maillon_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO maillon_app, maillon_crossing;
-- Migrations grant again after each run (hds_platform/rls.py), and take UPDATE
-- and DELETE on audit events away from the runtime role.
ALTER DEFAULT PRIVILEGES FOR ROLE maillon_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO maillon_app;
ALTER DEFAULT PRIVILEGES FOR ROLE maillon_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO maillon_app;
ALTER DEFAULT PRIVILEGES FOR ROLE maillon_owner IN SCHEMA public
  GRANT SELECT ON TABLES TO maillon_crossing;
SQL
