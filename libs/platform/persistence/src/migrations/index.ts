import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { CredentialsAndAudit1764300000000 } from './1764300000000-credentials-and-audit';
import { OAuthStates1764300000001 } from './1764300000001-oauth-states';
import { CredentialRefresh1764300000002 } from './1764300000002-credential-refresh';
import { IngestInbox1764400000000 } from './1764400000000-ingest-inbox';
import { InboundKeys1764400000001 } from './1764400000001-inbound-keys';
import { Profiles1764410000000 } from './1764410000000-profiles';
import { ProfilesWritePath1764410000001 } from './1764410000001-profiles-write-path';
import { ProfilesMembershipKeys1764410000002 } from './1764410000002-profiles-membership-keys';
import { InboxAttribution1764410000003 } from './1764410000003-inbox-attribution';
import { DeliveriesAndSubscriptions1764500000000 } from './1764500000000-deliveries-and-subscriptions';
import { DeliveriesAutovacuum1764500000001 } from './1764500000001-deliveries-autovacuum';
import { DeliveriesSendPath1764500000002 } from './1764500000002-deliveries-send-path';

/** Every migration, in order. A new migration is a new file here, never an edit of an old one. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  CredentialsAndAudit1764300000000,
  OAuthStates1764300000001,
  CredentialRefresh1764300000002,
  IngestInbox1764400000000,
  InboundKeys1764400000001,
  Profiles1764410000000,
  ProfilesWritePath1764410000001,
  ProfilesMembershipKeys1764410000002,
  InboxAttribution1764410000003,
  DeliveriesAndSubscriptions1764500000000,
  DeliveriesAutovacuum1764500000001,
  DeliveriesSendPath1764500000002,
];
