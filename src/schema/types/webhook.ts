// The webhook family (docs/design.md §9): endpoints, deliveries, attempts, root fields, mutations.
import type { Payload } from "../../resolvers/connection.ts";
import {
  createWebhookEndpointMutation,
  deleteWebhookEndpointMutation,
  deliveryAttemptLog,
  deliveryLastAttempt,
  endpointDeliveries,
  endpointPlatformEventDeliveries,
  replayWebhookDeliveriesMutation,
  rotateWebhookSecretMutation,
  updateWebhookEndpointMutation,
  webhookEndpointById,
  webhookEndpointsPage,
  type PlatformEventDeliveryParent,
  type WebhookDeliveryParent,
  type WebhookEndpointParent,
} from "../../resolvers/webhook.ts";
import { builder, capabilityField } from "../builder.ts";
import { UserErrorType } from "./common.ts";
import { PlatformAuditEventType } from "./audit.ts";
import { TenantEventType } from "./tenant-event.ts";

const WebhookDeliveryStatusEnum = builder.enumType("WebhookDeliveryStatus", {
  values: {
    PENDING: { description: "Waiting for its first or next attempt (or for an earlier event of its tenant)." },
    SUCCEEDED: { description: "The endpoint answered 2xx." },
    FAILED: { description: "Failed for good: the retry schedule ran out, or the endpoint answered 410." },
  } as const,
});

interface AttemptParent {
  at: Date;
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

const WebhookAttemptType = builder.objectRef<AttemptParent>("WebhookAttempt").implement({
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime" }),
    httpStatus: t.exposeInt("httpStatus", { nullable: true, description: "null when no response arrived." }),
    durationMs: t.exposeInt("durationMs"),
    error: t.exposeString("error", { nullable: true }),
  }),
});

const WebhookDeliveryType = builder.objectRef<WebhookDeliveryParent>("WebhookDelivery").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    event: t.field({
      type: TenantEventType,
      resolve: (delivery) => {
        if (!delivery.event) throw new Error("a delivery's event is missing");
        return delivery.event;
      },
    }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    attempts: t.exposeInt("attempts"),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true }),
    lastAttempt: t.field({ type: WebhookAttemptType, nullable: true, resolve: deliveryLastAttempt }),
    attemptLog: t.field({
      type: [WebhookAttemptType],
      description:
        "Every recorded attempt, oldest first; no more than the latest 20 — the schedule's 10, and a replay's. An attempt cut short by a crash is counted in attempts but has no entry.",
      resolve: deliveryAttemptLog,
    }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject(
  { type: WebhookDeliveryType, name: "WebhookDeliveryConnection" },
  { name: "WebhookDeliveryEdge" },
);

const PlatformEventDeliveryType = builder.objectRef<PlatformEventDeliveryParent>("PlatformEventDelivery").implement({
  description:
    "The delivery of a platform event (a signed checkpoint: audit.checkpoint.created) to an endpoint; such events belong to no tenant's FIFO order.",
  fields: (t) => ({
    id: t.exposeID("id"),
    event: t.field({
      type: PlatformAuditEventType,
      resolve: (delivery) => {
        if (!delivery.event) throw new Error("a delivery's event is missing");
        return delivery.event;
      },
    }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    attempts: t.exposeInt("attempts"),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true }),
    lastAttempt: t.field({ type: WebhookAttemptType, nullable: true, resolve: deliveryLastAttempt }),
    attemptLog: t.field({
      type: [WebhookAttemptType],
      description: "Every recorded attempt, oldest first; no more than the latest 20.",
      resolve: deliveryAttemptLog,
    }),
  }),
});

const PlatformEventDeliveryConnection = builder.connectionObject(
  { type: PlatformEventDeliveryType, name: "PlatformEventDeliveryConnection" },
  { name: "PlatformEventDeliveryEdge" },
);

const WebhookEndpointType = builder.objectRef<WebhookEndpointParent>("WebhookEndpoint").implement({
  description: "Where lifecycle events are POSTed, signed (Standard Webhooks). Its secret is never readable.",
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    description: t.exposeString("description", { nullable: true }),
    eventTypes: t.exposeStringList("eventTypes", { description: "Event types sent; empty: every type." }),
    enabled: t.exposeBoolean("enabled"),
    disabledReason: t.exposeString("disabledReason", { nullable: true }),
    version: t.exposeInt("version"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    deliveries: t.field({
      type: WebhookDeliveryConnection,
      description:
        "Oldest first: the attempt log of each tenant event sent (or to send) to this endpoint; platform events' are platformEventDeliveries.",
      args: {
        first: t.arg.int({ defaultValue: 20 }),
        after: t.arg.string(),
        status: t.arg({ type: [WebhookDeliveryStatusEnum] }),
      },
      resolve: endpointDeliveries,
    }),
    platformEventDeliveries: t.field({
      type: PlatformEventDeliveryConnection,
      description:
        "Oldest first: the deliveries of platform events (signed checkpoints), which deliveries (tenant events) does not list.",
      args: {
        first: t.arg.int({ defaultValue: 20 }),
        after: t.arg.string(),
        status: t.arg({ type: [WebhookDeliveryStatusEnum] }),
      },
      resolve: endpointPlatformEventDeliveries,
    }),
  }),
});

