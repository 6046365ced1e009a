// The audit family: the event's fields, chain verification, the filter and the root fields.
import {
  auditChain,
  auditEventsPage,
  auditPublicKey,
  createAuditCheckpoint,
  eventActor,
  eventTenant,
  platformAuditEventsPage,
  platformEventActor,
  type AuditChainVerification,
  type AuditCheckpointRecord,
  type AuditPublicKey,
  type CheckpointCoverage,
} from "../../resolvers/audit.ts";
import { UserErrorType } from "./common.ts";
import type { UserError } from "../../resolvers/connection.ts";
import { builder, capabilityField } from "../builder.ts";
import type { PlatformAuditEventRecord } from "../../domain/vocabulary.ts";
import { backwardPageArgs } from "./common.ts";
import { ActorObject } from "./actor.ts";
import { AuditEventConnection, AuditEventType, TenantType } from "./refs.ts";

builder.objectFields(AuditEventType, (t) => ({
  sequence: t.exposeInt("sequence", { description: "Per tenant, gapless, starting at 1." }),
  action: t.exposeString("action", {
    description:
      "tenant.created, tenant.updated, tenant.lifecycle.<transition in lower snake case>, onboarding.step_completed, operation_run.started, operation_run.updated",
  }),
  tenant: t.field({ type: TenantType, nullable: true, resolve: eventTenant }),
  actor: t.field({ type: ActorObject, resolve: eventActor }),
  operatorOverride: t.exposeBoolean("operatorOverride"),
  reason: t.exposeString("reason", { nullable: true, description: "null for tenant-scoped viewers." }),
  changes: t.expose("changes", {
    type: "JSON",
    description:
      "{ field: { from, to } }; internal fields (statusReason, failureReason) are removed for tenant-scoped viewers.",
  }),
  requestId: t.exposeString("requestId", {
    nullable: true,
    description: "The request's X-Request-Id (or the id the server generated).",
  }),
  occurredAt: t.expose("occurredAt", { type: "DateTime" }),
  hash: t.exposeString("hash", { description: "sha256 over the previous hash and this event's canonical content." }),
  previousHash: t.exposeString("previousHash", { nullable: true }),
}));

