/** Who is calling, as established from a verified token. Services receive it on every call. */
export interface Principal {
  /** The token's subject. */
  sub: string;
  scopes: readonly string[];
  /** Set for tenant users only (`tenant_id` claim). */
  tenantId: string | null;
}
