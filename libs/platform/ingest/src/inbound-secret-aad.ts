/**
 * The AAD of a sealed inbound shared secret: bound to its workspace and `inbound_keys` row, so a
 * ciphertext copied to another row or workspace does not open. It lives in the vault, whose key
 * rotation re-seals these rows with the others.
 */
export { inboundKeyAad as inboundSecretAad } from '@hub/vault';
