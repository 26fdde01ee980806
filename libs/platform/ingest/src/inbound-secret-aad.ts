/**
 * The AAD of a sealed inbound shared secret: bound to its workspace and `inbound_keys` row, so a
 * ciphertext copied to another row or workspace does not open. Same shape as the vault's AADs
 * (`<table>:v1:<workspace>:<row id>`), so the vault's key rotation can re-seal these rows too.
 */
export const inboundSecretAad = (workspaceId: string, rowId: string): string => `inbound-keys:v1:${workspaceId}:${rowId}`;
