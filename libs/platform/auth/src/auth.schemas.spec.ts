import { addMemberBody, createTokenBody, createWorkspaceBody, loginBody, openApiSchema, updateWorkspaceBody } from './auth.schemas';

describe('request bodies', () => {
  it('login: strict, both fields required strings', () => {
    expect(loginBody.safeParse({ email: 'a@b.co', password: 'x' }).success).toBe(true);
    expect(loginBody.safeParse({ email: 'a@b.co' }).success).toBe(false);
    expect(loginBody.safeParse({ email: 'a@b.co', password: 123 }).success).toBe(false);
    expect(loginBody.safeParse({ email: 'a@b.co', password: 'x', remember: true }).success).toBe(false);
    expect(loginBody.safeParse({ email: 'a@b.co', password: 'x'.repeat(1025) }).success).toBe(false);
  });

  it('tokens: workspaceIds are UUIDs, role is one of the member roles', () => {
    expect(createTokenBody.safeParse({ name: 'ci' }).success).toBe(true);
    expect(createTokenBody.safeParse({ name: 'ci', workspaceIds: ['nope'] }).success).toBe(false);
    expect(createTokenBody.safeParse({ name: 'ci', workspaceIds: [] }).success).toBe(false);
    expect(createTokenBody.safeParse({ name: 'ci', role: 'superuser' }).success).toBe(false);
    expect(createTokenBody.safeParse({ name: '  ' }).success).toBe(false);
  });

  it('workspaces: slug pattern, PATCH needs at least one field', () => {
    expect(createWorkspaceBody.safeParse({ name: 'Acme', slug: 'acme-1' }).success).toBe(true);
    expect(createWorkspaceBody.safeParse({ name: 'Acme', slug: '-acme' }).success).toBe(false);
    expect(createWorkspaceBody.safeParse({ name: 'Acme', slug: 'Acme' }).success).toBe(false);
    expect(createWorkspaceBody.safeParse({ name: 'Acme', slug: 'a' }).success).toBe(false);
    expect(updateWorkspaceBody.safeParse({}).success).toBe(false);
    expect(updateWorkspaceBody.safeParse({ name: 'New' }).success).toBe(true);
  });

  it('members: role must be owner, admin or viewer', () => {
    expect(addMemberBody.safeParse({ email: 'a@b.co', role: 'viewer' }).success).toBe(true);
    expect(addMemberBody.safeParse({ email: 'a@b.co', role: 'root' }).success).toBe(false);
  });

  it('describes bodies for OpenAPI without a $schema key', () => {
    const schema = openApiSchema(loginBody);
    expect(schema).toMatchObject({ type: 'object', required: ['email', 'password'], additionalProperties: false });
    expect(schema).not.toHaveProperty('$schema');
  });
});
