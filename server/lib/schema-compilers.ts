// Fastify makes its JSON-schema compilers (ajv and fast-json-stringify, ~100 modules, a tenth of
// the server's start) when the server is created, though no route here declares a schema
// (input is checked with zod and in the services). These factories load the very compilers
// fastify would have made, on first use: only a route with a schema would load them.
// One difference, should a route ever declare a `headers` schema: fastify then treats the
// validator as a custom one and does not lower-case that schema's keys; write them lower case.
import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";
import { resolveFromRoot } from "./root.ts";

type Factory = (...args: unknown[]) => unknown;

export function lazySchemaCompilers(): NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"] {
  // fastify's own dependencies, resolved from fastify as fastify does
  const load = (id: string) => () => (createRequire(resolveFromRoot("fastify"))(id) as () => Factory)();
  const once = (make: () => Factory): Factory => {
    let made: Factory | undefined;
    return (...args) => (made ??= make())(...args);
  };
  return {
    buildValidator: once(load("@fastify/ajv-compiler")),
    buildSerializer: once(load("@fastify/fast-json-stringify-compiler")),
  } as NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"];
}