const AuditCheckpointType = builder.objectRef<AuditCheckpointRecord>("AuditCheckpoint").implement({
  description:
    "A signed Merkle root over every tenant's audit head (tenant id, sequence, hash); docs/audit-evidence.md says how to verify one.",
  fields: (t) => ({
    id: t.exposeID("id"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    tenantCount: t.exposeInt("tenantCount"),
    root: t.exposeString("root", { description: "RFC 6962-shaped Merkle root, hex." }),
    publicKeyId: t.exposeString("publicKeyId", { description: "The id of the Ed25519 key that signed it." }),
    signature: t.exposeString("signature", { description: "Ed25519 signature of the checkpoint statement, base64." }),
    requestedBy: t.exposeString("requestedBy", {
      nullable: true,
      description: "The operator who asked for it; null for periodic checkpoints.",
    }),
  }),
});

const AuditChainCheckpointType = builder.objectRef<CheckpointCoverage>("AuditChainCheckpoint").implement({
  description: "The latest checkpoint and this tenant's head in it.",
  fields: (t) => ({
    checkpoint: t.field({ type: AuditCheckpointType, resolve: (coverage) => coverage.checkpoint }),
    sequence: t.exposeInt("sequence"),
    hash: t.exposeString("hash"),
    signatureValid: t.exposeBoolean("signatureValid"),
  }),
});

const AuditChainVerificationType = builder.objectRef<AuditChainVerification>("AuditChainVerification").implement({
  fields: (t) => ({
    valid: t.exposeBoolean("valid"),
    eventCount: t.exposeInt("eventCount"),
    firstBrokenSequence: t.exposeInt("firstBrokenSequence", {
      nullable: true,
      description: "The first sequence whose hash does not verify; null when valid.",
    }),
    problems: t.exposeStringList("problems", {
      description: "What is broken, in words (the first 20); empty when valid.",
    }),
    checkpoint: t.expose("checkpoint", {
      type: AuditChainCheckpointType,
      nullable: true,
      description: "The latest checkpoint covering this chain; null when the tenant is newer than every checkpoint.",
    }),
    consistentWithCheckpoint: t.exposeBoolean("consistentWithCheckpoint", {
      nullable: true,
      description: "Whether the chain extends the checkpoint's head for this tenant; null without a checkpoint.",
    }),
  }),
});

const AuditPublicKeyType = builder.objectRef<AuditPublicKey>("AuditPublicKey").implement({
  description: "The Ed25519 public key checkpoints are signed with (also GET /audit/public-key).",
  fields: (t) => ({
    keyId: t.exposeString("keyId"),
    algorithm: t.exposeString("algorithm"),
    pem: t.exposeString("pem", { description: "SubjectPublicKeyInfo, PEM." }),
  }),
});

const CreateAuditCheckpointPayload = builder
  .objectRef<{ checkpoint: AuditCheckpointRecord | null; userErrors: UserError[] }>("CreateAuditCheckpointPayload")
  .implement({
    fields: (t) => ({
      checkpoint: t.expose("checkpoint", { type: AuditCheckpointType, nullable: true }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });

const AuditEventFilterInput = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    action: t.string({ description: "Prefix match, e.g. tenant.lifecycle" }),
    occurredAfter: t.field({ type: "DateTime", description: "Occurred at or after this time." }),
    occurredBefore: t.field({
      type: "DateTime",
      description: "Occurred before this time (not at it); not earlier than occurredAfter.",
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    ...capabilityField("readPlatform"),
    type: AuditEventConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      ...backwardPageArgs,
      filter: t.arg({ type: AuditEventFilterInput }),
    },
    resolve: auditEventsPage,
  }),
  auditChain: t.field({
    ...capabilityField("readPlatform"),
    type: AuditChainVerificationType,
    args: { tenantId: t.arg.id({ required: true }) },
    resolve: auditChain,
  }),
  auditPublicKey: t.field({
    ...capabilityField("readPlatform"),
    type: AuditPublicKeyType,
    resolve: auditPublicKey,
  }),
}));

builder.mutationFields((t) => ({
  createAuditCheckpoint: t.field({
    ...capabilityField("checkpointAudit"),
    type: CreateAuditCheckpointPayload,
    description: "Takes a signed checkpoint over every tenant's audit head now (docs/design.md §4).",
    resolve: createAuditCheckpoint,
  }),
}));

export const PlatformAuditEventType = builder.objectRef<PlatformAuditEventRecord>("PlatformAuditEvent").implement({
  description:
    "A change that belongs to no tenant (a webhook endpoint's, a signed checkpoint), recorded in the change's transaction. Never holds a secret. audit.checkpoint.created records are also events that webhooks and broker sinks deliver.",
  fields: (t) => ({
    id: t.exposeID("id"),
    action: t.exposeString("action", {
      description:
        "webhook_endpoint.created, webhook_endpoint.updated, webhook_endpoint.secret_rotated, webhook_endpoint.deleted, webhook_endpoint.deliveries_replayed, audit.checkpoint.created",
    }),
    subjectId: t.exposeID("subjectId", {
      description: "The changed thing: a webhook endpoint's id, or a checkpoint's (audit.checkpoint.created).",
    }),
    actor: t.field({ type: ActorObject, resolve: platformEventActor }),
    changes: t.expose("changes", {
      type: "JSON",
      description: "{ field: { from, to } }; a replay's or rotation's parameters.",
    }),
    requestId: t.exposeString("requestId", { nullable: true }),
    occurredAt: t.expose("occurredAt", { type: "DateTime" }),
  }),
});

const PlatformAuditEventConnection = builder.connectionObject(
  { type: PlatformAuditEventType, name: "PlatformAuditEventConnection" },
  { name: "PlatformAuditEventEdge" },
);

builder.queryFields((t) => ({
  platformAuditEvents: t.field({
    ...capabilityField("readPlatform"),
    type: PlatformAuditEventConnection,
    description:
      "Platform readers; newest first. subjectId: one endpoint's changes (it may since have been deleted), or one checkpoint's record.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string(), subjectId: t.arg.id() },
    resolve: platformAuditEventsPage,
  }),
}));
