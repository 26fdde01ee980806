import type { MemberRole } from '@hub/persistence';
import type { Need } from './principal';
import { effectiveRole, roleAllows, roleAtMost } from './roles';

describe('workspace roles', () => {
  const table: [MemberRole, Need, boolean][] = [
    ['viewer', 'read', true],
    ['viewer', 'write', false],
    ['viewer', 'owner', false],
    ['admin', 'read', true],
    ['admin', 'write', true],
    ['admin', 'owner', false],
    ['owner', 'read', true],
    ['owner', 'write', true],
    ['owner', 'owner', true],
  ];
  it.each(table)('%s may %s: %s', (role, need, allowed) => {
    expect(roleAllows(role, need)).toBe(allowed);
  });

  it("caps the member's role by the token's role, never raises it", () => {
    expect(effectiveRole('owner', null)).toBe('owner');
    expect(effectiveRole('owner', 'viewer')).toBe('viewer');
    expect(effectiveRole('admin', 'owner')).toBe('admin');
    expect(effectiveRole('viewer', 'owner')).toBe('viewer');
    expect(effectiveRole('owner', 'admin')).toBe('admin');
  });

  it('a viewer-capped token cannot write even for an owner', () => {
    expect(roleAllows(effectiveRole('owner', 'viewer'), 'write')).toBe(false);
  });

  it('orders roles', () => {
    expect(roleAtMost('viewer', 'admin')).toBe(true);
    expect(roleAtMost('admin', 'admin')).toBe(true);
    expect(roleAtMost('owner', 'admin')).toBe(false);
  });
});
