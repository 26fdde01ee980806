/** Codes of the delivery ledger's API errors and dead letters. */
export enum DeliveryErrorCode {
  DeliveryNotFound = 'DELIVERY_NOT_FOUND',
  SubscriptionNotFound = 'SUBSCRIPTION_NOT_FOUND',
  InvalidQuery = 'INVALID_QUERY',
  InstallationNotFound = 'INSTALLATION_NOT_FOUND',
  ActionNotFound = 'ACTION_NOT_FOUND',
  /** The input no longer validates with the connector version that runs (or never did). */
  InvalidInput = 'VALIDATION_FAILED',
}
