import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { type ApiKeyResolver, authenticate } from "./auth/authenticate.ts";
import type { Db } from "./db/pool.ts";
import { domainPlugins } from "./domains.ts";
import { HttpError } from "./http/errors.ts";
import type { Mailer } from "./mail.ts";
import type { Metrics } from "./metrics.ts";
import type { SecretBox } from "./secrets.ts";
import { registerRouteRights } from "./tenancy/route-rights.ts";
import { type ServeWebOptions, serveWeb } from "./web/serve-web.ts";

/** What every domain plugin gets: the shared services of one portal process. */
export interface PortalContext {
  db: Db;
  secrets: SecretBox;
  mailer: Mailer;
  metrics: Metrics;
  /** Where users and collectors reach the portal (links in mail, the install command). */
  publicUrl: string;
  /** Resolves `Authorization: Bearer` API keys (auth/api-keys.ts). */
  resolveApiKey: ApiKeyResolver;
  /** Per-IP limit of sign-in, second factor and password reset (default 20 a minute; tests lower it). */
  loginRateLimit?: { max: number; timeWindowMs: number } | undefined;
}

export interface AppOptions {
  logger?: FastifyServerOptions["logger"];
  https?: { key: string | Buffer; cert: string | Buffer } | undefined;
  trustProxy?: FastifyServerOptions["trustProxy"];
  /** Largest request body; scan uploads have their own limit. */
  bodyLimit?: number;
  /** The built web app (packages/web/dist) at / when it exists; false: API only. */
  web?: ServeWebOptions | false;
}

/** The portal's HTTP application: security plugins, authentication, every domain's routes. */
export async function buildApp(ctx: PortalContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    ...(options.https ? { https: options.https } : {}),
  } as FastifyServerOptions).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    hsts: options.https ? { maxAge: 31_536_000 } : false,
  });
  // Limits are per route (login, password reset); nothing global.
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Device Portal API",
        version: "1.0.0",
        description: "REST API of the Device Portal (docs/api.md)",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "dp_session" },
          apiKey: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  // Every route's declared right (config.right), for the rights-matrix test.
  registerRouteRights(app);

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error))
      return reply.status(400).send({
        error: "bad-request",
        message: error.validation.map((v) => `${v.instancePath || "(body)"} ${v.message}`).join("; "),
        details: error.validation,
      });
    if (error instanceof HttpError)
      return reply.status(error.statusCode).send({
        error: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500)
      return reply.status(status).send({
        error: (error as { code?: string }).code ?? "bad-request",
        message: (error as Error).message,
      });
    request.log.error({ err: error }, "request failed");
    return reply.status(500).send({ error: "internal", message: "internal error" });
  });

  app.addHook("onRequest", authenticate(ctx.db, ctx.resolveApiKey));
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    ctx.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ ok: true }));
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  for (const plugin of domainPlugins) await app.register(plugin, { ctx } as never);

  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  if (options.web !== false) await serveWeb(app, options.web);
  return app;
}
