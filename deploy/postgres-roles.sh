#!/bin/sh
# First start of the PostgreSQL container: the owner role (runs migrations, owns
# the tables) and the runtime role (owns nothing, no BYPASSRLS) of Maillon.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres --dbname maillon <<SQL
CREATE ROLE maillon_owner LOGIN PASSWORD '${OWNER_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE maillon_app LOGIN PASSWORD '${APP_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER DATABASE maillon OWNER TO maillon_owner;
ALTER SCHEMA public OWNER TO maillon_owner;
GRANT USAGE ON SCHEMA public TO maillon_app;
ALTER DEFAULT PRIVILEGES FOR ROLE maillon_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO maillon_app;
ALTER DEFAULT PRIVILEGES FOR ROLE maillon_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO maillon_app;
SQL
