import { z } from 'zod';

// Reserved traits and properties are typed strictly but every key stays optional and unknown
// keys pass through: customers add their own traits, and the spec's names are only a promise
// about what a key means when present. `null` is accepted because senders use it to clear a trait.

const text = z.string({ error: 'must be a string' }).nullable().optional();
const num = z.number({ error: 'must be a number' }).nullable().optional();
// Ids are strings in the spec, but senders often pass database integers; Segment keeps both.
const id = z.union([z.string(), z.number()], { error: 'must be a string or a number' }).nullable().optional();
/** ISO-8601 date (`2024-05-01`) or date-time with an offset or `Z`. */
export const isoDateOrDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO-8601 date or date-time',
});
const date = isoDateOrDateTime.nullable().optional();

export const traitAddress = z.looseObject({
  city: text,
  country: text,
  postalCode: text,
  postal_code: text,
  state: text,
  street: text,
});

export const traitCompany = z.looseObject({
  id,
  name: text,
  industry: text,
  employee_count: num,
  employeeCount: num,
  plan: text,
  /** Vitally's unlink convention: an identify with `company: {id, remove: true}`. */
  remove: z.boolean({ error: 'must be a boolean' }).optional(),
});

export const reservedIdentifyTraits = z.looseObject({
  address: traitAddress.nullable().optional(),
  age: num,
  avatar: text,
  birthday: date,
  company: traitCompany.nullable().optional(),
  createdAt: date,
  created_at: date,
  description: text,
  email: text,
  firstName: text,
  first_name: text,
  gender: text,
  id,
  lastName: text,
  last_name: text,
  name: text,
  phone: text,
  title: text,
  username: text,
  website: text,
});

export const reservedGroupTraits = z.looseObject({
  address: traitAddress.nullable().optional(),
  avatar: text,
  createdAt: date,
  created_at: date,
  description: text,
  email: text,
  // The spec types it as a string; numbers are what most senders actually send.
  employees: z.union([z.number(), z.string()], { error: 'must be a number or a string' }).nullable().optional(),
  id,
  industry: text,
  name: text,
  phone: text,
  website: text,
  plan: text,
});

export const DEFAULT_CURRENCY = 'USD';

export const reservedTrackProperties = z.looseObject({
  revenue: num,
  currency: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters')
    .nullable()
    .optional(),
  value: num,
});

export type TraitAddress = z.infer<typeof traitAddress>;
export type TraitCompany = z.infer<typeof traitCompany>;
export type ReservedIdentifyTraits = z.infer<typeof reservedIdentifyTraits>;
export type ReservedGroupTraits = z.infer<typeof reservedGroupTraits>;
export type ReservedTrackProperties = z.infer<typeof reservedTrackProperties>;

const present = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/** The spec's `name` trait: as sent, else first and last name joined. */
export function traitsName(traits: ReservedIdentifyTraits): string | undefined {
  if (present(traits.name)) return traits.name;
  const parts = [traits.firstName ?? traits.first_name, traits.lastName ?? traits.last_name].filter(present);
  return parts.length > 0 ? parts.join(' ') : undefined;
}
