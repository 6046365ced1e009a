/** Who is calling, as established from a verified token. Services receive it on every call. */
export interface Principal {
  /** The token's subject. */
  readonly sub: string;
  readonly scopes: readonly string[];
  /** Set for tenant users only (`tenant_id` claim). */
  readonly tenantId: string | null;
}