const WebhookEndpointConnection = builder.connectionObject(
  { type: WebhookEndpointType, name: "WebhookEndpointConnection" },
  { name: "WebhookEndpointEdge" },
);

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    ...capabilityField("readPlatform"),
    type: WebhookEndpointConnection,
    description: "Platform readers; oldest first.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: webhookEndpointsPage,
  }),
  webhookEndpoint: t.field({
    ...capabilityField("readPlatform"),
    type: WebhookEndpointType,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: webhookEndpointById,
  }),
}));

// ---------------------------------------------------------------- mutations (platform:operator)

const CreateWebhookEndpointInput = builder.inputType("CreateWebhookEndpointInput", {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: "https (plain http only where configured); public addresses only unless configured.",
    }),
    eventTypes: t.stringList({
      description:
        "Event types to send (audit actions, and platform events: audit.checkpoint.created); empty or absent: every type.",
    }),
    description: t.string(),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType("UpdateWebhookEndpointInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    url: t.string(),
    eventTypes: t.stringList(),
    description: t.string(),
    enabled: t.boolean({ description: "true re-enables a disabled endpoint: its waiting deliveries go out in order." }),
    expectedVersion: t.int(),
  }),
});

const RotateWebhookSecretInput = builder.inputType("RotateWebhookSecretInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    previousSecretExpiresInSeconds: t.int({
      description: "How long the current secrets keep signing beside the new one: 0..604800 (default 86400).",
    }),
  }),
});

const DeleteWebhookEndpointInput = builder.inputType("DeleteWebhookEndpointInput", {
  fields: (t) => ({ endpointId: t.id({ required: true }) }),
});

const ReplayWebhookDeliveriesInput = builder.inputType("ReplayWebhookDeliveriesInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    since: t.field({ type: "DateTime", required: true }),
    until: t.field({ type: "DateTime", description: "Default: now." }),
    onlyFailed: t.boolean({ defaultValue: true, description: "false: SUCCEEDED deliveries are sent again too." }),
  }),
});

type EndpointPayload = Payload<{ endpoint: WebhookEndpointParent; secret: string }>;

function endpointPayload(name: string, withSecret: boolean) {
  return builder.objectRef<EndpointPayload>(name).implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointType, nullable: true, resolve: (payload) => payload.endpoint ?? null }),
      ...(withSecret
        ? {
            secret: t.string({
              nullable: true,
              description: "whsec_…: shown this once, never readable again.",
              resolve: (payload) => payload.secret ?? null,
            }),
          }
        : {}),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });
}

const DeleteWebhookEndpointPayload = builder
  .objectRef<Payload<{ deletedEndpointId: string }>>("DeleteWebhookEndpointPayload")
  .implement({
    fields: (t) => ({
      deletedEndpointId: t.id({ nullable: true, resolve: (payload) => payload.deletedEndpointId ?? null }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });

const ReplayWebhookDeliveriesPayload = builder
  .objectRef<Payload<{ scheduled: number }>>("ReplayWebhookDeliveriesPayload")
  .implement({
    fields: (t) => ({
      scheduled: t.int({
        description: "Deliveries scheduled again (0 on a user error).",
        resolve: (payload) => payload.scheduled ?? 0,
      }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    ...capabilityField("manageWebhooks"),
    type: endpointPayload("CreateWebhookEndpointPayload", true),
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: createWebhookEndpointMutation,
  }),
  updateWebhookEndpoint: t.field({
    ...capabilityField("manageWebhooks"),
    type: endpointPayload("UpdateWebhookEndpointPayload", false),
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: updateWebhookEndpointMutation,
  }),
  rotateWebhookSecret: t.field({
    ...capabilityField("manageWebhooks"),
    type: endpointPayload("RotateWebhookSecretPayload", true),
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true }) },
    resolve: rotateWebhookSecretMutation,
  }),
  deleteWebhookEndpoint: t.field({
    ...capabilityField("manageWebhooks"),
    type: DeleteWebhookEndpointPayload,
    args: { input: t.arg({ type: DeleteWebhookEndpointInput, required: true }) },
    resolve: deleteWebhookEndpointMutation,
  }),
  replayWebhookDeliveries: t.field({
    ...capabilityField("manageWebhooks"),
    type: ReplayWebhookDeliveriesPayload,
    args: { input: t.arg({ type: ReplayWebhookDeliveriesInput, required: true }) },
    resolve: replayWebhookDeliveriesMutation,
  }),
}));
