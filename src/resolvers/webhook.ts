// Resolvers of the webhook family (docs/design.md §9): endpoints, their deliveries, the mutations.
import type { GraphQLResolveInfo } from "graphql";
import type { WebhookEndpointRecord } from "../domain/vocabulary.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listPlatformEventDeliveries,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDeliveries,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type DeliveryWithEvent,
  type PlatformDeliveryWithEvent,
} from "../services/webhooks/webhook-endpoint-service.ts";
import { pageArgs, toConnection, toPayload } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type WebhookEndpointParent = WebhookEndpointRecord;
export type WebhookDeliveryParent = DeliveryWithEvent;
export type PlatformEventDeliveryParent = PlatformDeliveryWithEvent;
/** What the attempt fields read of either kind of delivery. */
type AnyDelivery = WebhookDeliveryParent | PlatformEventDeliveryParent;

interface PageArgsInput {
  first?: number | null;
  after?: string | null;
}

export const webhookEndpointsPage = async (
  _root: unknown,
  args: PageArgsInput,
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) => toConnection(await listWebhookEndpoints(servicesOf(context), pageArgs(args, info)));

export const webhookEndpointById = (_root: unknown, args: { id: string }, context: GraphQLContext) =>
  getWebhookEndpoint(servicesOf(context), args.id);

export const endpointDeliveries = async (
  endpoint: WebhookEndpointParent,
  args: PageArgsInput & { status?: readonly string[] | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) =>
  toConnection(
    await listWebhookDeliveries(servicesOf(context), endpoint.id, { ...pageArgs(args, info), status: args.status }),
  );

export const endpointPlatformEventDeliveries = async (
  endpoint: WebhookEndpointParent,
  args: PageArgsInput & { status?: readonly string[] | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) =>
  toConnection(
    await listPlatformEventDeliveries(servicesOf(context), endpoint.id, {
      ...pageArgs(args, info),
      status: args.status,
    }),
  );

/** The attempt log's latest entry, or null before the first attempt. */
export const deliveryLastAttempt = (delivery: AnyDelivery) =>
  delivery.lastAttemptAt === null
    ? null
    : {
        at: delivery.lastAttemptAt,
        httpStatus: delivery.lastHttpStatus,
        durationMs: delivery.lastDurationMs ?? 0,
        error: delivery.lastError,
      };

/** Every recorded attempt (at most ATTEMPT_LOG_LENGTH, the latest), oldest first. */
export const deliveryAttemptLog = async (delivery: AnyDelivery) =>
  (await delivery.attemptLog()).map((attempt) => ({
    at: attempt.at,
    httpStatus: attempt.httpStatus,
    durationMs: attempt.durationMs,
    error: attempt.error,
  }));

export interface CreateWebhookEndpointInput {
  url: string;
  eventTypes?: string[] | null;
  description?: string | null;
}
export interface UpdateWebhookEndpointInput {
  endpointId: string;
  url?: string | null;
  eventTypes?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
  expectedVersion?: number | null;
}

export const createWebhookEndpointMutation = async (
  _root: unknown,
  { input }: { input: CreateWebhookEndpointInput },
  context: GraphQLContext,
) => toPayload(await createWebhookEndpoint(servicesOf(context), input));

export const updateWebhookEndpointMutation = async (
  _root: unknown,
  { input }: { input: UpdateWebhookEndpointInput },
  context: GraphQLContext,
) => toPayload(await updateWebhookEndpoint(servicesOf(context), input));

export const rotateWebhookSecretMutation = async (
  _root: unknown,
  { input }: { input: { endpointId: string; previousSecretExpiresInSeconds?: number | null } },
  context: GraphQLContext,
) => toPayload(await rotateWebhookSecret(servicesOf(context), input));

export const deleteWebhookEndpointMutation = async (
  _root: unknown,
  { input }: { input: { endpointId: string } },
  context: GraphQLContext,
) => toPayload(await deleteWebhookEndpoint(servicesOf(context), input));

export const replayWebhookDeliveriesMutation = async (
  _root: unknown,
  { input }: { input: { endpointId: string; since: Date; until?: Date | null; onlyFailed?: boolean | null } },
  context: GraphQLContext,
) => toPayload(await replayWebhookDeliveries(servicesOf(context), input));
