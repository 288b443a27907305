import {
  type CollectorCall,
  collectorApiPath,
  collectorCalls,
  defaultMaxEnvelopeBytes,
  EnvelopeError,
  type EnvelopeHeader,
  envelopeContentType,
  openEnvelope,
  type PortalErrorBody,
  type PortalErrorReason,
  sealEnvelope,
} from "@device-portal/protocol";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { PortalContext } from "../app.ts";
import type { DomainPlugin } from "../domains.ts";
import { type EnvelopeSender, findCollectorKey, findEnrolmentKey } from "./envelope-keys.ts";
import { type CallAnswer, checkin, enrol, uploadScan } from "./protocol-calls.ts";

/**
 * The collectors' own endpoints (docs/collector-protocol.md): POST /api/collector/v1/enrol,
 * /checkin and /scans, each a sealed envelope in and out. They are no part of the REST API: hidden
 * from the OpenAPI document, anonymous (the envelope's key is the credential), and every refusal
 * is the protocol's JSON (`{ error, message?, serverTime? }`), never the REST error shape.
 */
export const collectorProtocolRoutes: DomainPlugin = async (app, { ctx }) => {
  // Encapsulated in this plugin: only these routes take envelopes, as raw bytes.
  app.addContentTypeParser(
    envelopeContentType,
    { parseAs: "buffer", bodyLimit: defaultMaxEnvelopeBytes },
    (_request, body, done) => done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const code = (error as { code?: string }).code;
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return refuse(reply, 413, "too-large", `an envelope is at most ${defaultMaxEnvelopeBytes} bytes`);
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return wrongMediaType(reply);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) return refuse(reply, 400, "bad-envelope", (error as Error).message);
    request.log.error({ err: error }, "collector call failed");
    // The collector retries a 5xx later (no sooner than Retry-After).
    return reply.code(500).header("retry-after", "60").send({ error: "internal", message: "internal error" });
  });

  for (const call of Object.keys(collectorCalls) as CollectorCall[]) {
    app.post(
      `/${collectorApiPath}${collectorCalls[call].path}`,
      {
        bodyLimit: defaultMaxEnvelopeBytes,
        schema: { hide: true },
        config: { right: "public" },
      },
      (request, reply) => handle(ctx, call, request, reply),
    );
  }
};

function refuse(
  reply: FastifyReply,
  status: 400 | 401 | 413,
  reason: PortalErrorReason,
  message: string,
  extra: Partial<PortalErrorBody> = {},
) {
  return reply
    .code(status)
    .type("application/json")
    .send({ error: reason, message, ...extra });
}

function wrongMediaType(reply: FastifyReply) {
  return reply
    .code(415)
    .type("application/json")
    .send({ error: "unsupported-media-type", message: `send ${envelopeContentType}` });
}

/** The protocol's answer to an envelope that could not be opened (its table of checks). */
function refuseEnvelope(reply: FastifyReply, error: EnvelopeError, call: CollectorCall) {
  switch (error.code) {
    case "too-large":
    case "bomb":
      return refuse(reply, 413, "too-large", error.message);
    case "unknown-key":
      return refuse(reply, 401, call === "enrol" ? "unknown-token" : "unknown-key", error.message);
    case "tampered":
      return refuse(reply, 401, "tampered", error.message);
    case "stale":
      return refuse(reply, 401, "stale", error.message, { serverTime: new Date().toISOString() });
    default:
      return refuse(reply, 400, "bad-envelope", `${error.code}: ${error.message}`);
  }
}

async function handle(ctx: PortalContext, call: CollectorCall, request: FastifyRequest, reply: FastifyReply) {
  const receivedAt = new Date();
  const body = request.body;
  if (!Buffer.isBuffer(body)) return wrongMediaType(reply);
  const spec = collectorCalls[call];

  let sender: EnvelopeSender | undefined;
  let opened: { header: EnvelopeHeader; payload: Buffer };
  try {
    opened = await openEnvelope(
      async (header) => {
        sender =
          call === "enrol"
            ? await findEnrolmentKey(ctx.db, ctx.secrets, header)
            : await findCollectorKey(ctx.db, ctx.secrets, header);
        return sender?.key;
      },
      body,
      { expectDir: "c2p", expectType: spec.request },
    );
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    if (call === "scans") ctx.metrics.ingestScans.inc({ outcome: "rejected" });
    return refuseEnvelope(reply, error, call);
  }
  const from = sender as EnvelopeSender;
  const { header, payload } = opened;

  let answer: CallAnswer;
  if (call === "enrol") answer = await enrol(ctx, from, header, payload);
  else if (call === "checkin") answer = await checkin(ctx, from, header, payload);
  else {
    const outcome = await uploadScan(ctx, from, header, payload, receivedAt);
    answer = outcome.answer;
    const stored = outcome.result?.stored;
    ctx.metrics.ingestScans.inc({
      outcome: stored === undefined ? "rejected" : stored ? "stored" : "duplicate",
    });
    if (stored) ctx.metrics.ingestDevices.inc(outcome.result?.devices ?? 0);
    ctx.metrics.ingestDuration.observe((Date.now() - receivedAt.getTime()) / 1000);
  }

  if (answer.kind === "refused") return refuse(reply, answer.status, answer.reason, answer.message);
  const sealed = sealEnvelope(
    from.key,
    {
      type: answer.kind === "invalid" ? "error" : spec.response,
      // `enrolled` carries no collector id; every other answer names the collector it answers.
      collectorId: call === "enrol" ? undefined : header.collectorId,
      keyId: header.keyId,
      messageId: header.messageId,
    },
    JSON.stringify(
      answer.kind === "invalid"
        ? ({ error: "invalid-payload", message: answer.message } satisfies PortalErrorBody)
        : answer.payload,
    ),
  );
  return reply
    .code(answer.kind === "invalid" ? 400 : 200)
    .type(envelopeContentType)
    .send(sealed);
}
