// drizzle-kit for PostgreSQL: `npm run db:generate:pg` writes db/migrations-pg from db/schema.pg.ts
// (no database needed). The hand-written migration (counters, triggers, search indexes) is made
// with `npx drizzle-kit generate --config drizzle.pg.config.ts --custom --name …`.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.pg.ts",
  out: "./db/migrations-pg",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost/rectify" },
});
