-- EventOps in production: a database with two roles (README, "Production").
--
--   <owner>  owns the schema and runs the migrations (`flask --app eventops db upgrade`), nothing else;
--   <app>    is what gunicorn connects as: it reads and writes rows, and cannot change the schema,
--            drop or disable a trigger, or truncate a table. The append-only tables (the signing
--            ledger, the check-in scans) stay append-only even for someone who holds its password.
--
-- Run once, as a superuser, on the database server:
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -v db=eventops -v owner=eventops_owner -v app=eventops_app \
--        -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" -f deploy/postgresql/roles.sql
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
-- CONNECTION LIMIT: see the pool arithmetic in the README (machines x workers x pool + overflow)
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";

\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
-- every table and sequence the owner's migrations create, now and later: rows only
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
