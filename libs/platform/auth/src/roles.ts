import type { MemberRole } from '@hub/persistence';
import type { Need } from './principal';

const RANK: Record<MemberRole, number> = { viewer: 1, admin: 2, owner: 3 };
const NEEDED: Record<Need, number> = { read: RANK.viewer, write: RANK.admin, owner: RANK.owner };

/** The role a request acts with: the member's role, lowered to the token's cap when it has one. */
export function effectiveRole(memberRole: MemberRole, tokenRole: MemberRole | null): MemberRole {
  return tokenRole && RANK[tokenRole] < RANK[memberRole] ? tokenRole : memberRole;
}

/** Viewers read; admins read and write; owners also manage members and delete the workspace. */
export function roleAllows(role: MemberRole, need: Need): boolean {
  return RANK[role] >= NEEDED[need];
}

export function roleAtMost(role: MemberRole, ceiling: MemberRole): boolean {
  return RANK[role] <= RANK[ceiling];
}
