import {
  reservedGroupTraits,
  reservedIdentifyTraits,
  reservedTrackProperties,
  traitsName,
} from './reserved-traits';

const errorPaths = (result: { error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((i) => i.path.join('.'));

describe('reservedIdentifyTraits', () => {
  it('accepts the reserved traits in both casings and keeps unknown keys', () => {
    const traits = {
      email: 'ada@example.com',
      firstName: 'Ada',
      last_name: 'Lovelace',
      age: 36,
      birthday: '1815-12-10',
      createdAt: '2024-05-01T12:00:00Z',
      created_at: '2024-05-01T12:00:00+02:00',
      address: { city: 'London', postalCode: 'W1', country: 'UK' },
      company: { id: 42, name: 'Analytical Engines', employee_count: 3, plan: 'pro' },
      plan_tier: 'gold',
    };
    expect(reservedIdentifyTraits.parse(traits)).toEqual(traits);
  });

  it('accepts null to clear a trait', () => {
    expect(reservedIdentifyTraits.safeParse({ email: null, company: null }).success).toBe(true);
  });

  it('is strict on the types of reserved traits', () => {
    const result = reservedIdentifyTraits.safeParse({
      email: 42,
      age: '36',
      createdAt: 'last tuesday',
      address: { city: 1 },
      company: { employee_count: 'many', remove: 'yes' },
    });
    expect(errorPaths(result)?.sort()).toEqual([
      'address.city',
      'age',
      'company.employee_count',
      'company.remove',
      'createdAt',
      'email',
    ]);
  });

  it('reads the unlink convention company.remove', () => {
    expect(reservedIdentifyTraits.parse({ company: { id: 'acme', remove: true } }).company?.remove).toBe(true);
  });
});

describe('reservedGroupTraits', () => {
  it('accepts the reserved group traits, employees as number or string', () => {
    const traits = { name: 'Acme', industry: 'Tools', employees: 120, plan: 'enterprise', website: 'https://acme.test' };
    expect(reservedGroupTraits.parse(traits)).toEqual(traits);
    expect(reservedGroupTraits.safeParse({ employees: '120' }).success).toBe(true);
  });

  it('rejects wrong types', () => {
    expect(errorPaths(reservedGroupTraits.safeParse({ name: ['Acme'], createdAt: 17 }))?.sort()).toEqual([
      'createdAt',
      'name',
    ]);
  });
});

describe('reservedTrackProperties', () => {
  it('accepts decimal revenue, an ISO 4217 currency and value', () => {
    const props = { revenue: 19.99, currency: 'EUR', value: 5, sku: 'A-1' };
    expect(reservedTrackProperties.parse(props)).toEqual(props);
  });

  it.each([
    [{ revenue: '19.99' }, 'revenue'],
    [{ currency: 'usd' }, 'currency'],
    [{ currency: 'EURO' }, 'currency'],
    [{ value: true }, 'value'],
  ])('rejects %p', (props, path) => {
    expect(errorPaths(reservedTrackProperties.safeParse(props))).toEqual([path]);
  });
});

describe('traitsName', () => {
  it('prefers name, else joins first and last name in either casing', () => {
    expect(traitsName({ name: 'Ada L.', firstName: 'Ada' })).toBe('Ada L.');
    expect(traitsName({ firstName: 'Ada', lastName: 'Lovelace' })).toBe('Ada Lovelace');
    expect(traitsName({ first_name: 'Ada', last_name: 'Lovelace' })).toBe('Ada Lovelace');
    expect(traitsName({ lastName: 'Lovelace' })).toBe('Lovelace');
    expect(traitsName({ name: '  ' })).toBeUndefined();
  });
});
